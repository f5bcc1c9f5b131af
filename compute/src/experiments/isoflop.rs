//! The IsoFLOP sweep (Hoffmann et al. 2022, Approach 2): at three or more budgets C, spaced evenly in log, five or
//! more model sizes spanning about 1/4× to 4× a guessed optimum, each trained on D = C/(6N) tokens, so 6·N·D = C up to
//! rounding D to whole steps. Learning rates follow [`super::learning_rate_rule`], cosine decay over each run's own
//! length (Chinchilla's point that the cycle must match the run).
//!
//! The guess is [`GUESS_TOKENS_PER_PARAM`] = 100 tokens per parameter, not Chinchilla's 20: at these budgets runs
//! are short (hundreds to thousands of steps) and still learning fast, so smaller models trained longer win. Measured
//! with `lab sweep isoflop --budget small --max-runs 2` (CPU backend): at C = 1e12, N = 25k on 6.5M tokens (256 per
//! parameter) reached 1.17 nats/char against 1.67 for N = 51k on 3.3M tokens (64 per parameter), so a grid centred
//! on 20 would put the optimum at its smallest size. Centred on 100, the grid spans about 6 to 1600 tokens per
//! parameter, which holds both that optimum and Chinchilla's 20.

use super::grid;
use super::{expand_seeds, short_number, Budget, Config, Defaults, RunLabels, SweepKind, SweepPlan, LR_RULE_TEXT};

/// Tokens per parameter the grid is centred on (see the module doc; Chinchilla's own is ~20, 70B on 1.4T tokens,
/// Hoffmann et al. 2022, Table 1).
pub const GUESS_TOKENS_PER_PARAM: f64 = 100.0;

/// The grid of one budget.
#[derive(Clone, Debug, PartialEq)]
pub struct IsoFlopGrid {
    /// Budgets C = 6·N·D in FLOPs.
    pub budgets: Vec<f64>,
    /// Model sizes per budget.
    pub sizes: usize,
    /// Largest size over smallest at each budget (16: from 1/4× to 4× the guess).
    pub span: f64,
}

impl IsoFlopGrid {
    pub fn for_budget(budget: Budget) -> IsoFlopGrid {
        // 1, 3, 10, 30, 100 × the smallest: half-decades, rounded so budgets read (and serialise) exactly.
        let log_spaced =
            |lo: f64, count: usize| [1.0, 3.0, 10.0, 30.0, 100.0][..count].iter().map(|m| lo * m).collect();
        match budget {
            Budget::Tiny => IsoFlopGrid { budgets: log_spaced(3e10, 3), sizes: 3, span: 4.0 },
            Budget::Small => IsoFlopGrid { budgets: log_spaced(1e12, 3), sizes: 5, span: 16.0 },
            Budget::Medium => IsoFlopGrid { budgets: log_spaced(1e12, 4), sizes: 7, span: 16.0 },
            Budget::Large => IsoFlopGrid { budgets: log_spaced(1e12, 5), sizes: 9, span: 16.0 },
        }
    }
}

/// The guessed compute-optimal N at budget C: √(C / (6·100)).
pub fn guessed_optimum(flops: f64) -> f64 {
    (flops / (6.0 * GUESS_TOKENS_PER_PARAM)).sqrt()
}

/// The models at one budget: sizes spaced evenly in log from guess/√span to guess·√span, nearest available shape,
/// duplicates dropped (so tiny budgets may get fewer).
pub fn models_at(flops: f64, sizes: usize, span: f64) -> Vec<crate::config::ModelConfig> {
    let guess = guessed_optimum(flops);
    let mut models: Vec<crate::config::ModelConfig> = (0..sizes)
        .map(|i| {
            let t = if sizes > 1 { i as f64 / (sizes - 1) as f64 - 0.5 } else { 0.0 };
            grid::model_near(guess * span.powf(t), Defaults::ASPECT)
        })
        .collect();
    models.dedup();
    models
}

/// The IsoFLOP sweep's plan.
pub fn plan(budget: Budget, seeds: usize) -> SweepPlan {
    let grid = IsoFlopGrid::for_budget(budget);
    let mut configs = Vec::new();
    for &c in &grid.budgets {
        for model in models_at(c, grid.sizes, grid.span) {
            let n = model.non_embedding_params() as f64;
            let tokens = (c / (6.0 * n)).round() as u64;
            let id = format!("isoflop-c{}-{}", short_number(c), grid::shape_id(&model));
            configs.push(Config::new(id, model, tokens, RunLabels { budget_flops: Some(c), ..Default::default() }));
        }
    }
    SweepPlan {
        kind: SweepKind::IsoFlop,
        budget,
        seeds,
        data: Defaults::DATA.into(),
        tokenizer: Defaults::TOKENIZER.into(),
        lr_rule: format!("{LR_RULE_TEXT} per model size, cosine decay to lr/10 over each run"),
        notes: vec![
            format!(
                "budgets C = 6·N·D = {} FLOPs; {} sizes per budget over {}× around N = √(C/600) (100 tokens per \
                 parameter: short runs favour small models); D = C/(6N) rounded to whole steps of {}×{} tokens",
                grid.budgets.iter().map(|c| short_number(*c)).collect::<Vec<_>>().join(", "),
                grid.sizes,
                grid.span,
                Defaults::BATCH,
                Defaults::CONTEXT
            ),
            "N is non-embedding (Kaplan); C counts 6N per token and leaves out attention (6·n_layer·n_ctx·d_model per \
             token, 10–20% more at these sizes), as Chinchilla's and Kaplan's budgets do"
                .into(),
        ],
        runs: expand_seeds(&configs, seeds),
    }
}
