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
    write(&pairs, false);
}

/// Query keys that belong to the whole page rather than to one view: the view itself, embedding and class links.
pub fn page_wide(key: &str) -> bool {
    matches!(key, "view" | "embed" | "hide" | "lock" | "note") || key.ends_with("_hide")
}

/// Query parameters as (key, value) pairs, in order.
pub type Pairs = Vec<(String, String)>;

/// Splits query pairs into the page-wide ones and the current view's own (its settings).
pub fn split_view_pairs(pairs: Pairs) -> (Pairs, Pairs) {
    pairs.into_iter().partition(|(k, _)| page_wide(k))
}

/// Opens view `id` as a new history entry (so Back returns to the view before), with the page-wide parameters and
/// `own`, the parameters that view had when it was last shown: one view's settings (Train's `tokens`, say) never
/// reach another view that reads the same name (the Calculator's `tokens`).
pub fn push_view(id: &str, own: Pairs) {
    let (mut pairs, _) = split_view_pairs(query());
    pairs.retain(|(k, _)| k != "view");
    pairs.push(("view".into(), id.into()));
    pairs.extend(own);
    write(&pairs, true);
}

fn write(pairs: &[(String, String)], new_entry: bool) {
    let search = format_query(pairs);
    if let Some(window) = web_sys::window() {
        let path = window.location().pathname().unwrap_or_default();
        let url = if search.is_empty() { path } else { format!("{path}?{search}") };
        if let Ok(history) = window.history() {
            let _ = if new_entry {
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            } else {
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Pairs {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_views_settings_are_its_own_and_embedding_keys_are_the_pages() {
        let query = pairs(&[("view", "train"), ("tokens", "1e6"), ("lock", "all"), ("lr_hide", "1"), ("note", "hi")]);
        let (page, own) = split_view_pairs(query);
        assert_eq!(page, pairs(&[("view", "train"), ("lock", "all"), ("lr_hide", "1"), ("note", "hi")]));
        assert_eq!(own, pairs(&[("tokens", "1e6")]));
    }
}
