//! Wrapper for attention.wgsl: causal multi-head attention that keeps only a log-sum-exp per row.

use super::{launch, module, pipeline, Dispatch};
use crate::gpu::Gpu;

/// Largest head size the kernel's per-thread arrays hold (MAX_HS in attention.wgsl).
pub const MAX_HEAD_SIZE: usize = 128;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    b: u32,
    t: u32,
    c: u32,
    nh: u32,
    hs: u32,
    scale: f32,
    _pad: [u32; 2],
}

pub struct AttentionShape {
    pub b: usize,
    pub t: usize,
    pub c: usize,
    pub n_head: usize,
}

impl AttentionShape {
    fn params(&self) -> Params {
        let hs = self.c / self.n_head;
        Params {
            b: self.b as u32,
            t: self.t as u32,
            c: self.c as u32,
            nh: self.n_head as u32,
            hs: hs as u32,
            scale: 1.0 / (hs as f32).sqrt(),
            _pad: [0; 2],
        }
    }

    fn groups(&self) -> [u32; 3] {
        [(self.b * self.n_head * self.t).div_ceil(64) as u32, 1, 1]
    }
}

pub struct Attention {
    forward: wgpu::ComputePipeline,
    backward_dq: wgpu::ComputePipeline,
    backward_dkv: wgpu::ComputePipeline,
}

impl Attention {
    pub fn new(gpu: &Gpu) -> Attention {
        let m = module(gpu, "attention.wgsl", include_str!("attention.wgsl"));
        Attention {
            forward: pipeline(gpu, &m, "attention_forward"),
            backward_dq: pipeline(gpu, &m, "attention_backward_dq"),
            backward_dkv: pipeline(gpu, &m, "attention_backward_dkv"),
        }
    }

    /// out (B, T, C) and lse (B, NH, T) from qkv (B, T, 3C).
    pub fn forward(
        &self,
        gpu: &Gpu,
        s: &AttentionShape,
        qkv: &wgpu::Buffer,
        out: &wgpu::Buffer,
        lse: &wgpu::Buffer,
    ) -> Dispatch {
        launch(gpu, "attention_forward", &self.forward, &s.params(), &[(1, qkv), (2, out), (3, lse)], s.groups())
    }

    /// dqkv (B, T, 3C, overwritten) from dout (B, T, C); `delta` (B, NH, T) is scratch.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        gpu: &Gpu,
        s: &AttentionShape,
        qkv: &wgpu::Buffer,
        out: &wgpu::Buffer,
        lse: &wgpu::Buffer,
        dout: &wgpu::Buffer,
        delta: &wgpu::Buffer,
        dqkv: &wgpu::Buffer,
    ) -> [Dispatch; 2] {
        let dq = [(1, qkv), (4, dout), (5, out), (6, lse), (7, delta), (8, dqkv)];
        let dkv = [(1, qkv), (4, dout), (6, lse), (8, dqkv), (9, delta)];
        [
            launch(gpu, "attention_backward_dq", &self.backward_dq, &s.params(), &dq, s.groups()),
            launch(gpu, "attention_backward_dkv", &self.backward_dkv, &s.params(), &dkv, s.groups()),
        ]
    }
}
