//! Linear layer, PyTorch's nn.Linear: `out = inp · Wᵀ + b` with W stored [out, in].

use super::gemm::{gemm, Strides};
use super::Real;

/// `out (N, OC) = inp (N, C) · weightᵀ (C, OC) + bias`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_forward<F: Real>(
    out: &mut [F],      // (N, OC)
    inp: &[F],          // (N, C)
    weight: &[F],       // (OC, C)
    bias: Option<&[F]>, // (OC)
    n: usize,
    c: usize,
    oc: usize,
) {
    gemm(n, c, oc, inp, Strides::rows(c), weight, Strides::cols(c), out, Strides::rows(oc), false);
    if let Some(bias) = bias {
        for row in out[..n * oc].chunks_exact_mut(oc) {
            row.iter_mut().zip(bias).for_each(|(o, b)| *o += *b);
        }
    }
}

/// Adds `dinp += dout · weight`, `dweight += doutᵀ · inp` and `dbias += Σ_rows dout`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_backward<F: Real>(
    dinp: &mut [F],          // (N, C)
    dweight: &mut [F],       // (OC, C)
    dbias: Option<&mut [F]>, // (OC)
    dout: &[F],              // (N, OC)
    inp: &[F],               // (N, C)
    weight: &[F],            // (OC, C)
    n: usize,
    c: usize,
    oc: usize,
) {
    gemm(n, oc, c, dout, Strides::rows(oc), weight, Strides::rows(c), dinp, Strides::rows(c), true);
    gemm(oc, n, c, dout, Strides::cols(oc), inp, Strides::rows(c), dweight, Strides::rows(c), true);
    if let Some(dbias) = dbias {
        for row in dout[..n * oc].chunks_exact(oc) {
            dbias.iter_mut().zip(row).for_each(|(db, d)| *db += *d);
        }
    }
}
