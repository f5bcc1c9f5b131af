//! Scaling Lab's page: a leptos client-side app whose numeric work lives in the `compute` crate.

pub mod device;
pub mod embed;
pub mod format;
// Native only: it trains a run and times each case, which std cannot do on wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod fuzz;
pub mod gpus;
pub mod pages;
pub mod plots;
pub mod runs;
pub mod training;
pub mod url;

use leptos::prelude::*;

/// The whole page: header, navigation between views (kept in the URL as `?view=`), the current view.
/// With `?embed=<view>` only that view is shown, sized for an iframe, without the page's chrome.
#[component]
pub fn App() -> impl IntoView {
    provide_context(device::DeviceState::probe());
    if let Some(id) = embed::embedded_view() {
        return view! {
            <main class="embedded" data-testid="embedded">
                <embed::TeacherNote/>
                {pages::render(&id)}
                <embed::OpenFullLab/>
            </main>
        }
        .into_any();
    }
    let view_in_url =
        || url::get("view").filter(|v| pages::VIEWS.iter().any(|(id, _)| id == v)).unwrap_or(pages::VIEWS[0].0.into());
    let (current, set_current) = signal(view_in_url());
    // Each view's own URL parameters while another view is shown, so that they come back with it.
    let kept = StoredValue::new(std::collections::HashMap::<String, url::Pairs>::new());
    let go = move |id: &'static str| {
        let from = current.get_untracked();
        if from == id {
            return;
        }
        let (_, own) = url::split_view_pairs(url::query());
        kept.update_value(|k| {
            k.insert(from, own);
        });
        url::push_view(id, kept.with_value(|k| k.get(id).cloned().unwrap_or_default()));
        set_current.set(id.to_string());
    };
    // Back and Forward move between views: the URL of that entry already holds the view and its settings.
    let _ = window_event_listener(leptos::ev::popstate, move |_| set_current.set(view_in_url()));
    view! {
        <header class="top">
            <h1>"Scaling Lab"</h1>
            <p class="tagline">"Train tiny language models on your own GPU, in this tab, and check the scaling laws yourself."</p>
            <nav aria-label="Views">
                {pages::VIEWS.iter().map(|&(id, title)| view! {
                    <button
                        class="tab"
                        data-testid=format!("nav-{id}")
                        aria-current=move || (current.get() == id).then_some("page")
                        on:click=move |_| go(id)
                    >{title}</button>
                }).collect_view()}
            </nav>
            <embed::TeacherNote/>
        </header>
        <main>{move || pages::render(&current.get())}</main>
        <footer>
            <embed::ShareEmbed current=current/>
            <p>"Runs entirely in your browser through WebGPU. Nothing you train or type leaves this tab."</p>
        </footer>
    }
    .into_any()
}
