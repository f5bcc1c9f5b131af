//! Fits recover known laws: Approach 3 (grid starts, bootstrap coverage), Approach 2 (IsoFLOP exponents), single power
//! laws; and data files are parsed with errors that name the line.

use compute::scaling::chinchilla::{ParametricLoss, EPOCH, HUBER_DELTA};
use compute::scaling::fit_approach3::huber_objective;
use compute::scaling::{
    fit_approach2, fit_approach3, fit_power_law, parse_observations, Approach2Options, Approach3Options, Observation,
    ScalingError, Starts,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Standard normal by Box–Muller, from a seeded generator.
fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A grid of sizes × token counts with log-normal noise of `sigma` on the loss.
fn grid_points(law: &ParametricLoss, sigma: f64, seed: u64) -> Vec<Observation> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = Vec::new();
    for i in 0..7 {
        for j in 0..7 {
            let n = 1e7 * 10f64.powf(i as f64 / 2.0);
            let d = 1e9 * 10f64.powf(j as f64 / 2.0);
            let loss = law.loss(n, d) * (sigma * gauss(&mut rng)).exp();
            points.push(Observation::new(n, d, loss, None).unwrap());
        }
    }
    points
}

/// IsoFLOP profiles: `budgets` budgets from 6e18 to 3e21, 7 sizes ×/÷ 8 around the true optimum at each.
fn isoflop_points(law: &ParametricLoss, sigma: f64, seed: u64) -> Vec<Observation> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = Vec::new();
    for k in 0..9 {
        let c = 6e18 * (3e21f64 / 6e18).powf(k as f64 / 8.0);
        let (n_opt, _) = law.optimal(c).unwrap();
        for j in -3..=3 {
            let n = n_opt * 8f64.powf(j as f64 / 3.0);
            let d = c / (6.0 * n);
            let loss = law.loss(n, d) * (sigma * gauss(&mut rng)).exp();
            points.push(Observation::new(n, d, loss, None).unwrap());
        }
    }
    points
}

const TRUTH: ParametricLoss = ParametricLoss { e: 1.69, a: 406.4, b: 410.7, alpha: 0.34, beta: 0.28 };

#[test]
fn approach3_recovers_a_known_law_without_noise() {
    let points = grid_points(&TRUTH, 0.0, 1);
    let fit = fit_approach3(&points, &Approach3Options { bootstrap: 0, ..Default::default() }).unwrap();
    let law = fit.law;
    assert!((law.alpha - 0.34).abs() < 1e-3 && (law.beta - 0.28).abs() < 1e-3, "{law:?}");
    assert!((law.e - 1.69).abs() < 1e-3 && (law.a / 406.4 - 1.0).abs() < 0.01 && (law.b / 410.7 - 1.0).abs() < 0.01);
    assert!(fit.goodness.r2_log > 0.999999 && fit.goodness.rmse_log < 1e-5);
    assert!(fit.e.lo.is_none(), "no bootstrap, no interval");
}

#[test]
fn approach3_with_noise_recovers_the_law_and_its_intervals_cover_the_truth() {
    let points = grid_points(&TRUTH, 0.01, 7);
    let fit = fit_approach3(&points, &Approach3Options { bootstrap: 100, ..Default::default() }).unwrap();
    assert!(fit.bootstrap >= 95, "replicates {}", fit.bootstrap);
    let (a, _) = TRUTH.exponents();
    for (name, est, truth) in [
        ("E", fit.e, TRUTH.e),
        ("A", fit.a_coeff, TRUTH.a),
        ("B", fit.b_coeff, TRUTH.b),
        ("alpha", fit.alpha, TRUTH.alpha),
        ("beta", fit.beta, TRUTH.beta),
        ("a", fit.a, a),
    ] {
        assert!(est.covers(truth), "{name}: {est:?} does not cover {truth}");
        assert!(est.lo.unwrap() <= est.value && est.value <= est.hi.unwrap(), "{name}: {est:?}");
    }
    assert!((fit.alpha.value - 0.34).abs() < 0.05 && (fit.beta.value - 0.28).abs() < 0.05);
    assert!(fit.goodness.r2_log > 0.99, "{:?}", fit.goodness);
    // Same seed, same intervals.
    let again = fit_approach3(&points, &Approach3Options { bootstrap: 100, ..Default::default() }).unwrap();
    assert_eq!(fit, again);
}

