//! Sweep definitions: shape grids keep N within a few percent of the target over a ≥ 40× range of aspect ratios;
//! IsoFLOP grids keep 6·N·D within a few percent of each budget; every planned run is a valid model and training
//! configuration with a unique id; budgets grow in estimated FLOPs; plans survive JSON.

use compute::experiments::shape::ShapeSeries;
use compute::experiments::{grid, plan, Budget, PlannedRun, SweepKind, SweepPlan};

fn first_seed(p: &SweepPlan) -> Vec<&PlannedRun> {
    p.runs.iter().filter(|r| r.seed == p.runs[0].seed).collect()
}

#[test]
fn shape_grids_hold_n_within_a_few_percent_over_a_wide_range_of_aspects() {
    for budget in [Budget::Small, Budget::Medium, Budget::Large] {
        let p = plan(SweepKind::Shape, budget, 0);
        let runs = first_seed(&p);
        let mut targets: Vec<f64> = runs.iter().filter_map(|r| r.labels.target_n).collect();
        targets.dedup();
        assert!(targets.len() >= 2, "{budget}: {} target sizes", targets.len());
        for r in &runs {
            let t = r.labels.target_n.expect("every shape run names its target N");
            assert!((r.n() / t - 1.0).abs() <= 0.04, "{budget} {}: N = {} for target {t}", r.id, r.n());
            assert_eq!(r.tokens, runs[0].tokens, "{}: same tokens for every shape", r.id);
            assert_eq!(r.batch, runs[0].batch, "{}: same batch for every shape", r.id);
        }
        for t in &targets {
            let aspects: Vec<f64> = runs
                .iter()
                .filter(|r| r.labels.target_n == Some(*t) && r.labels.series.contains(&ShapeSeries::Aspect))
                .map(|r| grid::aspect(&r.model))
                .collect();
            let (lo, hi) = aspects.iter().fold((f64::MAX, 0f64), |(l, h), a| (l.min(*a), h.max(*a)));
            assert!(aspects.len() >= 4, "{budget} N={t}: {} aspect ratios", aspects.len());
            assert!(hi / lo >= 40.0, "{budget} N={t}: aspect ratios {lo}–{hi} span only {:.0}×", hi / lo);
            // Same learning rate for every shape at one N: shapes differ in nothing else.
            let lrs: Vec<f64> = runs.iter().filter(|r| r.labels.target_n == Some(*t)).map(|r| r.lr).collect();
            assert!(lrs.iter().all(|lr| *lr == lrs[0]), "{budget} N={t}: learning rates {lrs:?}");
        }
        let ff: Vec<f64> = runs
            .iter()
            .filter(|r| r.labels.series.contains(&ShapeSeries::FeedForward))
            .map(|r| grid::ff_ratio(&r.model))
            .collect();
        assert!(
            ff.len() >= 5
                && ff.iter().cloned().fold(0.0, f64::max) / ff.iter().cloned().fold(f64::MAX, f64::min) >= 16.0,
            "{budget}: ff ratios {ff:?}"
        );
        let heads: Vec<usize> = runs
            .iter()
            .filter(|r| r.labels.series.contains(&ShapeSeries::HeadSize))
            .map(|r| r.model.head_size())
            .collect();
        assert!(heads.len() >= 4, "{budget}: head sizes {heads:?}");
        let head_models: Vec<_> = runs
            .iter()
            .filter(|r| r.labels.series.contains(&ShapeSeries::HeadSize))
            .map(|r| (r.model.n_layer, r.model.d_model, r.model.d_ff))
            .collect();
        assert!(head_models.iter().all(|m| *m == head_models[0]), "head sizes vary at one shape: {head_models:?}");
    }
}

#[test]
fn isoflop_grids_hold_six_n_d_within_a_few_percent_of_each_budget() {
    for budget in Budget::ALL {
        let p = plan(SweepKind::IsoFlop, budget, 0);
        let runs = first_seed(&p);
        let mut budgets: Vec<f64> = runs.iter().filter_map(|r| r.labels.budget_flops).collect();
        budgets.dedup();
        assert!(budgets.len() >= 3, "{budget}: {} budgets", budgets.len());
        for r in &runs {
            let c = r.labels.budget_flops.unwrap();
            assert!(
                (r.compute_6nd() / c - 1.0).abs() <= 0.02,
                "{budget} {}: 6ND = {:e} for C = {c:e}",
                r.id,
                r.compute_6nd()
            );
        }
        for c in &budgets {
            let sizes: Vec<f64> = runs.iter().filter(|r| r.labels.budget_flops == Some(*c)).map(|r| r.n()).collect();
            let want = if budget == Budget::Tiny { 3 } else { 5 };
            assert!(sizes.len() >= want, "{budget} C={c:e}: {} sizes", sizes.len());
            assert!(sizes.windows(2).all(|w| w[1] > w[0]), "{budget} C={c:e}: sizes not increasing {sizes:?}");
            let span = sizes[sizes.len() - 1] / sizes[0];
            assert!(budget == Budget::Tiny || span >= 10.0, "{budget} C={c:e}: sizes span {span:.1}×");
        }
    }
}

