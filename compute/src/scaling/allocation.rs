//! The calculator: compute-optimal N and D for a budget under each fit, and what follows (loss, LR, critical batch).
//!
//! Every fit is reduced to a split N_opt = k_N·C^a, D_opt = C/(6·N_opt), so all fits share C = 6ND and can be inverted in
//! closed form (a budget from N alone, or from D alone):
//! - Chinchilla fits: k_N = G·6^(−a), a = β/(α+β) (Hoffmann et al. 2022, Eq. 4).
//! - Kaplan: N_opt from Table 6 (1.3e9·C^0.73, C in PF-days) and D = C/(6N). Table 6's own D_opt = 2e10·C^0.27 is about
//!   1.8× larger than C/(6N) (Kaplan's C_min and 6NBS bookkeeping differ); we keep C = 6ND so the fits compare at equal
//!   compute, and [`super::kaplan::table6`] gives the table as printed. Loss from the joint L(N,D) (Eq. 1.5).

use super::chinchilla::{Fit, EPOCH, HOFFMANN, HOFFMANN_ROUNDED};
use super::kaplan;
use super::{check_output, check_positive, ScalingError, MAX_FLOPS, MAX_PARAMS, MAX_TOKENS};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// One of the laws the calculator can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LawId {
    /// Hoffmann et al. 2022, Approach 3, unrounded.
    Hoffmann,
    /// Hoffmann et al. 2022, Approach 3, Eq. 10 as printed.
    HoffmannRounded,
    /// Besiroglu et al. 2024 (Epoch) refit.
    Epoch,
    /// Kaplan et al. 2020: Table 6 allocation, Eq. 1.5 loss.
    Kaplan,
}

impl LawId {
    /// All laws, in display order.
    pub const ALL: [LawId; 4] = [LawId::Hoffmann, LawId::HoffmannRounded, LawId::Epoch, LawId::Kaplan];

    /// The id used on the command line.
    pub fn id(self) -> &'static str {
        match self {
            LawId::Kaplan => "kaplan",
            other => other.fit().map(|f| f.id).unwrap_or_default(),
        }
    }

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            LawId::Kaplan => "Kaplan 2020",
            other => other.fit().map(|f| f.name).unwrap_or_default(),
        }
    }

    /// Citation shown beside the numbers.
    pub fn source(self) -> &'static str {
        match self {
            LawId::Kaplan => "Kaplan et al. 2020, Table 6 (N_opt) and Eq. 1.5 (loss); D = C/(6N)",
            other => other.fit().map(|f| f.source).unwrap_or_default(),
        }
    }

    /// The parametric fit behind this law (`None` for Kaplan).
    pub fn fit(self) -> Option<Fit> {
        match self {
            LawId::Hoffmann => Some(HOFFMANN),
            LawId::HoffmannRounded => Some(HOFFMANN_ROUNDED),
            LawId::Epoch => Some(EPOCH),
            LawId::Kaplan => None,
        }
    }

    /// N_opt = k_N·C^a with C in FLOPs: returns (ln k_N, a).
    fn split(self) -> (f64, f64) {
        match self.fit() {
            Some(fit) => {
                let (a, _) = fit.law.exponents();
                (fit.law.g().ln() - a * 6f64.ln(), a)
            }
            None => (kaplan::T6_N_COEFF.ln() - kaplan::T6_N_EXP * kaplan::PF_DAY.ln(), kaplan::T6_N_EXP),
        }
    }

    /// Predicted loss at (N, D) under this law. N and D are checked by the callers (or derived from a checked C, when
    /// they may exceed the input limits), so only the result is checked here.
    fn loss(self, n: f64, d: f64) -> Result<f64, ScalingError> {
        let loss = match self.fit() {
            Some(fit) => fit.law.loss(n, d),
            None => kaplan::loss_nd_raw(n, d),
        };
        check_output("loss", loss)
    }
}

impl fmt::Display for LawId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for LawId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        LawId::ALL.into_iter().find(|law| law.id() == s).ok_or_else(|| {
            let ids: Vec<&str> = LawId::ALL.iter().map(|l| l.id()).collect();
            format!("unknown fit '{s}' (expected one of: {})", ids.join(", "))
        })
    }
}

/// A compute-optimal split under one law and its consequences.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Allocation {
    /// Law id (`hoffmann`, `hoffmann-rounded`, `epoch`, `kaplan`).
    pub fit: LawId,
    /// Human name of the law.
    pub name: &'static str,
    /// Citation.
    pub source: &'static str,
    /// Compute-optimal parameters.
    pub n_opt: f64,
    /// Compute-optimal training tokens, D = C/(6N).
    pub d_opt: f64,
    /// Training FLOPs, C = 6·N·D.
    pub flops: f64,
    /// D/N.
    pub tokens_per_param: f64,
    /// Predicted loss (nats per token, in the units of the law's own data set).
    pub loss: f64,
    /// Kaplan's learning-rate rule at this N (Eq. D.1, natural log); `None` where it gives no positive rate (N ≳ 1.2e10).
    pub lr: Option<f64>,
    /// Critical batch size in tokens at the predicted loss (Kaplan Eq. 1.4, Kaplan's loss units).
    pub b_crit: f64,
}

