//! The device view: which GPU the page found, and a real kernel run on it, checked against the CPU.

use crate::device::{AdapterFacts, DeviceState, NoWebGpuHelp, Probe};
use compute::check::{check_matmul_variants, demo_inputs, multiply, multiply_cpu, VariantCheck};
use compute::gpu::Gpu;
use leptos::prelude::*;
use std::rc::Rc;

/// Size of the demo multiply: small enough for a software adapter, big enough to use many workgroups.
const DEMO: (usize, usize, usize) = (256, 256, 256);

#[component]
pub fn DevicePage() -> impl IntoView {
    let device = expect_context::<DeviceState>();
    view! {
        <section class="card" aria-labelledby="device-title">
            <h2 id="device-title">"Your GPU"</h2>
            {move || match device.probe.get() {
                Probe::Probing => view! { <p data-testid="probing">"Looking for a WebGPU adapter…"</p> }.into_any(),
                Probe::Unavailable(message) => view! { <NoWebGpuHelp message=message/> }.into_any(),
                Probe::Ready(gpu) => view! {
                    <AdapterFacts report=gpu.report.clone()/>
                    <KernelDemo gpu=gpu.clone()/>
                    <VariantChecks gpu=gpu.clone()/>
                    <super::model_check::ModelCheck gpu=gpu/>
                }.into_any(),
            }}
        </section>
    }
}

/// Outcome of the demo multiply, shown as text the browser test reads.
#[derive(Clone)]
struct DemoResult {
    first: f32,
    last: f32,
    checksum: f64,
    max_abs_diff: f32,
    first_ms: f64,
    second_ms: f64,
}

/// Runs the tiled matmul kernel once on the page's GPU and compares it with the same product on the CPU.
#[component]
fn KernelDemo(gpu: Rc<Gpu>) -> impl IntoView {
    let (result, set_result) = signal(None::<Result<DemoResult, String>>);
    leptos::task::spawn_local(async move {
        let (m, k, n) = DEMO;
        let (a, b) = demo_inputs(m, k, n);
        let start = now_ms();
        let first = multiply(&gpu, &a, &b, m, k, n).await;
        let first_ms = now_ms() - start;
        // A second run, with the shader already compiled, is the honest speed figure.
        let start = now_ms();
        let outcome = match first {
            Ok(_) => multiply(&gpu, &a, &b, m, k, n).await,
            Err(e) => Err(e),
        };
        let second_ms = now_ms() - start;
        set_result.set(Some(outcome.map_err(|e| e.to_string()).map(|c| {
            let want = multiply_cpu(&a, &b, m, k, n);
            DemoResult {
                first: c[0],
                last: c[c.len() - 1],
                checksum: c.iter().map(|&v| v as f64).sum(),
                max_abs_diff: c.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f32::max),
                first_ms,
                second_ms,
            }
        })));
    });
    let (m, k, n) = DEMO;
    view! {
        <h3>"A kernel on your GPU"</h3>
        <p>{format!("A tiled matrix multiply, C = A·B with A {m}×{k} and B {k}×{n}, run as a WGSL compute shader and read back.")}</p>
        {move || match result.get() {
            None => view! { <p>"Running…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="warning" data-testid="kernel-error">{message}</p> }.into_any(),
            Some(Ok(r)) => {
                let flops = 2.0 * (m * k * n) as f64;
                view! {
                    <dl class="facts" data-testid="kernel-result">
                        <dt>"C[0,0]"</dt><dd data-testid="kernel-first">{r.first.to_string()}</dd>
                        <dt>{format!("C[{},{}]", m - 1, n - 1)}</dt><dd data-testid="kernel-last">{r.last.to_string()}</dd>
                        <dt>"sum of C"</dt><dd data-testid="kernel-checksum">{r.checksum.to_string()}</dd>
                        <dt>"largest difference from the CPU"</dt><dd data-testid="kernel-diff">{r.max_abs_diff.to_string()}</dd>
                        <dt>"first run (includes compiling the shader)"</dt>
                        <dd>{format!("{:.1} ms", r.first_ms)}</dd>
                        <dt>"second run (upload, multiply, read back)"</dt>
                        <dd data-testid="kernel-ms">{format!("{:.1} ms, {:.2} GFLOP/s", r.second_ms, flops / r.second_ms / 1e6)}</dd>
                    </dl>
                }.into_any()
            }
        }}
    }
}

/// Runs every tile variant of the matmul, unsplit and split-K, against the CPU: a model uses only the variants its
/// shapes pick, so this is where each one is checked on the visitor's adapter.
#[component]
fn VariantChecks(gpu: Rc<Gpu>) -> impl IntoView {
    let (result, set_result) = signal(None::<Result<Vec<VariantCheck>, String>>);
    leptos::task::spawn_local(async move {
        set_result.set(Some(check_matmul_variants(&gpu).await.map_err(|e| e.to_string())));
    });
    view! {
        <h3>"Every matmul variant"</h3>
        <p>"The training kernels pick a tile size per product; here each one, whole and with its inner dimension split, multiplies a 67×300 by a 300×45 matrix and is compared with the CPU."</p>
        {move || match result.get() {
            None => view! { <p>"Running…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="warning" data-testid="variants-error">{message}</p> }.into_any(),
            Some(Ok(checks)) => {
                let all = checks.iter().all(VariantCheck::passes);
                let summary = if all {
                    format!("all {} variants agree with the CPU", checks.len())
                } else {
                    format!("{} of {} variants differ from the CPU", checks.iter().filter(|c| !c.passes()).count(), checks.len())
                };
                view! {
                    <p data-testid="variants-summary" class=if all { "" } else { "warning" }>{summary}</p>
                    <ul data-testid="variants-result">
                        {checks.into_iter().map(|c| view! {
                            <li>{format!("{}, {} part{}: largest difference {:.1e}", c.label, c.splits, if c.splits == 1 { "" } else { "s" }, c.max_error)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        }}
    }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
