//! Wrapper for layernorm.wgsl: LayerNorm forward, and its backward as an input pass and a parameter pass.
//!
//! The input pass is a workgroup per row; the parameter pass is a column sum (colsum.wgsl).

use super::colsum::{ColSum, LayerNormSaved};
use super::reduce::reduction_module;
use super::{grid, launch, pipeline, Cost, Dispatch};
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
    colsum: ColSum,
}

impl LayerNorm {
    pub fn new(gpu: &Gpu) -> LayerNorm {
        let m = reduction_module(gpu, "layernorm.wgsl", include_str!("layernorm.wgsl"));
        LayerNorm {
            forward: pipeline(gpu, &m, "layernorm_forward"),
            backward_input: pipeline(gpu, &m, "layernorm_backward_input"),
            colsum: ColSum::new(gpu),
        }
    }

    pub fn forward(&self, gpu: &Gpu, s: &LayerNormShape, b: &LayerNormBuffers<'_>, params: &wgpu::Buffer) -> Dispatch {
        let buffers = [(1, b.inp), (2, params), (3, b.out), (4, b.mean), (5, b.rstd)];
        let (r, c) = (s.rows as f64, s.c as f64);
        launch(gpu, "layernorm_forward", &self.forward, &s.params(), &buffers, grid(s.rows, 1))
            .with_cost(Cost::new(8.0 * r * c, 2.0 * r * c + 2.0 * r + 2.0 * c))
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
        let (r, c) = (s.rows as f64, s.c as f64);
        let saved = LayerNormSaved { inp: b.inp, mean: b.mean, rstd: b.rstd };
        [
            launch(gpu, "layernorm_backward_input", &self.backward_input, &s.params(), &input, grid(s.rows, 1))
                .with_cost(Cost::new(14.0 * r * c, 4.0 * r * c + 2.0 * r + c)),
            self.colsum.layernorm_params(gpu, s.rows, s.c, &saved, dout, grads, s.weight_offset, s.bias_offset),
        ]
    }
}
