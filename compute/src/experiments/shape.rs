//! The shape sweep (Kaplan et al. 2020, Fig. 5): at two or three fixed non-embedding sizes N, vary the aspect ratio
//! d_model/n_layer over more than 40×; at the smallest N also vary d_ff/d_model and the head size. Every run sees the
//! same data, tokens and schedule; learning rates follow [`super::learning_rate_rule`], which depends on N only, so
//! every shape at one N gets the same rate.

use super::grid::{self, aspect};
use super::{expand_seeds, short_number, Budget, Config, Defaults, RunLabels, SweepKind, SweepPlan, LR_RULE_TEXT};
use crate::config::ModelConfig;
use serde::{Deserialize, Serialize};

/// Which curve of Fig. 5 a run belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShapeSeries {
    /// d_model / n_layer, head size and d_ff/d_model fixed.
    Aspect,
    /// d_ff / d_model at fixed N (the layer count and width adjust; the aspect ratio stays as close as it can).
    FeedForward,
    /// Head size d_model / n_head at one fixed shape.
    HeadSize,
}

impl ShapeSeries {
    /// The x axis of this series' plot.
    pub fn axis(self) -> &'static str {
        match self {
            ShapeSeries::Aspect => "aspect ratio d_model/n_layer",
            ShapeSeries::FeedForward => "feed-forward ratio d_ff/d_model",
            ShapeSeries::HeadSize => "attention head size d_model/n_head",
        }
    }

    /// The x value of a model in this series.
    pub fn x(self, m: &ModelConfig) -> f64 {
        match self {
            ShapeSeries::Aspect => aspect(m),
            ShapeSeries::FeedForward => grid::ff_ratio(m),
            ShapeSeries::HeadSize => m.head_size() as f64,
        }
    }
}

/// Largest relative miss of N from its target that the grid accepts (Kaplan's own Fig. 5 sizes are approximate too).
pub const TOLERANCE: f64 = 0.04;
/// Neighbouring aspect ratios differ by at least this factor.
pub const MIN_ASPECT_STEP: f64 = 1.5;
/// The aspect ratio the feed-forward and head-size series are built around.
pub const REFERENCE_ASPECT: f64 = 16.0;

/// Width step of the feed-forward series.
pub const FF_WIDTH_STEP: usize = 4;

/// The grid of one budget.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeGrid {
    /// Target non-embedding sizes.
    pub targets: Vec<f64>,
    /// Training tokens of every run.
    pub tokens: u64,
    /// Feed-forward ratios of the feed-forward series (at the first target).
    pub ff_ratios: Vec<f64>,
    /// Head sizes of the head-size series (at the first target's reference shape).
    pub head_sizes: Vec<usize>,
}

impl ShapeGrid {
    pub fn for_budget(budget: Budget) -> ShapeGrid {
        let (targets, tokens, ff_ratios, head_sizes): (Vec<f64>, u64, Vec<f64>, Vec<usize>) = match budget {
            Budget::Tiny => (vec![5e4], 400_000, vec![1.0, 4.0, 16.0], vec![8, 16, 32]),
            Budget::Small => (vec![2e5, 4e5], 4_000_000, vec![1.0, 2.0, 4.0, 8.0, 16.0], vec![8, 16, 32, 64]),
            Budget::Medium => {
                (vec![2e5, 4e5, 8e5], 8_000_000, vec![0.5, 1.0, 2.0, 4.0, 8.0, 16.0], vec![8, 16, 32, 64])
            }
            Budget::Large => {
                (vec![4e5, 8e5, 1.6e6], 16_000_000, vec![0.5, 1.0, 2.0, 4.0, 8.0, 16.0], vec![8, 16, 32, 64, 128])
            }
        };
        ShapeGrid { targets, tokens, ff_ratios, head_sizes }
    }
}

/// The aspect-ratio series at one target: every layer count with a width within [`TOLERANCE`], thinned.
pub fn aspect_series(target: f64) -> Vec<ModelConfig> {
    let hs = Defaults::HEAD_SIZE;
    let shapes = grid::shapes_at(target, hs, hs, Defaults::FF_RATIO as f64, TOLERANCE);
    grid::spread_by_aspect(shapes, target, MIN_ASPECT_STEP)
}

/// The shape of the aspect series closest to [`REFERENCE_ASPECT`].
pub fn reference_shape(target: f64) -> Option<ModelConfig> {
    aspect_series(target).into_iter().min_by(|p, q| {
        let d = |m: &ModelConfig| (aspect(m) / REFERENCE_ASPECT).ln().abs();
        d(p).total_cmp(&d(q))
    })
}

