//! Learning-rate sweep analysis: per size, loss against peak learning rate, the best rate (vertex of the parabola in
//! ln lr through the best point and its two neighbours), how broad the optimum is, and the trend of the best rate with N
//! against Kaplan et al. 2020, Eq. D.1.

use super::{parabola_vertex, pct, sig3, usable, AnalysisOptions, MeanStd};
use crate::experiments::{grid, learning_rate_rule, short_number, RunResult};
use crate::scaling::kaplan;
use crate::scaling::stats::linear_fit;
use serde::Serialize;

/// A loss within this many percent of the best counts as "as good" when measuring the optimum's breadth.
pub const BROAD_PCT: f64 = 1.0;
/// |d ln lr / d ln N| below which the summary does not call the fall of the best rate with size a trend: 0.05 is
/// 7% per octave of N, well under the grid's factor-of-2 steps (Eq. D.1 itself implies about 0.09 here).
const CLEAR_TREND: f64 = 0.05;

/// One learning rate at one size, over its seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LrPoint {
    pub lr: f64,
    /// lr / the rule's rate, when labelled.
    pub multiplier: Option<f64>,
    /// Over the seeds that did not diverge; None when all diverged.
    pub loss: Option<MeanStd>,
    /// Seeds that diverged (no loss).
    pub diverged: usize,
}

/// One size's curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LrCurve {
    /// Non-embedding N.
    pub n: f64,
    pub shape: String,
    /// Sorted by lr.
    pub points: Vec<LrPoint>,
    /// The sampled rate with the lowest mean loss.
    pub best_measured: f64,
    /// The vertex of the parabola in ln lr through the best point and its neighbour on each side (the measured best
    /// when the best is at an end of the range or the parabola does not curve upward). Only the nearest neighbours:
    /// above the optimum the loss often jumps (the run diverges), and a point past that cliff would drag a
    /// least-squares parabola's vertex far from the minimum.
    pub best_lr: f64,
    pub best_loss: f64,
    /// Whether the best measured rate is the smallest or largest sampled (the optimum may lie outside).
    pub at_edge: bool,
    /// Sampled rates whose mean loss is within [`BROAD_PCT`] of the best: (lowest, highest).
    pub broad_range: (f64, f64),
    /// The sweeps' rule at this N ([`learning_rate_rule`]).
    pub rule_lr: f64,
    /// Kaplan et al.'s Eq. D.1 at this N.
    pub kaplan_lr: Option<f64>,
}

/// The learning-rate sweep's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LrAnalysis {
    /// Smallest model first.
    pub curves: Vec<LrCurve>,
    /// d ln(best lr) / d ln N across sizes (least squares), with two or more sizes.
    pub slope: Option<f64>,
    /// The same slope under Eq. D.1 at the sizes' geometric mean: −0.0001395 / LR(N).
    pub kaplan_slope: Option<f64>,
    pub failed: usize,
    pub summary: String,
}

/// Analyses a learning-rate sweep: runs are grouped by model, then by learning rate.
pub fn analyze_lr(runs: &[RunResult], _options: &AnalysisOptions) -> Result<LrAnalysis, String> {
    let (ok, failed_note) = usable(runs);
    let mut models: Vec<&RunResult> = Vec::new();
    for r in runs {
        if !models.iter().any(|m| m.planned.model == r.planned.model) {
            models.push(r);
        }
    }
    let mut curves: Vec<LrCurve> = models
        .iter()
        .filter_map(|m| {
            let members: Vec<&RunResult> = runs.iter().filter(|r| r.planned.model == m.planned.model).collect();
            curve(&members)
        })
        .collect();
    if curves.is_empty() {
        return Err("no model has a loss at two or more learning rates".into());
    }
    curves.sort_by(|p, q| p.n.total_cmp(&q.n));
    let slope = (curves.len() >= 2)
        .then(|| {
            let x: Vec<f64> = curves.iter().map(|c| c.n.ln()).collect();
            let y: Vec<f64> = curves.iter().map(|c| c.best_lr.ln()).collect();
            linear_fit(&x, &y).map(|(_, s)| s)
        })
        .flatten();
    let geo_n = (curves.iter().map(|c| c.n.ln()).sum::<f64>() / curves.len() as f64).exp();
    let kaplan_slope = kaplan::learning_rate(geo_n).ok().flatten().map(|lr| -kaplan::LR_SLOPE / lr);
    let mut analysis =
        LrAnalysis { curves, slope, kaplan_slope, failed: runs.len() - ok.len(), summary: String::new() };
    analysis.summary = summarize(&analysis) + &failed_note;
    Ok(analysis)
}

