//! Sweep analyses recover known answers from synthetic run results made on the real plans:
//! - IsoFLOP: losses from L = E + A/N^α + B/D^β give a = β/(α+β), b = α/(α+β), the optimum's tokens per parameter,
//!   and Approach 3 gives back E (the language's floor), α and β;
//! - shape: a known quadratic penalty in log aspect (and ff ratio, head size) gives back the increases and the best
//!   aspect ratio;
//! - learning rate: a known optimum lr*(N) ∝ N^−0.2 is found per size, and so is its trend, with diverged runs left out;
//! - batch size: curves made from S = S_min(1 + B_crit/B) with B_crit ∝ L^−3 give back B_crit at each target;
//! - a sweep record survives JSON and loads into `lab fit`'s parser.

use compute::experiments::analysis::{analyze_batch, analyze_isoflop, analyze_lr, analyze_shape, AnalysisOptions};
use compute::experiments::shape::ShapeSeries;
use compute::experiments::{grid, plan, Budget, CurvePoint, PlannedRun, RunResult, SweepKind, SweepRecord};
use compute::scaling::parse_observations;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The synthetic language's floor (synthetic:medium, nats per character).
const FLOOR: f64 = 0.517074415655;

/// Standard normal by Box–Muller, from a seeded generator.
fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn options() -> AnalysisOptions {
    AnalysisOptions { bootstrap: 30, floor: Some(FLOOR), ..AnalysisOptions::default() }
}

/// Results of every planned run with loss `f(run)` times log-normal noise of `sigma`.
fn results(runs: &[PlannedRun], sigma: f64, seed: u64, f: impl Fn(&PlannedRun) -> Option<f64>) -> Vec<RunResult> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    runs.iter().map(|r| RunResult::new(r, f(r).map(|l| l * (sigma * gauss(&mut rng)).exp()), Vec::new())).collect()
}

#[test]
fn isoflop_analysis_recovers_the_allocation_exponents_and_the_floor() {
    let p = plan(SweepKind::IsoFlop, Budget::Small, 2);
    // Chinchilla's exponents, with A and B set so the optimum at C = 3e12 is 20 tokens per parameter.
    let (alpha, beta, a_coeff) = (0.34, 0.28, 20.0);
    let (n_star, d_star) = ((3e12f64 / 120.0).sqrt(), 20.0 * (3e12f64 / 120.0).sqrt());
    let b_coeff = alpha * a_coeff * n_star.powf(-alpha) * d_star.powf(beta) / beta;
    let law = |n: f64, d: f64| FLOOR + a_coeff / n.powf(alpha) + b_coeff / d.powf(beta);
    let runs = results(&p.runs, 0.002, 7, |r| Some(law(r.n(), r.tokens as f64)));
    let a = analyze_isoflop(&runs, &options()).unwrap();
    let want_a = beta / (alpha + beta);
    let fit = a.approach2.as_ref().expect("Approach 2 fits three budgets of five sizes");
    assert!((fit.a.value - want_a).abs() < 0.06, "a = {:?}, want {want_a}", fit.a);
    assert!((fit.b.value - (1.0 - want_a)).abs() < 0.06, "b = {:?}", fit.b);
    assert!(fit.a.covers(want_a), "the interval of a {:?} misses {want_a}", fit.a);
    assert_eq!(a.profiles.len(), 3);
    for profile in &a.profiles {
        assert_eq!(profile.points.len(), 5);
        assert!(profile.inside_range, "C = {:e}: optimum outside the grid", profile.flops);
        assert!(profile.points.iter().all(|p| p.loss.count == 2), "two seeds per point");
    }
    let tpp = a.tokens_per_param.unwrap();
    assert!((12.0..=33.0).contains(&tpp), "tokens per parameter at the optimum: {tpp}");
    let a3 = a.approach3.as_ref().expect("Approach 3 fits all runs");
    // E is weakly identified by three IsoFLOP profiles: ask for the floor inside its interval and within 6%.
    assert!(a3.e.covers(FLOOR) && (a3.e.value / FLOOR - 1.0).abs() < 0.06, "E = {:?}, floor {FLOOR}", a3.e);
    assert!((a3.alpha.value - alpha).abs() < 0.12 && (a3.beta.value - beta).abs() < 0.12, "α, β = {:?}", a3.law);
    assert!(a.summary.contains("Chinchilla") && a.summary.contains("0.73"), "{}", a.summary);
    assert!(a.summary.contains("entropy"), "the summary compares E with the floor: {}", a.summary);
}

