//! Wrapper for adamw.wgsl: global gradient norm with the clip factor (two dispatches) and the AdamW update of every
//! parameter (one dispatch), with the step's learning rate written before each submission, so clipping never needs
//! the CPU.

use super::{grid, launch, module, pipeline, Dispatch};
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
    /// Scratch from [`AdamW::partials_buffer`]: (PARTIALS) per-workgroup sums of squares.
    pub partials: &'a wgpu::Buffer,
}

/// Workgroups of the partial-sum pass: enough to fill a GPU, few enough for one final workgroup to add up.
const PARTIALS: usize = 256;

pub struct AdamW {
    partial: wgpu::ComputePipeline,
    finish: wgpu::ComputePipeline,
    update: wgpu::ComputePipeline,
}

impl AdamW {
    pub fn new(gpu: &Gpu) -> AdamW {
        let m = module(gpu, "adamw.wgsl", include_str!("adamw.wgsl"));
        AdamW {
            partial: pipeline(gpu, &m, "grad_norm_partial"),
            finish: pipeline(gpu, &m, "grad_norm_final"),
            update: pipeline(gpu, &m, "adamw_update"),
        }
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
        gpu.storage_zeroed("grad norm partials", PARTIALS)
    }

    /// Queues this step's scalars; takes effect for the next submission.
    pub fn write_step(gpu: &Gpu, step_buffer: &wgpu::Buffer, step: &AdamWStep) {
        gpu.queue.write_buffer(step_buffer, 0, bytemuck::bytes_of(step));
    }

    /// The three launches of one optimiser step over `n` parameters: norm partials, final reduce (norm, clip factor
    /// for `clip`, mean of the first `n_losses` losses), update. `step_buffer` comes from [`AdamW::step_buffer`].
    pub fn prepare(
        &self,
        gpu: &Gpu,
        n: usize,
        n_losses: usize,
        clip: f32,
        b: &OptimizerBuffers,
        step_buffer: &wgpu::Buffer,
    ) -> Vec<Dispatch> {
        let partials = b.partials;
        let np = NormParams { n: n as u32, n_partials: PARTIALS as u32, n_losses: n_losses as u32, clip };
        let partial = launch(
            gpu,
            "grad_norm_partial",
            &self.partial,
            &np,
            &[(1, b.grads), (2, partials)],
            [PARTIALS as u32, 1, 1],
        );
        let finish =
            launch(gpu, "grad_norm_final", &self.finish, &np, &[(2, partials), (3, b.losses), (4, b.stats)], [1, 1, 1]);
        let entries = [(10, step_buffer), (1, b.grads), (5, b.params), (6, b.m), (7, b.v), (8, b.mask), (9, b.stats)];
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("adamw_update"),
            layout: &self.update.get_bind_group_layout(0),
            entries: &entries
                .iter()
                .map(|(binding, buffer)| wgpu::BindGroupEntry {
                    binding: *binding,
                    resource: buffer.as_entire_binding(),
                })
                .collect::<Vec<_>>(),
        });
        let update = Dispatch {
            label: "adamw_update",
            cost: Default::default(),
            pipeline: self.update.clone(),
            bind_group,
            workgroups: grid(n, 256),
            _uniform: step_buffer.clone(),
        };
        vec![partial, finish, update]
    }
}
