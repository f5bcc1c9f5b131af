//! Scaling Lab's numeric core: GPU device and kernels (wgpu), usable natively and in wasm.

pub mod check;
pub mod checkpoint;
pub mod config;
pub mod cpu;
pub mod data;
pub mod experiments;
#[cfg(not(target_arch = "wasm32"))]
pub mod files;
pub mod fuzz;
pub mod gpu;
pub mod kernels;
pub mod model;
pub mod params;
pub mod scaling;
pub mod train;

/// The repository this crate sits in: the parent of `CARGO_MANIFEST_DIR` as cargo sets it when it runs the
/// program (tests, `cargo run`), else of the one it was built in. Read at run time because the target folder is
/// shared across clones, and cargo may reuse a binary built in one clone for another, where `env!` would still
/// name the first. (Native use only; in the page there is no file system to find.)
pub fn repository_dir() -> std::path::PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    std::path::PathBuf::from(manifest).join("..")
}
