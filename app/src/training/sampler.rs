//! Text generation on the CPU model, one token at a time with turns for the event loop in between, for the samples
//! timeline and for prompts typed by the user.

use super::tick::{now_ms, yield_now};
use compute::config::ModelConfig;
use compute::cpu::CpuModel;
use compute::data::rng::Rng;
use compute::train::sample::sample_next;

/// Longest the sampler computes before giving the event loop a turn, in milliseconds.
const SLICE_MS: f64 = 25.0;

/// Continues `prompt` (non-empty) by `n` tokens with `params` (ParamLayout order), as `compute::train::sample::generate`
/// does, yielding between tokens whenever a slice is used up.
pub async fn generate(
    model: &ModelConfig,
    params: Vec<f32>,
    prompt: &[u32],
    n: usize,
    temperature: f64,
    top_k: usize,
    seed: u64,
) -> Vec<u32> {
    let mut cpu = CpuModel::from_params(model, params);
    let mut rng = Rng::new(seed);
    let (n_ctx, v) = (model.n_ctx, model.vocab_size);
    let mut ids = prompt.to_vec();
    let mut slice = now_ms();
    for _ in 0..n {
        let window = &ids[ids.len().saturating_sub(n_ctx)..];
        let t = window.len();
        cpu.forward(window, None, 1, t);
        let last = &cpu.logits()[(t - 1) * v..t * v];
        ids.push(sample_next(last, temperature, top_k, &mut rng));
        if now_ms() - slice > SLICE_MS {
            yield_now().await;
            slice = now_ms();
        }
    }
    ids.split_off(prompt.len())
}
