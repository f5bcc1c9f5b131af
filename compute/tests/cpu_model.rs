//! The whole CPU model: gradients against finite differences (bias on/off, tied/untied), and forward-pass behaviour.

mod common;

use compute::config::ModelConfig;
use compute::cpu::CpuModel;
use compute::params::init_params;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Central-difference step in f64; see cpu_layers.rs for the error budget (~1e-9 for O(1) losses).
const H: f64 = 1e-5;
/// |analytic - numeric| <= TOL·(1 + |numeric|). A correct gradient agrees to ~1e-9; a missing or wrong term (a
/// forgotten tied-head contribution, a swapped transpose) is off by 1e-3 or more at these parameter scales.
const TOL: f64 = 1e-6;

fn config(bias: bool, tie_embeddings: bool) -> ModelConfig {
    ModelConfig { vocab_size: 11, n_ctx: 7, n_layer: 2, n_head: 2, d_model: 8, d_ff: 20, bias, tie_embeddings }
}

/// An f64 model with nanoGPT's init plus noise, so biases and LayerNorm gains are not at their special values 0 and 1
/// and the residual projections are not tiny.
fn noisy_model(cfg: &ModelConfig, rng: &mut ChaCha8Rng) -> CpuModel<f64> {
    let params = init_params(cfg, 3).iter().map(|&x| x as f64 + rng.random_range(-0.3..0.3)).collect();
    CpuModel::from_params(cfg, params)
}

fn batch(rng: &mut ChaCha8Rng, n: usize, v: usize) -> Vec<u32> {
    (0..n).map(|_| rng.random_range(0..v as u32)).collect()
}

fn check_model_gradients(bias: bool, tied: bool) {
    let cfg = config(bias, tied);
    let mut rng = ChaCha8Rng::seed_from_u64(10 + 2 * bias as u64 + tied as u64);
    let (b, t) = (2, 5); // t < n_ctx: the last wpe rows are unused
    let (tokens, targets) = (batch(&mut rng, b * t, cfg.vocab_size), batch(&mut rng, b * t, cfg.vocab_size));
    let mut model = noisy_model(&cfg, &mut rng);
    model.forward(&tokens, Some(&targets), b, t);
    model.zero_grad();
    model.backward();
    let analytic = model.grads.clone();

    let mut checked = 0;
    for tensor in model.layout.clone().iter() {
        // A handful of coordinates per tensor: the first, the last and three random ones.
        let mut picks = vec![0, tensor.len - 1];
        picks.extend((0..3).map(|_| rng.random_range(0..tensor.len)));
        for i in picks {
            let at = tensor.offset + i;
            let orig = model.params[at];
            model.params[at] = orig + H;
            let plus = model.forward(&tokens, Some(&targets), b, t);
            model.params[at] = orig - H;
            let minus = model.forward(&tokens, Some(&targets), b, t);
            model.params[at] = orig;
            let numeric = (plus - minus) / (2.0 * H);
            let label = format!("bias={bias} tied={tied}: d loss / d {}[{i}]", tensor.name);
            common::check_close_f64(&[analytic[at]], &[numeric], TOL, &label);
            checked += 1;
        }
    }
    assert!(checked >= 5 * model.layout.tensors().len());
}

#[test]
fn gradients_match_finite_differences_with_bias_tied() {
    check_model_gradients(true, true);
}

#[test]
fn gradients_match_finite_differences_with_bias_untied() {
    check_model_gradients(true, false);
}

#[test]
fn gradients_match_finite_differences_without_bias_tied() {
    check_model_gradients(false, true);
}

#[test]
fn gradients_match_finite_differences_without_bias_untied() {
    check_model_gradients(false, false);
}

#[test]
fn backward_accumulates_until_zero_grad() {
    let cfg = config(true, true);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (tokens, targets) = (batch(&mut rng, 6, 11), batch(&mut rng, 6, 11));
    let mut model = noisy_model(&cfg, &mut rng);
    model.forward(&tokens, Some(&targets), 2, 3);
    model.backward();
    let once = model.grads.clone();
    model.backward();
    let twice: Vec<f64> = once.iter().map(|g| 2.0 * g).collect();
    common::check_close_f64(&model.grads, &twice, 1e-12, "two backward passes");
    model.zero_grad();
    assert!(model.grads.iter().all(|&g| g == 0.0));
}

#[test]
fn forward_without_targets_gives_logits_and_nan_loss() {
    let cfg = config(true, false);
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let (tokens, targets) = (batch(&mut rng, 8, 11), batch(&mut rng, 8, 11));
    let mut model = CpuModel::new(&cfg, 0);
    let loss = model.forward(&tokens, Some(&targets), 2, 4);
    let logits = model.logits().to_vec();
    assert_eq!(logits.len(), 2 * 4 * 11);
    assert!(loss.is_finite() && (loss - (11f32).ln()).abs() < 0.1, "fresh model loss {loss} is not near ln V");
    assert!(model.forward(&tokens, None, 2, 4).is_nan());
    assert_eq!(model.logits(), &logits[..]);
    assert_eq!(model.loss(), None);
}

/// Positions only see their past: running a prefix of length 3 gives the first 3 positions of the length-6 run.
#[test]
fn shorter_sequences_match_the_prefix_of_longer_ones() {
    let cfg = config(false, true);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let tokens = batch(&mut rng, 6, 11);
    let mut model = noisy_model(&cfg, &mut rng);
    model.forward(&tokens, None, 1, 6);
    let long = model.logits()[..3 * 11].to_vec();
    model.forward(&tokens[..3], None, 1, 3);
    common::check_close_f64(model.logits(), &long, 1e-12, "prefix logits");
}

#[test]
#[should_panic(expected = "outside the vocabulary")]
fn token_out_of_vocabulary_is_named() {
    let mut model = CpuModel::new(&config(true, true), 0);
    model.forward(&[1, 2, 11], None, 1, 3);
}

#[test]
#[should_panic(expected = "must be between 1 and n_ctx")]
fn sequence_longer_than_context_is_refused() {
    let mut model = CpuModel::new(&config(true, true), 0);
    model.forward(&[0; 8], None, 1, 8);
}

#[test]
fn attention_maps_are_causal_probability_rows() {
    let config = ModelConfig {
        n_layer: 2,
        n_head: 2,
        d_model: 16,
        d_ff: 32,
        vocab_size: 11,
        n_ctx: 8,
        ..ModelConfig::default()
    };
    let mut model = CpuModel::new(&config, 3);
    let t = 6;
    let tokens: Vec<u32> = (0..t as u32).collect();
    model.forward(&tokens, None, 1, t);
    for layer in 0..config.n_layer {
        let att = model.attention(layer);
        assert_eq!(att.len(), config.n_head * t * t);
        for row in att.chunks(t).enumerate().map(|(i, r)| (i % t, r)) {
            let (query, probs) = row;
            let sum: f32 = probs.iter().sum();
            assert!((sum - 1.0).abs() < 1e-5, "layer {layer}: a row sums to {sum}");
            assert!(probs[query + 1..].iter().all(|&p| p == 0.0), "layer {layer}: attention to the future");
        }
    }
}
