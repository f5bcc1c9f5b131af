//! The two backends a trainer drives: the GPU (wgpu) and the CPU reference, behind one enum with the same steps.

use super::config::TrainConfig;
use super::gpu_backend::GpuBackend;
pub use super::metrics::BackendKind;
use super::optim::{adamw_step, clip_scale, global_norm, AdamWState};
use super::trainer::TrainError;
use crate::config::ModelConfig;
use crate::cpu::CpuModel;
use crate::gpu::Gpu;
use std::sync::Arc;

/// Which backend a [`super::Trainer`] should build.
#[derive(Clone)]
pub enum BackendChoice {
    /// Train on this GPU.
    Gpu(Arc<Gpu>),
    /// Train on the CPU reference (no GPU needed).
    Cpu,
}

/// Every check of a model and its settings that needs no data, before anything is allocated: valid sizes and
/// settings, and memory within [`crate::cpu::plan::memory_cap`] (all of training on the CPU; the parameters and their
/// AdamW state, which the host holds too, on the GPU, whose own limits its backend checks).
pub(crate) fn check_settings(choice: &BackendChoice, model: &ModelConfig, cfg: &TrainConfig) -> Result<(), TrainError> {
    model.validate().map_err(|e| TrainError::Model(e.to_string()))?;
    cfg.validate(model).map_err(TrainError::Config)?;
    let (cap, why) = crate::cpu::plan::memory_cap();
    match choice {
        BackendChoice::Cpu => crate::cpu::plan::check_fits(model, cfg.batch, cfg.context(model), cap, &why),
        BackendChoice::Gpu(_) => crate::cpu::plan::check_params(model, cap, &why),
    }
    .map_err(TrainError::Model)
}

/// One reading of the training loss: the mean over the steps since the previous reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// Steps done when it was taken (1-based).
    pub step: usize,
    pub mean_loss: f64,
    /// Pre-clip global gradient norm of the last step.
    pub grad_norm: f64,
    pub lr: f64,
}

/// What a backend must keep to continue a run exactly: AdamW's state and the loss summed since the last reading.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerState {
    /// AdamW updates done (Adam's t); equals the steps trained.
    pub t: u64,
    pub m: Vec<f32>, // (P) first moment
    pub v: Vec<f32>, // (P) second moment
    /// Step of the previous loss reading, and Σ loss over the steps after it.
    pub last_read: usize,
    pub loss_sum: f64,
}

/// A backend that runs training steps, evaluation forwards and holds the parameters.
pub enum Backend {
    Gpu(Box<GpuBackend>),
    Cpu(Box<CpuBackend>),
}

impl Backend {
    /// Builds the chosen backend around `params` (in `ParamLayout` order), for batches of `batch` × `t`.
    pub fn new(
        choice: &BackendChoice,
        model: &ModelConfig,
        train: &TrainConfig,
        t: usize,
        params: Vec<f32>,
    ) -> Result<Backend, TrainError> {
        Ok(match choice {
            BackendChoice::Gpu(gpu) => Backend::Gpu(Box::new(GpuBackend::new(gpu.clone(), model, train, t, &params)?)),
            BackendChoice::Cpu => Backend::Cpu(Box::new(CpuBackend::new(model, train, t, params))),
        })
    }

    pub fn kind(&self) -> BackendKind {
        match self {
            Backend::Gpu(_) => BackendKind::Gpu,
            Backend::Cpu(_) => BackendKind::Cpu,
        }
    }

    /// Queues (GPU) or runs (CPU) one training step at learning rate `lr`; with `read`, a loss reading covering the
    /// steps since the previous one is taken after this step and handed out by [`Backend::readings`].
    pub fn train_step(&mut self, tokens: &[u32], targets: &[u32], lr: f64, read: bool) -> Result<(), TrainError> {
        match self {
            Backend::Gpu(g) => g.train_step(tokens, targets, lr, read),
            Backend::Cpu(c) => {
                c.train_step(tokens, targets, lr, read);
                Ok(())
            }
        }
    }

    /// Readings that are ready; with `wait`, waits (asynchronously) for every outstanding one first.
    pub async fn readings(&mut self, wait: bool) -> Result<Vec<StepStats>, TrainError> {
        match self {
            Backend::Gpu(g) => g.readings(wait).await,
            Backend::Cpu(c) => Ok(std::mem::take(&mut c.ready)),
        }
    }

    /// Readings requested but not yet handed out.
    pub fn in_flight(&self) -> usize {
        match self {
            Backend::Gpu(g) => g.in_flight(),
            Backend::Cpu(c) => c.ready.len(),
        }
    }

    /// Σ loss over the first `rows` rows of each (tokens, targets) batch of `batch` × `t`, and the positions counted.
    pub async fn eval_sum(&mut self, batches: &[(Vec<u32>, Vec<u32>, usize)]) -> Result<(f64, usize), TrainError> {
        match self {
            Backend::Gpu(g) => g.eval_sum(batches).await,
            Backend::Cpu(c) => Ok(c.eval_sum(batches)),
        }
    }

    /// A copy of the parameters, in `ParamLayout` order.
    pub async fn params(&self) -> Result<Vec<f32>, TrainError> {
        match self {
            Backend::Gpu(g) => g.params().await,
            Backend::Cpu(c) => Ok(c.model.params.clone()),
        }
    }

