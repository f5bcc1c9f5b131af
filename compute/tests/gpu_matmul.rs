//! The matmul kernel against a CPU reference, on a real adapter (lavapipe on CI): every tile variant and split-K
//! plan on sizes off every tile, transposed operands, offsets into larger buffers, batches, and every epilogue.

mod common;

use common::{check_close, gpu};
use compute::cpu;
use compute::gpu::read_f32;
use compute::kernels::matmul::{demo_inputs, multiply, multiply_cpu, Activation, Matmul, MatmulSpec, Operand};
use compute::kernels::matmul_plan::{Plan, TILES};
use compute::kernels::submit;
use std::sync::OnceLock;

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

fn matmul() -> &'static Matmul {
    static MATMUL: OnceLock<Matmul> = OnceLock::new();
    MATMUL.get_or_init(|| Matmul::new(gpu()))
}

/// Deterministic values in [-1, 1) from a small LCG, so failures reproduce.
fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// One multiply: the shape, how the operands are stored, and which epilogue runs.
#[derive(Clone, Copy, Debug, Default)]
struct Case {
    m: usize,
    n: usize,
    k: usize,
    batches: usize,
    a_t: bool,  // A stored (k, m), read transposed
    b_t: bool,  // B stored (n, k), read transposed
    off: usize, // element offset of every operand inside its buffer (4-aligned or not)
    bias: bool,
    addend: bool,
    accumulate: bool,
    act: u8, // 0 none, 1 GELU, 2 GELU's backward
}

fn shape(m: usize, n: usize, k: usize) -> Case {
    Case { m, n, k, batches: 1, ..Default::default() }
}

fn gelu(x: f64) -> f64 {
    let mut y = [0.0];
    cpu::gelu::gelu_forward(&mut y, &[x]);
    y[0]
}

fn gelu_grad(x: f64) -> f64 {
    let mut d = [0.0];
    cpu::gelu::gelu_backward(&mut d, &[x], &[gelu(x)], &[1.0]);
    d[0]
}

/// Runs `case` with `plan` (or the planner's choice) and checks C (and gelu(C)) against f64 sums.
fn run(case: Case, plan: Option<Plan>) {
    let Case { m, n, k, batches, off, .. } = case;
    let g = gpu();
    let (mn, label) = (m * n * batches, format!("{case:?} {plan:?}"));
    let (a, b) = (random(off + batches * m * k + 3, 1), random(off + batches * k * n + 3, 2));
    let (bias, extra, c0) = (random(off + n, 3), random(off + mn, 4), random(off + mn + 2, 5));
    let (ab, bb, biasb, extrab) =
        (g.storage_from("a", &a), g.storage_from("b", &b), g.storage_from("bias", &bias), g.storage_from("x", &extra));
    let (cb, c2b) = (g.storage_from("c", &c0), g.storage_from("c2", &vec![0.0; off + mn]));
    let a_op = if case.a_t { Operand::transposed(&ab, off, m) } else { Operand::rows(&ab, off, k) };
    let b_op = if case.b_t { Operand::transposed(&bb, off, k) } else { Operand::rows(&bb, off, n) };
    let mut spec = MatmulSpec::new(m, n, k, a_op.batched(m * k), b_op.batched(k * n), &cb);
    (spec.batches, spec.c_offset, spec.c_batch_stride, spec.accumulate) = (batches, off, m * n, case.accumulate);
    spec.bias = case.bias.then_some((&biasb, off));
    spec.addend = case.addend.then_some((&extrab, off));
    spec.activation = match case.act {
        1 => Activation::Gelu(&c2b, off),
        2 => Activation::GeluBackward(&extrab, off),
        _ => Activation::None,
    };
    let scratch = g.storage_zeroed("scratch", spec.scratch_len().max(plan.map_or(0, |p| p.scratch_len(m, n, batches))));
    spec.scratch = Some(&scratch);
    let launches = match plan {
        Some(plan) => matmul().prepare_with(g, &spec, plan),
        None => matmul().prepare(g, &spec),
    };
    submit(g, "test", &launches.iter().collect::<Vec<_>>());

    let (mut want, mut want2) = (c0[off..off + mn].to_vec(), vec![0.0f32; mn]);
    for z in 0..batches {
        for r in 0..m {
            for col in 0..n {
                let a_at = |kk: usize| off + z * m * k + if case.a_t { kk * m + r } else { r * k + kk };
                let b_at = |kk: usize| off + z * k * n + if case.b_t { col * k + kk } else { kk * n + col };
                let e = z * m * n + r * n + col;
                let mut x: f64 = (0..k).map(|kk| a[a_at(kk)] as f64 * b[b_at(kk)] as f64).sum();
                x += if case.bias { bias[off + col] as f64 } else { 0.0 };
                let pre = extra[off + e] as f64;
                x = if case.act == 2 { x * gelu_grad(pre) } else { x + if case.addend { pre } else { 0.0 } };
                x += if case.accumulate { c0[off + e] as f64 } else { 0.0 };
                (want[e], want2[e]) = (x as f32, gelu(x) as f32);
            }
        }
    }
    let got = pollster::block_on(read_f32(g, &cb, 0, off + mn + 2)).unwrap();
    check_close(&got[off..off + mn], &want, 1e-5, &format!("{label}: C"));
    assert_eq!(got[..off], c0[..off], "{label}: wrote before C");
    assert_eq!(got[off + mn..], c0[off + mn..], "{label}: wrote past C");
    if case.act == 1 {
        let got2 = pollster::block_on(read_f32(g, &c2b, off, mn)).unwrap();
        check_close(&got2, &want2, 1e-5, &format!("{label}: gelu(C)"));
    }
}

