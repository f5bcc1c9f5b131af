//! Residual connection: the sum of two streams.

use super::Real;

/// `out = inp1 + inp2`.
pub fn residual_forward<F: Real>(
    out: &mut [F], // (N)
    inp1: &[F],    // (N)
    inp2: &[F],    // (N)
) {
    for ((o, &a), &b) in out.iter_mut().zip(inp1).zip(inp2) {
        *o = a + b;
    }
}

/// Adds `dout` into both inputs' gradients.
pub fn residual_backward<F: Real>(
    dinp1: &mut [F], // (N)
    dinp2: &mut [F], // (N)
    dout: &[F],      // (N)
) {
    for ((a, b), &d) in dinp1.iter_mut().zip(dinp2.iter_mut()).zip(dout) {
        *a += d;
        *b += d;
    }
}
