//! The whole GPT on the GPU: forward, backward and (with the trainer) the update, each step recorded
//! into one command buffer from launches prepared once.

mod buffers;
mod launches;
pub mod plan;

use crate::config::ModelConfig;
use crate::gpu::{read_f32, Gpu, GpuError};
use crate::kernels::attention::Attention;
use crate::kernels::colsum::ColSum;
use crate::kernels::crossentropy::CrossEntropy;
use crate::kernels::encoder::{bucket_by_token, Encoder};
use crate::kernels::layernorm::LayerNorm;
use crate::kernels::matmul::Matmul;
use crate::kernels::Dispatch;
use crate::params::ParamLayout;
use buffers::Buffers;
use launches::Launches;
pub use plan::{check_fits, FitError};
use std::fmt;

/// Why a model could not be built or run on the GPU.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    Config(crate::config::ConfigError),
    Fit(FitError),
    /// Wrong number of tokens, or a token id outside the vocabulary.
    Batch(String),
    Gpu(GpuError),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Config(e) => write!(f, "invalid model: {e}"),
            ModelError::Fit(e) => write!(f, "does not fit this GPU: {e}"),
            ModelError::Batch(e) => write!(f, "invalid batch: {e}"),
            ModelError::Gpu(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ModelError {}

impl From<GpuError> for ModelError {
    fn from(e: GpuError) -> Self {
        ModelError::Gpu(e)
    }
}

/// The pipelines of every layer, compiled once per device.
pub struct Kernels {
    pub matmul: Matmul,
    pub encoder: Encoder,
    pub layernorm: LayerNorm,
    pub attention: Attention,
    pub crossentropy: CrossEntropy,
    pub colsum: ColSum,
}

impl Kernels {
    pub fn new(gpu: &Gpu) -> Kernels {
        Kernels {
            matmul: Matmul::new(gpu),
            encoder: Encoder::new(gpu),
            layernorm: LayerNorm::new(gpu),
            attention: Attention::new(gpu),
            crossentropy: CrossEntropy::new(gpu),
            colsum: ColSum::new(gpu),
        }
    }
}

/// A GPT with its parameters, gradients and activations on the GPU, for batches of `batch` × `t` tokens.
pub struct GpuModel {
    pub config: ModelConfig,
    pub layout: ParamLayout,
    pub batch: usize,
    pub t: usize,
    pub params: wgpu::Buffer, // (P) flat, in `layout` order
    pub grads: wgpu::Buffer,  // (P) same layout
    tokens: wgpu::Buffer,     // (BT) u32
    targets: wgpu::Buffer,    // (BT) u32
    order: wgpu::Buffer,      // (BT) u32 positions sorted by token
    starts: wgpu::Buffer,     // (V+1) u32
    logits: wgpu::Buffer,     // (BT, V); dlogits after a training forward
    losses: wgpu::Buffer,     // (BT)
    dres: wgpu::Buffer,       // kept to clear before each backward
    forward: Vec<Dispatch>,   // ends with the cross-entropy that leaves dlogits
    forward_eval: Dispatch,   // the cross-entropy that keeps the logits
    backward: Vec<Dispatch>,
}

impl GpuModel {
    /// Allocates the model on `gpu` with the given parameters (in `ParamLayout` order) and prepares every launch.
    pub fn new(
        gpu: &Gpu,
        kernels: &Kernels,
        config: &ModelConfig,
        batch: usize,
        t: usize,
        params: &[f32],
    ) -> Result<GpuModel, ModelError> {
        config.validate().map_err(ModelError::Config)?;
        check_fits(config, batch, t, &gpu.report).map_err(ModelError::Fit)?;
        let layout = ParamLayout::new(config);
        if params.len() != layout.total() {
            return Err(ModelError::Batch(format!(
                "{} parameters given, the model has {}",
                params.len(),
                layout.total()
            )));
        }
        let bufs = Buffers::new(gpu, config, batch, t, params, launches::split_scratch_len(config, batch * t));
        let Launches { forward, forward_eval, backward } =
            launches::build(gpu, kernels, config, &layout, batch, t, &bufs);
        Ok(GpuModel {
            config: config.clone(),
            layout,
            batch,
            t,
            params: bufs.params,
            grads: bufs.grads,
            tokens: bufs.tokens,
            targets: bufs.targets,
            order: bufs.order,
            starts: bufs.starts,
            logits: bufs.logits,
            losses: bufs.losses,
            dres: bufs.g.dres,
            forward,
            forward_eval,
            backward,
        })
    }

    /// Writes a batch of token ids and next-token targets, (batch, t) each, row-major.
    pub fn upload_batch(&self, gpu: &Gpu, tokens: &[u32], targets: &[u32]) -> Result<(), ModelError> {
        let bt = self.batch * self.t;
        let v = self.config.vocab_size;
        if tokens.len() != bt || targets.len() != bt {
            return Err(ModelError::Batch(format!(
                "expected {bt} tokens and targets ({} × {}), got {} and {}",
                self.batch,
                self.t,
                tokens.len(),
                targets.len()
            )));
        }
        if let Some(bad) = tokens.iter().chain(targets).find(|&&x| x as usize >= v) {
            return Err(ModelError::Batch(format!("token id {bad} is outside the vocabulary of {v}")));
        }
        let (order, starts) = bucket_by_token(tokens, v);
        gpu.queue.write_buffer(&self.tokens, 0, bytemuck::cast_slice(tokens));
        gpu.queue.write_buffer(&self.targets, 0, bytemuck::cast_slice(targets));
        gpu.queue.write_buffer(&self.order, 0, bytemuck::cast_slice(&order));
        gpu.queue.write_buffer(&self.starts, 0, bytemuck::cast_slice(&starts));
        Ok(())
    }

    /// Records forward + backward of the uploaded batch: gradients are cleared, then accumulated.
    pub fn record_forward_backward(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.clear_buffer(&self.grads, 0, None);
        encoder.clear_buffer(&self.dres, 0, None);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("forward + backward"),
            timestamp_writes: None,
        });
        for d in self.forward.iter().chain(&self.backward) {
            d.record(&mut pass);
        }
    }

    /// Records the forward only, keeping the logits (evaluation and sampling).
    pub fn record_forward(&self, encoder: &mut wgpu::CommandEncoder) {
        let mut pass =
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("forward"), timestamp_writes: None });
        for d in &self.forward[..self.forward.len() - 1] {
            d.record(&mut pass);
        }
        self.forward_eval.record(&mut pass);
    }

    /// Runs forward + backward on the uploaded batch as one submission.
    pub fn forward_backward(&self, gpu: &Gpu) {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        self.record_forward_backward(&mut encoder);
        gpu.queue.submit(Some(encoder.finish()));
    }

    /// Runs the forward only on the uploaded batch as one submission.
    pub fn forward_only(&self, gpu: &Gpu) {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        self.record_forward(&mut encoder);
        gpu.queue.submit(Some(encoder.finish()));
    }

    /// Per-position losses of the last forward, (batch · t): for kernels that read them on the GPU.
    pub fn losses_buffer(&self) -> &wgpu::Buffer {
        &self.losses
    }

    /// Every launch of one forward + backward, in order (for the profiler).
    pub fn launches(&self) -> Vec<&Dispatch> {
        self.forward.iter().chain(&self.backward).collect()
    }

    /// Kernel launches in one forward + backward.
    pub fn dispatches_per_step(&self) -> usize {
        self.forward.len() + self.backward.len()
    }

    /// Mean loss of the last forward.
    pub async fn read_loss(&self, gpu: &Gpu) -> Result<f32, GpuError> {
        let losses = read_f32(gpu, &self.losses, 0, self.batch * self.t).await?;
        Ok(losses.iter().map(|&x| x as f64).sum::<f64>() as f32 / losses.len() as f32)
    }

    /// Per-position losses of the last forward, (batch · t).
    pub async fn read_losses(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.losses, 0, self.batch * self.t).await
    }

    /// Logits of the last `forward_only`, (batch · t, V).
    pub async fn read_logits(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.logits, 0, self.batch * self.t * self.config.vocab_size).await
    }

    pub async fn read_grads(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.grads, 0, self.layout.total()).await
    }

    pub async fn read_params(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.params, 0, self.layout.total()).await
    }

    /// Replaces all parameters (e.g. after loading a checkpoint).
    pub fn write_params(&self, gpu: &Gpu, params: &[f32]) {
        gpu.queue.write_buffer(&self.params, 0, bytemuck::cast_slice(params));
    }
}