/// Relative penalty of a shape: quadratic in log aspect (best 20), log ff ratio (best 4) and log head size (best 16).
fn shape_penalty(m: &compute::config::ModelConfig) -> f64 {
    let sq = |x: f64, best: f64| (x / best).ln().powi(2);
    0.01 * sq(grid::aspect(m), 20.0) + 0.02 * sq(grid::ff_ratio(m), 4.0) + 0.004 * sq(m.head_size() as f64, 16.0)
}

#[test]
fn shape_analysis_recovers_known_penalties_and_the_best_aspect() {
    let p = plan(SweepKind::Shape, Budget::Small, 2);
    let base = |r: &PlannedRun| if r.labels.target_n == Some(2e5) { 1.0 } else { 0.95 };
    let truth = |r: &PlannedRun| base(r) * (1.0 + shape_penalty(&r.model));
    let runs = results(&p.runs, 0.0005, 11, |r| Some(truth(r)));
    let a = analyze_shape(&runs, &options()).unwrap();
    let aspect_curves: Vec<_> = a.curves.iter().filter(|c| c.series == ShapeSeries::Aspect).collect();
    assert_eq!(aspect_curves.len(), 2, "one aspect curve per target N");
    assert!(a.curves.iter().any(|c| c.series == ShapeSeries::FeedForward));
    assert!(a.curves.iter().any(|c| c.series == ShapeSeries::HeadSize));
    for c in &a.curves {
        // Expected increases from the known penalty, against the best shape of the curve.
        let members: Vec<&PlannedRun> = p
            .runs
            .iter()
            .filter(|r| r.labels.target_n == Some(c.target_n) && r.labels.series.contains(&c.series))
            .collect();
        let best = members.iter().map(|r| shape_penalty(&r.model)).fold(f64::MAX, f64::min);
        for point in &c.points {
            let r = members
                .iter()
                .find(|r| {
                    r.model.n_layer == point.n_layer
                        && r.model.d_model == point.d_model
                        && r.model.d_ff == point.d_ff
                        && r.model.n_head == point.n_head
                })
                .unwrap();
            let want = 100.0 * ((1.0 + shape_penalty(&r.model)) / (1.0 + best) - 1.0);
            assert!(
                (point.increase_pct.mean - want).abs() < 0.2,
                "{:?} N={} {}: increase {:.3}% want {want:.3}%",
                c.series,
                c.target_n,
                grid::shape_id(&r.model),
                point.increase_pct.mean
            );
            assert_eq!(point.increase_pct.count, 2);
            assert!(point.increase_pct.std < 0.3, "seed error bars: {:?}", point.increase_pct);
            let reducible = point.reducible_increase_pct.expect("the floor is known");
            assert!(reducible.mean >= point.increase_pct.mean - 0.2, "the reducible loss changes more");
        }
        assert!(c.points[c.best].increase_pct.mean.abs() < 0.1, "the best shape's increase is ~0");
    }
    for c in aspect_curves {
        let x = c.fitted_best_x.expect("a parabola through the aspect curve");
        assert!((x / 20.0).ln().abs() < 0.25, "N={}: fitted best aspect {x}, want 20", c.target_n);
    }
    assert!(a.summary.contains("Kaplan"), "{}", a.summary);
}

