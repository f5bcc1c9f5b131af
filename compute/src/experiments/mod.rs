//! Sweeps that reproduce the scaling papers' findings at toy scale: what to train ([`plan`]) and what the runs show
//! ([`analysis`]), shared by the page and `lab sweep`.
//!
//! Everything here is pure: plans are lists of model and training settings, results come in as [`RunResult`]s and
//! analyses and plain-language summaries come out. No files, threads or clocks, so the page calls it in wasm.
//!
//! - [`SweepKind::Shape`]: at fixed non-embedding N, vary d_model/n_layer over ≥ 40×, and separately d_ff/d_model and
//!   the head dimension (Kaplan et al. 2020, Fig. 5).
//! - [`SweepKind::IsoFlop`]: at several budgets C = 6·N·D, five or more sizes each (Hoffmann et al. 2022, Approach 2),
//!   plus Approach 3 over all runs.
//! - [`SweepKind::LearningRate`]: learning rates over 64× around [`learning_rate_rule`] at three sizes.
//! - [`SweepKind::BatchSize`]: steps and tokens to a target loss against batch size; the critical batch.
//!
//! Conventions shared by every sweep (see [`Defaults`]): the synthetic language `synthetic:medium` with the character
//! tokenizer (vocabulary 28: 27 symbols plus the unknown token), so data never repeats and the loss has a known floor;
//! context 64; N = [`ModelConfig::non_embedding_params`] (Kaplan's N); compute C = 6·N·D, Chinchilla's and Kaplan's
//! bookkeeping, which is what IsoFLOP budgets hold fixed and what the Approach 2 fit assumes. The real cost per token,
//! [`ModelConfig::train_flops_per_token`] (6N plus attention over the context), is what [`SweepPlan::estimated_flops`]
//! sums for time estimates.

pub mod analysis;
pub mod batch;
mod difference;
pub mod grid;
pub mod isoflop;
pub mod lr;
pub mod record;
pub mod result;
pub mod shape;

pub use analysis::{analyze, AnalysisOptions, SweepAnalysis};
pub use record::SweepRecord;
pub use result::{CurvePoint, RunResult};

use crate::config::ModelConfig;
use crate::train::{ScheduleKind, TrainConfig};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which finding a sweep reproduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SweepKind {
    /// Loss against shape at fixed N (Kaplan et al. 2020, Fig. 5).
    #[serde(rename = "shape")]
    Shape,
    /// IsoFLOP profiles and the compute-optimal split (Hoffmann et al. 2022, Approach 2; Approach 3 over all runs).
    #[serde(rename = "isoflop")]
    IsoFlop,
    /// Learning rate against size (Kaplan et al. 2020, Eq. D.1).
    #[serde(rename = "lr")]
    LearningRate,
    /// Steps and tokens to a target loss against batch size (Kaplan et al. 2020, Sec. 5.1; McCandlish et al. 2018).
    #[serde(rename = "batch")]
    BatchSize,
}

impl SweepKind {
    /// All kinds, in the order the page lists them.
    pub const ALL: [SweepKind; 4] =
        [SweepKind::Shape, SweepKind::IsoFlop, SweepKind::LearningRate, SweepKind::BatchSize];

    /// The name used on the command line and in records.
    pub fn name(self) -> &'static str {
        match self {
            SweepKind::Shape => "shape",
            SweepKind::IsoFlop => "isoflop",
            SweepKind::LearningRate => "lr",
            SweepKind::BatchSize => "batch",
        }
    }

    /// One line saying what the sweep shows.
    pub fn description(self) -> &'static str {
        match self {
            SweepKind::Shape => "loss against aspect ratio, feed-forward ratio and head size at fixed parameter count",
            SweepKind::IsoFlop => "IsoFLOP profiles: the compute-optimal split between parameters and tokens",
            SweepKind::LearningRate => "learning rate against model size: a broad optimum that moves down with size",
            SweepKind::BatchSize => "steps and tokens to a target loss against batch size: the critical batch",
        }
    }
}

