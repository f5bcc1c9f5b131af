//! Shared test helpers: one GPU device for all tests, tolerance checks that show where they fail, and the PyTorch
//! fixture loader (tests/reference/gpt_reference.py writes the fixtures).
#![allow(dead_code)]

use compute::config::ModelConfig;
use compute::gpu::Gpu;
use compute::params::ParamLayout;
use safetensors::{Dtype, SafeTensors};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The one device all GPU tests share. Fails loudly when there is no adapter: GPU tests must never
/// pass by being skipped (on Debian, `apt-get install mesa-vulkan-drivers` provides lavapipe).
pub fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| match pollster::block_on(Gpu::request()) {
        Ok(gpu) => gpu,
        Err(e) => panic!("GPU tests need a wgpu adapter and found none: {e}"),
    })
}

/// A second device opened without subgroups, so the reduction kernels take their workgroup-memory fallback (what
/// the browser runs) even on an adapter that has subgroups.
pub fn gpu_fallback() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| {
        let options = compute::gpu::GpuOptions { subgroups: false, timestamps: false };
        match pollster::block_on(Gpu::request_with(options)) {
            Ok(gpu) => gpu,
            Err(e) => panic!("GPU tests need a wgpu adapter and found none: {e}"),
        }
    })
}

/// Indices (with got, want) where |got - want| > tol * (1 + |want|), NaN counting as a mismatch.
fn mismatches(got: &[f64], want: &[f64], tol: f64) -> Vec<(usize, f64, f64)> {
    got.iter()
        .zip(want)
        .enumerate()
        .filter(|(_, (g, w))| !matches!((*g - *w).abs().partial_cmp(&(tol * (1.0 + w.abs()))), Some(o) if o.is_le()))
        .map(|(i, (g, w))| (i, *g, *w))
        .collect()
}

/// Asserts |got - want| <= tol * (1 + |want|) elementwise, printing the first mismatches with their index.
pub fn check_close(got: &[f32], want: &[f32], tol: f32, label: &str) {
    let widen = |x: &[f32]| x.iter().map(|&v| v as f64).collect::<Vec<f64>>();
    check_close_f64(&widen(got), &widen(want), tol as f64, label);
}

/// [`check_close`] for f64 values.
pub fn check_close_f64(got: &[f64], want: &[f64], tol: f64, label: &str) {
    assert_eq!(got.len(), want.len(), "{label}: length {} != {}", got.len(), want.len());
    let bad = mismatches(got, want, tol);
    let lines: Vec<String> = bad.iter().take(5).map(|(i, g, w)| format!("  [{i}] got {g} want {w}")).collect();
    assert!(bad.is_empty(), "{label}: {} mismatches beyond {tol}:\n{}", bad.len(), lines.join("\n"));
}

/// [`check_close`] for a flat buffer in `layout` order (parameters or gradients): checks every tensor and reports the
/// first mismatches by tensor name, index within the tensor and (row, col) for matrices.
pub fn check_close_named(got: &[f32], want: &[f32], tol: f32, label: &str, layout: &ParamLayout) {
    assert_eq!(got.len(), layout.total(), "{label}: got {} values for a layout of {}", got.len(), layout.total());
    assert_eq!(want.len(), layout.total(), "{label}: want {} values for a layout of {}", want.len(), layout.total());
    let mut report = Vec::new();
    for t in layout {
        let widen = |x: &[f32]| x[t.range()].iter().map(|&v| v as f64).collect::<Vec<f64>>();
        let bad = mismatches(&widen(got), &widen(want), tol as f64);
        if bad.is_empty() {
            continue;
        }
        report.push(format!("  {} {:?}: {} of {} differ", t.name, t.shape, bad.len(), t.len));
        for (i, g, w) in bad.iter().take(3) {
            let at = match t.shape[..] {
                [_, cols] => format!("({}, {})", i / cols, i % cols),
                _ => format!("({i})"),
            };
            report.push(format!("    {at} got {g} want {w}"));
        }
    }
    assert!(report.is_empty(), "{label}: mismatches beyond {tol}:\n{}", report.join("\n"));
}

/// One PyTorch reference run: the model, its inputs and what PyTorch computed (see tests/reference/gpt_reference.py).
pub struct Fixture {
    pub config: ModelConfig,
    /// Every parameter, flat in `ParamLayout::new(&config)` order: (layout.total()).
    pub params: Vec<f32>,
    pub tokens: Vec<u32>,  // (batch, t)
    pub targets: Vec<u32>, // (batch, t)
    pub batch: usize,
    pub t: usize,
    /// Mean cross-entropy over all batch * t positions.
    pub loss: f32,
    pub logits: Vec<f32>, // (batch, t, V)
    /// d(loss)/d(params), flat in layout order: (layout.total()).
    pub grads: Vec<f32>,
}

/// Path of a committed fixture by name, e.g. `fixture_path("gpt_bias_tied")`.
pub fn fixture_path(name: &str) -> PathBuf {
    compute::repository_dir().join("tests/reference/fixtures").join(format!("{name}.safetensors"))
}

/// Loads `<stem>.safetensors` and the `<stem>.json` beside it. Panics naming the file and tensor when anything is
/// missing or misshapen, so a stale fixture is obvious.
pub fn load_fixture(path: impl AsRef<Path>) -> Fixture {
    let path = path.as_ref();
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()));
    let json_path = path.with_extension("json");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&json_path).unwrap_or_else(|e| panic!("reading {}: {e}", json_path.display())),
    )
    .unwrap_or_else(|e| panic!("parsing {}: {e}", json_path.display()));
    let config: ModelConfig = serde_json::from_value(meta["config"].clone()).expect("fixture JSON has a config");
    config.validate().expect("fixture config is valid");
    let size = |key: &str| meta[key].as_u64().unwrap_or_else(|| panic!("fixture JSON lacks {key}")) as usize;
    let (batch, t) = (size("batch"), size("t"));
    let st = SafeTensors::deserialize(&bytes).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
    let get = |name: &str, shape: &[usize]| -> safetensors::tensor::TensorView<'_> {
        let view = st.tensor(name).unwrap_or_else(|e| panic!("{}: no tensor {name}: {e}", path.display()));
        assert_eq!(view.shape(), shape, "{}: {name} has shape {:?}, want {shape:?}", path.display(), view.shape());
        view
    };
    let f32s = |name: &str, shape: &[usize]| -> Vec<f32> {
        let view = get(name, shape);
        assert_eq!(view.dtype(), Dtype::F32, "{name} must be float32");
        view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
    };
    let ids = |name: &str| -> Vec<u32> {
        let view = get(name, &[batch, t]);
        assert_eq!(view.dtype(), Dtype::I64, "{name} must be int64");
        view.data().chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap()) as u32).collect()
    };
    let layout = ParamLayout::new(&config);
    let (mut params, mut grads) = (vec![0.0; layout.total()], vec![0.0; layout.total()]);
    for tensor in &layout {
        params[tensor.range()].copy_from_slice(&f32s(&tensor.name, &tensor.shape));
        grads[tensor.range()].copy_from_slice(&f32s(&format!("grad.{}", tensor.name), &tensor.shape));
    }
    Fixture {
        params,
        grads,
        tokens: ids("in.tokens"),
        targets: ids("in.targets"),
        loss: f32s("out.loss", &[])[0],
        logits: f32s("out.logits", &[batch, t, config.vocab_size]),
        batch,
        t,
        config,
    }
}

/// Deterministic values in [-scale, scale) from a small LCG, so failures reproduce.
pub fn random(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}
