//! Exact GELU, x·Φ(x) with the erf form, matching PyTorch's nn.GELU() (approximate='none').

use super::Real;

/// `out = x · ½(1 + erf(x/√2))`.
pub fn gelu_forward<F: Real>(
    out: &mut [F], // (N)
    inp: &[F],     // (N)
) {
    let half = F::of(0.5);
    let inv_sqrt2 = F::of(std::f64::consts::FRAC_1_SQRT_2);
    for (o, &x) in out.iter_mut().zip(inp) {
        *o = x * half * (F::one() + (x * inv_sqrt2).erf());
    }
}

/// Adds `dinp += dout · (Φ(x) + x·φ(x))`, φ the standard normal density.
pub fn gelu_backward<F: Real>(
    dinp: &mut [F], // (N)
    inp: &[F],      // (N)
    dout: &[F],     // (N)
) {
    let half = F::of(0.5);
    let inv_sqrt2 = F::of(std::f64::consts::FRAC_1_SQRT_2);
    let inv_sqrt_2pi = F::of(0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2);
    for ((dx, &x), &d) in dinp.iter_mut().zip(inp).zip(dout) {
        let cdf = half * (F::one() + (x * inv_sqrt2).erf());
        let pdf = inv_sqrt_2pi * (-half * x * x).exp();
        *dx += d * (cdf + x * pdf);
    }
}
