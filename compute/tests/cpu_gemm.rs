//! The one CPU matrix multiply (matrixmultiply behind strides) against a naive triple loop.

use compute::cpu::gemm::{gemm, Strides};
use compute::cpu::Real;

/// The obvious definition: c[i, j] (+)= Σ_p a[i, p] · b[p, j], in the same strided addressing.
#[allow(clippy::too_many_arguments)]
fn naive<F: Real>(
    m: usize,
    k: usize,
    n: usize,
    a: &[F],
    sa: Strides,
    b: &[F],
    sb: Strides,
    c: &mut [F],
    sc: Strides,
    acc: bool,
) {
    for i in 0..m {
        for j in 0..n {
            let mut sum = F::zero();
            for p in 0..k {
                sum += a[sa.offset + i * sa.row + p * sa.col] * b[sb.offset + p * sb.row + j * sb.col];
            }
            let cij = &mut c[sc.offset + i * sc.row + j * sc.col];
            *cij = if acc { *cij + sum } else { sum };
        }
    }
}

/// Deterministic values in [-1, 1) without a generator.
fn values<F: Real>(n: usize, seed: u64) -> Vec<F> {
    (0..n as u64).map(|i| F::of(((i * 2654435761 + seed * 40503) % 1000) as f64 / 500.0 - 1.0)).collect()
}

/// Every combination of transposed/plain operands, with an offset, and both accumulate modes.
fn check_all<F: Real>(m: usize, k: usize, n: usize, tol: f64) {
    let pad = 3;
    for (ta, tb, tc) in [(false, false, false), (true, false, false), (false, true, false), (true, true, true)] {
        let sa = if ta { Strides::cols(m) } else { Strides::rows(k) }.at(pad);
        let sb = if tb { Strides::cols(k) } else { Strides::rows(n) }.at(pad);
        let sc = if tc { Strides::cols(m) } else { Strides::rows(n) }.at(pad);
        let (a, b) = (values::<F>(m * k + pad, 1), values::<F>(k * n + pad, 2));
        for acc in [false, true] {
            let start = values::<F>(m * n + pad, 3);
            let (mut got, mut want) = (start.clone(), start);
            gemm(m, k, n, &a, sa, &b, sb, &mut got, sc, acc);
            naive(m, k, n, &a, sa, &b, sb, &mut want, sc, acc);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                let (g, w) = (g.to_f64().unwrap(), w.to_f64().unwrap());
                assert!(
                    (g - w).abs() <= tol * (1.0 + w.abs()),
                    "{m}x{k}x{n} ta={ta} tb={tb} tc={tc} acc={acc} [{i}]: got {g} want {w}"
                );
            }
        }
    }
}

/// f32 sums of up to 130 products of values below 1 round to about 130 · 6e-8 ≈ 1e-5 in the worst case; f64 to 1e-13.
#[test]
fn gemm_matches_naive_on_awkward_sizes() {
    for (m, k, n) in [(1, 1, 1), (3, 5, 7), (17, 1, 9), (33, 130, 20), (64, 64, 64)] {
        check_all::<f32>(m, k, n, 2e-5);
        check_all::<f64>(m, k, n, 1e-12);
    }
}

#[test]
fn gemm_with_empty_inner_dimension_zeroes_or_keeps_c() {
    let mut c = [5.0f32; 4];
    gemm(2, 0, 2, &[], Strides::rows(0), &[], Strides::rows(2), &mut c, Strides::rows(2), true);
    assert_eq!(c, [5.0; 4]);
    gemm(2, 0, 2, &[], Strides::rows(0), &[], Strides::rows(2), &mut c, Strides::rows(2), false);
    assert_eq!(c, [0.0; 4]);
}

#[test]
#[should_panic(expected = "gemm: b (3, 2)")]
fn gemm_names_the_operand_that_does_not_fit() {
    let mut c = [0.0f32; 4];
    gemm(2, 3, 2, &[0.0; 6], Strides::rows(3), &[0.0; 5], Strides::rows(2), &mut c, Strides::rows(2), false);
}
