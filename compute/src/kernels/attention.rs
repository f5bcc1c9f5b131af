//! Wrapper for attention.wgsl: causal multi-head attention that keeps only a log-sum-exp per row.

use super::{launch, module, pipeline_with, Dispatch};
use crate::gpu::Gpu;
use std::sync::{Arc, Mutex};

/// Largest head size the kernel's per-thread arrays hold (MAX_HS in attention.wgsl).
pub const MAX_HEAD_SIZE: usize = 128;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    b: u32,
    t: u32,
    c: u32,
    nh: u32,
    scale: f32,
    _pad: [u32; 3],
}

pub struct AttentionShape {
    pub b: usize,
    pub t: usize,
    pub c: usize,
    pub n_head: usize,
}

impl AttentionShape {
    fn params(&self) -> Params {
        Params {
            b: self.b as u32,
            t: self.t as u32,
            c: self.c as u32,
            nh: self.n_head as u32,
            scale: 1.0 / (self.head_size() as f32).sqrt(),
            _pad: [0; 3],
        }
    }

    fn head_size(&self) -> usize {
        self.c / self.n_head
    }

    fn groups(&self) -> [u32; 3] {
        [(self.b * self.n_head * self.t).div_ceil(64) as u32, 1, 1]
    }
}

/// The three entry points, compiled for one head size.
struct Pipelines {
    forward: wgpu::ComputePipeline,
    backward_dq: wgpu::ComputePipeline,
    backward_dkv: wgpu::ComputePipeline,
}

/// The attention module; its pipelines are made on first use for each head size (the `HS` override).
pub struct Attention {
    module: wgpu::ShaderModule,
    by_head_size: Mutex<Vec<(usize, Arc<Pipelines>)>>,
}

impl Attention {
    pub fn new(gpu: &Gpu) -> Attention {
        let module = module(gpu, "attention.wgsl", include_str!("attention.wgsl"));
        Attention { module, by_head_size: Mutex::new(Vec::new()) }
    }

    fn pipelines(&self, gpu: &Gpu, head_size: usize) -> Arc<Pipelines> {
        assert!(head_size <= MAX_HEAD_SIZE, "head size {head_size} over the kernel's {MAX_HEAD_SIZE}");
        let mut cache = self.by_head_size.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, p)) = cache.iter().find(|(hs, _)| *hs == head_size) {
            return p.clone();
        }
        let constants = [("HS", head_size as f64)];
        let make = |entry| pipeline_with(gpu, &self.module, entry, &constants);
        let p = Arc::new(Pipelines {
            forward: make("attention_forward"),
            backward_dq: make("attention_backward_dq"),
            backward_dkv: make("attention_backward_dkv"),
        });
        cache.push((head_size, p.clone()));
        p
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
        let p = self.pipelines(gpu, s.head_size());
        launch(gpu, "attention_forward", &p.forward, &s.params(), &[(1, qkv), (2, out), (3, lse)], s.groups())
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
        let p = self.pipelines(gpu, s.head_size());
        [
            launch(gpu, "attention_backward_dq", &p.backward_dq, &s.params(), &dq, s.groups()),
            launch(gpu, "attention_backward_dkv", &p.backward_dkv, &s.params(), &dkv, s.groups()),
        ]
    }
}
