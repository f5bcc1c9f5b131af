//! Wrapper for layernorm.wgsl: LayerNorm forward, and its backward as an input pass and a parameter pass.

use super::{grid, launch, module, pipeline, Dispatch, SUM_COLS};
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    rows: u32,
    c: u32,
    w_off: u32,
    b_off: u32,
    has_bias: u32,
    _pad: [u32; 3],
}

/// Rows, width, and where the weight (and bias, if any) live in the parameter buffer.
pub struct LayerNormShape {
    pub rows: usize,
    pub c: usize,
    pub weight_offset: usize,
    pub bias_offset: Option<usize>,
}

impl LayerNormShape {
    fn params(&self) -> Params {
        Params {
            rows: self.rows as u32,
            c: self.c as u32,
            w_off: self.weight_offset as u32,
            b_off: self.bias_offset.unwrap_or(0) as u32,
            has_bias: self.bias_offset.is_some() as u32,
            _pad: [0; 3],
        }
    }
}

/// The buffers one LayerNorm reads and writes: input, output and the saved row statistics.
pub struct LayerNormBuffers<'a> {
    pub inp: &'a wgpu::Buffer,  // (rows, C)
    pub out: &'a wgpu::Buffer,  // (rows, C)
    pub mean: &'a wgpu::Buffer, // (rows)
    pub rstd: &'a wgpu::Buffer, // (rows)
}

pub struct LayerNorm {
    forward: wgpu::ComputePipeline,
    backward_input: wgpu::ComputePipeline,
    backward_params: wgpu::ComputePipeline,
}

impl LayerNorm {
    pub fn new(gpu: &Gpu) -> LayerNorm {
        let m = module(gpu, "layernorm.wgsl", include_str!("layernorm.wgsl"));
        LayerNorm {
            forward: pipeline(gpu, &m, "layernorm_forward"),
            backward_input: pipeline(gpu, &m, "layernorm_backward_input"),
            backward_params: pipeline(gpu, &m, "layernorm_backward_params"),
        }
    }

    pub fn forward(&self, gpu: &Gpu, s: &LayerNormShape, b: &LayerNormBuffers<'_>, params: &wgpu::Buffer) -> Dispatch {
        let buffers = [(1, b.inp), (2, params), (3, b.out), (4, b.mean), (5, b.rstd)];
        launch(gpu, "layernorm_forward", &self.forward, &s.params(), &buffers, grid(s.rows, 64))
    }

    /// dinp (accumulated into) and dweight/dbias (in `grads`) from dout, using the forward's saved statistics.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        gpu: &Gpu,
        s: &LayerNormShape,
        b: &LayerNormBuffers<'_>,
        params: &wgpu::Buffer,
        dout: &wgpu::Buffer,
        dinp: &wgpu::Buffer,
        grads: &wgpu::Buffer,
    ) -> [Dispatch; 2] {
        let input = [(1, b.inp), (2, params), (6, dout), (7, dinp), (9, b.mean), (10, b.rstd)];
        let weights = [(1, b.inp), (6, dout), (8, grads), (9, b.mean), (10, b.rstd)];
        [
            launch(gpu, "layernorm_backward_input", &self.backward_input, &s.params(), &input, grid(s.rows, 64)),
            launch(gpu, "layernorm_backward_params", &self.backward_params, &s.params(), &weights, grid(s.c, SUM_COLS)),
        ]
    }
}