fn curve(runs: &[&RunResult]) -> Option<LrCurve> {
    let first = runs.first()?;
    let mut points: Vec<LrPoint> = Vec::new();
    let mut lrs: Vec<f64> = runs.iter().map(|r| r.planned.lr).collect();
    lrs.sort_by(f64::total_cmp);
    lrs.dedup_by(|a, b| (*a / *b - 1.0).abs() < 1e-9);
    for lr in lrs {
        let at: Vec<&&RunResult> = runs.iter().filter(|r| (r.planned.lr / lr - 1.0).abs() < 1e-9).collect();
        let losses: Vec<f64> = at.iter().filter_map(|r| r.loss).collect();
        points.push(LrPoint {
            lr,
            multiplier: at[0].planned.labels.lr_multiplier,
            loss: MeanStd::of(&losses),
            diverged: at.len() - losses.len(),
        });
    }
    let scored: Vec<(usize, f64)> = points.iter().enumerate().filter_map(|(i, p)| Some((i, p.loss?.mean))).collect();
    if scored.len() < 2 {
        return None;
    }
    let &(bi, best_loss) = scored.iter().min_by(|p, q| p.1.total_cmp(&q.1))?;
    let pos = scored.iter().position(|&(i, _)| i == bi)?;
    let at_edge = pos == 0 || pos == scored.len() - 1;
    let window = &scored[pos.saturating_sub(1)..(pos + 2).min(scored.len())];
    let x: Vec<f64> = window.iter().map(|&(i, _)| points[i].lr.ln()).collect();
    let y: Vec<f64> = window.iter().map(|&(_, l)| l).collect();
    let best_measured = points[bi].lr;
    let best_lr = if at_edge || window.len() < 3 {
        best_measured
    } else {
        parabola_vertex(&x, &y).map(|(xv, _, _)| xv.clamp(x[0], x[x.len() - 1]).exp()).unwrap_or(best_measured)
    };
    let near: Vec<f64> = scored
        .iter()
        .filter(|&&(_, l)| l <= best_loss * (1.0 + BROAD_PCT / 100.0))
        .map(|&(i, _)| points[i].lr)
        .collect();
    let broad_range =
        (near.iter().copied().fold(f64::INFINITY, f64::min), near.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let n = first.n;
    Some(LrCurve {
        n,
        shape: grid::shape_id(&first.planned.model),
        points,
        best_measured,
        best_lr,
        best_loss,
        at_edge,
        broad_range,
        rule_lr: learning_rate_rule(n),
        kaplan_lr: kaplan::learning_rate(n).ok().flatten(),
    })
}

fn summarize(a: &LrAnalysis) -> String {
    let mut out = Vec::new();
    let list: Vec<String> = a
        .curves
        .iter()
        .map(|c| {
            let broad = if c.broad_range.1 > c.broad_range.0 {
                format!(
                    "within {BROAD_PCT}% of the best from {} to {} ({:.0}×)",
                    sig3(c.broad_range.0),
                    sig3(c.broad_range.1),
                    c.broad_range.1 / c.broad_range.0
                )
            } else {
                format!("no other sampled rate within {BROAD_PCT}% of the best")
            };
            format!(
                "N ≈ {}: best lr ≈ {}{} ({:.1}× the rule; Eq. D.1 gives {}), {broad}",
                short_number(c.n),
                sig3(c.best_lr),
                if c.at_edge { " at the edge of the sampled range" } else { "" },
                c.best_lr / c.rule_lr,
                c.kaplan_lr.map_or("no rate".into(), sig3),
            )
        })
        .collect();
    out.push(format!("{}.", list.join("; ")));
    let widest = a.curves.iter().map(|c| c.broad_range.1 / c.broad_range.0).fold(0.0, f64::max);
    if widest >= 3.0 {
        out.push(format!(
            "The optimum is broad: rates spanning up to {widest:.0}× give losses within {BROAD_PCT}% of the best, as \
             Kaplan et al. found (Fig. 22)."
        ));
    } else {
        out.push(format!(
            "The optimum looks sharper than Kaplan et al.'s (rates within {BROAD_PCT}% span at most {widest:.1}× on \
             this grid): short runs are more sensitive to the rate than their long ones, and a coarse grid can hide \
             breadth between its points."
        ));
    }
    if let (Some(s), Some(k)) = (a.slope, a.kaplan_slope) {
        let first = &a.curves[0];
        let last = &a.curves[a.curves.len() - 1];
        out.push(format!(
            "Across sizes the best rate scales as N^{s:.2} (from {} at {} to {} at {}); Eq. D.1 implies N^{k:.2} here, \
             a fall of only {} per 10× in N.",
            sig3(first.best_lr),
            short_number(first.n),
            sig3(last.best_lr),
            short_number(last.n),
            pct(100.0 * (1.0 - 10f64.powf(k)))
        ));
        out.push(
            if s < -CLEAR_TREND {
                "Larger models prefer smaller rates, as Kaplan found."
            } else {
                "Here the best rate hardly moved with size: the expected shift is small next to the sweep's \
                 factor-of-2 steps and seed noise, so more seeds or a finer grid are needed to see it."
            }
            .into(),
        );
    }
    let geometric_mean = |ratio: &dyn Fn(&LrCurve) -> Option<f64>| {
        let logs: Vec<f64> = a.curves.iter().filter_map(|c| ratio(c).map(f64::ln)).collect();
        (!logs.is_empty()).then(|| (logs.iter().sum::<f64>() / logs.len() as f64).exp())
    };
    if let Some(vs_rule) = geometric_mean(&|c| Some(c.best_lr / c.rule_lr)) {
        out.push(format!(
            "The best rates are {vs_rule:.1}× the sweeps' rule on average; the rule aims a little below the optimum \
             (¾ of the best rates of the lab's small reference, so about 1.3×), where a too-low rate costs less than a \
             too-high one."
        ));
    }
    if let Some(vs_kaplan) = geometric_mean(&|c| c.kaplan_lr.map(|k| c.best_lr / k)) {
        out.push(if vs_kaplan >= 1.5 {
            format!(
                "They are {vs_kaplan:.1}× the plain Eq. D.1 on average: short runs like these want higher rates than \
                 Eq. D.1, which was fitted to runs of 250k steps."
            )
        } else {
            format!("They are {vs_kaplan:.1}× the plain Eq. D.1 on average.")
        });
    }
    out.join(" ")
}
