//! Causal multi-head self-attention on nanoGPT's fused qkv (q, k, v side by side in 3C channels), per batch and head.

use super::gemm::{gemm, Strides};
use super::Real;

/// For each batch b and head h (channels h·hs..(h+1)·hs of q, k and v; hs = C/NH):
/// `att = softmax(q·kᵀ / √hs)` with future positions masked to probability 0, and `out = att · v`.
/// Saves `att` for the backward pass.
#[allow(clippy::too_many_arguments)]
pub fn attention_forward<F: Real>(
    out: &mut [F], // (B, T, C)
    att: &mut [F], // (B, NH, T, T)
    qkv: &[F],     // (B, T, 3C): q = [0, C), k = [C, 2C), v = [2C, 3C)
    b: usize,
    t: usize,
    c: usize,
    nh: usize,
) {
    let hs = c / nh;
    let scale = F::one() / F::of(hs as f64).sqrt();
    let token = Strides::rows(3 * c); // one row of qkv per position
    for bi in 0..b {
        for h in 0..nh {
            let (q, k, v) = head_offsets(bi, h, t, c, hs);
            let a = (bi * nh + h) * t * t;
            let att_h = &mut att[a..a + t * t]; // (T, T)
                                                // scores (T, T) = q (T, hs) · kᵀ (hs, T)
            gemm(t, hs, t, qkv, token.at(q), qkv, Strides::cols(3 * c).at(k), att_h, Strides::rows(t), false);
            for (i, row) in att_h.chunks_exact_mut(t).enumerate() {
                softmax_causal(row, i, scale);
            }
            // out_h (T, hs) = att (T, T) · v (T, hs), written into channels h·hs.. of out
            let o = Strides::rows(c).at(bi * t * c + h * hs);
            gemm(t, t, hs, att_h, Strides::rows(t), qkv, token.at(v), out, o, false);
        }
    }
}

/// Adds into `dqkv` the gradient through `out = softmax(q·kᵀ/√hs) · v`:
/// `dv += attᵀ·dout`, `datt = dout·vᵀ`, `dpre = att ⊙ (datt - rowsum(att ⊙ datt)) / √hs`, `dq += dpre·k`, `dk += dpreᵀ·q`.
#[allow(clippy::too_many_arguments)]
pub fn attention_backward<F: Real>(
    dqkv: &mut [F], // (B, T, 3C)
    dout: &[F],     // (B, T, C)
    qkv: &[F],      // (B, T, 3C)
    att: &[F],      // (B, NH, T, T)
    b: usize,
    t: usize,
    c: usize,
    nh: usize,
) {
    let hs = c / nh;
    let scale = F::one() / F::of(hs as f64).sqrt();
    let token = Strides::rows(3 * c);
    let mut datt = vec![F::zero(); t * t]; // (T, T), one head at a time
    for bi in 0..b {
        for h in 0..nh {
            let (q, k, v) = head_offsets(bi, h, t, c, hs);
            let a = (bi * nh + h) * t * t;
            let att_h = &att[a..a + t * t]; // (T, T)
            let d = Strides::rows(c).at(bi * t * c + h * hs); // dout_h (T, hs)
                                                              // dv (T, hs) += attᵀ (T, T) · dout_h (T, hs)
            gemm(t, t, hs, att_h, Strides::cols(t), dout, d, dqkv, token.at(v), true);
            // datt (T, T) = dout_h (T, hs) · vᵀ (hs, T)
            gemm(t, hs, t, dout, d, qkv, Strides::cols(3 * c).at(v), &mut datt, Strides::rows(t), false);
            // softmax backward in place: datt becomes dpre, the gradient of the scaled scores (0 where masked).
            for (p, dp) in att_h.chunks_exact(t).zip(datt.chunks_exact_mut(t)) {
                let dot = p.iter().zip(dp.iter()).map(|(&p, &d)| p * d).sum::<F>();
                for (&pj, dj) in p.iter().zip(dp.iter_mut()) {
                    *dj = pj * (*dj - dot) * scale;
                }
            }
            // dq (T, hs) += dpre (T, T) · k (T, hs);  dk (T, hs) += dpreᵀ (T, T) · q (T, hs)
            gemm(t, t, hs, &datt, Strides::rows(t), qkv, token.at(k), dqkv, token.at(q), true);
            gemm(t, t, hs, &datt, Strides::cols(t), qkv, token.at(q), dqkv, token.at(k), true);
        }
    }
}

/// Offsets of head h's q, k and v for position 0 of batch bi within qkv (B, T, 3C).
fn head_offsets(bi: usize, h: usize, t: usize, c: usize, hs: usize) -> (usize, usize, usize) {
    let q = bi * t * 3 * c + h * hs;
    (q, q + c, q + 2 * c)
}

/// Turns raw scores of query position i into probabilities over keys 0..=i; later keys get exactly 0.
fn softmax_causal<F: Real>(row: &mut [F], i: usize, scale: F) {
    let (past, future) = row.split_at_mut(i + 1);
    let max = past.iter().copied().fold(F::neg_infinity(), F::max) * scale;
    // Exponentiate, then sum: a running sum in the same loop would keep it from vectorising.
    for x in past.iter_mut() {
        *x = (*x * scale - max).fast_exp();
    }
    let sum = past.iter().copied().sum::<F>();
    past.iter_mut().for_each(|x| *x /= sum);
    future.fill(F::zero());
}
