//! The learning-rate sweep (the seed's question 5): at three or more sizes, peak learning rates from 1/8× to 8× of
//! [`super::learning_rate_rule`] (64×), evenly spaced in log, every size on the same tokens and schedule. It should
//! show a broad optimum that moves to smaller rates as models grow (Kaplan et al. 2020, Eq. D.1 and Fig. 22).

use super::grid;
use super::{
    expand_seeds, learning_rate_rule, short_number, Budget, Config, Defaults, RunLabels, SweepKind, SweepPlan,
    LR_RULE_TEXT,
};

/// The grid of one budget.
#[derive(Clone, Debug, PartialEq)]
pub struct LrGrid {
    /// Target non-embedding sizes.
    pub sizes: Vec<f64>,
    /// Multiples of the rule's rate.
    pub multipliers: Vec<f64>,
    /// Training tokens of every run.
    pub tokens: u64,
}

impl LrGrid {
    pub fn for_budget(budget: Budget) -> LrGrid {
        // 2^(k/steps_per_octave) from 1/8 to 8: down to about Kaplan's Eq. D.1 (~1/8 of the rule here) and up past
        // the cliff where runs collapse (2–3× the optimum, which sits near 1.3× the rule), which is part of the
        // picture.
        let multipliers = |per_octave: i32| {
            (-3 * per_octave..=3 * per_octave).map(|k| 2f64.powf(k as f64 / per_octave as f64)).collect()
        };
        match budget {
            Budget::Tiny => LrGrid { sizes: vec![5e3, 2e4, 8e4], multipliers: vec![0.25, 1.0, 4.0], tokens: 200_000 },
            Budget::Small => LrGrid { sizes: vec![2.5e4, 1e5, 4e5], multipliers: multipliers(1), tokens: 2_000_000 },
            Budget::Medium => LrGrid { sizes: vec![2.5e4, 1e5, 4e5], multipliers: multipliers(2), tokens: 4_000_000 },
            Budget::Large => {
                LrGrid { sizes: vec![2.5e4, 1e5, 4e5, 1.6e6], multipliers: multipliers(2), tokens: 8_000_000 }
            }
        }
    }
}

/// The learning-rate sweep's plan.
pub fn plan(budget: Budget, seeds: usize) -> SweepPlan {
    let grid = LrGrid::for_budget(budget);
    let mut configs = Vec::new();
    for &target in &grid.sizes {
        let model = grid::model_near(target, Defaults::ASPECT);
        let base = learning_rate_rule(model.non_embedding_params() as f64);
        for &m in &grid.multipliers {
            let id = format!("lr-{}-x{}", grid::shape_id(&model), format!("{m:.3}").replace('.', "p"));
            let labels = RunLabels { lr_multiplier: Some(m), ..Default::default() };
            let mut c = Config::new(id, model.clone(), grid.tokens, labels);
            c.lr = base * m;
            configs.push(c);
        }
    }
    SweepPlan {
        kind: SweepKind::LearningRate,
        budget,
        seeds,
        data: Defaults::DATA.into(),
        tokenizer: Defaults::TOKENIZER.into(),
        lr_rule: format!(
            "{} multiples ({}) of the sweeps' rule ({LR_RULE_TEXT}) per size",
            grid.multipliers.len(),
            grid.multipliers.iter().map(|m| format!("{m:.3}")).collect::<Vec<_>>().join(", ")
        ),
        notes: vec![format!(
            "sizes N ≈ {}, {} tokens each, batch {}×{}, cosine decay to lr/10",
            grid.sizes.iter().map(|n| short_number(*n)).collect::<Vec<_>>().join(", "),
            short_number(grid.tokens as f64),
            Defaults::BATCH,
            Defaults::CONTEXT
        )],
        runs: expand_seeds(&configs, seeds),
    }
}
