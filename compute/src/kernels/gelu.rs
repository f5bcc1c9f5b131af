//! Wrapper for gelu.wgsl: exact (erf) GELU forward and backward, elementwise.

use super::{grid, launch, module, pipeline, Cost, Dispatch};
use crate::gpu::Gpu;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    n: u32,
    _pad: [u32; 3],
}

pub struct Gelu {
    forward: wgpu::ComputePipeline,
    backward: wgpu::ComputePipeline,
}

impl Gelu {
    pub fn new(gpu: &Gpu) -> Gelu {
        let m = module(gpu, "gelu.wgsl", include_str!("gelu.wgsl"));
        Gelu { forward: pipeline(gpu, &m, "gelu_forward"), backward: pipeline(gpu, &m, "gelu_backward") }
    }

    /// out[i] = gelu(inp[i]) for the first n elements.
    pub fn forward(&self, gpu: &Gpu, n: usize, inp: &wgpu::Buffer, out: &wgpu::Buffer) -> Dispatch {
        let p = Params { n: n as u32, _pad: [0; 3] };
        // About 20 operations per element for erf's polynomial and the product; one value in, one out.
        launch(gpu, "gelu_forward", &self.forward, &p, &[(1, inp), (2, out)], grid(n, 256))
            .with_cost(Cost::new(20.0 * n as f64, 2.0 * n as f64))
    }

    /// dinp[i] = dout[i] · gelu'(inp[i]) (overwrites dinp).
    pub fn backward(
        &self,
        gpu: &Gpu,
        n: usize,
        inp: &wgpu::Buffer,
        dout: &wgpu::Buffer,
        dinp: &wgpu::Buffer,
    ) -> Dispatch {
        let p = Params { n: n as u32, _pad: [0; 3] };
        launch(gpu, "gelu_backward", &self.backward, &p, &[(1, inp), (3, dout), (4, dinp)], grid(n, 256))
            .with_cost(Cost::new(30.0 * n as f64, 3.0 * n as f64))
    }
}
