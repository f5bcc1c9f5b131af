//! Batch-size sweep analysis: steps S and tokens E to reach a target loss at each batch size B, and the fit of
//! S = S_min·(1 + B_crit/B), equivalently E = E_min·(1 + B/B_crit) with E_min = S_min·B_crit, i.e.
//! (S/S_min − 1)(E/E_min − 1) = 1 (McCandlish et al. 2018; Kaplan et al. 2020, Eq. 5.4).
//!
//! The fit minimises Σ (ln S − ln S_min − ln(1 + B_crit/B))² over the runs that reached the target. For a fixed
//! B_crit the best ln S_min is a mean, so the search is one-dimensional in ln B_crit: a grid from 1/30 of the smallest
//! to 30× the largest batch, refined by golden-section search. Since ln E = ln S + ln B + const, the same fit is
//! the least-squares fit of E. Intervals: a seeded bootstrap over runs.

use super::{sig3, usable, AnalysisOptions, MeanStd};
use crate::experiments::{short_number, RunResult};
use crate::scaling::kaplan;
use crate::scaling::stats::linear_fit;
use crate::scaling::{Estimate, Goodness};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One batch size at one target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchPoint {
    /// Sequences per step.
    pub batch: usize,
    /// Tokens per step.
    pub batch_tokens: f64,
    /// Steps to the target, over the seeds that reached it.
    pub steps: Option<MeanStd>,
    /// Tokens to the target (steps × batch tokens).
    pub tokens: Option<MeanStd>,
    /// Seeds that reached the target, of `runs`.
    pub reached: usize,
    pub runs: usize,
}

/// The fit at one target loss.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchTarget {
    pub loss: f64,
    /// Sorted by batch.
    pub points: Vec<BatchPoint>,
    /// Fewest steps (B → ∞).
    pub s_min: Option<Estimate>,
    /// Fewest tokens (B → 0).
    pub e_min: Option<Estimate>,
    /// Critical batch in tokens, E_min/S_min.
    pub b_crit_tokens: Option<Estimate>,
    /// Critical batch in sequences.
    pub b_crit_sequences: Option<f64>,
    /// Whether B_crit lies outside the sampled batch sizes (then it is an extrapolation).
    pub outside_range: bool,
    /// On ln S.
    pub goodness: Option<Goodness>,
    /// Why there is no fit, when there is none.
    pub note: Option<String>,
}

/// The batch sweep's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchAnalysis {
    /// Highest (easiest) target first.
    pub targets: Vec<BatchTarget>,
    /// Tokens per sequence.
    pub context: usize,
    /// d ln B_crit / d ln L across targets, with two or more fits.
    pub b_crit_slope: Option<f64>,
    /// Kaplan et al.'s −1/α_B = −4.76 (Eq. 1.4: B_crit ∝ L^(−1/α_B)).
    pub kaplan_slope: f64,
    pub failed: usize,
    pub summary: String,
}

/// Default targets: the highest of the runs' best losses (taking each batch size's median over seeds), so every batch
/// size reaches them, times 1.01, 1.04 and 1.10.
pub fn default_targets(runs: &[&RunResult]) -> Vec<f64> {
    let mut batches: Vec<usize> = runs.iter().map(|r| r.planned.batch).collect();
    batches.sort_unstable();
    batches.dedup();
    let reach = batches
        .iter()
        .filter_map(|&b| {
            let mut mins: Vec<f64> = runs
                .iter()
                .filter(|r| r.planned.batch == b)
                .filter_map(|r| r.curve.iter().map(|p| p.val_loss).filter(|l| l.is_finite()).reduce(f64::min))
                .collect();
            mins.sort_by(f64::total_cmp);
            mins.get(mins.len() / 2).copied()
        })
        .fold(f64::NEG_INFINITY, f64::max);
    if !reach.is_finite() {
        return Vec::new();
    }
    vec![reach * 1.10, reach * 1.04, reach * 1.01]
}

