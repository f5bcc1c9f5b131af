//! Wrapper for encoder.wgsl: token + position embedding forward, and its deterministic backward.

use super::{grid, launch, module, pipeline, Cost, Dispatch};
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    bt: u32,
    t: u32,
    c: u32,
    vocab: u32,
    wte_off: u32,
    wpe_off: u32,
    _pad: [u32; 2],
}

/// Sizes and where the embedding tables live in the parameter buffer.
pub struct EncoderShape {
    pub bt: usize,
    pub t: usize,
    pub c: usize,
    pub vocab: usize,
    pub wte_offset: usize,
    pub wpe_offset: usize,
}

impl EncoderShape {
    fn params(&self) -> Params {
        Params {
            bt: self.bt as u32,
            t: self.t as u32,
            c: self.c as u32,
            vocab: self.vocab as u32,
            wte_off: self.wte_offset as u32,
            wpe_off: self.wpe_offset as u32,
            _pad: [0; 2],
        }
    }
}

pub struct Encoder {
    forward: wgpu::ComputePipeline,
    backward_wte: wgpu::ComputePipeline,
    backward_wpe: wgpu::ComputePipeline,
}

impl Encoder {
    pub fn new(gpu: &Gpu) -> Encoder {
        let m = module(gpu, "encoder.wgsl", include_str!("encoder.wgsl"));
        Encoder {
            forward: pipeline(gpu, &m, "encoder_forward"),
            backward_wte: pipeline(gpu, &m, "encoder_backward_wte"),
            backward_wpe: pipeline(gpu, &m, "encoder_backward_wpe"),
        }
    }

    /// out (BT, C) = wte[tokens] + wpe[position].
    pub fn forward(
        &self,
        gpu: &Gpu,
        s: &EncoderShape,
        tokens: &wgpu::Buffer,
        params: &wgpu::Buffer,
        out: &wgpu::Buffer,
    ) -> Dispatch {
        let buffers = [(1, tokens), (2, params), (3, out)];
        let (bt, c) = (s.bt as f64, s.c as f64);
        // Reads a row of wte and of wpe per position, writes one row: one add per value.
        launch(gpu, "encoder_forward", &self.forward, &s.params(), &buffers, grid(s.bt * s.c, 256))
            .with_cost(Cost::new(bt * c, 3.0 * bt * c))
    }

    /// dwte and dwpe (in `grads`) += the embedding gradients of dout (BT, C). `order` holds the batch's
    /// positions sorted by token and `starts` (V+1) each token's first index into it.
    pub fn backward(
        &self,
        gpu: &Gpu,
        s: &EncoderShape,
        dout: &wgpu::Buffer,
        grads: &wgpu::Buffer,
        order: &wgpu::Buffer,
        starts: &wgpu::Buffer,
    ) -> [Dispatch; 2] {
        let wte_groups = [s.c.div_ceil(64) as u32, s.vocab as u32, 1];
        let (bt, c, t, vocab) = (s.bt as f64, s.c as f64, s.t as f64, s.vocab as f64);
        [
            launch(
                gpu,
                "encoder_backward_wte",
                &self.backward_wte,
                &s.params(),
                &[(4, dout), (5, grads), (6, order), (7, starts)],
                wte_groups,
            )
            .with_cost(Cost::new(bt * c, bt * c + vocab * c)),
            launch(
                gpu,
                "encoder_backward_wpe",
                &self.backward_wpe,
                &s.params(),
                &[(4, dout), (5, grads)],
                grid(s.t * s.c, 256),
            )
            .with_cost(Cost::new(bt * c, bt * c + t * c)),
        ]
    }
}

/// Buckets a batch's positions by token id (a counting sort): `order` lists positions token by token,
/// `starts[v]..starts[v + 1]` is token v's range in it.
pub fn bucket_by_token(tokens: &[u32], vocab: usize) -> (Vec<u32>, Vec<u32>) {
    let mut starts = vec![0u32; vocab + 1];
    for &t in tokens {
        starts[t as usize + 1] += 1;
    }
    for v in 0..vocab {
        starts[v + 1] += starts[v];
    }
    let mut next = starts.clone();
    let mut order = vec![0u32; tokens.len()];
    for (position, &t) in tokens.iter().enumerate() {
        order[next[t as usize] as usize] = position as u32;
        next[t as usize] += 1;
    }
    (order, starts)
}
