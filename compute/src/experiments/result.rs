//! What a sweep keeps of each finished run: its plan entry, N, D, final validation loss and the validation curve.
//!
//! The field names `n`, `d` and `loss` are those [`crate::scaling::parse_observations`] reads, so a sweep record (an
//! object with a `runs` array) loads straight into `lab fit`; the compute is left to default to 6·N·D, the sweeps'
//! bookkeeping (the real cost, with attention, is `train_flops`).

use super::PlannedRun;
use crate::train::{RunRecord, RunStatus};
use serde::{Deserialize, Serialize};

/// One validation point of a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Optimiser steps done.
    pub step: u64,
    /// Training tokens seen.
    pub tokens: u64,
    /// Validation loss, nats per token.
    pub val_loss: f64,
}

/// A finished (or failed) run of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The planned run's id.
    pub id: String,
    /// Non-embedding parameters (Kaplan's N).
    pub n: f64,
    /// Training tokens actually seen.
    pub d: f64,
    /// Final validation loss in nats per token; None when the run diverged or failed.
    pub loss: Option<f64>,
    /// Training FLOPs at (6N + attention) per token.
    pub train_flops: f64,
    pub seed: u64,
    /// Steps actually done.
    pub steps: u64,
    /// Validation curve, first evaluation first (may be empty).
    #[serde(default)]
    pub curve: Vec<CurvePoint>,
    /// Wall-clock seconds, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Why the run has no loss, when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What was planned: model, training settings, labels.
    pub planned: PlannedRun,
}

impl RunResult {
    /// A result with a final loss and curve, as the plan said (all tokens seen).
    pub fn new(planned: &PlannedRun, loss: Option<f64>, curve: Vec<CurvePoint>) -> RunResult {
        let loss = loss.filter(|l| l.is_finite() && *l > 0.0);
        RunResult {
            id: planned.id.clone(),
            n: planned.n(),
            d: planned.tokens as f64,
            loss,
            train_flops: planned.model.train_flops_per_token() as f64 * planned.tokens as f64,
            seed: planned.seed,
            steps: planned.steps,
            curve,
            seconds: None,
            error: if loss.is_none() { Some("the run diverged (no finite validation loss)".into()) } else { None },
            planned: planned.clone(),
        }
    }

    /// What a sweep keeps of a trainer's run record: the final validation loss (None unless the run finished), the
    /// evaluation curve, the tokens and steps actually done, the seconds it took.
    pub fn from_record(planned: &PlannedRun, record: &RunRecord) -> RunResult {
        let curve = record
            .eval_series
            .iter()
            .map(|p| CurvePoint { step: p.step as u64, tokens: p.tokens, val_loss: p.val_loss })
            .collect();
        let finished = record.status == RunStatus::Finished;
        let mut result = RunResult::new(planned, record.final_val_loss.filter(|_| finished), curve);
        result.d = record.tokens_seen as f64;
        result.steps = record.steps as u64;
        result.train_flops = record.flops_per_token as f64 * record.tokens_seen as f64;
        result.seconds = Some(record.seconds);
        if !finished {
            result.error = Some(match &record.status {
                RunStatus::Diverged { step } => format!("diverged at step {step}"),
                other => format!("did not finish ({other:?})"),
            });
        }
        result
    }

    /// The first training step at which the validation loss reaches `target`, interpolated linearly in loss between
    /// the two evaluations around the crossing; None if the curve never gets there.
    pub fn steps_to(&self, target: f64) -> Option<f64> {
        let mut prev: Option<&CurvePoint> = None;
        for p in &self.curve {
            if p.val_loss.is_finite() && p.val_loss <= target {
                return Some(match prev {
                    Some(q) if q.val_loss > p.val_loss => {
                        let f = (q.val_loss - target) / (q.val_loss - p.val_loss);
                        q.step as f64 + f * (p.step as f64 - q.step as f64)
                    }
                    _ => p.step as f64,
                });
            }
            prev = Some(p);
        }
        None
    }
}
