//! Softmax and cross-entropy fused: logits and targets to per-position losses, and straight back to dlogits.

use super::Real;

/// Writes `probs = softmax(logits)` per row and `losses = -ln probs[target]`, returning the mean loss. Panics when a
/// target is not below V.
pub fn crossentropy_forward<F: Real>(
    losses: &mut [F], // (N)
    probs: &mut [F],  // (N, V)
    logits: &[F],     // (N, V)
    targets: &[u32],  // (N)
    n: usize,
    v: usize,
) -> F {
    let mut total = F::zero();
    for row in 0..n {
        let (x, p) = (&logits[row * v..(row + 1) * v], &mut probs[row * v..(row + 1) * v]);
        let max = x.iter().copied().fold(F::neg_infinity(), F::max);
        for (pi, &xi) in p.iter_mut().zip(x) {
            *pi = (xi - max).fast_exp();
        }
        let sum = p.iter().copied().sum::<F>();
        p.iter_mut().for_each(|pi| *pi /= sum);
        let target = targets[row] as usize;
        assert!(target < v, "target id {target} at position {row} is outside the vocabulary of {v}");
        // -ln softmax computed from the logits (log-sum-exp), exact even when the probability underflows.
        losses[row] = sum.ln() - (x[target] - max);
        total += losses[row];
    }
    total / F::of(n as f64)
}

/// Adds the gradient of the *mean* loss: `dlogits += (probs - onehot(target)) / N`.
pub fn crossentropy_backward<F: Real>(
    dlogits: &mut [F], // (N, V)
    probs: &[F],       // (N, V)
    targets: &[u32],   // (N)
    n: usize,
    v: usize,
) {
    let scale = F::one() / F::of(n as f64);
    for row in 0..n {
        let (d, p) = (&mut dlogits[row * v..(row + 1) * v], &probs[row * v..(row + 1) * v]);
        for (i, (di, &pi)) in d.iter_mut().zip(p).enumerate() {
            let onehot = if i == targets[row] as usize { F::one() } else { F::zero() };
            *di += (pi - onehot) * scale;
        }
    }
}
