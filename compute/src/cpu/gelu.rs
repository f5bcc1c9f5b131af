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

/// Adds `dinp += dout · (Φ(x) + x·φ(x))`, φ the standard normal density. Φ(x) is read back from the forward's
/// output, `out = x·Φ(x)`, instead of from a second erf: the erf was a sixth of a CPU training step. Near zero, where
/// the division would lose digits (or divide by zero), Φ(x) = ½ + x·φ(0) to within x³/15.
pub fn gelu_backward<F: Real>(
    dinp: &mut [F], // (N)
    inp: &[F],      // (N)
    out: &[F],      // (N) gelu_forward's output for `inp`
    dout: &[F],     // (N)
) {
    let half = F::of(0.5);
    let inv_sqrt_2pi = F::of(0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2);
    let near_zero = F::of(1e-6);
    for (((dx, &x), &y), &d) in dinp.iter_mut().zip(inp).zip(out).zip(dout) {
        let cdf = if x.abs() < near_zero { half + x * inv_sqrt_2pi } else { y / x };
        let pdf = inv_sqrt_2pi * (-half * x * x).fast_exp();
        *dx += d * (cdf + x * pdf);
    }
}
