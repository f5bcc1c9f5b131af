//! What a model and batch need from the adapter (buffer sizes, head size, workgroup counts), checked
//! before anything is allocated, so an oversized run gets a message instead of a lost device.

use crate::config::ModelConfig;
use crate::gpu::AdapterReport;
use crate::kernels::attention::MAX_HEAD_SIZE;
use std::fmt;

/// Why a configuration cannot run on this adapter, naming the limit and by how much it is exceeded.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// One buffer would exceed the adapter's max_storage_buffer_binding_size.
    BufferTooLarge { buffer: &'static str, bytes: u64, limit: u64 },
    /// The attention kernel keeps a head in per-thread registers of fixed size.
    HeadTooLarge { head_size: usize },
    /// More workgroups in one dimension than the adapter allows.
    TooManyWorkgroups { kernel: &'static str, groups: u64, limit: u64 },
    /// Context of the batch longer than the model's position table.
    ContextTooLong { t: usize, n_ctx: usize },
    /// A zero batch or context.
    EmptyBatch,
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        match *self {
            FitError::BufferTooLarge { buffer, bytes, limit } => write!(
                f,
                "the {buffer} buffer needs {:.1} MiB but this adapter allows at most {:.1} MiB per buffer \
                 (max_storage_buffer_binding_size), {:.1}× too large: use a smaller batch, context, width or vocabulary",
                mib(bytes),
                mib(limit),
                bytes as f64 / limit as f64
            ),
            FitError::HeadTooLarge { head_size } => write!(
                f,
                "head size d_model / n_head = {head_size} is larger than the attention kernel's {MAX_HEAD_SIZE}: \
                 use more heads (at least {})",
                head_size.div_ceil(MAX_HEAD_SIZE)
            ),
            FitError::TooManyWorkgroups { kernel, groups, limit } => write!(
                f,
                "{kernel} would launch {groups} workgroups in one dimension, over this adapter's limit of {limit} \
                 (max_compute_workgroups_per_dimension): use a smaller batch or context"
            ),
            FitError::ContextTooLong { t, n_ctx } => {
                write!(f, "sequences of {t} tokens are longer than the model's context n_ctx = {n_ctx}")
            }
            FitError::EmptyBatch => write!(f, "batch size and sequence length must both be at least 1"),
        }
    }
}

impl std::error::Error for FitError {}

/// The largest buffers a training step allocates, in bytes, by name.
pub fn buffer_sizes(config: &ModelConfig, batch: usize, t: usize) -> Vec<(&'static str, u64)> {
    let bt = (batch * t) as u64;
    let (c, f, v) = (config.d_model as u64, config.d_ff as u64, config.vocab_size as u64);
    let params = crate::params::ParamLayout::new(config).total() as u64;
    vec![
        ("parameter", 4 * params),
        ("logits", 4 * bt * v),
        ("qkv", 4 * bt * 3 * c),
        ("MLP hidden", 4 * bt * f),
        ("residual", 4 * bt * c),
    ]
}

/// Total device memory a training step needs (parameters, gradients, AdamW moments, activations), in bytes.
pub fn memory_bytes(config: &ModelConfig, batch: usize, t: usize) -> u64 {
    let bt = (batch * t) as u64;
    let (c, f, v, l) = (config.d_model as u64, config.d_ff as u64, config.vocab_size as u64, config.n_layer as u64);
    let params = crate::params::ParamLayout::new(config).total() as u64;
    let per_layer = bt * (3 * c + 3 * c + 2 * c + 2 * f + 6) + bt * config.n_head as u64;
    let scratch = bt * (3 * c + 3 * c + 2 * f) + bt * config.n_head as u64;
    4 * (4 * params + l * per_layer + bt * (2 * c + v + 4) + scratch)
}

/// Checks that `config` trained with `batch` sequences of `t` tokens fits the adapter described by `report`.
pub fn check_fits(config: &ModelConfig, batch: usize, t: usize, report: &AdapterReport) -> Result<(), FitError> {
    if batch == 0 || t == 0 {
        return Err(FitError::EmptyBatch);
    }
    if t > config.n_ctx {
        return Err(FitError::ContextTooLong { t, n_ctx: config.n_ctx });
    }
    let head_size = config.d_model / config.n_head.max(1);
    if head_size > MAX_HEAD_SIZE {
        return Err(FitError::HeadTooLarge { head_size });
    }
    for (buffer, bytes) in buffer_sizes(config, batch, t) {
        if bytes > report.max_storage_buffer_binding_size {
            return Err(FitError::BufferTooLarge { buffer, bytes, limit: report.max_storage_buffer_binding_size });
        }
    }
    let limit = report.max_compute_workgroups_per_dimension as u64;
    let groups = [
        ("attention", (batch * config.n_head * t).div_ceil(64) as u64),
        ("matmul", (batch * t).div_ceil(64) as u64),
        ("embedding backward", config.vocab_size as u64),
    ];
    for (kernel, groups) in groups {
        if groups > limit {
            return Err(FitError::TooManyWorkgroups { kernel, groups, limit });
        }
    }
    Ok(())
}
