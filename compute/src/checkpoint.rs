//! Checkpoints as safetensors with nanoGPT's tensor names and nn.Linear's [out, in] layout, so nanoGPT's `GPT` loads
//! them with `load_state_dict`; the model config and the tokenizer ride in the file's metadata and in a JSON file
//! beside it. The functions work on bytes (the page downloads and uploads them); `save`/`load` add files natively.

use crate::config::ModelConfig;
use crate::data::Tokenizer;
use crate::params::ParamLayout;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde_json::json;
use std::collections::HashMap;
use std::fmt;

/// Names the checkpoint format in the metadata.
pub const CHECKPOINT_FORMAT: &str = "scaling-lab-checkpoint/1";

/// A model's config, parameters and (when saved with one) tokenizer.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    pub config: ModelConfig,
    /// Every parameter in `ParamLayout::new(&config)` order: (P).
    pub params: Vec<f32>,
    pub tokenizer: Option<Tokenizer>,
}

/// Why a checkpoint could not be written or read.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointError(pub String);

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckpointError {}

fn err<T>(m: impl Into<String>) -> Result<T, CheckpointError> {
    Err(CheckpointError(m.into()))
}

/// nanoGPT's `GPTConfig(**args)` for this model (nanoGPT fixes d_ff = 4·n_embd and ties the LM head).
pub fn nanogpt_config(config: &ModelConfig) -> serde_json::Value {
    json!({
        "block_size": config.n_ctx,
        "vocab_size": config.vocab_size,
        "n_layer": config.n_layer,
        "n_head": config.n_head,
        "n_embd": config.d_model,
        "dropout": 0.0,
        "bias": config.bias,
    })
}

/// The JSON written beside a checkpoint: format, model config, nanoGPT's GPTConfig arguments and the tokenizer.
pub fn sidecar_json(config: &ModelConfig, tokenizer: Option<&Tokenizer>) -> String {
    let tokenizer: Option<serde_json::Value> =
        tokenizer.map(|t| serde_json::from_str(&t.to_json()).expect("valid JSON"));
    serde_json::to_string_pretty(&json!({
        "format": CHECKPOINT_FORMAT,
        "config": config,
        "nanogpt_config": nanogpt_config(config),
        "tokenizer": tokenizer,
    }))
    .expect("checkpoint JSON serialises")
}

/// Serialises `params` (in layout order) as safetensors: every tensor under its nanoGPT name, plus `lm_head.weight`
/// (a copy of `transformer.wte.weight`) when tied, as nanoGPT's own state_dict has both keys. The metadata holds
/// `format`, `config` (JSON) and, if given, `tokenizer` (JSON).
pub fn to_bytes(
    config: &ModelConfig,
    params: &[f32],
    tokenizer: Option<&Tokenizer>,
) -> Result<Vec<u8>, CheckpointError> {
    config.validate().map_err(|e| CheckpointError(format!("invalid model config: {e}")))?;
    let layout = ParamLayout::new(config);
    if params.len() != layout.total() {
        return err(format!("{} parameters given, the config's layout has {}", params.len(), layout.total()));
    }
    let bytes: &[u8] = bytemuck::cast_slice(params);
    let mut views: Vec<(String, TensorView<'_>)> = Vec::new();
    let view = |offset: usize, len: usize, shape: Vec<usize>| {
        TensorView::new(Dtype::F32, shape, &bytes[offset * 4..(offset + len) * 4]).expect("sizes match the layout")
    };
    for t in &layout {
        views.push((t.name.clone(), view(t.offset, t.len, t.shape.clone())));
    }
    if layout.tied() {
        let wte = layout.get("transformer.wte.weight").expect("layout has wte");
        views.push(("lm_head.weight".into(), view(wte.offset, wte.len, wte.shape.clone())));
    }
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), CHECKPOINT_FORMAT.to_string());
    meta.insert("config".to_string(), serde_json::to_string(config).expect("config serialises"));
    if let Some(t) = tokenizer {
        meta.insert("tokenizer".to_string(), t.to_json());
    }
    safetensors::serialize(views, Some(meta)).map_err(|e| CheckpointError(format!("cannot write safetensors: {e}")))
}

