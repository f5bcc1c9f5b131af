//! Shared by the train_* tests: the PyTorch optimiser fixture (tests/reference/adamw_reference.py) and one GPU.
#![allow(dead_code)]

use compute::config::ModelConfig;
use compute::gpu::Gpu;
use compute::train::TrainConfig;
use safetensors::SafeTensors;
use std::sync::{Arc, OnceLock};

/// One device shared by a test binary, owned (the trainer holds an `Arc<Gpu>`). Panics without an adapter: GPU tests
/// never pass by being skipped.
pub fn gpu() -> Arc<Gpu> {
    static GPU: OnceLock<Arc<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| match pollster::block_on(Gpu::request()) {
        Ok(gpu) => Arc::new(gpu),
        Err(e) => panic!("GPU tests need a wgpu adapter and found none: {e}"),
    })
    .clone()
}

/// A second device without subgroups, so the optimiser and the model's reductions take the workgroup-memory fallback
/// (what the browser runs).
pub fn gpu_fallback() -> Arc<Gpu> {
    static GPU: OnceLock<Arc<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| {
        let options = compute::gpu::GpuOptions { subgroups: false, timestamps: false };
        match pollster::block_on(Gpu::request_with(options)) {
            Ok(gpu) => Arc::new(gpu),
            Err(e) => panic!("GPU tests need a wgpu adapter and found none: {e}"),
        }
    })
    .clone()
}

/// The committed fixture: model, settings and per-step tensors.
pub struct Steps {
    pub model: ModelConfig,
    pub train: TrainConfig,
    /// params[k] before step k; params[STEPS] after the last.
    pub params: Vec<Vec<f32>>,
    pub grads: Vec<Vec<f32>>,
    pub tokens: Vec<Vec<u32>>,
    pub targets: Vec<Vec<u32>>,
    pub lr: Vec<f64>,
    pub norm: Vec<f64>,
}

pub fn load_steps() -> Steps {
    let dir = compute::repository_dir().join("tests/reference/fixtures");
    let bytes = std::fs::read(dir.join("adamw_steps.safetensors")).expect("fixture adamw_steps.safetensors");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("adamw_steps.json")).unwrap()).unwrap();
    let model: ModelConfig = serde_json::from_value(meta["config"].clone()).unwrap();
    let train: TrainConfig = serde_json::from_value(meta["train"].clone()).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let f32s = |n: &str| -> Vec<f32> {
        st.tensor(n).unwrap().data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
    };
    let f64s = |n: &str| -> Vec<f64> {
        st.tensor(n).unwrap().data().chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect()
    };
    let ids = |n: &str| -> Vec<Vec<u32>> {
        let all: Vec<u32> = st
            .tensor(n)
            .unwrap()
            .data()
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap()) as u32)
            .collect();
        all.chunks(train.batch * train.t).map(<[u32]>::to_vec).collect()
    };
    let steps = train.steps;
    Steps {
        params: (0..=steps).map(|k| f32s(&format!("params.{k}"))).collect(),
        grads: (0..steps).map(|k| f32s(&format!("grads.{k}"))).collect(),
        tokens: ids("tokens"),
        targets: ids("targets"),
        lr: f64s("lr"),
        norm: f64s("norm"),
        model,
        train,
    }
}