#[test]
fn a_start_far_from_the_optimum_does_not_win() {
    let points = grid_points(&TRUTH, 0.005, 3);
    // ln A = 25, ln B = 0, ln E = 1, α = 2, β = 0: the grid corner furthest from the truth, tried first.
    static FAR: [[f64; 5]; 1] = [[25.0, 0.0, 1.0, 2.0, 0.0]];
    static FAR_THEN_NEAR: [[f64; 5]; 2] = [[25.0, 0.0, 1.0, 2.0, 0.0], [5.0, 5.0, 0.5, 0.5, 0.5]];
    static NEAR_THEN_FAR: [[f64; 5]; 2] = [[5.0, 5.0, 0.5, 0.5, 0.5], [25.0, 0.0, 1.0, 2.0, 0.0]];
    let opts = |starts| Approach3Options { starts, bootstrap: 0, ..Default::default() };
    // With a short budget of iterations per start (as when many starts share the work), the far start ends in a poor
    // fit, or is refused as no power law at all...
    let short = |starts| Approach3Options { max_iters: 20, ..opts(starts) };
    let far = fit_approach3(&points, &short(Starts::Explicit(&FAR)));
    let near = fit_approach3(&points, &short(Starts::Explicit(&FAR_THEN_NEAR))).unwrap();
    if let Ok(far) = &far {
        assert!(
            far.goodness.objective > 2.0 * near.goodness.objective,
            "far {:?} near {:?}",
            far.goodness,
            near.goodness
        );
    }
    // ...and next to a reasonable start it loses, whichever order they run in: the best final objective wins.
    assert_eq!(near.winning_start, FAR_THEN_NEAR[1]);
    let reversed = fit_approach3(&points, &short(Starts::Explicit(&NEAR_THEN_FAR))).unwrap();
    assert_eq!(reversed.winning_start, NEAR_THEN_FAR[0]);
    assert_eq!(reversed.law, near.law);
    // The shortcut (L-BFGS from the best 64 grid nodes) finds the same optimum as all 4500 starts.
    let best_of = fit_approach3(&points, &opts(Starts::BestOfGrid(64))).unwrap();
    let full = fit_approach3(&points, &Approach3Options { max_iters: 60, ..opts(Starts::FullGrid) }).unwrap();
    assert_eq!(full.starts_run, 4500);
    assert!(best_of.goodness.objective <= full.goodness.objective * (1.0 + 1e-6) + 1e-12, "{best_of:?} vs {full:?}");
    assert!((best_of.law.alpha - full.law.alpha).abs() < 1e-3 && (best_of.law.beta - full.law.beta).abs() < 1e-3);
    // Nothing beats the winner at the truth either: the objective there is no lower.
    assert!(best_of.goodness.objective <= huber_objective(&points, &TRUTH, HUBER_DELTA) + 1e-12);
}

#[test]
fn approach2_recovers_known_exponents_from_isoflop_profiles() {
    let truth = EPOCH.law;
    let (a_true, b_true) = truth.exponents();
    let points = isoflop_points(&truth, 0.003, 11);
    let fit = fit_approach2(&points, &Approach2Options { bootstrap: 300, ..Default::default() }).unwrap();
    assert_eq!(fit.groups.len(), 9, "{:?}", fit.skipped);
    assert!((fit.a.value - a_true).abs() < 0.02, "a = {:?}, truth {a_true}", fit.a);
    assert!((fit.b.value - b_true).abs() < 0.02);
    assert!((fit.a.value + fit.b.value - 1.0).abs() < 1e-9, "D_opt = C/(6 N_opt) makes a + b = 1");
    assert!(fit.a.covers(a_true) && fit.b.covers(b_true), "{:?} {:?}", fit.a, fit.b);
    assert!(fit.groups.iter().all(|g| g.inside_range));
    // The fitted optimum at the middle budget is close to the true one.
    let mid = &fit.groups[4];
    let (n_true, _) = truth.optimal(mid.flops).unwrap();
    assert!((mid.n_opt / n_true - 1.0).abs() < 0.15, "{:e} vs {n_true:e}", mid.n_opt);
}

#[test]
fn approach2_refuses_points_without_isoflop_groups() {
    // Sizes and token counts drawn at random: no two points share a budget (a regular N × D grid would, by diagonals).
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let points: Vec<Observation> = (0..40)
        .map(|_| {
            let (n, d) = (10f64.powf(rng.random_range(6.0..10.0)), 10f64.powf(rng.random_range(8.0..12.0)));
            Observation::new(n, d, TRUTH.loss(n, d), None).unwrap()
        })
        .collect();
    let err = fit_approach2(&points, &Approach2Options::default()).unwrap_err();
    assert!(matches!(err, ScalingError::NotEnoughData(_)), "{err}");
    assert!(err.to_string().contains("IsoFLOP"), "{err}");
}

