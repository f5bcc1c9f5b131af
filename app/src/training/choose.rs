//! Which backend a run uses, and why: the user's choice, the GPU when it is real hardware, and on a software adapter
//! (SwiftShader, lavapipe, a fallback adapter) a short timed race of a few steps on each backend.

use super::settings::BackendPref;
use super::tick::{now_ms, yield_now};
use compute::config::ModelConfig;
use compute::data::Dataset;
use compute::gpu::Gpu;
use compute::model::plan::check_fits;
use compute::train::{BackendChoice, TrainConfig, Trainer};
use std::sync::Arc;

/// The backend picked and the sentence that explains it on the page.
pub struct Choice {
    pub choice: BackendChoice,
    pub why: String,
}

/// Steps timed on each backend in the race (after one untimed warm-up step).
const RACE_STEPS: usize = 3;
/// Above this many FLOPs per step the race itself would take too long on a software adapter; the GPU is used.
const RACE_MAX_FLOPS: f64 = 2e9;

/// A shareable handle to the page's device for the trainer (wgpu devices and queues are reference-counted handles).
/// The trainer asks for an `Arc`; on the web everything runs on one thread.
#[allow(clippy::arc_with_non_send_sync)]
pub fn shared(gpu: &Gpu) -> Arc<Gpu> {
    Arc::new(Gpu { device: gpu.device.clone(), queue: gpu.queue.clone(), report: gpu.report.clone() })
}

/// Picks the backend for `model` and `train` on `data` as `pref` asks; `gpu` is the page's device, or why there is none.
pub async fn choose(
    pref: BackendPref,
    gpu: Result<&Gpu, String>,
    model: &ModelConfig,
    train: &TrainConfig,
    data: &Dataset,
) -> Result<Choice, String> {
    let t = train.context(model);
    let cpu = |why: String| Ok(Choice { choice: BackendChoice::Cpu, why });
    let gpu = match (pref, gpu) {
        (BackendPref::Cpu, _) => return cpu("CPU backend, as chosen.".into()),
        (BackendPref::Gpu, Err(why)) => return Err(format!("WebGPU was asked for but is not available: {why}")),
        (BackendPref::Auto, Err(why)) => return cpu(format!("CPU backend: no WebGPU here ({why}).")),
        (_, Ok(gpu)) => gpu,
    };
    let name = if gpu.report.name.is_empty() { "this adapter".to_string() } else { gpu.report.name.clone() };
    if let Err(e) = check_fits(model, train.batch, t, &gpu.report) {
        return match pref {
            BackendPref::Gpu => Err(format!("this model does not fit {name}: {e}")),
            _ => cpu(format!("CPU backend: the model does not fit {name} ({e}).")),
        };
    }
    if pref == BackendPref::Gpu {
        return Ok(Choice { choice: BackendChoice::Gpu(shared(gpu)), why: format!("WebGPU on {name}, as chosen.") });
    }
    if !gpu.report.is_software() {
        return Ok(Choice {
            choice: BackendChoice::Gpu(shared(gpu)),
            why: format!("WebGPU on {name}, a hardware adapter."),
        });
    }
    let step_flops = model.train_flops_per_token() as f64 * train.tokens_per_step(model) as f64;
    if step_flops > RACE_MAX_FLOPS {
        return Ok(Choice {
            choice: BackendChoice::Gpu(shared(gpu)),
            why: format!(
                "WebGPU on {name} (a software adapter; this model is too large to time both backends quickly)."
            ),
        });
    }
    let gpu_ms = race(BackendChoice::Gpu(shared(gpu)), model, train, data).await?;
    let cpu_ms = race(BackendChoice::Cpu, model, train, data).await?;
    let measured = format!("measured {gpu_ms:.1} ms per step on WebGPU, {cpu_ms:.1} ms on the CPU backend");
    Ok(if cpu_ms < gpu_ms {
        Choice {
            choice: BackendChoice::Cpu,
            why: format!(
                "CPU backend: {name} is a software adapter; {measured}, so the CPU is {:.1}× faster. Choose WebGPU to override.",
                gpu_ms / cpu_ms
            ),
        }
    } else {
        Choice {
            choice: BackendChoice::Gpu(shared(gpu)),
            why: format!("WebGPU on {name} (software adapter); {measured}."),
        }
    })
}

/// Milliseconds per training step on `choice`: one warm-up step, then [`RACE_STEPS`] timed ones, waited to the end.
async fn race(choice: BackendChoice, model: &ModelConfig, train: &TrainConfig, data: &Dataset) -> Result<f64, String> {
    let cfg = TrainConfig {
        steps: RACE_STEPS + 1,
        tokens: None,
        log_every: 1,
        eval_every: 0,
        sample_tokens: 0,
        ..train.clone()
    };
    let on_cpu = matches!(choice, BackendChoice::Cpu);
    let mut trainer =
        Trainer::new(choice, model, &cfg, data, String::new(), Box::new(|| 0.0)).map_err(|e| e.to_string())?;
    trainer.step().await.map_err(|e| e.to_string())?;
    trainer.eval_loss().await.ok();
    let mut total = 0.0;
    for _ in 0..RACE_STEPS {
        // On the CPU each step blocks, so the page gets a turn between them (not counted). The GPU's steps only
        // queue work, which keeps running meanwhile, so they are timed back to back; the last step waits for every
        // reading, so all queued work is included.
        if on_cpu {
            yield_now().await;
        }
        let start = now_ms();
        trainer.step().await.map_err(|e| e.to_string())?;
        total += now_ms() - start;
    }
    Ok(total / RACE_STEPS as f64)
}
