//! Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361): the laws and their constants.
//!
//! N counts non-embedding parameters, D tokens, C training FLOPs (C ≈ 6·N per token); losses are in nats per token on
//! WebText2 with GPT-2's BPE vocabulary, so they are not comparable with Chinchilla's MassiveText losses.

use super::{check_output, check_positive, ScalingError, MAX_FLOPS, MAX_PARAMS, MAX_TOKENS};
use serde::Serialize;

/// Short citation shown beside Kaplan numbers.
pub const SOURCE: &str = "Kaplan et al. 2020 (arXiv:2001.08361)";

/// One PF-day in FLOPs: 1e15 FLOP/s × 86400 s (Kaplan et al. 2020, Sec. 1.3 notation).
pub const PF_DAY: f64 = 8.64e19;

/// α_N of L(N) = (N_c/N)^α_N (Kaplan et al. 2020, Eq. 1.1).
pub const ALPHA_N: f64 = 0.076;
/// N_c of L(N), non-embedding parameters (Kaplan et al. 2020, Eq. 1.1).
pub const N_C: f64 = 8.8e13;
/// α_D of L(D) = (D_c/D)^α_D (Kaplan et al. 2020, Eq. 1.2).
pub const ALPHA_D: f64 = 0.095;
/// D_c of L(D), tokens (Kaplan et al. 2020, Eq. 1.2).
pub const D_C: f64 = 5.4e13;
/// α_C^min of L(C_min) = (C_c^min/C_min)^α_C (Kaplan et al. 2020, Eq. 1.3).
pub const ALPHA_C_MIN: f64 = 0.050;
/// C_c^min of L(C_min), in PF-days (Kaplan et al. 2020, Eq. 1.3).
pub const C_C_MIN_PF_DAYS: f64 = 3.1e8;
/// B* of B_crit(L) = B*/L^(1/α_B), tokens (Kaplan et al. 2020, Eq. 1.4; Table 5 gives 2.1e8).
pub const B_STAR: f64 = 2e8;
/// α_B of B_crit(L) (Kaplan et al. 2020, Eq. 1.4).
pub const ALPHA_B: f64 = 0.21;

/// α_N of the joint L(N,D) (Kaplan et al. 2020, Eq. 1.5, Table 2).
pub const ND_ALPHA_N: f64 = 0.076;
/// α_D of the joint L(N,D) (Kaplan et al. 2020, Eq. 1.5, Table 2).
pub const ND_ALPHA_D: f64 = 0.103;
/// N_c of the joint L(N,D) (Kaplan et al. 2020, Eq. 1.5, Table 2).
pub const ND_N_C: f64 = 6.4e13;
/// D_c of the joint L(N,D) (Kaplan et al. 2020, Eq. 1.5, Table 2).
pub const ND_D_C: f64 = 1.8e13;
/// Overfitting is avoided while D ≳ 5e3·N^0.74: the coefficient (Kaplan et al. 2020, Sec. 1.2, beside Eq. 1.5).
pub const OVERFIT_COEFF: f64 = 5e3;
/// Overfitting is avoided while D ≳ 5e3·N^0.74: the exponent (Kaplan et al. 2020, Sec. 1.2, beside Eq. 1.5).
pub const OVERFIT_EXP: f64 = 0.74;

/// α_N of L(N,S) (Kaplan et al. 2020, Eq. 1.6).
pub const NS_ALPHA_N: f64 = 0.077;
/// α_S of L(N,S) (Kaplan et al. 2020, Eq. 1.6).
pub const NS_ALPHA_S: f64 = 0.76;
/// N_c of L(N,S) (Kaplan et al. 2020, Eq. 1.6).
pub const NS_N_C: f64 = 6.5e13;
/// S_c of L(N,S), optimisation steps (Kaplan et al. 2020, Eq. 1.6).
pub const NS_S_C: f64 = 2.1e3;

