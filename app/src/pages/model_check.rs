//! A self-check on the visitor's own GPU: one forward + backward of a tiny GPT in the tab, compared with the
//! CPU reference computing the same thing in the same tab.

use compute::config::ModelConfig;
use compute::cpu::CpuModel;
use compute::gpu::Gpu;
use compute::model::{GpuModel, Kernels};
use compute::params::init_params;
use leptos::prelude::*;
use std::rc::Rc;

/// The checked model: small enough for a software adapter, with sizes off the kernels' tiles.
fn check_config() -> ModelConfig {
    ModelConfig {
        vocab_size: 13,
        n_ctx: 8,
        n_layer: 2,
        n_head: 2,
        d_model: 16,
        d_ff: 48,
        bias: true,
        tie_embeddings: true,
    }
}

#[derive(Clone)]
struct CheckResult {
    gpu_loss: f32,
    cpu_loss: f32,
    /// Largest |gpu − cpu| / (1 + |cpu|) over every parameter gradient.
    grad_error: f32,
    /// The same over the logits.
    logit_error: f32,
    dispatches: usize,
}

async fn run_check(gpu: &Gpu) -> Result<CheckResult, String> {
    let config = check_config();
    let (b, t) = (2, 8);
    let params = init_params(&config, 1);
    let tokens: Vec<u32> = (0..b * t).map(|i| ((i * 5 + 1) % 13) as u32).collect();
    let targets: Vec<u32> = (0..b * t).map(|i| ((i * 7 + 2) % 13) as u32).collect();

    let model = GpuModel::new(gpu, &Kernels::new(gpu), &config, b, t, &params).map_err(|e| e.to_string())?;
    model.upload_batch(gpu, &tokens, &targets).map_err(|e| e.to_string())?;
    model.forward_only(gpu);
    let logits = model.read_logits(gpu).await.map_err(|e| e.to_string())?;
    model.forward_backward(gpu);
    let gpu_loss = model.read_loss(gpu).await.map_err(|e| e.to_string())?;
    let grads = model.read_grads(gpu).await.map_err(|e| e.to_string())?;

    let mut cpu = CpuModel::from_params(&config, params);
    let cpu_loss = cpu.forward(&tokens, Some(&targets), b, t);
    let logit_error = worst(&logits, cpu.logits());
    cpu.zero_grad();
    cpu.backward();
    Ok(CheckResult {
        gpu_loss,
        cpu_loss,
        grad_error: worst(&grads, &cpu.grads),
        logit_error,
        dispatches: model.dispatches_per_step(),
    })
}

fn worst(got: &[f32], want: &[f32]) -> f32 {
    got.iter().zip(want).map(|(g, w)| (g - w).abs() / (1.0 + w.abs())).fold(0.0, f32::max)
}

/// Runs the check once and shows how closely the GPU matches the CPU reference.
#[component]
pub fn ModelCheck(
    /// The page's GPU.
    gpu: Rc<Gpu>,
) -> impl IntoView {
    let (result, set_result) = signal(None::<Result<CheckResult, String>>);
    leptos::task::spawn_local(async move {
        set_result.set(Some(run_check(&gpu).await));
    });
    view! {
        <h3>"The GPT on your GPU, checked"</h3>
        <p>"One forward and backward pass of a tiny GPT (2 layers, width 16, 2 heads) with WGSL kernels on this \
            GPU, against the plain-Rust CPU reference of the same model, both run here in the tab."</p>
        {move || match result.get() {
            None => view! { <p>"Checking…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="warning" data-testid="model-check-error">{message}</p> }.into_any(),
            Some(Ok(r)) => view! {
                <dl class="facts" data-testid="model-check">
                    <dt>"loss on the GPU"</dt><dd data-testid="check-gpu-loss">{r.gpu_loss.to_string()}</dd>
                    <dt>"loss on the CPU reference"</dt><dd data-testid="check-cpu-loss">{r.cpu_loss.to_string()}</dd>
                    <dt>"largest logit difference (relative)"</dt><dd data-testid="check-logit-error">{format!("{:.1e}", r.logit_error)}</dd>
                    <dt>"largest gradient difference (relative)"</dt><dd data-testid="check-grad-error">{format!("{:.1e}", r.grad_error)}</dd>
                    <dt>"kernel launches per training step"</dt><dd>{r.dispatches.to_string()}</dd>
                </dl>
            }.into_any(),
        }}
    }
}
