//! Scaling Lab's numeric core: GPU device and kernels (wgpu), usable natively and in wasm.

pub mod gpu;
pub mod kernels;