impl fmt::Display for SweepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SweepKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "shape" => Ok(SweepKind::Shape),
            "isoflop" | "iso-flop" | "chinchilla" => Ok(SweepKind::IsoFlop),
            "lr" | "learning-rate" | "learning_rate" => Ok(SweepKind::LearningRate),
            "batch" | "batch-size" | "batch_size" => Ok(SweepKind::BatchSize),
            other => Err(format!("no sweep `{other}`; choose shape, isoflop, lr or batch")),
        }
    }
}

/// How much compute a sweep spends. Sized in FLOPs (see [`SweepPlan::estimated_flops`]); the wall-clock times below
/// assume ~0.2–0.3 TFLOP/s, what a laptop GPU realistically sustains through WebGPU on models this small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// A smoke test of the whole pipeline: ~1e12 FLOPs, a minute or two on the native CPU backend. Too small to
    /// show the finding; for CI and for trying the command.
    Tiny,
    /// ~2e14 FLOPs: about 15 minutes on a laptop GPU in the browser; two seeds.
    Small,
    /// ~1e15 FLOPs: about an hour on a laptop GPU; three seeds, denser grids.
    Medium,
    /// ~5e15 FLOPs: several hours on a laptop GPU, or a desktop GPU natively; three seeds, the widest grids.
    Large,
}

impl Budget {
    /// All budgets, smallest first.
    pub const ALL: [Budget; 4] = [Budget::Tiny, Budget::Small, Budget::Medium, Budget::Large];

    pub fn name(self) -> &'static str {
        match self {
            Budget::Tiny => "tiny",
            Budget::Small => "small",
            Budget::Medium => "medium",
            Budget::Large => "large",
        }
    }

    /// Seeds per configuration when the caller does not choose.
    pub fn default_seeds(self) -> usize {
        match self {
            Budget::Tiny => 1,
            Budget::Small => 2,
            Budget::Medium | Budget::Large => 3,
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Budget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tiny" => Ok(Budget::Tiny),
            "small" => Ok(Budget::Small),
            "medium" => Ok(Budget::Medium),
            "large" => Ok(Budget::Large),
            other => Err(format!("no budget `{other}`; choose tiny, small, medium or large")),
        }
    }
}

/// Settings every sweep shares unless a sweep says otherwise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Defaults;

impl Defaults {
    /// Training and validation text: endless, never repeated, with an exact entropy floor of 0.517 nats/char.
    pub const DATA: &'static str = "synthetic:medium";
    /// One token per character.
    pub const TOKENIZER: &'static str = "char";
    /// The character tokenizer's vocabulary on a synthetic language: 27 symbols plus the unknown token.
    pub const VOCAB: usize = 28;
    /// Context length (T = n_ctx).
    pub const CONTEXT: usize = 64;
    /// Sequences per step (2048 tokens per step at context 64).
    pub const BATCH: usize = 32;
    /// Attention head size of the sweeps' models; d_model is a multiple of it.
    pub const HEAD_SIZE: usize = 16;
    /// d_ff / d_model unless a sweep varies it.
    pub const FF_RATIO: usize = 4;
    /// Aspect ratio d_model/n_layer that [`grid::model_near`] aims for when only N matters. Small models here do
    /// best somewhere around 8–64 (a shape sweep measures it); 16 keeps a 25k model at 2 layers of 32.
    pub const ASPECT: f64 = 16.0;
    /// Seed of the first repetition; repetition k uses `SEED + k` for every configuration, so seeds pair across shapes.
    pub const SEED: u64 = 1000;
}

/// The learning-rate rule every sweep uses (the LR sweep centres on it): lr(N) = 0.012·(N/10⁵)^−0.19, N
/// non-embedding; held at its N = 1e3 value below that.
///
/// Why: it is three quarters of the best peak rate this lab measured, not a published rule. The LR sweep at the small
/// budget (public/reference/lr-small.json: 25k–389k parameters, 2M tokens, cosine decay, batch 32×64) put the
/// optimum at 0.0205 / 0.0155 / 0.0123, a power law 0.0158·(N/10⁵)^−0.189; this rule takes ¾ of it, rounded,
/// because the loss is lopsided around the optimum: rates 0.5–0.7× of it cost 0.2–4.7%, while 2–3× of it the runs
/// collapsed. Kaplan et al.'s Eq. D.1 (0.003239 − 0.0001395·ln N, fitted to runs of 2.5e5 steps) is 8–11× below
/// the optimum at these sizes and falls only as N^−0.09; the sweeps used 3× Eq. D.1 until that sweep showed it cost
/// 14–16% in loss at every size (README, "Reproducing the findings").
pub fn learning_rate_rule(n: f64) -> f64 {
    LR_RULE_AT_100K * (n.max(1e3) / 1e5).powf(LR_RULE_EXPONENT)
}

