//! Token plus position embedding: the input of the first transformer block.

use super::Real;

/// `out[b, t] = wte[tokens[b, t]] + wpe[t]` for positions 0..t. Panics when a token is not below V.
pub fn encoder_forward<F: Real>(
    out: &mut [F],  // (B, T, C)
    tokens: &[u32], // (B, T)
    wte: &[F],      // (V, C)
    wpe: &[F],      // (n_ctx, C), n_ctx >= T
    b: usize,
    t: usize,
    c: usize,
) {
    let v = wte.len() / c;
    for bt in 0..b * t {
        let token = tokens[bt] as usize;
        assert!(token < v, "token id {token} at position {bt} is outside the vocabulary of {v}");
        let pos = bt % t;
        let (e, p) = (&wte[token * c..(token + 1) * c], &wpe[pos * c..(pos + 1) * c]);
        for ((o, e), p) in out[bt * c..(bt + 1) * c].iter_mut().zip(e).zip(p) {
            *o = *e + *p;
        }
    }
}

/// Adds `dout` into the rows of `dwte` named by the tokens and into `dwpe`'s first T rows.
pub fn encoder_backward<F: Real>(
    dwte: &mut [F], // (V, C)
    dwpe: &mut [F], // (n_ctx, C)
    dout: &[F],     // (B, T, C)
    tokens: &[u32], // (B, T)
    b: usize,
    t: usize,
    c: usize,
) {
    for bt in 0..b * t {
        let (token, pos) = (tokens[bt] as usize, bt % t);
        let d = &dout[bt * c..(bt + 1) * c];
        dwte[token * c..(token + 1) * c].iter_mut().zip(d).for_each(|(w, d)| *w += *d);
        dwpe[pos * c..(pos + 1) * c].iter_mut().zip(d).for_each(|(w, d)| *w += *d);
    }
}
