//! AdamW (PyTorch's torch.optim.AdamW, decoupled weight decay and bias correction) and global-norm gradient clipping
//! on the CPU; the GPU does the same in kernels/adamw.wgsl.

use super::config::TrainConfig;
use crate::params::ParamLayout;

/// The optimiser's state: the moment estimates and which parameters decay.
pub struct AdamWState {
    pub m: Vec<f32>,     // (P) first moment
    pub v: Vec<f32>,     // (P) second moment
    pub decay: Vec<f32>, // (P) 1 where weight decay applies, else 0
    /// Updates done so far (Adam's t after the next update is `t + 1`).
    pub t: u64,
}

impl AdamWState {
    /// Zero moments for `layout`, with the decay mask from its `decay` flags (plus the embeddings when asked).
    pub fn new(layout: &ParamLayout, decay_embeddings: bool) -> AdamWState {
        let p = layout.total();
        AdamWState { m: vec![0.0; p], v: vec![0.0; p], decay: decay_mask(layout, decay_embeddings), t: 0 }
    }
}

/// 1.0 for every parameter that gets weight decay, 0.0 otherwise: matmul weights, and with `decay_embeddings` also
/// `wte` and `wpe`.
pub fn decay_mask(layout: &ParamLayout, decay_embeddings: bool) -> Vec<f32> {
    let mut mask = vec![0.0f32; layout.total()]; // (P)
    for t in layout {
        let embedding = t.name == "transformer.wte.weight" || t.name == "transformer.wpe.weight";
        if t.decay || (decay_embeddings && embedding) {
            mask[t.range()].fill(1.0);
        }
    }
    mask
}

/// ‖g‖₂ over every gradient, summed in f64.
pub fn global_norm(grads: &[f32]) -> f64 {
    grads.iter().map(|&g| (g as f64) * (g as f64)).sum::<f64>().sqrt()
}

/// The factor torch.nn.utils.clip_grad_norm_ scales gradients by: min(1, clip / (norm + 1e-6)); 1 when clip is 0.
pub fn clip_scale(norm: f64, clip: f64) -> f64 {
    if clip > 0.0 {
        (clip / (norm + 1e-6)).min(1.0)
    } else {
        1.0
    }
}

/// One AdamW update of `params` from `grads` scaled by `scale` (the clip factor), at learning rate `lr`:
/// p ← p·(1 − lr·wd·mask); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
pub fn adamw_step(params: &mut [f32], grads: &[f32], state: &mut AdamWState, cfg: &TrainConfig, lr: f64, scale: f64) {
    state.t += 1;
    let (b1, b2) = (cfg.beta1 as f32, cfg.beta2 as f32);
    let bc1 = 1.0 - cfg.beta1.powi(state.t as i32);
    let bc2 = 1.0 - cfg.beta2.powi(state.t as i32);
    let step_size = (lr / bc1) as f32;
    let bc2_sqrt = bc2.sqrt() as f32;
    let (lr, wd, eps, scale) = (lr as f32, cfg.weight_decay as f32, cfg.eps as f32, scale as f32);
    let it = params.iter_mut().zip(grads).zip(state.m.iter_mut().zip(state.v.iter_mut())).zip(&state.decay);
    for (((p, &g), (m, v)), &mask) in it {
        let g = g * scale;
        *p *= 1.0 - lr * wd * mask;
        *m = b1 * *m + (1.0 - b1) * g;
        *v = b2 * *v + (1.0 - b2) * g * g;
        *p -= step_size * *m / (v.sqrt() / bc2_sqrt + eps);
    }
}