/// A given (N, D) under one law, next to the compute-optimal split for the same compute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Law id.
    pub fit: LawId,
    /// Human name of the law.
    pub name: &'static str,
    /// Citation.
    pub source: &'static str,
    /// Parameters, as given.
    pub n: f64,
    /// Training tokens, as given.
    pub d: f64,
    /// C = 6·N·D.
    pub flops: f64,
    /// D/N.
    pub tokens_per_param: f64,
    /// Predicted loss at (N, D).
    pub loss: f64,
    /// Kaplan's learning-rate rule at N (Eq. D.1, natural log).
    pub lr: Option<f64>,
    /// Critical batch size in tokens at the predicted loss (Kaplan Eq. 1.4).
    pub b_crit: f64,
    /// The compute-optimal split for the same C.
    pub optimal: Allocation,
    /// How much higher the loss is than at the optimum for the same compute: ≥ 0 for the Chinchilla fits (their optimum
    /// minimises this loss at fixed C); for Kaplan it can be negative, because Table 6's split comes from the
    /// early-stopping analysis of L(N, S_min), not from minimising Eq. 1.5 at fixed C = 6ND.
    pub excess_loss: f64,
}

/// C = 6·N·D, the training FLOPs of N parameters on D tokens (Kaplan et al. 2020, Sec. 2.1).
pub fn training_flops(n: f64, d: f64) -> Result<f64, ScalingError> {
    let n = check_positive("params", n, MAX_PARAMS)?;
    let d = check_positive("tokens", d, MAX_TOKENS)?;
    check_positive("flops (6·N·D)", 6.0 * n * d, MAX_FLOPS)
}

/// The compute-optimal split for a budget of `flops` FLOPs under `law`, with loss, LR and critical batch.
pub fn compute_optimal(law: LawId, flops: f64) -> Result<Allocation, ScalingError> {
    let c = check_positive("flops", flops, MAX_FLOPS)?;
    let n = match law.fit() {
        Some(fit) => fit.law.optimal(c)?.0,
        None => {
            let (ln_k, a) = law.split();
            check_output("n_opt", (ln_k + a * c.ln()).exp())?
        }
    };
    let d = check_output("d_opt", c / (6.0 * n))?;
    let loss = law.loss(n, d)?;
    Ok(Allocation {
        fit: law,
        name: law.name(),
        source: law.source(),
        n_opt: n,
        d_opt: d,
        flops: c,
        tokens_per_param: d / n,
        loss,
        lr: kaplan::learning_rate_raw(n),
        b_crit: kaplan::critical_batch(loss)?,
    })
}

/// The budget for which `n` parameters are compute-optimal under `law`, and the split there (D = C/(6N)).
pub fn optimal_for_params(law: LawId, n: f64) -> Result<Allocation, ScalingError> {
    let n = check_positive("params", n, MAX_PARAMS)?;
    let (ln_k, a) = law.split();
    let c = check_positive("flops (for these params)", ((n.ln() - ln_k) / a).exp(), MAX_FLOPS)?;
    compute_optimal(law, c)
}

/// The budget for which training on `d` tokens is compute-optimal under `law`, and the split there.
/// D_opt = C/(6·k_N·C^a) is increasing in C (a < 1), so ln C = (ln D + ln 6 + ln k_N)/(1 − a).
pub fn optimal_for_tokens(law: LawId, d: f64) -> Result<Allocation, ScalingError> {
    let d = check_positive("tokens", d, MAX_TOKENS)?;
    let (ln_k, a) = law.split();
    let c = check_positive("flops (for these tokens)", ((d.ln() + 6f64.ln() + ln_k) / (1.0 - a)).exp(), MAX_FLOPS)?;
    compute_optimal(law, c)
}

/// Loss and compute of N parameters trained on D tokens under `law`, beside the optimum for the same compute.
pub fn evaluate(law: LawId, n: f64, d: f64) -> Result<Evaluation, ScalingError> {
    let c = training_flops(n, d)?;
    let loss = law.loss(n, d)?;
    let optimal = compute_optimal(law, c)?;
    Ok(Evaluation {
        fit: law,
        name: law.name(),
        source: law.source(),
        n,
        d,
        flops: c,
        tokens_per_param: d / n,
        loss,
        lr: kaplan::learning_rate_raw(n),
        b_crit: kaplan::critical_batch(loss)?,
        excess_loss: loss - optimal.loss,
        optimal,
    })
}