#[test]
fn every_tile_variant_matches_cpu_on_awkward_and_aligned_layouts() {
    for tile in 0..TILES.len() {
        let plan = |k| Some(Plan::new(tile, 1, k));
        // Off every tile, odd offset: scalar loads throughout.
        for (a_t, b_t) in [(false, false), (false, true), (true, false), (true, true)] {
            run(Case { a_t, b_t, off: 3, ..shape(67, 45, 37) }, plan(37));
        }
        // Multiples of 4 (not of the tile), aligned offset, two batches: vec4 loads, partial tiles.
        for (a_t, b_t) in [(false, true), (true, false)] {
            run(Case { a_t, b_t, off: 8, batches: 2, ..shape(68, 44, 36) }, plan(36));
        }
    }
}

#[test]
fn epilogues_add_bias_addend_and_accumulate_and_apply_gelu() {
    let base = Case { off: 5, b_t: true, ..shape(37, 29, 23) };
    run(Case { bias: true, addend: true, accumulate: true, ..base }, None);
    run(Case { bias: true, act: 1, ..base }, None);
    run(Case { act: 2, ..base }, None);
    run(Case { batches: 3, bias: true, addend: true, off: 4, ..shape(20, 16, 12) }, None);
}

#[test]
fn split_k_sums_partials_in_order_and_runs_the_epilogue_once() {
    // Thin and long, as weight gradients are: dyᵀ·x with n = 7 columns and k = 700 rows.
    let long = Case { a_t: true, off: 1, accumulate: true, bias: true, ..shape(13, 7, 700) };
    for tile in 0..TILES.len() {
        run(long, Some(Plan::new(tile, 3, 700)));
    }
    run(Case { act: 1, ..long }, Some(Plan::new(1, 5, 700)));
    run(Case { act: 2, accumulate: false, ..long }, Some(Plan::new(1, 4, 700)));
    run(Case { addend: true, batches: 2, off: 4, ..shape(12, 8, 300) }, Some(Plan::new(0, 2, 300)));
    // The planner's own choice for a weight-gradient shape splits K.
    let dw = Case { a_t: true, accumulate: true, ..shape(48, 40, 1024) };
    assert!(Plan::choose(48, 40, 1024, 1, true).splits > 1);
    run(dw, None);
}

#[test]
fn the_page_variant_check_runs_every_tile_whole_and_split() {
    let checks = pollster::block_on(compute::kernels::matmul_check::check_matmul_variants(gpu())).expect("check");
    assert_eq!(checks.len(), 2 * TILES.len());
    for tile in &TILES {
        for splits in [1, 3] {
            let c = checks.iter().find(|c| c.label == tile.label && c.splits == splits).expect("every variant");
            assert!(c.passes(), "{} in {splits} parts: largest difference {}", c.label, c.max_error);
        }
    }
}
