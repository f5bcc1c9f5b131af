//! LayerNorm over the channels of each row (eps 1e-5, as PyTorch's nn.LayerNorm), with an optional bias.

use super::Real;

/// PyTorch's default `nn.LayerNorm` epsilon.
pub const EPS: f64 = 1e-5;

/// `out = (inp - mean) * rstd * weight + bias` per row, saving each row's `mean` and `rstd = 1/sqrt(var + eps)` (biased
/// variance) for the backward pass.
#[allow(clippy::too_many_arguments)]
pub fn layernorm_forward<F: Real>(
    out: &mut [F],      // (N, C)
    mean: &mut [F],     // (N)
    rstd: &mut [F],     // (N)
    inp: &[F],          // (N, C)
    weight: &[F],       // (C)
    bias: Option<&[F]>, // (C)
    n: usize,
    c: usize,
) {
    let cf = F::of(c as f64);
    for row in 0..n {
        let x = &inp[row * c..(row + 1) * c];
        let m = x.iter().copied().sum::<F>() / cf;
        let var = x.iter().map(|&xi| (xi - m) * (xi - m)).sum::<F>() / cf;
        let s = F::one() / (var + F::of(EPS)).sqrt();
        let o = &mut out[row * c..(row + 1) * c];
        for i in 0..c {
            let b = bias.map_or(F::zero(), |b| b[i]);
            o[i] = (x[i] - m) * s * weight[i] + b;
        }
        mean[row] = m;
        rstd[row] = s;
    }
}

/// Adds the gradients of inputs, weight and bias. With x̂ = (x - mean)·rstd and g = dout·weight:
/// dx = rstd · (g - mean(g) - x̂ · mean(g·x̂)).
#[allow(clippy::too_many_arguments)]
pub fn layernorm_backward<F: Real>(
    dinp: &mut [F],          // (N, C)
    dweight: &mut [F],       // (C)
    dbias: Option<&mut [F]>, // (C)
    dout: &[F],              // (N, C)
    inp: &[F],               // (N, C)
    weight: &[F],            // (C)
    mean: &[F],              // (N)
    rstd: &[F],              // (N)
    n: usize,
    c: usize,
) {
    let cf = F::of(c as f64);
    let mut dbias = dbias;
    for row in 0..n {
        let (x, d) = (&inp[row * c..(row + 1) * c], &dout[row * c..(row + 1) * c]);
        let (m, s) = (mean[row], rstd[row]);
        let xhat = |i: usize| (x[i] - m) * s;
        let mut g_mean = F::zero();
        let mut gx_mean = F::zero();
        for i in 0..c {
            let g = d[i] * weight[i];
            g_mean += g;
            gx_mean += g * xhat(i);
        }
        g_mean /= cf;
        gx_mean /= cf;
        let dx = &mut dinp[row * c..(row + 1) * c];
        for i in 0..c {
            dweight[i] += d[i] * xhat(i);
            if let Some(db) = dbias.as_deref_mut() {
                db[i] += d[i];
            }
            dx[i] += s * (d[i] * weight[i] - g_mean - xhat(i) * gx_mean);
        }
    }
}
