//! What a sweep's runs show: one analysis per sweep kind, each with a plain-language summary that compares the result
//! with the papers and says where the toy scale differs.
//!
//! Every function takes finished runs as [`RunResult`]s (a run without a loss counts as failed and is left out, and
//! said so) and returns a serialisable result for the page's plots and the sweep record.

pub mod batch;
pub mod isoflop;
pub mod lr;
pub mod shape;

pub use batch::{analyze_batch, BatchAnalysis};
pub use isoflop::{analyze_isoflop, IsoFlopAnalysis};
pub use lr::{analyze_lr, LrAnalysis};
pub use shape::{analyze_shape, ShapeAnalysis};

use super::{RunResult, SweepKind};
use crate::data::synthetic;
use serde::Serialize;

/// Settings shared by the analyses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnalysisOptions {
    /// Bootstrap replicates behind every interval (0: no intervals).
    pub bootstrap: usize,
    /// Interval level, e.g. 0.95.
    pub level: f64,
    /// Seed of the bootstraps.
    pub seed: u64,
    /// The data's entropy floor in nats per token, when known (see [`entropy_floor`]).
    pub floor: Option<f64>,
    /// Batch sweep: the target losses; None chooses them from the curves (see [`batch::default_targets`]).
    pub targets: Option<Vec<f64>>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions { bootstrap: 200, level: 0.95, seed: 2022, floor: None, targets: None }
    }
}

/// The entropy floor of a data/tokenizer pair in nats per token when it is known without building the data: a
/// synthetic language read one character (= one byte) per token.
pub fn entropy_floor(data: &str, tokenizer: &str) -> Option<f64> {
    let name = data.strip_prefix("synthetic:")?;
    matches!(tokenizer, "char" | "byte").then_some(())?;
    synthetic::preset(name).map(|p| p.entropy_per_char)
}

/// The analysis of one sweep.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SweepAnalysis {
    Shape(ShapeAnalysis),
    #[serde(rename = "isoflop")]
    IsoFlop(Box<IsoFlopAnalysis>),
    #[serde(rename = "lr")]
    LearningRate(LrAnalysis),
    #[serde(rename = "batch")]
    BatchSize(BatchAnalysis),
}

impl SweepAnalysis {
    /// The plain-language summary.
    pub fn summary(&self) -> &str {
        match self {
            SweepAnalysis::Shape(a) => &a.summary,
            SweepAnalysis::IsoFlop(a) => &a.summary,
            SweepAnalysis::LearningRate(a) => &a.summary,
            SweepAnalysis::BatchSize(a) => &a.summary,
        }
    }
}

/// Runs the analysis of `kind` on `runs`.
pub fn analyze(kind: SweepKind, runs: &[RunResult], options: &AnalysisOptions) -> Result<SweepAnalysis, String> {
    Ok(match kind {
        SweepKind::Shape => SweepAnalysis::Shape(analyze_shape(runs, options)?),
        SweepKind::IsoFlop => SweepAnalysis::IsoFlop(Box::new(analyze_isoflop(runs, options)?)),
        SweepKind::LearningRate => SweepAnalysis::LearningRate(analyze_lr(runs, options)?),
        SweepKind::BatchSize => SweepAnalysis::BatchSize(analyze_batch(runs, options)?),
    })
}

/// Mean and sample standard deviation (n − 1; 0 for one value) of repeated measurements.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
    /// How many values.
    pub count: usize,
}

impl MeanStd {
    /// None for no values.
    pub fn of(values: &[f64]) -> Option<MeanStd> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var =
            if values.len() > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        Some(MeanStd { mean, std: var.sqrt(), count: values.len() })
    }
}

/// Runs with a loss, and a sentence about the ones without (empty when none failed).
pub(crate) fn usable(runs: &[RunResult]) -> (Vec<&RunResult>, String) {
    let ok: Vec<&RunResult> = runs.iter().filter(|r| r.loss.is_some()).collect();
    let failed = runs.len() - ok.len();
    let note = match failed {
        0 => String::new(),
        1 => " One run failed or diverged and is left out.".to_string(),
        k => format!(" {k} runs failed or diverged and are left out."),
    };
    (ok, note)
}

/// Vertex of the least-squares parabola y = c0 + c1·x + c2·x² through the points: (x, y, c2), when it curves upward.
pub(crate) fn parabola_vertex(x: &[f64], y: &[f64]) -> Option<(f64, f64, [f64; 3])> {
    let (c0, c1, c2) = crate::scaling::stats::quadratic_fit(x, y)?;
    (c2 > 0.0 && c2.is_finite()).then(|| {
        let xv = -c1 / (2.0 * c2);
        (xv, c0 + c1 * xv + c2 * xv * xv, [c0, c1, c2])
    })
}

/// "3.1%" / "0.4%": a percentage for summaries.
pub(crate) fn pct(x: f64) -> String {
    if x.abs() >= 10.0 {
        format!("{x:.0}%")
    } else {
        format!("{x:.1}%")
    }
}

/// Three significant digits: "0.0042", "1.23e-5".
pub(crate) fn sig3(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e5) {
        format!("{x:.2e}")
    } else {
        let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.digits$}")
    }
}