/// Reads a checkpoint written by [`to_bytes`] (or any safetensors with nanoGPT names whose config is given in
/// `config_json`, e.g. the JSON beside it, when the metadata has none). Tensors must be float32; extra tensors
/// (nanoGPT's `lm_head.weight` copy, `attn.bias` masks) are ignored.
pub fn from_bytes(bytes: &[u8], config_json: Option<&str>) -> Result<Checkpoint, CheckpointError> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| CheckpointError(format!("not a safetensors file: {e}")))?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| CheckpointError(format!("bad header: {e}")))?;
    let meta = meta.metadata().clone().unwrap_or_default();
    let config_text = match (meta.get("config"), config_json) {
        (Some(c), _) => c.clone(),
        (None, Some(json)) => {
            let v: serde_json::Value = serde_json::from_str(json)
                .map_err(|e| CheckpointError(format!("checkpoint JSON does not parse: {e}")))?;
            v.get("config").unwrap_or(&v).to_string()
        }
        (None, None) => {
            return err("the safetensors metadata has no model config; pass the JSON written beside the checkpoint")
        }
    };
    let config: ModelConfig = serde_json::from_str(&config_text)
        .map_err(|e| CheckpointError(format!("the checkpoint's model config does not parse: {e}")))?;
    config.validate().map_err(|e| CheckpointError(format!("the checkpoint's model config is invalid: {e}")))?;
    let layout = ParamLayout::new(&config);
    let mut params = vec![0.0f32; layout.total()];
    for t in &layout {
        let view = st.tensor(&t.name).map_err(|_| {
            CheckpointError(format!("tensor {} is missing; is this a checkpoint of this model?", t.name))
        })?;
        if view.dtype() != Dtype::F32 {
            return err(format!("tensor {} is {:?}; only float32 checkpoints load", t.name, view.dtype()));
        }
        if view.shape() != t.shape.as_slice() {
            return err(format!("tensor {} has shape {:?}, the config says {:?}", t.name, view.shape(), t.shape));
        }
        for (p, b) in params[t.range()].iter_mut().zip(view.data().chunks_exact(4)) {
            *p = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
    }
    let tokenizer = match meta.get("tokenizer") {
        Some(json) => Some(Tokenizer::from_json(json).map_err(|e| CheckpointError(e.to_string()))?),
        None => None,
    };
    Ok(Checkpoint { config, params, tokenizer })
}

/// The JSON written beside a checkpoint: its full name plus `.json` (`ckpt.safetensors.json`), so it can never be
/// the checkpoint itself or a run record named after it.
pub fn sidecar_path(path: &std::path::Path) -> std::path::PathBuf {
    with_suffix(path, ".json")
}

/// The trainer state of a stopped or interrupted run, beside its checkpoint: `ckpt.safetensors.state`.
pub fn state_path(path: &std::path::Path) -> std::path::PathBuf {
    with_suffix(path, ".state")
}

/// Where builds before the full-name suffixes put a sidecar or state (`ckpt.json`, `ckpt.state`), read when the new
/// name is absent; None when that would be the checkpoint itself.
pub fn legacy_path(path: &std::path::Path, extension: &str) -> Option<std::path::PathBuf> {
    let old = path.with_extension(extension);
    (old != path).then_some(old)
}

fn with_suffix(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    name.into()
}

/// Largest safetensors header read (safetensors' own limit): a file whose first 8 bytes claim more is not one.
#[cfg(not(target_arch = "wasm32"))]
const MAX_HEADER_BYTES: u64 = 100_000_000;

/// Reads a safetensors file (a checkpoint or a trainer state) within the memory cap of
/// [`crate::cpu::plan::memory_cap`], refusing at once a file whose first 8 bytes cannot start one (`/dev/zero`).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_safetensors(path: &std::path::Path, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map_err(|e| format!("cannot read {} as {what}: {e}", path.display()))?;
    let n = u64::from_le_bytes(head);
    if !(2..=MAX_HEADER_BYTES).contains(&n) {
        return Err(format!("{} is not {what} (its first 8 bytes give a header of {n} bytes)", path.display()));
    }
    let (cap, why) = crate::cpu::plan::memory_cap();
    crate::files::read_limited(path, cap, &format!("{what} (the memory cap: {why})"))
}

/// Writes `path` (safetensors) and its sidecar JSON ([`sidecar_path`]), each atomically.
#[cfg(not(target_arch = "wasm32"))]
pub fn save(
    path: &std::path::Path,
    config: &ModelConfig,
    params: &[f32],
    tokenizer: Option<&Tokenizer>,
) -> Result<(), CheckpointError> {
    let bytes = to_bytes(config, params, tokenizer)?;
    crate::files::write_atomic(path, &bytes).map_err(CheckpointError)?;
    crate::files::write_atomic(&sidecar_path(path), sidecar_json(config, tokenizer).as_bytes()).map_err(CheckpointError)
}

/// Reads a checkpoint file, using the JSON beside it (new name, else the old one) when the metadata lacks the config.
#[cfg(not(target_arch = "wasm32"))]
pub fn load(path: &std::path::Path) -> Result<Checkpoint, CheckpointError> {
    let bytes = read_safetensors(path, "a checkpoint").map_err(CheckpointError)?;
    let read_json = |p: &std::path::Path| {
        crate::files::read_text_limited(p, crate::files::MAX_RECORD_BYTES, "a checkpoint's JSON").ok()
    };
    let json = read_json(&sidecar_path(path)).or_else(|| legacy_path(path, "json").and_then(|p| read_json(&p)));
    from_bytes(&bytes, json.as_deref())
}
