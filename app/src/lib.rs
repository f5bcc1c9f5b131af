//! Scaling Lab's page: a leptos client-side app whose numeric work lives in the `compute` crate.

pub mod device;
pub mod pages;

use leptos::prelude::*;

/// The whole page: header, the device panel every other view depends on, and the current view.
#[component]
pub fn App() -> impl IntoView {
    let device = device::DeviceState::probe();
    provide_context(device);
    view! {
        <header class="top">
            <h1>"Scaling Lab"</h1>
            <p class="tagline">"Train tiny language models on your own GPU, in this tab, and check the scaling laws yourself."</p>
        </header>
        <main>
            <pages::home::Home/>
        </main>
        <footer>
            <p>"Runs entirely in your browser through WebGPU. Nothing you train or type leaves this tab."</p>
        </footer>
    }
}
