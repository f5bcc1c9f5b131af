//! Checkpoints: save and load give the same parameters and loss; the file has nanoGPT's names and [out, in] shapes
//! (both `transformer.wte.weight` and `lm_head.weight` when tied); and, where torch is installed, the PyTorch
//! reference loads it with a strict load_state_dict and computes the same loss.

use compute::checkpoint::{from_bytes, to_bytes};
use compute::config::ModelConfig;
use compute::cpu::CpuModel;
use compute::data::Tokenizer;
use safetensors::SafeTensors;

fn model() -> ModelConfig {
    ModelConfig { vocab_size: 13, n_ctx: 8, n_layer: 2, n_head: 2, d_model: 16, d_ff: 64, ..Default::default() }
}

const IDS: [u32; 9] = [1, 5, 2, 7, 7, 3, 12, 0, 4];

#[test]
fn save_and_load_keep_parameters_loss_and_layout() {
    let cfg = model();
    let mut m = CpuModel::new(&cfg, 7);
    let loss = m.forward(&IDS[..8], Some(&IDS[1..]), 1, 8);
    let tokenizer = Tokenizer::Byte;
    let bytes = to_bytes(&cfg, &m.params, Some(&tokenizer)).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.tensor("transformer.h.0.attn.c_attn.weight").unwrap().shape(), [48, 16]);
    assert_eq!(st.tensor("transformer.h.1.mlp.c_fc.weight").unwrap().shape(), [64, 16]);
    assert_eq!(st.tensor("lm_head.weight").unwrap().data(), st.tensor("transformer.wte.weight").unwrap().data());
    let back = from_bytes(&bytes, None).unwrap();
    assert_eq!(back.config, cfg);
    assert_eq!(back.params, m.params);
    assert!(matches!(back.tokenizer, Some(Tokenizer::Byte)));
    let mut m2 = CpuModel::from_params(&back.config, back.params);
    assert_eq!(m2.forward(&IDS[..8], Some(&IDS[1..]), 1, 8), loss);
}

#[test]
fn pytorch_loads_the_checkpoint_and_computes_the_same_loss() {
    let has_torch = std::process::Command::new("python3")
        .args(["-c", "import torch, safetensors"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_torch {
        eprintln!("skipped: torch is not installed (the layout test above still checks names and shapes)");
        return;
    }
    let cfg = model();
    let mut m = CpuModel::new(&cfg, 7);
    let loss = m.forward(&IDS[..8], Some(&IDS[1..]), 1, 8);
    let path = std::env::temp_dir().join(format!("lab-ckpt-{}.safetensors", std::process::id()));
    std::fs::write(&path, to_bytes(&cfg, &m.params, None).unwrap()).unwrap();
    let script = compute::repository_dir().join("tests/reference/load_checkpoint.py");
    let out = std::process::Command::new("python3")
        .args([script.to_str().unwrap(), path.to_str().unwrap(), &format!("[{:?}]", IDS)])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let torch_loss = v["loss"].as_f64().unwrap();
    assert!((torch_loss - loss as f64).abs() < 1e-5, "PyTorch {torch_loss} lab {loss}");
}
