//! The page's state in the URL query string, so a shared link reproduces the view and its settings.

/// The current query parameters, in order.
pub fn query() -> Vec<(String, String)> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    parse(&search)
}

/// One query parameter's value, if present.
pub fn get(key: &str) -> Option<String> {
    query().into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Sets (or, with `None`, removes) query parameters without reloading or adding history entries.
pub fn set(updates: &[(&str, Option<String>)]) {
    let mut pairs = query();
    for (key, value) in updates {
        pairs.retain(|(k, _)| k != key);
        if let Some(v) = value {
            pairs.push((key.to_string(), v.clone()));
        }
    }
    let search = format_query(&pairs);
    if let Some(window) = web_sys::window() {
        let path = window.location().pathname().unwrap_or_default();
        let url = if search.is_empty() { path } else { format!("{path}?{search}") };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// Parses `?a=1&b=x%20y` into pairs (percent-decoded, `+` as space).
pub fn parse(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub fn format_query(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

fn decode(s: &str) -> String {
    js_sys::decode_uri_component(&s.replace('+', " ")).map(String::from).unwrap_or_else(|_| s.to_string())
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// Whether the URL asks to hide a control: `<name>_hide=1` (as TensorFlow Playground's flags) or `hide=a,b`.
/// Embedding authors use it to show just the knobs their post talks about.
pub fn hidden(name: &str) -> bool {
    listed("hide", name) || get(&format!("{name}_hide")).is_some_and(|v| v != "0" && v != "false")
}

/// Whether the URL locks a control (shown, not editable): `lock=a,b`, or `lock=all` as a teacher's link does.
pub fn locked(name: &str) -> bool {
    listed("lock", name) || listed("lock", "all")
}

fn listed(key: &str, name: &str) -> bool {
    get(key).is_some_and(|list| list.split(',').any(|item| item.trim() == name))
}