/// [`learning_rate_rule`] at N = 10⁵ non-embedding parameters.
pub const LR_RULE_AT_100K: f64 = 0.012;
/// d ln lr / d ln N of [`learning_rate_rule`].
pub const LR_RULE_EXPONENT: f64 = -0.19;
/// [`learning_rate_rule`] in words, for plans, help texts and the page.
pub const LR_RULE_TEXT: &str = "lr = 0.012·(N/1e5)^-0.19, ¾ of the best rates of the lab's own LR sweep";

/// How the learning rate moves after warm-up (mirrors the trainer's schedule kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Cosine down to a tenth of the peak at the last step (Chinchilla's finding: match the cycle to the run).
    Cosine,
    /// Constant after warm-up: the batch sweep measures steps to a loss, which a decay tied to run length would blur.
    Constant,
}

/// What a run is for within its sweep: the coordinates the analysis groups and plots by.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunLabels {
    /// Shape sweep: the non-embedding N the shape was chosen to hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_n: Option<f64>,
    /// Shape sweep: which curves (aspect, feed-forward, head size) this run belongs to; one run can serve several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<shape::ShapeSeries>,
    /// IsoFLOP sweep: the budget C = 6·N·D in FLOPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_flops: Option<f64>,
    /// LR and batch sweeps: the learning rate as a multiple of [`learning_rate_rule`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr_multiplier: Option<f64>,
}

/// One training run of a plan: the model, its training settings and its place in the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    /// Unique within the plan, readable: `isoflop-c1e12-L4-d64-s1000`.
    pub id: String,
    pub model: ModelConfig,
    /// Tokens to train on (a whole number of steps).
    pub tokens: u64,
    /// Optimiser steps = tokens / (batch · context).
    pub steps: u64,
    /// Sequences per step.
    pub batch: usize,
    /// Tokens per sequence (= model.n_ctx).
    pub context: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Linear warm-up steps.
    pub warmup: u64,
    pub schedule: Schedule,
    /// Evaluate every this many steps (and at the end).
    pub eval_every: u64,
    /// Validation batches (each batch × context tokens) per evaluation.
    pub eval_batches: usize,
    pub seed: u64,
    pub labels: RunLabels,
}

impl PlannedRun {
    /// Kaplan's N: non-embedding parameters.
    pub fn n(&self) -> f64 {
        self.model.non_embedding_params() as f64
    }

    /// The bookkeeping compute C = 6·N·D (what IsoFLOP budgets hold fixed).
    pub fn compute_6nd(&self) -> f64 {
        6.0 * self.n() * self.tokens as f64
    }

    /// The trainer's settings for this run (trainer defaults for everything a sweep does not set: AdamW with
    /// β = (0.9, 0.99), weight decay 0.1, clipping at 1.0; no samples).
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            batch: self.batch,
            t: self.context,
            steps: self.steps as usize,
            tokens: Some(self.tokens),
            lr: self.lr,
            warmup: self.warmup as usize,
            schedule: match self.schedule {
                Schedule::Cosine => ScheduleKind::Cosine,
                Schedule::Constant => ScheduleKind::Constant,
            },
            eval_every: self.eval_every as usize,
            eval_batches: self.eval_batches,
            sample_tokens: 0,
            seed: self.seed,
            ..TrainConfig::default()
        }
    }

    /// Estimated FLOPs of the whole run: training at (6N + attention) per token, plus every evaluation's forward pass
    /// (a third of that per token).
    pub fn estimated_flops(&self) -> f64 {
        let per_token = self.model.train_flops_per_token() as f64;
        let evals = (self.steps / self.eval_every.max(1) + 1) as f64;
        let eval_tokens = (self.eval_batches * self.batch * self.context) as f64;
        per_token * (self.tokens as f64 + evals * eval_tokens / 3.0)
    }
}