    /// Replaces the parameters (the optimiser state is kept).
    pub fn set_params(&mut self, params: &[f32]) {
        match self {
            Backend::Gpu(g) => g.set_params(params),
            Backend::Cpu(c) => c.model.params.copy_from_slice(params),
        }
    }

    /// The optimiser's state, to save the run; outstanding loss readings must have been collected first.
    pub async fn optimizer_state(&self) -> Result<OptimizerState, TrainError> {
        match self {
            Backend::Gpu(g) => g.optimizer_state().await,
            Backend::Cpu(c) => Ok(OptimizerState {
                t: c.optim.t,
                m: c.optim.m.clone(),
                v: c.optim.v.clone(),
                last_read: c.last_read,
                loss_sum: c.loss_sum,
            }),
        }
    }

    /// Continues from a saved optimiser state, whichever backend saved it (the moments are in `ParamLayout` order on
    /// both); the caller has checked the sizes.
    pub fn restore_optimizer(&mut self, s: &OptimizerState) {
        match self {
            Backend::Gpu(g) => g.restore_optimizer(s),
            Backend::Cpu(c) => {
                c.optim.m.copy_from_slice(&s.m);
                c.optim.v.copy_from_slice(&s.v);
                c.optim.t = s.t;
                c.steps = s.t as usize;
                c.last_read = s.last_read;
                c.loss_sum = s.loss_sum;
            }
        }
    }

    /// Kernel launches per step (GPU only).
    pub fn dispatches_per_step(&self) -> Option<usize> {
        match self {
            Backend::Gpu(g) => Some(g.dispatches_per_step()),
            Backend::Cpu(_) => None,
        }
    }
}

/// The CPU reference model with AdamW: every buffer allocated once, nothing per step.
pub struct CpuBackend {
    pub model: CpuModel<f32>,
    pub optim: AdamWState,
    cfg: TrainConfig,
    batch: usize,
    t: usize,
    steps: usize,
    /// Step of the previous reading.
    last_read: usize,
    /// Σ loss since the previous reading.
    loss_sum: f64,
    ready: Vec<StepStats>,
}

impl CpuBackend {
    pub fn new(model: &ModelConfig, cfg: &TrainConfig, t: usize, params: Vec<f32>) -> CpuBackend {
        let model = CpuModel::from_params(model, params);
        let optim = AdamWState::new(&model.layout, cfg.decay_embeddings);
        CpuBackend {
            model,
            optim,
            cfg: cfg.clone(),
            batch: cfg.batch,
            t,
            steps: 0,
            last_read: 0,
            loss_sum: 0.0,
            ready: Vec::new(),
        }
    }

    /// Forward, backward, clip and AdamW. A non-finite loss is read out at once, whatever `read` says.
    pub fn train_step(&mut self, tokens: &[u32], targets: &[u32], lr: f64, read: bool) {
        self.begin_step();
        let loss = self.accumulate(tokens, targets, self.batch);
        self.finish_step(loss, 1, lr, read);
    }

    /// Starts a step whose batch comes in chunks of sequences ([`CpuBackend::accumulate`]).
    pub fn begin_step(&mut self) {
        self.model.zero_grad();
    }

    /// Forward and backward of `rows` sequences, adding the gradient of their mean loss; returns that mean loss.
    pub fn accumulate(&mut self, tokens: &[u32], targets: &[u32], rows: usize) -> f64 {
        let loss = self.model.forward(tokens, Some(targets), rows, self.t) as f64;
        self.model.backward();
        loss
    }

    /// Ends a step of `chunks` equal chunks whose mean losses sum to `loss_sum`: averages the gradients, clips and
    /// applies AdamW.
    pub fn finish_step(&mut self, loss_sum: f64, chunks: usize, lr: f64, read: bool) {
        if chunks > 1 {
            let scale = 1.0 / chunks as f32;
            self.model.grads.iter_mut().for_each(|g| *g *= scale);
        }
        let loss = loss_sum / chunks.max(1) as f64;
        let norm = global_norm(&self.model.grads);
        let scale = clip_scale(norm, self.cfg.grad_clip);
        adamw_step(&mut self.model.params, &self.model.grads, &mut self.optim, &self.cfg, lr, scale);
        self.steps += 1;
        self.loss_sum += loss;
        if read || !loss.is_finite() {
            let window = (self.steps - self.last_read) as f64;
            self.ready.push(StepStats { step: self.steps, mean_loss: self.loss_sum / window, grad_norm: norm, lr });
            self.loss_sum = 0.0;
            self.last_read = self.steps;
        }
    }

    fn eval_sum(&mut self, batches: &[(Vec<u32>, Vec<u32>, usize)]) -> (f64, usize) {
        let (mut sum, mut count) = (0.0, 0);
        for (x, y, real) in batches {
            let (s, c) = self.eval_rows(x, y, self.batch, *real);
            sum += s;
            count += c;
        }
        (sum, count)
    }

    /// Σ loss over the first `real` of `rows` sequences (the rest are padding), and the positions counted.
    pub fn eval_rows(&mut self, tokens: &[u32], targets: &[u32], rows: usize, real: usize) -> (f64, usize) {
        let real = real.min(rows);
        if real == 0 {
            return (0.0, 0);
        }
        self.model.forward(tokens, Some(targets), rows, self.t);
        let sum = self.model.losses()[..real * self.t].iter().map(|&l| l as f64).sum::<f64>();
        (sum, real * self.t)
    }
}
