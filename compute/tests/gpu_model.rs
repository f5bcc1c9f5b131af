//! The whole GPT on the GPU (forward, loss, logits and every parameter gradient) against PyTorch's
//! fixtures and the CPU reference, plus configuration and fit errors that must not panic.

mod common;

use common::{check_close, check_close_named, fixture_path, gpu, load_fixture};
use compute::config::ModelConfig;
use compute::cpu::model::CpuModel;
use compute::model::{check_fits, FitError, GpuModel, Kernels, ModelError};
use compute::params::init_params;

fn gpu_run(
    config: &ModelConfig,
    params: &[f32],
    tokens: &[u32],
    targets: &[u32],
    b: usize,
    t: usize,
) -> (f32, Vec<f32>, Vec<f32>) {
    let g = gpu();
    let model = GpuModel::new(g, &Kernels::new(g), config, b, t, params).expect("model fits");
    model.upload_batch(g, tokens, targets).expect("valid batch");
    model.forward_only(g);
    let logits = pollster::block_on(model.read_logits(g)).unwrap();
    model.forward_backward(g);
    let loss = pollster::block_on(model.read_loss(g)).unwrap();
    let grads = pollster::block_on(model.read_grads(g)).unwrap();
    (loss, logits, grads)
}

fn against_pytorch(name: &str) {
    let fx = load_fixture(fixture_path(name));
    let (loss, logits, grads) = gpu_run(&fx.config, &fx.params, &fx.tokens, &fx.targets, fx.batch, fx.t);
    assert!((loss - fx.loss).abs() < 1e-5, "{name}: GPU loss {loss}, PyTorch {}", fx.loss);
    check_close(&logits, &fx.logits, 1e-4, &format!("{name}: logits"));
    let layout = compute::params::ParamLayout::new(&fx.config);
    // Gradients are sums over all positions of products of O(1) values: 1e-4 relative is float32 round-off.
    check_close_named(&grads, &fx.grads, 1e-4, &format!("{name}: gradients"), &layout);
}

#[test]
fn gpu_model_matches_pytorch_with_bias_and_tied_head() {
    against_pytorch("gpt_bias_tied");
}

#[test]
fn gpu_model_matches_pytorch_without_bias_and_untied_head() {
    against_pytorch("gpt_nobias_untied");
}

#[test]
fn gpu_model_matches_cpu_reference_on_awkward_sizes() {
    // Sizes off every tile: V = 67, C = 36 (3 heads of 12), F = 100, T = 13 < n_ctx.
    let config = ModelConfig {
        vocab_size: 67,
        n_ctx: 16,
        n_layer: 3,
        n_head: 3,
        d_model: 36,
        d_ff: 100,
        bias: true,
        tie_embeddings: true,
    };
    let (b, t) = (3, 13);
    let params = init_params(&config, 7);
    let tokens: Vec<u32> = (0..b * t).map(|i| ((i * 31 + 7) % 67) as u32).collect();
    let targets: Vec<u32> = (0..b * t).map(|i| ((i * 17 + 3) % 67) as u32).collect();
    let (loss, logits, grads) = gpu_run(&config, &params, &tokens, &targets, b, t);

    let mut cpu = CpuModel::from_params(&config, params);
    let want_loss = cpu.forward(&tokens, Some(&targets), b, t);
    assert!((loss - want_loss).abs() < 1e-5, "GPU loss {loss}, CPU {want_loss}");
    check_close(&logits, cpu.logits(), 1e-4, "logits");
    cpu.zero_grad();
    cpu.backward();
    check_close_named(&grads, &cpu.grads, 1e-4, "gradients", &compute::params::ParamLayout::new(&config));
}

#[test]
fn engine_reports_dispatches_per_step() {
    let g = gpu();
    let config = ModelConfig::default();
    let model = GpuModel::new(g, &Kernels::new(g), &config, 2, 8, &init_params(&config, 1)).unwrap();
    // encoder + 7 per block (GELU runs in c_fc's epilogue) + final LN, head, loss; backward 2 + 2 + 18 per block
    // (GELU's backward runs in dhid's epilogue) + 2. Rows are too few here for any split-K pass.
    let want = (1 + 7 * config.n_layer + 3) + (4 + 18 * config.n_layer + 2);
    assert_eq!(model.dispatches_per_step(), want);
}

#[test]
fn invalid_configurations_and_batches_give_errors_not_panics() {
    let g = gpu();
    let k = Kernels::new(g);
    let bad_heads = ModelConfig { d_model: 30, n_head: 4, ..ModelConfig::default() };
    let err = GpuModel::new(g, &k, &bad_heads, 1, 8, &[]).err().expect("rejected");
    assert!(matches!(err, ModelError::Config(_)), "{err}");
    assert!(err.to_string().contains("not divisible"), "{err}");

    let config = ModelConfig::default();
    let too_long =
        GpuModel::new(g, &k, &config, 1, config.n_ctx + 1, &init_params(&config, 1)).err().expect("rejected");
    assert!(too_long.to_string().contains("longer than the model's context"), "{too_long}");

    let model = GpuModel::new(g, &k, &config, 1, 4, &init_params(&config, 1)).unwrap();
    let err = model.upload_batch(g, &[1, 2, 3, 999], &[1, 2, 3, 4]).unwrap_err();
    assert!(err.to_string().contains("token id 999"), "{err}");
    let err = model.upload_batch(g, &[1, 2], &[1, 2]).unwrap_err();
    assert!(err.to_string().contains("expected 4 tokens"), "{err}");
}

#[test]
fn oversized_models_name_the_limit_and_the_excess() {
    let mut report = gpu().report.clone();
    report.max_storage_buffer_binding_size = 128 << 20;
    let config = ModelConfig { vocab_size: 50257, n_ctx: 1024, ..ModelConfig::default() };
    let err = check_fits(&config, 16, 1024, &report).unwrap_err();
    match &err {
        FitError::BufferTooLarge { buffer, bytes, limit } => {
            assert_eq!(*buffer, "logits");
            assert_eq!(*bytes, 4 * 16 * 1024 * 50257);
            assert_eq!(*limit, 128 << 20);
        }
        other => panic!("expected a buffer limit error, got {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("max_storage_buffer_binding_size") && text.contains("× too large"), "{text}");
    let wide_heads = ModelConfig { d_model: 512, n_head: 2, ..ModelConfig::default() };
    assert!(matches!(check_fits(&wide_heads, 1, 8, &report), Err(FitError::HeadTooLarge { head_size: 256 })));
}
