//! The page's GPU: probed once at start-up, shared through context, and explained when missing.

use compute::gpu::{AdapterReport, Gpu};
use leptos::prelude::*;
use std::rc::Rc;

/// Where the page stands with WebGPU.
#[derive(Clone)]
pub enum Probe {
    Probing,
    Ready(Rc<Gpu>),
    /// No WebGPU: the text says why and what to do.
    Unavailable(String),
}

/// The probed device, shared with every view through context.
#[derive(Clone, Copy)]
pub struct DeviceState {
    pub probe: ReadSignal<Probe, LocalStorage>,
}

impl DeviceState {
    /// Starts probing for a WebGPU adapter; the signal turns Ready or Unavailable when the answer comes.
    pub fn probe() -> DeviceState {
        let (probe, set_probe) = signal_local(Probe::Probing);
        leptos::task::spawn_local(async move {
            let result = if browser_has_webgpu() {
                Gpu::request().await.map(Rc::new).map_err(|e| e.to_string())
            } else {
                Err(NO_WEBGPU.to_string())
            };
            set_probe.set(match result {
                Ok(gpu) => Probe::Ready(gpu),
                Err(message) => Probe::Unavailable(message),
            });
        });
        DeviceState { probe }
    }

    pub fn gpu(&self) -> Option<Rc<Gpu>> {
        match self.probe.get() {
            Probe::Ready(gpu) => Some(gpu),
            _ => None,
        }
    }
}

const NO_WEBGPU: &str = "This browser does not offer WebGPU, which Scaling Lab uses to train on your GPU.";

/// `navigator.gpu` exists only where the browser ships WebGPU (and, on some platforms, where a flag enables it).
fn browser_has_webgpu() -> bool {
    let navigator = web_sys::window().map(|w| w.navigator());
    navigator.is_some_and(|n| {
        js_sys::Reflect::get(&n, &"gpu".into()).map(|gpu| !gpu.is_undefined() && !gpu.is_null()).unwrap_or(false)
    })
}

/// The adapter's facts as a definition list.
#[component]
pub fn AdapterFacts(report: AdapterReport) -> impl IntoView {
    let software = report.is_software();
    view! {
        <dl class="facts" data-testid="adapter-facts">
            {report.lines().into_iter().map(|(key, value)| view! { <dt>{key}</dt><dd>{value}</dd> }).collect_view()}
        </dl>
        <Show when=move || software>
            <p class="note">"This is a software adapter: the GPU work runs on your CPU, slowly."</p>
        </Show>
    }
}

/// What to do when there is no WebGPU, in plain words.
#[component]
pub fn NoWebGpuHelp(message: String) -> impl IntoView {
    view! {
        <div class="warning" data-testid="no-webgpu" role="alert">
            <h3>"No WebGPU in this browser"</h3>
            <p>{message}</p>
            <ul>
                <li>"Chrome, Edge or Opera 113 or newer on Windows, macOS and ChromeOS have WebGPU on by default."</li>
                <li>"On Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu (and #enable-vulkan) switched on."</li>
                <li>"Safari 26 or newer (macOS, iOS) and Firefox 141 or newer on Windows have it too."</li>
                <li>"Behind a company policy or an old GPU driver, WebGPU may be blocked: try another browser or update the driver."</li>
            </ul>
        </div>
    }
}
