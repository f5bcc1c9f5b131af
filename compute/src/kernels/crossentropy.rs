//! Wrapper for crossentropy.wgsl: fused softmax + cross-entropy, optionally leaving dlogits in place.
//!
//! One workgroup per position; its maximum and Σ exp are block reductions (reduce.rs).

use super::reduce::reduction_module;
use super::{grid, launch, pipeline, Cost, Dispatch};
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    rows: u32,
    v: u32,
    write_grad: u32,
    _pad: u32,
}

pub struct CrossEntropy {
    pipeline: wgpu::ComputePipeline,
}

impl CrossEntropy {
    pub fn new(gpu: &Gpu) -> CrossEntropy {
        let m = reduction_module(gpu, "crossentropy.wgsl", include_str!("crossentropy.wgsl"));
        CrossEntropy { pipeline: pipeline(gpu, &m, "crossentropy_forward_backward") }
    }

    /// losses (rows) from logits (rows, V) and targets; with `write_grad` the logits become dloss/dlogits
    /// for the mean loss over the rows.
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        &self,
        gpu: &Gpu,
        rows: usize,
        v: usize,
        logits: &wgpu::Buffer,
        targets: &wgpu::Buffer,
        losses: &wgpu::Buffer,
        write_grad: bool,
    ) -> Dispatch {
        let p = Params { rows: rows as u32, v: v as u32, write_grad: write_grad as u32, _pad: 0 };
        let buffers = [(1, logits), (2, targets), (3, losses)];
        // max, exp and sum per logit; with the gradient a second exp, a divide and a write.
        let (r, n, g) = (rows as f64, v as f64, write_grad as u8 as f64);
        let cost = Cost::new(r * n * (3.0 + 4.0 * g), r * n * (1.0 + g) + 3.0 * r);
        launch(gpu, "crossentropy", &self.pipeline, &p, &buffers, grid(rows, 1)).with_cost(cost)
    }
}
