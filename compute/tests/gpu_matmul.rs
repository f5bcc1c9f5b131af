//! The tiled matmul kernel against the plain CPU product, on a real adapter (lavapipe on CI).

mod common;

use compute::kernels::matmul::{demo_inputs, multiply, multiply_cpu};

fn check(m: usize, k: usize, n: usize) {
    let gpu = common::gpu();
    let (a, b) = demo_inputs(m, k, n);
    let got = pollster::block_on(multiply(gpu, &a, &b, m, k, n)).expect("GPU matmul");
    let want = multiply_cpu(&a, &b, m, k, n);
    common::check_close(&got, &want, 1e-4, &format!("matmul {m}x{k}x{n}"));
}

#[test]
fn matmul_matches_cpu_on_tile_multiples() {
    check(128, 64, 192);
}

#[test]
fn matmul_matches_cpu_on_awkward_sizes() {
    for (m, k, n) in [(1, 1, 1), (3, 5, 7), (65, 17, 63), (100, 33, 129)] {
        check(m, k, n);
    }
}

#[test]
fn adapter_report_names_the_adapter() {
    let gpu = common::gpu();
    assert!(!gpu.report.name.is_empty());
    assert!(gpu.report.max_storage_buffer_binding_size >= 128 << 20, "WebGPU guarantees at least 128 MiB");
}