#[test]
fn lr_analysis_finds_each_sizes_optimum_and_the_trend() {
    let p = plan(SweepKind::LearningRate, Budget::Small, 2);
    let lr_star = |n: f64| 0.01 * (n / 1e4).powf(-0.2);
    let largest = p.runs.iter().map(|r| r.n()).fold(0.0, f64::max);
    let runs = results(&p.runs, 0.0005, 5, |r| {
        let m = r.labels.lr_multiplier.unwrap();
        // The largest model diverges at the highest rate.
        if r.n() == largest && m > 7.0 {
            return None;
        }
        Some(0.6 + 1e3 / r.n().powf(0.5) + 0.05 * (r.lr / lr_star(r.n())).ln().powi(2))
    });
    let a = analyze_lr(&runs, &options()).unwrap();
    assert_eq!(a.curves.len(), 3);
    assert_eq!(a.failed, 2, "two seeds diverged");
    for c in &a.curves {
        let want = lr_star(c.n);
        assert!(!c.at_edge, "N={}: optimum inside the sampled rates", c.n);
        assert!((c.best_lr / want).ln().abs() < 0.1, "N={}: best lr {} want {want}", c.n, c.best_lr);
        assert!(c.broad_range.0 <= c.best_lr * 1.5 && c.broad_range.1 >= c.best_lr / 1.5, "{:?}", c.broad_range);
    }
    let top = a.curves.last().unwrap();
    assert_eq!(top.points.last().unwrap().diverged, 2);
    assert!(top.points.last().unwrap().loss.is_none());
    let slope = a.slope.unwrap();
    assert!((slope + 0.2).abs() < 0.05, "trend N^{slope}, want N^-0.2");
    assert!(a.kaplan_slope.unwrap() < 0.0 && a.kaplan_slope.unwrap() > -0.2);
    assert!(a.summary.contains("Larger models prefer smaller rates"), "{}", a.summary);
}

/// A best rate that moves by only a few percent across a 16× span of N is not called a trend.
#[test]
fn lr_analysis_does_not_call_a_flat_optimum_a_trend() {
    let p = plan(SweepKind::LearningRate, Budget::Small, 1);
    let lr_star = |n: f64| 0.01 * (n / 1e4).powf(-0.02);
    let runs =
        results(&p.runs, 0.0, 5, |r| Some(0.6 + 1e3 / r.n().powf(0.5) + 0.05 * (r.lr / lr_star(r.n())).ln().powi(2)));
    let a = analyze_lr(&runs, &options()).unwrap();
    assert!(a.slope.unwrap().abs() < 0.05, "slope {:?}", a.slope);
    assert!(a.summary.contains("hardly moved with size"), "{}", a.summary);
    assert!(!a.summary.contains("Larger models prefer smaller rates"), "{}", a.summary);
}

/// Loss after the fewest possible steps u: 0.6 + 2·(1 + u/50)^−0.7, and its inverse.
fn loss_at_min_steps(u: f64) -> f64 {
    0.6 + 2.0 * (1.0 + u / 50.0).powf(-0.7)
}
fn min_steps_to(loss: f64) -> f64 {
    50.0 * (((loss - 0.6) / 2.0).powf(-1.0 / 0.7) - 1.0)
}
/// Kaplan-like critical batch: grows as the loss falls, B_crit = 4096·L^−3 tokens.
fn b_crit(loss: f64) -> f64 {
    4096.0 * loss.powf(-3.0)
}