/// Analyses a batch-size sweep; see the module doc.
pub fn analyze_batch(runs: &[RunResult], options: &AnalysisOptions) -> Result<BatchAnalysis, String> {
    let (ok, failed_note) = usable(runs);
    let with_curves: Vec<&RunResult> = ok.into_iter().filter(|r| !r.curve.is_empty()).collect();
    if with_curves.is_empty() {
        return Err("no batch runs with a validation curve".into());
    }
    let context = with_curves[0].planned.context;
    let mut targets_loss = options.targets.clone().unwrap_or_else(|| default_targets(&with_curves));
    targets_loss.sort_by(|a, b| b.total_cmp(a));
    let targets: Vec<BatchTarget> = targets_loss.iter().map(|&t| target(t, &with_curves, options)).collect();
    let fitted: Vec<(f64, f64)> =
        targets.iter().filter_map(|t| t.b_crit_tokens.map(|b| (t.loss.ln(), b.value.ln()))).collect();
    let b_crit_slope = (fitted.len() >= 2)
        .then(|| {
            let (x, y): (Vec<f64>, Vec<f64>) = fitted.iter().copied().unzip();
            linear_fit(&x, &y).map(|(_, s)| s)
        })
        .flatten();
    let mut analysis = BatchAnalysis {
        targets,
        context,
        b_crit_slope,
        kaplan_slope: -1.0 / kaplan::ALPHA_B,
        failed: runs.len() - with_curves.len(),
        summary: String::new(),
    };
    analysis.summary = summarize(&analysis) + &failed_note;
    Ok(analysis)
}

fn target(loss: f64, runs: &[&RunResult], options: &AnalysisOptions) -> BatchTarget {
    let mut batches: Vec<usize> = runs.iter().map(|r| r.planned.batch).collect();
    batches.sort_unstable();
    batches.dedup();
    let mut samples: Vec<(f64, f64)> = Vec::new(); // (batch tokens, steps)
    let points: Vec<BatchPoint> = batches
        .iter()
        .map(|&b| {
            let at: Vec<&&RunResult> = runs.iter().filter(|r| r.planned.batch == b).collect();
            let bt = (b * at[0].planned.context) as f64;
            let steps: Vec<f64> = at.iter().filter_map(|r| r.steps_to(loss)).collect();
            samples.extend(steps.iter().map(|&s| (bt, s)));
            BatchPoint {
                batch: b,
                batch_tokens: bt,
                steps: MeanStd::of(&steps),
                tokens: MeanStd::of(&steps.iter().map(|s| s * bt).collect::<Vec<_>>()),
                reached: steps.len(),
                runs: at.len(),
            }
        })
        .collect();
    let mut out = BatchTarget {
        loss,
        points,
        s_min: None,
        e_min: None,
        b_crit_tokens: None,
        b_crit_sequences: None,
        outside_range: false,
        goodness: None,
        note: None,
    };
    let distinct = out.points.iter().filter(|p| p.reached > 0).count();
    if distinct < 3 {
        out.note = Some(format!("only {distinct} batch sizes reached loss {loss:.3}; the fit needs 3"));
        return out;
    }
    let Some((ln_smin, ln_bc, sse)) = fit(&samples) else {
        out.note = Some("the fit found no minimum".into());
        return out;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut boot: Vec<[f64; 3]> = Vec::new();
    for _ in 0..options.bootstrap {
        let re: Vec<(f64, f64)> = (0..samples.len()).map(|_| samples[rng.random_range(0..samples.len())]).collect();
        if let Some((s, b, _)) = fit(&re) {
            boot.push([s.exp(), (s + b).exp(), b.exp()]);
        }
    }
    let col = |k: usize| boot.iter().map(|v| v[k]).collect::<Vec<f64>>();
    let (s_min, b_crit) = (ln_smin.exp(), ln_bc.exp());
    out.s_min = Some(Estimate::new(s_min, &col(0), options.level));
    out.e_min = Some(Estimate::new(s_min * b_crit, &col(1), options.level));
    out.b_crit_tokens = Some(Estimate::new(b_crit, &col(2), options.level));
    out.b_crit_sequences = Some(b_crit / out.points[0].batch_tokens * out.points[0].batch as f64);
    let (bmin, bmax) = (out.points[0].batch_tokens, out.points[out.points.len() - 1].batch_tokens);
    out.outside_range = !(bmin..=bmax).contains(&b_crit);
    let observed: Vec<f64> = samples.iter().map(|s| s.1.ln()).collect();
    let predicted: Vec<f64> = samples.iter().map(|&(b, _)| ln_smin + (1.0 + b_crit / b).ln()).collect();
    out.goodness = Some(Goodness::new(&observed, &predicted, sse));
    out
}

/// Least squares of ln S on ln S_min + ln(1 + B_crit/B): (ln S_min, ln B_crit, sum of squares).
fn fit(samples: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let profile = |ln_bc: f64| -> (f64, f64) {
        let bc = ln_bc.exp();
        let r: Vec<f64> = samples.iter().map(|&(b, s)| s.ln() - (1.0 + bc / b).ln()).collect();
        let m = r.iter().sum::<f64>() / r.len() as f64;
        (m, r.iter().map(|v| (v - m).powi(2)).sum())
    };
    let bmin = samples.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let bmax = samples.iter().map(|s| s.0).fold(0.0, f64::max);
    let (lo, hi) = ((bmin / 30.0).ln(), (bmax * 30.0).ln());
    let steps = 200;
    let grid: Vec<(f64, f64)> =
        (0..=steps).map(|i| lo + (hi - lo) * i as f64 / steps as f64).map(|x| (x, profile(x).1)).collect();
    let best = (0..grid.len()).min_by(|&i, &j| grid[i].1.total_cmp(&grid[j].1))?;
    // Golden-section search between the grid neighbours of the best node.
    let (mut a, mut b) = (grid[best.saturating_sub(1)].0, grid[(best + 1).min(steps)].0);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if profile(c).1 < profile(d).1 {
            b = d;
        } else {
            a = c;
        }
    }
    let x = 0.5 * (a + b);
    let (m, sse) = profile(x);
    (m.is_finite() && sse.is_finite()).then_some((m, x, sse))
}