#[test]
fn lr_grids_span_thirty_fold_around_the_rule_at_three_sizes_and_batch_grids_double() {
    for budget in [Budget::Small, Budget::Medium, Budget::Large] {
        let p = plan(SweepKind::LearningRate, budget, 0);
        let runs = first_seed(&p);
        let mut models: Vec<_> = runs.iter().map(|r| r.model.clone()).collect();
        models.dedup();
        assert!(models.len() >= 3, "{budget}: {} sizes", models.len());
        for m in &models {
            let mult: Vec<f64> = runs.iter().filter(|r| r.model == *m).filter_map(|r| r.labels.lr_multiplier).collect();
            let span = mult.iter().cloned().fold(0.0, f64::max) / mult.iter().cloned().fold(f64::MAX, f64::min);
            assert!(span >= 30.0 && mult.iter().any(|x| (*x - 1.0).abs() < 1e-12), "{budget}: multipliers {mult:?}");
        }
        let b = plan(SweepKind::BatchSize, budget, 0);
        let batches: Vec<usize> = first_seed(&b).iter().map(|r| r.batch).collect();
        assert!(batches.len() >= 6 && batches.windows(2).all(|w| w[1] == 2 * w[0]), "{budget}: batches {batches:?}");
        assert!(first_seed(&b).iter().all(|r| r.model == b.runs[0].model), "one model for every batch size");
    }
}

#[test]
fn every_run_is_valid_unique_and_budgets_grow() {
    for kind in SweepKind::ALL {
        let mut last = 0.0;
        for budget in Budget::ALL {
            let p = plan(kind, budget, 0);
            assert_eq!(p.seeds, budget.default_seeds());
            assert_eq!(p.runs.len() % p.seeds, 0);
            let mut ids: Vec<&str> = p.runs.iter().map(|r| r.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), p.runs.len(), "{kind} {budget}: duplicate run ids");
            for r in &p.runs {
                r.model.validate().unwrap_or_else(|e| panic!("{}: {e}", r.id));
                r.train_config().validate(&r.model).unwrap_or_else(|e| panic!("{}: {e}", r.id));
                assert_eq!(r.train_config().total_steps(&r.model) as u64, r.steps, "{}", r.id);
                assert_eq!(r.model.vocab_size, 28);
                // The rule peaks at ~0.029 (held below N = 1e3) and the batch sweep doubles it at large batches; the
                // lr sweep goes past the optimum on purpose (up to 8x the rule, where runs collapse).
                let max_lr = if kind == SweepKind::LearningRate { 0.25 } else { 6e-2 };
                assert!(r.lr > 1e-4 && r.lr < max_lr, "{}: lr {}", r.id, r.lr);
            }
            let flops = p.estimated_flops();
            assert!(flops > last, "{kind}: {budget} ({flops:e}) is not larger than the budget before ({last:e})");
            last = flops;
            if budget == Budget::Tiny {
                assert!(flops < 3e12, "{kind} tiny: {flops:e} FLOPs is no smoke test");
            }
            if budget == Budget::Small {
                // ~15 minutes at 0.25 TFLOP/s.
                assert!((2e13..=3e14).contains(&flops), "{kind} small: {flops:e} FLOPs");
            }
            // JSON keeps everything (learning rates to the last bit or one ulp of it).
            let back: SweepPlan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
            assert_eq!(back.runs.len(), p.runs.len());
            for (b, r) in back.runs.iter().zip(&p.runs) {
                assert!((b.lr / r.lr - 1.0).abs() < 1e-15, "{}: lr {} after JSON, {} before", r.id, b.lr, r.lr);
                assert_eq!(PlannedRun { lr: r.lr, ..b.clone() }, *r);
            }
        }
    }
}