/// A sweep to run: settings shared by all its runs, and the runs in the order they should be trained (every
/// configuration's first seed before any second seed, so a partial sweep is already a complete picture).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPlan {
    pub kind: SweepKind,
    pub budget: Budget,
    pub seeds: usize,
    /// Data spec (e.g. `synthetic:medium`).
    pub data: String,
    /// Tokenizer spec (e.g. `char`).
    pub tokenizer: String,
    /// How learning rates were chosen, in words.
    pub lr_rule: String,
    /// What the grid holds fixed and what it varies, in words.
    pub notes: Vec<String>,
    pub runs: Vec<PlannedRun>,
}

impl SweepPlan {
    /// Estimated FLOPs of all runs (see [`PlannedRun::estimated_flops`]).
    pub fn estimated_flops(&self) -> f64 {
        self.runs.iter().map(PlannedRun::estimated_flops).sum()
    }

    /// Estimated seconds at a measured speed in FLOP/s.
    pub fn estimated_seconds(&self, flops_per_second: f64) -> f64 {
        self.estimated_flops() / flops_per_second.max(1.0)
    }
}

/// The plan of a sweep at a budget with `seeds` repetitions (0: the budget's default).
pub fn plan(kind: SweepKind, budget: Budget, seeds: usize) -> SweepPlan {
    let seeds = if seeds == 0 { budget.default_seeds() } else { seeds };
    match kind {
        SweepKind::Shape => shape::plan(budget, seeds),
        SweepKind::IsoFlop => isoflop::plan(budget, seeds),
        SweepKind::LearningRate => lr::plan(budget, seeds),
        SweepKind::BatchSize => batch::plan(budget, seeds),
    }
}

/// A configuration before seeds: model, tokens, batch, lr and labels; [`expand_seeds`] turns them into runs.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub id: String,
    pub model: ModelConfig,
    pub tokens: u64,
    pub batch: usize,
    pub lr: f64,
    pub schedule: Schedule,
    /// Evaluations per run (besides the one at the end).
    pub evals: u64,
    /// Validation tokens per evaluation.
    pub eval_tokens: usize,
    pub labels: RunLabels,
}

impl Config {
    /// A configuration with the shared defaults: cosine schedule, the LR rule, 8 evaluations of 32k tokens.
    pub fn new(id: String, model: ModelConfig, tokens: u64, labels: RunLabels) -> Config {
        let lr = learning_rate_rule(model.non_embedding_params() as f64);
        Config {
            id,
            model,
            tokens,
            batch: Defaults::BATCH,
            lr,
            schedule: Schedule::Cosine,
            evals: 8,
            eval_tokens: 1 << 15,
            labels,
        }
    }
}

/// Every configuration once per seed, seed-major, with tokens rounded to whole steps.
pub(crate) fn expand_seeds(configs: &[Config], seeds: usize) -> Vec<PlannedRun> {
    let mut runs = Vec::with_capacity(configs.len() * seeds);
    for k in 0..seeds as u64 {
        for c in configs {
            let context = c.model.n_ctx;
            let per_step = (c.batch * context) as u64;
            let steps = ((c.tokens as f64 / per_step as f64).round() as u64).max(1);
            let seed = Defaults::SEED + k;
            runs.push(PlannedRun {
                id: format!("{}-s{seed}", c.id),
                model: c.model.clone(),
                tokens: steps * per_step,
                steps,
                batch: c.batch,
                context,
                lr: c.lr,
                warmup: (steps / 20).clamp(1, 100),
                schedule: c.schedule,
                eval_every: (steps / c.evals.max(1)).max(1),
                eval_batches: c.eval_tokens.div_ceil(c.batch * context).max(1),
                seed,
                labels: c.labels.clone(),
            });
        }
    }
    runs
}

/// "25k", "1.2M", "3e12": compact numbers for ids and summaries.
pub fn short_number(x: f64) -> String {
    let (value, suffix) = match x.abs() {
        v if v >= 1e10 => return format!("{x:.0e}"),
        v if v >= 1e6 => (x / 1e6, "M"),
        v if v >= 1e3 => (x / 1e3, "k"),
        _ => (x, ""),
    };
    let digits = if value.abs() >= 10.0 || value.fract().abs() < 0.05 { 0 } else { 1 };
    format!("{value:.digits$}{suffix}")
}
