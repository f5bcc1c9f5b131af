//! Scaling Lab's numeric core: GPU device and kernels (wgpu), usable natively and in wasm.

pub mod checkpoint;
pub mod config;
pub mod cpu;
pub mod data;
pub mod experiments;
pub mod gpu;
pub mod kernels;
pub mod model;
pub mod params;
pub mod scaling;
pub mod train;
