//! AdamW, gradient clipping and the learning-rate schedule against PyTorch (tests/reference/adamw_reference.py):
//! the optimiser alone on PyTorch's gradients, then whole CPU training steps on PyTorch's batches.

mod common;

use common::check_close_named;
mod train_common;

use compute::params::ParamLayout;
use compute::train::{adamw_step, clip_scale, global_norm, lr_at, AdamWState, CpuBackend};
use train_common::load_steps;

/// The schedule, the norm and the update alone, fed PyTorch's own gradients: weights after every step.
#[test]
fn adamw_clip_and_schedule_match_pytorch() {
    let f = load_steps();
    let layout = ParamLayout::new(&f.model);
    let mut state = AdamWState::new(&layout, f.train.decay_embeddings);
    let mut params = f.params[0].clone();
    for k in 0..f.train.steps {
        let lr = lr_at(&f.train, k, f.train.steps);
        assert!((lr - f.lr[k]).abs() < 1e-12, "step {k}: lr {lr} want {}", f.lr[k]);
        let norm = global_norm(&f.grads[k]);
        assert!((norm - f.norm[k]).abs() < 1e-5 * f.norm[k], "step {k}: norm {norm} want {}", f.norm[k]);
        assert!(clip_scale(norm, f.train.grad_clip) < 1.0, "the fixture must exercise clipping");
        adamw_step(&mut params, &f.grads[k], &mut state, &f.train, lr, clip_scale(norm, f.train.grad_clip));
        check_close_named(&params, &f.params[k + 1], 1e-5, &format!("params after step {k}"), &layout);
    }
}

/// Whole CPU training steps (forward, backward, clip, AdamW) on PyTorch's batches and schedule.
#[test]
fn cpu_training_steps_match_pytorch() {
    let f = load_steps();
    let layout = ParamLayout::new(&f.model);
    let mut cpu = CpuBackend::new(&f.model, &f.train, f.train.t, f.params[0].clone());
    for k in 0..f.train.steps {
        cpu.train_step(&f.tokens[k], &f.targets[k], f.lr[k], true);
        check_close_named(&cpu.model.params, &f.params[k + 1], 1e-4, &format!("params after step {k}"), &layout);
    }
}
