//! The GPU backend: forward, backward, gradient norm, clipping and AdamW recorded into one command buffer per step,
//! with the loss read back asynchronously every few steps (a 16-byte copy mapped in the background).

use super::backend::{OptimizerState, StepStats};
use super::config::TrainConfig;
use super::optim::decay_mask;
use super::trainer::TrainError;
use crate::config::ModelConfig;
use crate::gpu::{read_f32, Gpu, GpuError};
use crate::kernels::adamw::{AdamW, AdamWStep, OptimizerBuffers};
use crate::kernels::Dispatch;
use crate::model::{GpuModel, Kernels};
use futures_channel::oneshot;
use std::collections::VecDeque;
use std::sync::Arc;

/// A loss reading on its way back from the GPU.
struct Pending {
    step: usize,
    lr: f64,
    /// Steps the reading's Σ loss covers.
    window: usize,
    staging: wgpu::Buffer, // (4) f32, MAP_READ
    done: oneshot::Receiver<Result<(), wgpu::BufferAsyncError>>,
    /// Natively, what to wait for; WebGPU delivers the map callback from the event loop instead.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    submission: wgpu::SubmissionIndex,
}

/// The model, its optimiser state and the launches of one step, on one GPU.
pub struct GpuBackend {
    gpu: Arc<Gpu>,
    model: GpuModel,
    optimizer: Vec<Dispatch>,   // norm partials, update (which finishes the norm and clips)
    step_buffer: wgpu::Buffer,  // AdamWStep uniform
    moments: [wgpu::Buffer; 3], // m (P), v (P), decay mask (P)
    _partials: wgpu::Buffer,    // (257) Σ g² per workgroup, then Σ loss
    stats: wgpu::Buffer,        // (4) norm, clip factor, loss, Σ loss since the last reading
    eval_losses: wgpu::Buffer,  // (eval_batches, BT) per-position validation losses
    cfg: TrainConfig,
    steps: usize,
    last_read: usize,
    pending: VecDeque<Pending>,
}