#[test]
fn batch_analysis_recovers_the_critical_batch_at_each_target() {
    let p = plan(SweepKind::BatchSize, Budget::Small, 2);
    let runs: Vec<RunResult> = p
        .runs
        .iter()
        .map(|r| {
            let bt = (r.batch * r.context) as f64;
            // Steps to reach L at this batch: S_min(L)·(1 + B_crit(L)/B), decreasing in L; invert by bisection.
            let steps_to = |l: f64| min_steps_to(l) * (1.0 + b_crit(l) / bt);
            let loss_at = |s: f64| {
                let (mut lo, mut hi) = (0.6 + 1e-9, loss_at_min_steps(0.0));
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if steps_to(mid) > s {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                0.5 * (lo + hi)
            };
            let curve: Vec<CurvePoint> = (1..=r.steps)
                .filter(|s| s % r.eval_every == 0 || *s == r.steps)
                .map(|s| CurvePoint { step: s, tokens: s * bt as u64, val_loss: loss_at(s as f64) })
                .collect();
            let last = curve.last().unwrap().val_loss;
            RunResult::new(r, Some(last), curve)
        })
        .collect();
    let a = analyze_batch(&runs, &options()).unwrap();
    assert_eq!(a.targets.len(), 3);
    for t in &a.targets {
        assert!(t.points.iter().all(|p| p.reached == 2), "loss {}: every batch reaches the default targets", t.loss);
        let got = t.b_crit_tokens.unwrap_or_else(|| panic!("loss {}: {:?}", t.loss, t.note)).value;
        let want = b_crit(t.loss);
        assert!((got / want).ln().abs() < 0.15, "loss {:.3}: B_crit {got:.0} tokens, want {want:.0}", t.loss);
        let s_min = t.s_min.unwrap().value;
        assert!((s_min / min_steps_to(t.loss)).ln().abs() < 0.15, "S_min {s_min} want {}", min_steps_to(t.loss));
        let e_min = t.e_min.unwrap().value;
        assert!((e_min / (s_min * got) - 1.0).abs() < 1e-9, "E_min = S_min·B_crit");
        // Steps fall and tokens grow with the batch.
        assert!(t.points.windows(2).all(|w| w[1].steps.unwrap().mean < w[0].steps.unwrap().mean));
        assert!(t.points.windows(2).all(|w| w[1].tokens.unwrap().mean > w[0].tokens.unwrap().mean));
    }
    let slope = a.b_crit_slope.unwrap();
    assert!((slope + 3.0).abs() < 0.8, "B_crit ∝ L^{slope}, want L^-3");
    assert!(a.summary.contains("B_crit"), "{}", a.summary);
}

#[test]
fn steps_to_a_target_interpolates_between_evaluations() {
    let p = plan(SweepKind::BatchSize, Budget::Tiny, 1);
    let curve = vec![
        CurvePoint { step: 10, tokens: 0, val_loss: 3.0 },
        CurvePoint { step: 20, tokens: 0, val_loss: 2.0 },
        CurvePoint { step: 30, tokens: 0, val_loss: 1.5 },
    ];
    let r = RunResult::new(&p.runs[0], Some(1.5), curve);
    assert_eq!(r.steps_to(3.5), Some(10.0));
    assert_eq!(r.steps_to(2.5), Some(15.0));
    assert_eq!(r.steps_to(1.75), Some(25.0));
    assert_eq!(r.steps_to(1.0), None);
}

#[test]
fn a_sweep_record_round_trips_and_loads_into_lab_fit() {
    let p = plan(SweepKind::IsoFlop, Budget::Tiny, 1);
    let law = |n: f64, d: f64| FLOOR + 20.0 / n.powf(0.34) + 30.0 / d.powf(0.28);
    let mut runs = results(&p.runs, 0.001, 3, |r| Some(law(r.n(), r.tokens as f64)));
    runs[0].loss = None; // a diverged run
    let record = SweepRecord::new(p.clone(), runs, "2026-01-01T00:00:00Z".into(), "cpu".into(), "test".into());
    assert!(record.analysis.is_some(), "{:?}", record.analysis_error);
    let json = record.to_json();
    let back = SweepRecord::from_json(&json).unwrap();
    assert_eq!(back.runs.len(), record.runs.len());
    for (b, r) in back.runs.iter().zip(&record.runs) {
        assert_eq!((&b.id, b.n, b.d, &b.planned.model), (&r.id, r.n, r.d, &r.planned.model));
        // serde_json may move a float by one ulp.
        assert!(
            b.loss.zip(r.loss).is_none_or(|(x, y)| (x / y - 1.0).abs() < 1e-15) && b.loss.is_some() == r.loss.is_some()
        );
    }
    assert_eq!(back.plan.runs.len(), record.plan.runs.len());
    // Reanalysed on reading: the same profiles (bootstrap intervals may move with the last bit of a loss).
    let (got, want) = (back.analysis.unwrap(), record.analysis.as_ref().unwrap().summary().to_string());
    assert_eq!(got.summary().split(" Approach 3").next(), want.split(" Approach 3").next());
    let points = parse_observations(&json).unwrap();
    assert_eq!(points.len(), p.runs.len() - 1, "lab fit reads every run with a loss and skips the diverged one");
    assert_eq!(points[0].n, record.runs[1].n);
    assert_eq!(points[0].d, record.runs[1].d);
}
