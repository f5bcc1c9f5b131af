//! Embedding and teacher links: `?embed=<view>` shows one widget for an iframe, `note=` and `lock=all`
//! turn a link into a prepared classroom demo, and the "Share or embed" panel writes both for the current view.

use crate::url;
use leptos::prelude::*;

/// The view to embed alone, if the URL asks for one (`?embed=calculator`).
pub fn embedded_view() -> Option<String> {
    url::get("embed").filter(|v| crate::pages::VIEWS.iter().any(|(id, _)| id == v))
}

/// A teacher's note carried in the link (`?note=...`), shown above the view.
#[component]
pub fn TeacherNote() -> impl IntoView {
    url::get("note").filter(|n| !n.trim().is_empty()).map(|note| {
        view! {
            <aside class="teacher-note" data-testid="teacher-note" aria-label="Note from whoever shared this link">
                <strong>"Note: "</strong>{note}
            </aside>
        }
    })
}

/// The link back to the full lab with the same settings, shown at the foot of an embedded widget.
#[component]
pub fn OpenFullLab() -> impl IntoView {
    let href = full_url(&[("embed", None)]);
    view! {
        <p class="embed-foot">
            <a href=href target="_blank" rel="noopener">"Open in Scaling Lab ↗"</a>
        </p>
    }
}

/// The current page's URL with some query parameters changed (None removes one).
fn full_url(changes: &[(&str, Option<String>)]) -> String {
    let mut pairs = url::query();
    for (key, value) in changes {
        pairs.retain(|(k, _)| k != key);
        if let Some(v) = value {
            pairs.push((key.to_string(), v.clone()));
        }
    }
    let location = web_sys::window().map(|w| w.location());
    let origin = location.as_ref().and_then(|l| l.origin().ok()).unwrap_or_default();
    let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_default();
    let query = url::format_query(&pairs);
    if query.is_empty() {
        format!("{origin}{path}")
    } else {
        format!("{origin}{path}?{query}")
    }
}

/// The iframe snippet that embeds `view` with the page's current settings.
pub fn embed_snippet(view: &str, title: &str) -> String {
    let src = full_url(&[("embed", Some(view.to_string())), ("view", None), ("note", None), ("lock", None)]);
    format!(
        "<iframe src=\"{}\" title=\"Scaling Lab: {title}\" width=\"100%\" height=\"720\" \
         style=\"border:0\" loading=\"lazy\"></iframe>",
        src.replace('&', "&amp;").replace('"', "&quot;")
    )
}

/// "Share or embed": the iframe code for this view and a teacher link with locked settings and a note.
#[component]
pub fn ShareEmbed(
    /// The view currently shown (its id in `pages::VIEWS`).
    current: ReadSignal<String>,
) -> impl IntoView {
    let (note, set_note) = signal(String::new());
    let title = move || {
        let id = current.get();
        crate::pages::VIEWS.iter().find(|(v, _)| *v == id).map_or("Scaling Lab", |(_, t)| *t).to_string()
    };
    let snippet = move || embed_snippet(&current.get(), &title());
    let teacher_link = move || {
        let note = note.get();
        full_url(&[
            ("view", Some(current.get())),
            ("lock", Some("all".into())),
            ("note", (!note.trim().is_empty()).then_some(note)),
        ])
    };
    view! {
        <details class="share" data-testid="share-embed">
            <summary>"Share or embed this view"</summary>
            <label for="embed-code">"Embed code (paste into a blog post; settings travel with it)"</label>
            <textarea id="embed-code" data-testid="embed-code" readonly rows="3">{snippet}</textarea>
            <label for="teacher-note-input">"Note for a class link (optional)"</label>
            <input id="teacher-note-input" type="text" maxlength="280" prop:value=note
                on:input=move |ev| set_note.set(event_target_value(&ev))/>
            <label for="teacher-link">"Class link: opens this view with these settings locked"</label>
            <input id="teacher-link" data-testid="teacher-link" type="text" readonly prop:value=teacher_link/>
        </details>
    }
}