#[test]
fn power_laws_recover_kaplan_exponents_and_a_floor() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n: Vec<f64> = (0..12).map(|i| 1e5 * 10f64.powf(i as f64 / 2.0)).collect();
    let loss: Vec<f64> = n.iter().map(|&x| (8.8e13 / x).powf(0.076) * (0.002 * gauss(&mut rng)).exp()).collect();
    let fit = fit_power_law(&n, &loss, false, "N").unwrap();
    assert!((fit.alpha - 0.076).abs() < 0.003, "{fit:?}");
    assert!((fit.x_c.log10() - 8.8e13f64.log10()).abs() < 0.5);

    let loss: Vec<f64> = n.iter().map(|&x| 1.5 + (1e7 / x).powf(0.3)).collect();
    let fit = fit_power_law(&n, &loss, true, "N").unwrap();
    assert!((fit.floor.unwrap() - 1.5).abs() < 0.01 && (fit.alpha - 0.3).abs() < 0.01, "{fit:?}");
    assert!((fit.predict(1e8) - (1.5 + 0.1f64.powf(0.3))).abs() < 1e-3);
    // Without the floor the same data fit worse.
    let plain = fit_power_law(&n, &loss, false, "N").unwrap();
    assert!(plain.goodness.rmse_log > 10.0 * fit.goodness.rmse_log);
    // Loss that rises with N is no power law.
    let rising: Vec<f64> = n.iter().map(|&x| x.powf(0.1)).collect();
    assert!(matches!(fit_power_law(&n, &rising, false, "N"), Err(ScalingError::FitFailed(_))));
}

#[test]
fn the_fixture_recovers_its_generating_law() {
    // compute/tests/fixtures/scaling_isoflop.csv: Epoch's law, 0.5% noise, 9 IsoFLOP budgets (see its generator).
    let points = parse_observations(include_str!("fixtures/scaling_isoflop.csv")).unwrap();
    assert_eq!(points.len(), 63);
    let a2 = fit_approach2(&points, &Approach2Options::default()).unwrap();
    assert!((a2.a.value - 0.5126).abs() < 0.03 && a2.a.covers(0.5126), "{:?}", a2.a);
    let a3 = fit_approach3(&points, &Approach3Options { bootstrap: 50, ..Default::default() }).unwrap();
    assert!(a3.a.covers(0.5126) && a3.alpha.covers(0.3478) && a3.beta.covers(0.3658), "{a3:?}");
}

#[test]
fn csv_errors_name_the_line() {
    let err = |text: &str| parse_observations(text).unwrap_err().to_string();
    assert!(err("1e6,1e9,3.0\n").contains("line 1: the first row must be a header"));
    assert!(err("N,tokens\n1,2\n").contains("line 1: the header has no loss column"));
    assert!(err("N,D,loss\n1e6,1e9,3.0\n1e6,abc,3.0\n").starts_with("line 3: column d is not a number"));
    assert!(err("# comment\nN,D,loss\n\n1e6,1e9\n").starts_with("line 4: expected 3 fields"));
    assert!(err("N,D,loss\n1e6,1e9,-3\n").starts_with("line 2: loss"));
    assert!(err("N,D,loss\n1e6,1e9,NaN\n").contains("not a number"));
    assert!(err("N,D,loss\n").contains("no data points"));
    let points = parse_observations("params, tokens, loss, C, run\n1e6, 1e9, 3.5, 6.1e15, a\n").unwrap();
    assert_eq!(points[0], Observation { n: 1e6, d: 1e9, loss: 3.5, flops: Some(6.1e15) });
}

#[test]
fn json_records_are_read_and_bad_ones_named() {
    let points =
        parse_observations(r#"[{"n": 1e6, "d": 1e9, "loss": 3.5}, {"params": 2e6, "tokens": 1e9, "loss": 3.2}]"#)
            .unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!(points[1].n, 2e6);
    let wrapped = parse_observations(r#"{"points": [{"N": 1e6, "D": 1e9, "loss": 3.5, "flops": 6e15}]}"#).unwrap();
    assert_eq!(wrapped[0].flops, Some(6e15));
    let err = parse_observations(r#"[{"n": 1e6, "d": 1e9, "loss": 3.5}, {"n": 1e6, "loss": 3}]"#).unwrap_err();
    assert_eq!(err.to_string(), "record 2: missing field d (or tokens)");
    let err = parse_observations(r#"[{"n": "big", "d": 1e9, "loss": 3.5}]"#).unwrap_err();
    assert!(err.to_string().starts_with("record 1: field n must be a number"), "{err}");
    assert!(parse_observations("[1, 2").unwrap_err().to_string().contains("invalid JSON"));
}
