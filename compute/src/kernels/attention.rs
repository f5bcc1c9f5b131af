//! Wrapper for attention.wgsl: causal multi-head attention that keeps only a log-sum-exp per row.
//!
//! Tiled flash attention (FlashAttention-2's schedule, without atomics): one workgroup of 128 threads per
//! (batch, head, block of 32 query rows) for the forward and dq, per (batch, head, block of 32 keys) for dk and
//! dv, blocks above the causal diagonal skipped. The old kernels ran one thread per row, walking every earlier
//! row from global memory in sequence: latency-bound, about 1% of an H200's FP32 rate for the whole model.
//! On the H200 the three launches of the 10M model's layer (B=8, T=256, 5 heads of 64) went from 14.3 ms to
//! 0.26 ms (`examples/attention_bench.rs`).
//! Tiles stay within WebGPU's default limits (16 KiB of workgroup memory, 128 threads, at most 6 storage
//! buffers per entry point) so the browser runs the same kernels.

use super::{launch, module, pipeline_with, Cost, Dispatch};
use crate::gpu::Gpu;
use std::sync::{Arc, Mutex};

/// Largest head size the kernels' per-thread accumulators hold (Acc in attention.wgsl: 16 channels × 8 threads).
pub const MAX_HEAD_SIZE: usize = 128;

/// Query rows (and keys) per block: BLK in attention.wgsl.
const BLOCK: usize = 32;

/// Whole rows of `hs` floats that fit in `floats` of workgroup memory: a power of two dividing [`BLOCK`]
/// (RC1 and RC2 in attention.wgsl).
fn staged_rows(floats: usize, hs: usize) -> usize {
    let mut rows = BLOCK;
    while rows > 1 && rows * hs > floats {
        rows /= 2;
    }
    rows
}

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

    /// (batch × head, block of rows): the kernels read both from the workgroup id.
    fn groups(&self) -> [u32; 3] {
        [(self.b * self.n_head) as u32, self.t.div_ceil(BLOCK) as u32, 1]
    }

    /// Multiply-adds of one causal product (T, T) × (T, hs) counted as 2 FLOPs each, masked half left out:
    /// the useful work, whatever the tiles waste on the diagonal.
    fn product_flops(&self) -> f64 {
        let (b, nh, hs, t) = (self.b as f64, self.n_head as f64, self.head_size() as f64, self.t as f64);
        2.0 * b * nh * hs * t * (t + 1.0) / 2.0
    }

    /// Floats of a (B, T, C) tensor and of a (B, NH, T) one.
    fn floats(&self) -> (f64, f64) {
        ((self.b * self.t * self.c) as f64, (self.b * self.n_head * self.t) as f64)
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
        let constants = [
            ("HS", head_size as f64),
            ("RC1", staged_rows(2048, head_size) as f64),
            ("RC2", staged_rows(1024, head_size) as f64),
        ];
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
        let (btc, rows) = s.floats();
        // Scores and P · V; reads qkv, writes out and lse.
        let cost = Cost::new(2.0 * s.product_flops(), 3.0 * btc + btc + rows);
        launch(gpu, "attention_forward", &p.forward, &s.params(), &[(1, qkv), (2, out), (3, lse)], s.groups())
            .with_cost(cost)
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
        let (btc, rows) = s.floats();
        let f = s.product_flops();
        // The useful backward is 5 products (scores, dP, dV, dK, dQ): dkv does the first four, dq only dQ
        // (its recomputed scores and dP are the price of having no atomics). dq reads qkv, dout, out and lse
        // and writes delta and dq; dkv reads qkv, dout, lse and delta and writes dk and dv.
        let dq_cost = Cost::new(f, 3.0 * btc + 2.0 * btc + rows + rows + btc);
        let dkv_cost = Cost::new(4.0 * f, 3.0 * btc + btc + 2.0 * rows + 2.0 * btc);
        [
            launch(gpu, "attention_backward_dq", &p.backward_dq, &s.params(), &dq, s.groups()).with_cost(dq_cost),
            launch(gpu, "attention_backward_dkv", &p.backward_dkv, &s.params(), &dkv, s.groups()).with_cost(dkv_cost),
        ]
    }
}