/// Table 6: N_opt = 1.3e9·C^0.73, C in PF-days (Kaplan et al. 2020, Table 6).
pub const T6_N_COEFF: f64 = 1.3e9;
/// Table 6: exponent of N_opt (Kaplan et al. 2020, Table 6).
pub const T6_N_EXP: f64 = 0.73;
/// Table 6: B = 2.0e6·C^0.24 tokens (Kaplan et al. 2020, Table 6).
pub const T6_B_COEFF: f64 = 2.0e6;
/// Table 6: exponent of B (Kaplan et al. 2020, Table 6).
pub const T6_B_EXP: f64 = 0.24;
/// Table 6: S_min = 5.4e3·C^0.03 steps (Kaplan et al. 2020, Table 6).
pub const T6_S_COEFF: f64 = 5.4e3;
/// Table 6: exponent of S_min (Kaplan et al. 2020, Table 6).
pub const T6_S_EXP: f64 = 0.03;
/// Table 6: D_opt = 2e10·C^0.27 tokens (Kaplan et al. 2020, Table 6).
pub const T6_D_COEFF: f64 = 2e10;
/// Table 6: exponent of D_opt (Kaplan et al. 2020, Table 6).
pub const T6_D_EXP: f64 = 0.27;

/// Learning-rate rule LR(N) = 0.003239 − 0.0001395·ln N: the constant (Kaplan et al. 2020, Eq. D.1).
pub const LR_INTERCEPT: f64 = 0.003239;
/// Learning-rate rule: the slope on ln N. The paper does not name the base; the natural log is implied (the rule "breaks
/// down for N > 1e10", and with ln it reaches zero near 1.2e10) (Kaplan et al. 2020, Eq. D.1).
pub const LR_SLOPE: f64 = 0.0001395;

/// L(N) = (N_c/N)^α_N: loss of a model of N non-embedding parameters trained to convergence on enough data (Eq. 1.1).
pub fn loss_n(n: f64) -> Result<f64, ScalingError> {
    let n = check_positive("params", n, MAX_PARAMS)?;
    check_output("loss", (N_C / n).powf(ALPHA_N))
}

/// L(D) = (D_c/D)^α_D: loss of a large model trained with early stopping on D tokens (Eq. 1.2).
pub fn loss_d(d: f64) -> Result<f64, ScalingError> {
    let d = check_positive("tokens", d, MAX_TOKENS)?;
    check_output("loss", (D_C / d).powf(ALPHA_D))
}

/// L(N,D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D with the Table 2 constants (Eq. 1.5).
pub fn loss_nd(n: f64, d: f64) -> Result<f64, ScalingError> {
    let n = check_positive("params", n, MAX_PARAMS)?;
    let d = check_positive("tokens", d, MAX_TOKENS)?;
    check_output("loss", loss_nd_raw(n, d))
}

pub(crate) fn loss_nd_raw(n: f64, d: f64) -> f64 {
    ((ND_N_C / n).powf(ND_ALPHA_N / ND_ALPHA_D) + ND_D_C / d).powf(ND_ALPHA_D)
}

/// L(C_min) = (C_c/C_min)^α_C with C_min in FLOPs (converted to PF-days) (Eq. 1.3).
pub fn loss_c_min(c_min_flops: f64) -> Result<f64, ScalingError> {
    let c = check_positive("flops", c_min_flops, MAX_FLOPS)?;
    check_output("loss", (C_C_MIN_PF_DAYS / (c / PF_DAY)).powf(ALPHA_C_MIN))
}

/// L(N,S) = (N_c/N)^α_N + (S_c/S_min)^α_S: loss after S_min optimisation steps at the critical batch size (Eq. 1.6).
pub fn loss_ns(n: f64, s_min: f64) -> Result<f64, ScalingError> {
    let n = check_positive("params", n, MAX_PARAMS)?;
    let s = check_positive("steps", s_min, MAX_TOKENS)?;
    check_output("loss", (NS_N_C / n).powf(NS_ALPHA_N) + (NS_S_C / s).powf(NS_ALPHA_S))
}

/// B_crit(L) = B*/L^(1/α_B): critical batch size in tokens at loss L (nats per token, Kaplan's units) (Eq. 1.4).
pub fn critical_batch(loss: f64) -> Result<f64, ScalingError> {
    let l = check_positive("loss", loss, 1e6)?;
    check_output("b_crit", B_STAR / l.powf(1.0 / ALPHA_B))
}