impl GpuBackend {
    pub fn new(
        gpu: Arc<Gpu>,
        model: &ModelConfig,
        cfg: &TrainConfig,
        t: usize,
        params: &[f32],
    ) -> Result<GpuBackend, TrainError> {
        let kernels = Kernels::new(&gpu);
        let gm =
            GpuModel::new(&gpu, &kernels, model, cfg.batch, t, params).map_err(|e| TrainError::Model(e.to_string()))?;
        let p = gm.layout.total();
        let m = gpu.storage_zeroed("adam m", p);
        let v = gpu.storage_zeroed("adam v", p);
        let mask = gpu.storage_from("decay mask", &decay_mask(&gm.layout, cfg.decay_embeddings));
        let stats = gpu.storage_zeroed("step stats", 4);
        let partials = AdamW::partials_buffer(&gpu);
        let step_buffer = AdamW::step_buffer(&gpu);
        let adamw = AdamW::new(&gpu);
        let bufs = OptimizerBuffers {
            params: &gm.params,
            grads: &gm.grads,
            m: &m,
            v: &v,
            mask: &mask,
            losses: gm.losses_buffer(),
            stats: &stats,
            partials: &partials,
        };
        let optimizer = adamw.prepare(&gpu, p, cfg.batch * t, cfg.grad_clip as f32, &bufs, &step_buffer);
        let eval_losses = gpu.storage_zeroed("eval losses", cfg.eval_batches * cfg.batch * t);
        Ok(GpuBackend {
            gpu,
            model: gm,
            optimizer,
            step_buffer,
            moments: [m, v, mask],
            _partials: partials,
            stats,
            eval_losses,
            cfg: cfg.clone(),
            steps: 0,
            last_read: 0,
            pending: VecDeque::new(),
        })
    }

    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// Uploads the batch and submits forward, backward, norm, clip and AdamW as one command buffer.
    pub fn train_step(&mut self, tokens: &[u32], targets: &[u32], lr: f64, read: bool) -> Result<(), TrainError> {
        let gpu = &*self.gpu;
        self.model.upload_batch(gpu, tokens, targets).map_err(|e| TrainError::Model(e.to_string()))?;
        let t = (self.steps + 1) as i32;
        let step = AdamWStep {
            lr: lr as f32,
            beta1: self.cfg.beta1 as f32,
            beta2: self.cfg.beta2 as f32,
            eps: self.cfg.eps as f32,
            weight_decay: self.cfg.weight_decay as f32,
            bias_correction1: (1.0 - self.cfg.beta1.powi(t)) as f32,
            bias_correction2_sqrt: (1.0 - self.cfg.beta2.powi(t)).sqrt() as f32,
            n: self.model.layout.total() as u32,
        };
        AdamW::write_step(gpu, &self.step_buffer, &step);
        let mut encoder =
            gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("train step") });
        self.model.record_forward_backward(&mut encoder);
        {
            let mut pass = encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("adamw"), timestamp_writes: None });
            for d in &self.optimizer {
                d.record(&mut pass);
            }
        }
        self.steps += 1;
        let staging = read.then(|| {
            let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("step stats staging"),
                size: 16,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            encoder.copy_buffer_to_buffer(&self.stats, 0, &staging, 0, 16);
            encoder.clear_buffer(&self.stats, 12, Some(4));
            staging
        });
        let submission = gpu.queue.submit(Some(encoder.finish()));
        if let Some(staging) = staging {
            let (sender, done) = oneshot::channel();
            staging.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                let _ = sender.send(r);
            });
            let window = self.steps - self.last_read;
            self.last_read = self.steps;
            self.pending.push_back(Pending { step: self.steps, lr, window, staging, done, submission });
        }
        Ok(())
    }

    /// Readings requested and not yet handed out.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// The readings that have arrived, in order; with `wait`, all outstanding ones (awaiting them).
    pub async fn readings(&mut self, wait: bool) -> Result<Vec<StepStats>, TrainError> {
        let mut out = Vec::new();
        #[cfg(not(target_arch = "wasm32"))]
        if !wait {
            self.gpu
                .device
                .poll(wgpu::PollType::Poll)
                .map_err(|e| TrainError::Gpu(GpuError::Readback(e.to_string())))?;
        }
        while let Some(mut p) = self.pending.pop_front() {
            let result = if wait {
                #[cfg(not(target_arch = "wasm32"))]
                self.gpu
                    .device
                    .poll(wgpu::PollType::Wait { submission_index: Some(p.submission.clone()), timeout: None })
                    .map_err(|e| TrainError::Gpu(GpuError::Readback(e.to_string())))?;
                (&mut p.done).await.ok()
            } else {
                match p.done.try_recv() {
                    Ok(Some(r)) => Some(r),
                    Ok(None) => {
                        self.pending.push_front(p);
                        break;
                    }
                    Err(_) => None,
                }
            };
            let result =
                result.ok_or_else(|| GpuError::Readback("the device dropped a loss readback (lost?)".into()))?;
            result.map_err(|e| GpuError::Readback(e.to_string()))?;
            let stats: Vec<f32> = {
                let view = p.staging.slice(..).get_mapped_range().map_err(|e| GpuError::Readback(e.to_string()))?;
                bytemuck::cast_slice::<u8, f32>(&view).to_vec()
            };
            p.staging.unmap();
            out.push(StepStats {
                step: p.step,
                mean_loss: stats[3] as f64 / p.window as f64,
                grad_norm: stats[0] as f64,
                lr: p.lr,
            });
        }
        Ok(out)
    }

    /// Σ validation loss over the real rows of each padded batch, with one readback for all batches.
    pub async fn eval_sum(&mut self, batches: &[(Vec<u32>, Vec<u32>, usize)]) -> Result<(f64, usize), TrainError> {
        let gpu = &*self.gpu;
        let bt = self.model.batch * self.model.t;
        let batches = &batches[..batches.len().min(self.cfg.eval_batches)];
        for (i, (x, y, _)) in batches.iter().enumerate() {
            self.model.upload_batch(gpu, x, y).map_err(|e| TrainError::Model(e.to_string()))?;
            let mut encoder =
                gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("eval") });
            self.model.record_forward(&mut encoder);
            encoder.copy_buffer_to_buffer(
                self.model.losses_buffer(),
                0,
                &self.eval_losses,
                (i * bt * 4) as u64,
                (bt * 4) as u64,
            );
            gpu.queue.submit(Some(encoder.finish()));
        }
        let losses = read_f32(gpu, &self.eval_losses, 0, batches.len() * bt).await?;
        let (mut sum, mut count) = (0.0, 0);
        for (i, (_, _, rows)) in batches.iter().enumerate() {
            let n = rows * self.model.t;
            sum += losses[i * bt..i * bt + n].iter().map(|&l| l as f64).sum::<f64>();
            count += n;
        }
        Ok((sum, count))
    }

    pub async fn params(&self) -> Result<Vec<f32>, TrainError> {
        Ok(self.model.read_params(&self.gpu).await?)
    }

    pub fn set_params(&mut self, params: &[f32]) {
        self.model.write_params(&self.gpu, params);
    }

    /// AdamW's moments and step count and the loss window, read back; call with no reading in flight.
    pub async fn optimizer_state(&self) -> Result<OptimizerState, TrainError> {
        let p = self.model.layout.total();
        let m = read_f32(&self.gpu, &self.moments[0], 0, p).await?;
        let v = read_f32(&self.gpu, &self.moments[1], 0, p).await?;
        let loss_sum = read_f32(&self.gpu, &self.stats, 3, 1).await?[0] as f64;
        Ok(OptimizerState { t: self.steps as u64, m, v, last_read: self.last_read, loss_sum })
    }

    /// Continues from a saved optimiser state (sizes checked by the caller).
    pub fn restore_optimizer(&mut self, s: &OptimizerState) {
        let queue = &self.gpu.queue;
        queue.write_buffer(&self.moments[0], 0, bytemuck::cast_slice(&s.m));
        queue.write_buffer(&self.moments[1], 0, bytemuck::cast_slice(&s.v));
        queue.write_buffer(&self.stats, 12, bytemuck::cast_slice(&[s.loss_sum as f32]));
        self.steps = s.t as usize;
        self.last_read = s.last_read;
    }

    /// Every launch of one training step, in order: forward, backward, gradient norm, clipping and AdamW.
    pub fn launches(&self) -> Vec<&Dispatch> {
        let mut all = self.model.launches();
        all.extend(&self.optimizer);
        all
    }

    /// The model's configuration and its batch shape (batch, t).
    pub fn shape(&self) -> (&ModelConfig, usize, usize) {
        (&self.model.config, self.model.batch, self.model.t)
    }

    pub fn dispatches_per_step(&self) -> usize {
        self.model.dispatches_per_step() + self.optimizer.len()
    }
}