fn summarize(a: &BatchAnalysis) -> String {
    let mut out = Vec::new();
    for t in &a.targets {
        match (&t.b_crit_tokens, &t.s_min, &t.e_min) {
            (Some(bc), Some(s), Some(e)) => {
                let range = match (bc.lo, bc.hi) {
                    (Some(lo), Some(hi)) => format!(" [{}, {}]", short_number(lo), short_number(hi)),
                    _ => String::new(),
                };
                out.push(format!(
                    "To reach loss {:.3}: B_crit ≈ {}{range} tokens ({:.1} sequences of {}){}, S_min ≈ {} steps, \
                     E_min ≈ {} tokens.",
                    t.loss,
                    short_number(bc.value),
                    t.b_crit_sequences.unwrap_or(0.0),
                    a.context,
                    if t.outside_range { ", outside the sampled batch sizes" } else { "" },
                    short_number(s.value),
                    short_number(e.value)
                ));
            }
            _ => out.push(format!("Loss {:.3}: {}.", t.loss, t.note.as_deref().unwrap_or("no fit"))),
        }
    }
    out.push(
        "Below B_crit, doubling the batch nearly halves the steps at little extra data; above it, steps barely fall \
         while the tokens needed grow: (S/S_min − 1)(E/E_min − 1) = 1 (McCandlish et al. 2018; Kaplan et al. 2020, \
         Eq. 5.4)."
            .into(),
    );
    if let Some(s) = a.b_crit_slope {
        out.push(format!(
            "Across targets B_crit ∝ L^{s:.1}; Kaplan et al. found B_crit ∝ L^{:.1} (Eq. 1.4), doubling for every 13% \
             fall in loss{}.",
            a.kaplan_slope,
            if s < 0.0 {
                ", and here too it grows as the loss falls"
            } else {
                "; here it did not grow as the loss fell"
            }
        ));
    }
    if let Some(t) = a.targets.iter().find(|t| t.b_crit_tokens.is_some()) {
        if let Ok(k) = kaplan::critical_batch(t.loss) {
            out.push(format!(
                "Kaplan's absolute numbers do not carry over: their law gives {} tokens at loss {:.2}, but it was \
                 fitted to WebText2 with a 50k BPE vocabulary, where a loss of {:.2} nats means something else \
                 entirely ({} tokens here).",
                sig3(k),
                t.loss,
                t.loss,
                short_number(t.b_crit_tokens.map_or(0.0, |b| b.value))
            ));
        }
    }
    out.join(" ")
}