/// For each ratio, the shape within [`TOLERANCE`] of `target` with the aspect closest to the reference's; ratios with
/// no such shape are left out. Widths here are multiples of [`FF_WIDTH_STEP`] with heads as close to the default
/// head size as the width allows (11–22 rather than 16): at fixed N a larger d_ff forces a narrower model, and with
/// widths in steps of 16 the aspect ratio would have to swing far from the reference to hit N, which costs more than
/// a slightly different head size (Kaplan et al. 2020, Fig. 5: head size matters at most ~2%).
pub fn ff_series(target: f64, ratios: &[f64]) -> Vec<ModelConfig> {
    let Some(reference) = reference_shape(target) else { return Vec::new() };
    let ref_aspect = aspect(&reference);
    ratios
        .iter()
        .filter_map(|&r| {
            grid::shapes_at(target, FF_WIDTH_STEP, Defaults::HEAD_SIZE, r, TOLERANCE).into_iter().min_by(|p, q| {
                let d = |m: &ModelConfig| (aspect(m) / ref_aspect).ln().abs();
                d(p).total_cmp(&d(q))
            })
        })
        .collect()
}

/// The reference shape split into heads as close to each wanted head size as its width allows (duplicates dropped).
pub fn head_series(target: f64, head_sizes: &[usize]) -> Vec<ModelConfig> {
    let Some(reference) = reference_shape(target) else { return Vec::new() };
    let mut out: Vec<ModelConfig> = head_sizes
        .iter()
        .map(|&hs| ModelConfig { n_head: grid::heads_near(reference.d_model, hs), ..reference.clone() })
        .collect();
    out.dedup();
    out
}

/// The shape sweep's plan.
pub fn plan(budget: Budget, seeds: usize) -> SweepPlan {
    let grid = ShapeGrid::for_budget(budget);
    // (target, model, series), one entry per distinct (target, model); a model in several series is trained once.
    let mut entries: Vec<(f64, ModelConfig, Vec<ShapeSeries>)> = Vec::new();
    let mut add = |target: f64, model: ModelConfig, series: ShapeSeries| match entries
        .iter_mut()
        .find(|(t, m, _)| *t == target && *m == model)
    {
        Some((_, _, s)) => s.push(series),
        None => entries.push((target, model, vec![series])),
    };
    for &target in &grid.targets {
        for m in aspect_series(target) {
            add(target, m, ShapeSeries::Aspect);
        }
    }
    let sub = grid.targets[0];
    for m in ff_series(sub, &grid.ff_ratios) {
        add(sub, m, ShapeSeries::FeedForward);
    }
    for m in head_series(sub, &grid.head_sizes) {
        add(sub, m, ShapeSeries::HeadSize);
    }
    let configs: Vec<Config> = entries
        .into_iter()
        .map(|(target, model, series)| {
            let id = format!("shape-n{}-{}", short_number(target), grid::shape_id(&model));
            // One learning rate per target N, so shapes at one N differ in nothing else.
            let mut c =
                Config::new(id, model, grid.tokens, RunLabels { target_n: Some(target), series, ..Default::default() });
            c.lr = super::learning_rate_rule(target);
            c
        })
        .collect();
    let targets: Vec<String> = grid.targets.iter().map(|t| short_number(*t)).collect();
    SweepPlan {
        kind: SweepKind::Shape,
        budget,
        seeds,
        data: Defaults::DATA.into(),
        tokenizer: Defaults::TOKENIZER.into(),
        lr_rule: format!(
            "{LR_RULE_TEXT}, at the target N (one rate per N): {}",
            grid.targets
                .iter()
                .map(|t| format!("{:.2e}", super::learning_rate_rule(*t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        notes: vec![
            format!(
                "target non-embedding N = {} (within {:.0}%), {} tokens per run, batch {}×{}",
                targets.join(", "),
                TOLERANCE * 100.0,
                short_number(grid.tokens as f64),
                Defaults::BATCH,
                Defaults::CONTEXT
            ),
            format!(
                "aspect series: head size {}, d_ff = {}·d_model, every layer count 1–{} whose width hits N",
                Defaults::HEAD_SIZE,
                Defaults::FF_RATIO,
                grid::MAX_LAYERS
            ),
            format!(
                "feed-forward and head-size series at N = {}, around the shape nearest aspect {}",
                short_number(sub),
                REFERENCE_ASPECT
            ),
        ],
        runs: expand_seeds(&configs, seeds),
    }
}
