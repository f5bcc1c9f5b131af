//! Autoregressive sampling with temperature and top-k from a seeded generator, on the CPU model.

use crate::cpu::CpuModel;
use crate::data::rng::Rng;

/// Draws the next token from `logits` (V): softmax of logits / temperature over the `top_k` largest (all when 0).
pub fn sample_next(logits: &[f32], temperature: f64, top_k: usize, rng: &mut Rng) -> u32 {
    let mut order: Vec<usize> = (0..logits.len()).collect();
    // Largest first, ties by index, so the draw is deterministic.
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    if top_k > 0 {
        order.truncate(top_k);
    }
    let max = logits[order[0]] as f64;
    let weights: Vec<f64> = order.iter().map(|&i| ((logits[i] as f64 - max) / temperature).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut u = rng.next_f64() * total;
    for (&i, w) in order.iter().zip(&weights) {
        if u < *w {
            return i as u32;
        }
        u -= w;
    }
    order[order.len() - 1] as u32
}

/// Continues `prompt` (non-empty) by `n` tokens, feeding at most the last n_ctx tokens back each time.
pub fn generate(
    model: &mut CpuModel<f32>,
    prompt: &[u32],
    n: usize,
    temperature: f64,
    top_k: usize,
    rng: &mut Rng,
) -> Vec<u32> {
    assert!(!prompt.is_empty(), "sampling needs at least one prompt token");
    let (n_ctx, v) = (model.config.n_ctx, model.config.vocab_size);
    let mut ids = prompt.to_vec();
    for _ in 0..n {
        let window = &ids[ids.len().saturating_sub(n_ctx)..];
        let t = window.len();
        model.forward(window, None, 1, t);
        let last = &model.logits()[(t - 1) * v..t * v];
        ids.push(sample_next(last, temperature, top_k, rng));
    }
    ids.split_off(prompt.len())
}
