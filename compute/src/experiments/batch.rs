//! The batch-size sweep (the seed's question 4): one model, batch sizes 2^k sequences, each run long enough to reach
//! the target losses, evaluated often so the step at which a loss is first reached can be read off the curve. Steps
//! S and tokens E to a loss should trade off as (S/S_min − 1)(E/E_min − 1) = 1, with the critical batch
//! B_crit = E_min/S_min (McCandlish et al. 2018; Kaplan et al. 2020, Sec. 5.1, Eq. 5.4).
//!
//! Learning rate: Adam's square-root rule, lr(B) = lr_rule(N)·√(B/32), capped at 2× the rule (Malladi et al. 2022
//! derive √B scaling for adaptive optimisers); constant after warm-up, since a decay tied to each run's length would
//! move the step at which a loss is reached. Warm-up is 2% of the base token budget, in tokens, so every batch size
//! warms up over the same data, but never fewer than [`MIN_WARMUP`] steps.

use super::grid;
use super::{
    expand_seeds, learning_rate_rule, short_number, Budget, Config, Defaults, RunLabels, Schedule, SweepKind,
    SweepPlan, LR_RULE_TEXT,
};

/// Reference batch (sequences) of the square-root rule: the batch the other sweeps use.
pub const REFERENCE_BATCH: usize = Defaults::BATCH;
/// Fewest warm-up steps, so large batches at their higher rates still start gently.
pub const MIN_WARMUP: u64 = 10;
/// Largest multiple of the rule's rate the square-root rule may reach.
pub const MAX_LR_MULTIPLIER: f64 = 2.0;

/// The grid of one budget.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchGrid {
    /// Target non-embedding size of the one model.
    pub size: f64,
    /// Batch sizes in sequences.
    pub batches: Vec<usize>,
    /// Tokens at batch → 0; a run at batch B trains on base_tokens·(1 + B/64): larger batches need more tokens to
    /// reach the same loss.
    pub base_tokens: u64,
}

impl BatchGrid {
    pub fn for_budget(budget: Budget) -> BatchGrid {
        let pow2 = |lo: u32, hi: u32| (lo..=hi).map(|k| 1usize << k).collect();
        match budget {
            Budget::Tiny => BatchGrid { size: 2e4, batches: pow2(3, 7), base_tokens: 150_000 },
            Budget::Small => BatchGrid { size: 1e5, batches: pow2(2, 8), base_tokens: 3_000_000 },
            Budget::Medium => BatchGrid { size: 1e5, batches: pow2(1, 9), base_tokens: 6_000_000 },
            Budget::Large => BatchGrid { size: 4e5, batches: pow2(1, 10), base_tokens: 6_000_000 },
        }
    }
}

/// Square-root learning-rate multiple for batch `b` sequences.
pub fn lr_multiplier(b: usize) -> f64 {
    (b as f64 / REFERENCE_BATCH as f64).sqrt().min(MAX_LR_MULTIPLIER)
}

/// The batch-size sweep's plan.
pub fn plan(budget: Budget, seeds: usize) -> SweepPlan {
    let grid = BatchGrid::for_budget(budget);
    let model = grid::model_near(grid.size, Defaults::ASPECT);
    let base = learning_rate_rule(model.non_embedding_params() as f64);
    let configs: Vec<Config> = grid
        .batches
        .iter()
        .map(|&b| {
            let tokens = (grid.base_tokens as f64 * (1.0 + b as f64 / 64.0)) as u64;
            let id = format!("batch-{}-b{b}", grid::shape_id(&model));
            let m = lr_multiplier(b);
            let mut c =
                Config::new(id, model.clone(), tokens, RunLabels { lr_multiplier: Some(m), ..Default::default() });
            c.batch = b;
            c.lr = base * m;
            c.schedule = Schedule::Constant;
            c.evals = 40;
            c.eval_tokens = 1 << 14;
            c
        })
        .collect();
    let mut runs = expand_seeds(&configs, seeds);
    let warmup_tokens = grid.base_tokens / 50;
    for r in &mut runs {
        r.warmup = (warmup_tokens / (r.batch * r.context) as u64).max(MIN_WARMUP).min(r.steps / 4 + 1);
    }
    SweepPlan {
        kind: SweepKind::BatchSize,
        budget,
        seeds,
        data: Defaults::DATA.into(),
        tokenizer: Defaults::TOKENIZER.into(),
        lr_rule: format!(
            "{LR_RULE_TEXT} ({base:.2e}) times √(B/{REFERENCE_BATCH}) capped at {MAX_LR_MULTIPLIER}×, constant \
             after a warm-up of {} tokens",
            short_number(warmup_tokens as f64)
        ),
        notes: vec![format!(
            "one model ({}, N = {}), batch {} sequences of {}, tokens {}·(1 + B/64), 40 evaluations per run",
            grid::shape_id(&model),
            short_number(model.non_embedding_params() as f64),
            grid.batches.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", "),
            Defaults::CONTEXT,
            short_number(grid.base_tokens as f64)
        )],
        runs,
    }
}