/// S_min = S/(1 + B_crit/B): fewest steps that reach the loss reached in S steps at batch size B (Sec. 1.2 beside Eq. 1.6; Sec. 5.1).
pub fn min_steps(steps: f64, batch: f64, b_crit: f64) -> Result<f64, ScalingError> {
    let s = check_positive("steps", steps, MAX_TOKENS)?;
    let b = check_positive("batch", batch, MAX_TOKENS)?;
    let bc = check_positive("b_crit", b_crit, MAX_TOKENS)?;
    check_output("s_min", s / (1.0 + bc / b))
}

/// C_min = C/(1 + B/B_crit): least compute that reaches the loss reached with compute C at batch size B (Sec. 1.2 beside Eq. 1.6; Sec. 5.1).
pub fn min_compute(flops: f64, batch: f64, b_crit: f64) -> Result<f64, ScalingError> {
    let c = check_positive("flops", flops, MAX_FLOPS)?;
    let b = check_positive("batch", batch, MAX_TOKENS)?;
    let bc = check_positive("b_crit", b_crit, MAX_TOKENS)?;
    check_output("c_min", c / (1.0 + b / bc))
}

/// LR(N) = 0.003239 − 0.0001395·ln N (natural log; Eq. D.1). `None` where the rule gives no positive rate
/// (N ≳ 1.2e10; the paper says it breaks down above 1e10).
pub fn learning_rate(n: f64) -> Result<Option<f64>, ScalingError> {
    Ok(learning_rate_raw(check_positive("params", n, MAX_PARAMS)?))
}

pub(crate) fn learning_rate_raw(n: f64) -> Option<f64> {
    let lr = LR_INTERCEPT - LR_SLOPE * n.ln();
    (lr > 0.0).then_some(lr)
}

/// The N above which Eq. D.1 gives no positive learning rate: exp(0.003239/0.0001395) ≈ 1.21e10.
pub fn learning_rate_zero() -> f64 {
    (LR_INTERCEPT / LR_SLOPE).exp()
}

/// Tokens needed to avoid overfitting: D ≳ 5e3·N^0.74 (Sec. 1.2, beside Eq. 1.5).
pub fn min_tokens_no_overfit(n: f64) -> Result<f64, ScalingError> {
    let n = check_positive("params", n, MAX_PARAMS)?;
    check_output("tokens", OVERFIT_COEFF * n.powf(OVERFIT_EXP))
}

/// The compute-efficient allocation of Table 6 for a budget C.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Table6 {
    /// Budget in FLOPs.
    pub flops: f64,
    /// Budget in PF-days, the unit Table 6 is written in.
    pub pf_days: f64,
    /// N_opt = 1.3e9·C^0.73.
    pub n_opt: f64,
    /// B = 2.0e6·C^0.24 tokens.
    pub batch_tokens: f64,
    /// S_min = 5.4e3·C^0.03 steps.
    pub s_min: f64,
    /// D_opt = 2e10·C^0.27 tokens, as printed in Table 6 (about 1.8× C/(6·N_opt): see [`super::allocation`]).
    pub d_opt: f64,
}

/// Table 6 of Kaplan et al. 2020 evaluated at a budget of `flops` FLOPs.
pub fn table6(flops: f64) -> Result<Table6, ScalingError> {
    let flops = check_positive("flops", flops, MAX_FLOPS)?;
    let c = flops / PF_DAY;
    Ok(Table6 {
        flops,
        pf_days: c,
        n_opt: check_output("n_opt", T6_N_COEFF * c.powf(T6_N_EXP))?,
        batch_tokens: check_output("batch", T6_B_COEFF * c.powf(T6_B_EXP))?,
        s_min: check_output("s_min", T6_S_COEFF * c.powf(T6_S_EXP))?,
        d_opt: check_output("d_opt", T6_D_COEFF * c.powf(T6_D_EXP))?,
    })
}
