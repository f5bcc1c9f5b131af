//! The GPU training step on lavapipe: forward, backward, norm, clipping and AdamW in one submission match PyTorch's
//! weights step by step, and a short GPU run follows the CPU run's loss curve.

mod common;

mod train_common;

use common::check_close_named;
use compute::data::{Dataset, TokenizerSpec};
use compute::gpu::Gpu;
use compute::params::ParamLayout;
use compute::train::{BackendChoice, GpuBackend, MetricEvent, TrainConfig, Trainer};
use std::sync::Arc;
use train_common::{gpu, gpu_fallback, load_steps};

fn training_steps_match_pytorch(device: Arc<Gpu>) {
    let f = load_steps();
    let layout = ParamLayout::new(&f.model);
    let mut g = GpuBackend::new(device, &f.model, &f.train, f.train.t, &f.params[0]).unwrap();
    for k in 0..f.train.steps {
        g.train_step(&f.tokens[k], &f.targets[k], f.lr[k], true).unwrap();
        let readings = pollster::block_on(g.readings(true)).unwrap();
        assert_eq!(readings.len(), 1);
        let norm = readings[0].grad_norm;
        assert!((norm - f.norm[k]).abs() < 1e-4 * f.norm[k], "step {k}: norm {norm} want {}", f.norm[k]);
        let params = pollster::block_on(g.params()).unwrap();
        check_close_named(&params, &f.params[k + 1], 2e-4, &format!("GPU params after step {k}"), &layout);
    }
}

#[test]
fn gpu_training_steps_match_pytorch() {
    training_steps_match_pytorch(gpu());
}

#[test]
fn gpu_training_steps_match_pytorch_without_subgroups() {
    training_steps_match_pytorch(gpu_fallback());
}

/// Losses of a short run read back every 5 steps on one backend.
fn curve(choice: BackendChoice) -> Vec<f64> {
    let data = Dataset::synthetic("tiny", TokenizerSpec::Char).unwrap();
    let model = compute::config::ModelConfig {
        vocab_size: data.vocab_size(),
        n_ctx: 16,
        n_layer: 1,
        n_head: 2,
        d_model: 16,
        d_ff: 64,
        ..Default::default()
    };
    let cfg = TrainConfig {
        batch: 4,
        steps: 20,
        log_every: 5,
        eval_every: 0,
        sample_tokens: 0,
        lr: 3e-3,
        ..Default::default()
    };
    let mut trainer = Trainer::new(choice, &model, &cfg, &data, "test".into(), compute::train::native_clock()).unwrap();
    let mut losses = Vec::new();
    while !trainer.is_done() {
        for e in pollster::block_on(trainer.step()).unwrap() {
            if let MetricEvent::Train(p) = e {
                losses.push(p.train_loss);
            }
        }
    }
    losses
}

#[test]
fn gpu_and_cpu_training_follow_the_same_curve() {
    let gpu_curve = curve(BackendChoice::Gpu(gpu()));
    let cpu_curve = curve(BackendChoice::Cpu);
    assert_eq!(gpu_curve.len(), 4);
    assert_eq!(gpu_curve.len(), cpu_curve.len());
    for (i, (g, c)) in gpu_curve.iter().zip(&cpu_curve).enumerate() {
        assert!((g - c).abs() < 1e-3 * c, "reading {i}: GPU {g} CPU {c}\nGPU {gpu_curve:?}\nCPU {cpu_curve:?}");
    }
    assert_eq!(gpu_curve, curve(BackendChoice::Gpu(gpu())), "the same seed gives the same GPU curve");
}
