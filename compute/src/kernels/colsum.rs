//! Wrapper for colsum.wgsl: column sums over rows (bias gradients, LayerNorm's weight and bias gradients).
//!
//! One kernel file for both, so the concept is written once.

use super::reduce::reduction_module;
use super::{grid, launch, pipeline, Cost, Dispatch};
use crate::gpu::Gpu;

/// Columns per workgroup: SUM_COLS in colsum.wgsl.
const SUM_COLS: usize = 8;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    rows: u32,
    cols: u32,
    src_off: u32,
    w_off: u32,
    b_off: u32,
    has_bias: u32,
    _pad: [u32; 2],
}

/// What LayerNorm's parameter gradients read besides dout: its input and the forward's saved row statistics.
pub struct LayerNormSaved<'a> {
    pub inp: &'a wgpu::Buffer,  // (rows, C)
    pub mean: &'a wgpu::Buffer, // (rows)
    pub rstd: &'a wgpu::Buffer, // (rows)
}

/// The compiled column-sum pipelines; build once per device.
pub struct ColSum {
    bias: wgpu::ComputePipeline,
    layernorm: wgpu::ComputePipeline,
}

impl ColSum {
    pub fn new(gpu: &Gpu) -> ColSum {
        let m = reduction_module(gpu, "colsum.wgsl", include_str!("colsum.wgsl"));
        ColSum { bias: pipeline(gpu, &m, "bias_backward"), layernorm: pipeline(gpu, &m, "layernorm_backward_params") }
    }

    /// Prepares dbias[n] += Σ_rows dout[row, n] for dout (rows, n) at `dout_offset`, dbias at `grad_offset` of `grads`.
    #[allow(clippy::too_many_arguments)]
    pub fn bias_backward(
        &self,
        gpu: &Gpu,
        dout: &wgpu::Buffer,
        dout_offset: usize,
        rows: usize,
        n: usize,
        grads: &wgpu::Buffer,
        grad_offset: usize,
    ) -> Dispatch {
        let params = Params {
            rows: rows as u32,
            cols: n as u32,
            src_off: dout_offset as u32,
            w_off: grad_offset as u32,
            b_off: 0,
            has_bias: 0,
            _pad: [0; 2],
        };
        let (r, c) = (rows as f64, n as f64);
        launch(gpu, "bias_backward", &self.bias, &params, &[(1, dout), (2, grads)], grid(n, SUM_COLS))
            .with_cost(Cost::new(r * c, r * c + 2.0 * c))
    }

    /// Prepares LayerNorm's dweight[c] += Σ_rows dout · norm (at `weight_offset` of `grads`) and, with a bias offset,
    /// dbias[c] += Σ_rows dout, for dout (rows, c).
    #[allow(clippy::too_many_arguments)]
    pub fn layernorm_params(
        &self,
        gpu: &Gpu,
        rows: usize,
        c: usize,
        saved: &LayerNormSaved<'_>,
        dout: &wgpu::Buffer,
        grads: &wgpu::Buffer,
        weight_offset: usize,
        bias_offset: Option<usize>,
    ) -> Dispatch {
        let params = Params {
            rows: rows as u32,
            cols: c as u32,
            src_off: 0,
            w_off: weight_offset as u32,
            b_off: bias_offset.unwrap_or(0) as u32,
            has_bias: bias_offset.is_some() as u32,
            _pad: [0; 2],
        };
        let buffers = [(1, dout), (2, grads), (3, saved.inp), (4, saved.mean), (5, saved.rstd)];
        let (r, n) = (rows as f64, c as f64);
        launch(gpu, "layernorm_backward_params", &self.layernorm, &params, &buffers, grid(c, SUM_COLS))
            .with_cost(Cost::new(5.0 * r * n, 2.0 * r * n + 2.0 * r + 4.0 * n))
    }
}
