//! The CPU model against PyTorch: loss, logits and every parameter gradient of the committed fixtures.

mod common;

use common::{check_close, check_close_named, fixture_path, load_fixture};
use compute::cpu::CpuModel;

/// f32 CPU model vs PyTorch's float64 answer rounded to f32. Rounding of a few float32 ulp per operation through two
/// blocks leaves errors up to 2e-6 (of 1 + |want|, measured on these fixtures); 1e-5 leaves 5x margin yet fails on any
/// wrong term, which moves values by 1e-2 or more.
const F32_TOL: f32 = 1e-5;

/// The same check run in f64: the only error left is the f32 rounding of the stored answers (6e-8 relative).
const F64_TOL: f64 = 1e-6;

fn check_fixture(name: &str) {
    let fx = load_fixture(fixture_path(name));
    let mut model = CpuModel::from_params(&fx.config, fx.params.clone());
    let loss = model.forward(&fx.tokens, Some(&fx.targets), fx.batch, fx.t);
    model.backward();
    check_close(&[loss], &[fx.loss], F32_TOL, &format!("{name}: loss"));
    check_close(model.logits(), &fx.logits, F32_TOL, &format!("{name}: logits"));
    check_close_named(&model.grads, &fx.grads, F32_TOL, &format!("{name}: f32 gradients"), &model.layout);

    let mut model = CpuModel::from_params(&fx.config, fx.params.iter().map(|&x| x as f64).collect());
    let loss = model.forward(&fx.tokens, Some(&fx.targets), fx.batch, fx.t);
    model.backward();
    let narrow = |x: &[f64]| x.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    common::check_close_f64(&[loss], &[fx.loss as f64], F64_TOL, &format!("{name}: f64 loss"));
    check_close(&narrow(model.logits()), &fx.logits, F64_TOL as f32, &format!("{name}: f64 logits"));
    check_close_named(
        &narrow(&model.grads),
        &fx.grads,
        F64_TOL as f32,
        &format!("{name}: f64 gradients"),
        &model.layout,
    );
}

#[test]
fn matches_pytorch_with_biases_and_tied_embeddings() {
    check_fixture("gpt_bias_tied");
}

/// Also exercises t < n_ctx (6 of 8 positions): the unused wpe rows must get exactly zero gradient.
#[test]
fn matches_pytorch_without_biases_untied_and_short_context() {
    check_fixture("gpt_nobias_untied");
    let fx = load_fixture(fixture_path("gpt_nobias_untied"));
    let mut model = CpuModel::from_params(&fx.config, fx.params.clone());
    model.forward(&fx.tokens, Some(&fx.targets), fx.batch, fx.t);
    model.backward();
    let wpe = model.layout.get("transformer.wpe.weight").unwrap();
    let c = fx.config.d_model;
    assert!(model.grads[wpe.offset + fx.t * c..wpe.offset + wpe.len].iter().all(|&g| g == 0.0));
}

/// The loader's own sanity: sizes agree with the config and the fixture is not all zeros.
#[test]
fn fixture_loader_reads_consistent_sizes() {
    let fx = load_fixture(fixture_path("gpt_bias_tied"));
    assert_eq!(fx.params.len() as u64, fx.config.param_count());
    assert_eq!(fx.logits.len(), fx.batch * fx.t * fx.config.vocab_size);
    assert!(fx.grads.iter().any(|&g| g != 0.0));
    assert!(fx.tokens.iter().all(|&t| (t as usize) < fx.config.vocab_size));
}
