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
    let initial = url::get("view").filter(|v| pages::VIEWS.iter().any(|(id, _)| id == v));
    let (current, set_current) = signal(initial.unwrap_or_else(|| pages::VIEWS[0].0.to_string()));
    let go = move |id: &'static str| {
        set_current.set(id.to_string());
        url::set(&[("view", Some(id.to_string()))]);
    };
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
