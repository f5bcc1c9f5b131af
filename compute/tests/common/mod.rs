//! Shared test helpers: one GPU device for all tests, and a tolerance check that shows where it fails.
#![allow(dead_code)]

use compute::gpu::Gpu;
use std::sync::OnceLock;

/// The one device all GPU tests share. Fails loudly when there is no adapter: GPU tests must never
/// pass by being skipped (on Debian, `apt-get install mesa-vulkan-drivers` provides lavapipe).
pub fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| match pollster::block_on(Gpu::request()) {
        Ok(gpu) => gpu,
        Err(e) => panic!("GPU tests need a wgpu adapter and found none: {e}"),
    })
}

/// Asserts |got - want| <= tol * (1 + |want|) elementwise, printing the first mismatches with their index.
pub fn check_close(got: &[f32], want: &[f32], tol: f32, label: &str) {
    assert_eq!(got.len(), want.len(), "{label}: length {} != {}", got.len(), want.len());
    let bad: Vec<String> = got
        .iter()
        .zip(want)
        .enumerate()
        .filter(|(_, (g, w))| !((*g - *w).abs() <= tol * (1.0 + w.abs())))
        .take(5)
        .map(|(i, (g, w))| format!("  [{i}] got {g} want {w}"))
        .collect();
    assert!(bad.is_empty(), "{label}: mismatches beyond {tol}:\n{}", bad.join("\n"));
}
