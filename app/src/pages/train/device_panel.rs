//! Which adapter the page found, its key limits, and which backend the run uses and why.

use crate::device::{AdapterFacts, DeviceState, Probe};
use crate::training::driver::Driver;
use leptos::prelude::*;

/// The adapter and the run's backend.
#[component]
pub fn DevicePanel(
    /// The run, for its backend and the reason.
    driver: Driver,
) -> impl IntoView {
    let device = expect_context::<DeviceState>();
    view! {
        <details class="device-panel" data-testid="device-panel">
            <summary>
                {move || match device.probe.get() {
                    Probe::Probing => "Device: looking for WebGPU…".to_string(),
                    Probe::Unavailable(_) => "Device: no WebGPU, the CPU backend trains".to_string(),
                    Probe::Ready(gpu) => format!("Device: {} ({})", gpu.report.name, gpu.report.backend),
                }}
            </summary>
            {move || match device.probe.get() {
                Probe::Ready(gpu) => view! { <AdapterFacts report=gpu.report.clone()/> }.into_any(),
                Probe::Unavailable(m) => view! { <p class="note">{m}</p> }.into_any(),
                Probe::Probing => ().into_any(),
            }}
        </details>
        <Show when=move || driver.backend_why.get().is_some()>
            <p class="backend-why" data-testid="backend-why">{move || driver.backend_why.get()}</p>
        </Show>
    }
}
