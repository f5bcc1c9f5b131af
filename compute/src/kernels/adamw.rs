//! Wrapper for adamw.wgsl: the optimiser step in two dispatches, with the gradient clip fused into the update.
//!
//! Partial sums of the global gradient norm (and of the step's losses), then the AdamW update of every parameter,
//! which finishes the norm and the clip factor itself; the step's learning rate is written before each submission,
//! so clipping never needs the CPU.

use super::reduce::reduction_module;
use super::{grid, launch, pipeline, Cost, Dispatch};
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct NormParams {
    n: u32,
    n_partials: u32,
    n_losses: u32,
    clip: f32,
}

/// The per-step scalars of the update, written into the step buffer with [`AdamW::write_step`].
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AdamWStep {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    /// 1 − β₁ᵗ.
    pub bias_correction1: f32,
    /// √(1 − β₂ᵗ).
    pub bias_correction2_sqrt: f32,
    pub n: u32,
}

/// Buffers the optimiser reads and writes.
pub struct OptimizerBuffers<'a> {
    pub params: &'a wgpu::Buffer, // (P)
    pub grads: &'a wgpu::Buffer,  // (P)
    pub m: &'a wgpu::Buffer,      // (P)
    pub v: &'a wgpu::Buffer,      // (P)
    pub mask: &'a wgpu::Buffer,   // (P) 1.0 where weight decay applies
    pub losses: &'a wgpu::Buffer, // (BT) per-position losses of the step
    pub stats: &'a wgpu::Buffer,  // (4) norm, clip factor, loss, Σ loss since last cleared
    /// Scratch from [`AdamW::partials_buffer`]: (PARTIALS) per-workgroup sums of squares, then Σ loss.
    pub partials: &'a wgpu::Buffer,
}

/// Workgroups of the norm's partial-sum pass: enough to fill a GPU, and one value per thread when every update
/// workgroup (RED_WG = 256 threads in adamw.wgsl) adds them up again.
const PARTIALS: usize = 256;

/// Parameters per workgroup of the update: RED_WG · PER_THREAD in adamw.wgsl.
const UPDATE_CHUNK: usize = 256 * 4;

pub struct AdamW {
    partial: wgpu::ComputePipeline,
    update: wgpu::ComputePipeline,
}

impl AdamW {
    pub fn new(gpu: &Gpu) -> AdamW {
        let m = reduction_module(gpu, "adamw.wgsl", include_str!("adamw.wgsl"));
        AdamW { partial: pipeline(gpu, &m, "grad_norm_partial"), update: pipeline(gpu, &m, "adamw_update") }
    }

    /// The uniform buffer holding an [`AdamWStep`], rewritten before every step.
    pub fn step_buffer(gpu: &Gpu) -> wgpu::Buffer {
        gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("adamw step"),
            size: std::mem::size_of::<AdamWStep>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Scratch for the norm's partial sums.
    pub fn partials_buffer(gpu: &Gpu) -> wgpu::Buffer {
        gpu.storage_zeroed("grad norm partials", PARTIALS + 1)
    }

    /// Queues this step's scalars; takes effect for the next submission.
    pub fn write_step(gpu: &Gpu, step_buffer: &wgpu::Buffer, step: &AdamWStep) {
        gpu.queue.write_buffer(step_buffer, 0, bytemuck::bytes_of(step));
    }

    /// The two launches of one optimiser step over `n` parameters: norm partials (and Σ of the first `n_losses`
    /// losses), then the update, which clips to `clip` and leaves norm, clip factor and mean loss in `b.stats`.
    /// `step_buffer` comes from [`AdamW::step_buffer`].
    pub fn prepare(
        &self,
        gpu: &Gpu,
        n: usize,
        n_losses: usize,
        clip: f32,
        b: &OptimizerBuffers,
        step_buffer: &wgpu::Buffer,
    ) -> Vec<Dispatch> {
        let np = NormParams { n: n as u32, n_partials: PARTIALS as u32, n_losses: n_losses as u32, clip };
        let (p, l, k) = (n as f64, n_losses as f64, PARTIALS as f64);
        let partial = launch(
            gpu,
            "grad_norm_partial",
            &self.partial,
            &np,
            &[(1, b.grads), (3, b.losses), (2, b.partials)],
            [PARTIALS as u32 + 1, 1, 1],
        )
        .with_cost(Cost::new(2.0 * p + l, p + l + k + 1.0));
        let buffers = [
            (10, step_buffer),
            (1, b.grads),
            (2, b.partials),
            (5, b.params),
            (6, b.m),
            (7, b.v),
            (8, b.mask),
            (4, b.stats),
        ];
        let groups = n.div_ceil(UPDATE_CHUNK);
        // Per parameter: clip, decay, two moments, the step (~16 FLOPs); reads g, p, m, v, mask, writes p, m, v.
        // Every workgroup also re-adds the partials.
        let update = launch(gpu, "adamw_update", &self.update, &np, &buffers, grid(groups, 1))
            .with_cost(Cost::new(16.0 * p + groups as f64 * k, 8.0 * p + k + 5.0));
        vec![partial, update]
    }
}
