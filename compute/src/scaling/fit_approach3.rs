//! Approach 3 of Hoffmann et al. 2022: fit L(N,D) = E + A/N^α + B/D^β by a Huber loss on log loss, L-BFGS from a grid.
//!
//! Parameters are fitted as θ = (a, b, e, α, β) with A = eᵃ, B = eᵇ, E = eᵉ, so log L̂ = LSE(a − α ln N, b − β ln D, e)
//! and the objective Σ Huber_δ(log L̂ − log L) with δ = 1e-3 has an analytic gradient (Hoffmann et al. 2022, Sec. 3.3).
//!
//! Starts: the paper runs L-BFGS from every point of its 5·5·5·6·6 = 4500 grid and keeps the best result. Doing that costs
//! 4500 optimisations, so by default ([`Starts::BestOfGrid`]) the objective is evaluated on the whole grid (one pass over the
//! points per grid node, cheap) and L-BFGS runs from the best `k` nodes; the best *final* objective wins, as in the paper,
//! so a start far from the optimum cannot win just by being tried first or converging somewhere poor. [`Starts::FullGrid`]
//! runs all 4500 and is what the tests compare the shortcut against.
//!
//! Intervals: a seeded bootstrap over points (ChaCha8). Each replicate restarts L-BFGS from the full-data optimum and from
//! the three best grid nodes of the full data, not from the whole grid: the replicate's optimum lies near the full-data one.

use super::chinchilla::{ParametricLoss, GRID_ALPHA_BETA, GRID_A_B, GRID_E, HUBER_DELTA};
use super::observations::Observation;
use super::optimize::{lbfgs, Objective};
use super::stats::{Estimate, Goodness};
use super::ScalingError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Citation of the method.
pub const SOURCE: &str = "Hoffmann et al. 2022, Approach 3 (Sec. 3.3): Huber δ=1e-3 on log loss, L-BFGS from a grid";

/// Which grid nodes L-BFGS starts from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Starts {
    /// Every node of the paper's grid (4500 runs).
    FullGrid,
    /// The `k` nodes with the lowest objective.
    BestOfGrid(usize),
    /// Exactly these starts, in (ln A, ln B, ln E, α, β): for tests and for callers with a good guess.
    Explicit(&'static [[f64; 5]]),
}

/// Settings of an Approach 3 fit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Approach3Options {
    /// Grid starts.
    pub starts: Starts,
    /// L-BFGS iterations per start.
    pub max_iters: u64,
    /// Bootstrap replicates (0: no intervals).
    pub bootstrap: usize,
    /// Interval level, e.g. 0.95.
    pub level: f64,
    /// Seed of the bootstrap's ChaCha8 generator.
    pub seed: u64,
    /// Huber δ (the paper's 1e-3).
    pub delta: f64,
}

impl Default for Approach3Options {
    fn default() -> Self {
        Approach3Options {
            starts: Starts::BestOfGrid(64),
            max_iters: 400,
            bootstrap: 200,
            level: 0.95,
            seed: 2022,
            delta: HUBER_DELTA,
        }
    }
}

/// The result of an Approach 3 fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Approach3Fit {
    /// Irreducible loss E.
    #[serde(rename = "E")]
    pub e: Estimate,
    /// Coefficient A.
    #[serde(rename = "A")]
    pub a_coeff: Estimate,
    /// Coefficient B.
    #[serde(rename = "B")]
    pub b_coeff: Estimate,
    /// Exponent α.
    pub alpha: Estimate,
    /// Exponent β.
    pub beta: Estimate,
    /// Allocation exponent a = β/(α+β) of N_opt ∝ C^a.
    pub a: Estimate,
    /// Allocation exponent b = α/(α+β) of D_opt ∝ C^b.
    pub b: Estimate,
    /// The point estimate as a law (for predictions and the compute-optimal split).
    pub law: ParametricLoss,
    /// Goodness of fit on log loss; `objective` is the Huber sum.
    pub goodness: Goodness,
    /// L-BFGS runs on the full data.
    pub starts_run: usize,
    /// The start (ln A, ln B, ln E, α, β) whose run won.
    pub winning_start: [f64; 5],
    /// Bootstrap replicates that produced a fit.
    pub bootstrap: usize,
    /// Interval level.
    pub level: f64,
    /// Bootstrap seed.
    pub seed: u64,
    /// Citation of the method.
    pub source: &'static str,
    /// How a large point set was subsampled (see [`MAX_POINTS_EXACT`]), when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsampled: Option<String>,
}

/// Above this many points, the grid search and every bootstrap replicate run on a seeded sample of this many points
/// (the final L-BFGS runs on all of them), so 1e5 points fit in seconds; the fit's `subsampled` says so.
pub const MAX_POINTS_EXACT: usize = 2000;

/// Σ Huber_δ(LSE(a − α ln N, b − β ln D, e) − ln L) over the points, with its gradient.
struct HuberObjective {
    ln_n: Vec<f64>,
    ln_d: Vec<f64>,
    ln_l: Vec<f64>,
    delta: f64,
}

impl HuberObjective {
    fn new(points: &[Observation], delta: f64) -> HuberObjective {
        HuberObjective {
            ln_n: points.iter().map(|p| p.n.ln()).collect(),
            ln_d: points.iter().map(|p| p.d.ln()).collect(),
            ln_l: points.iter().map(|p| p.loss.ln()).collect(),
            delta,
        }
    }

    fn predict_log(x: &[f64], ln_n: f64, ln_d: f64) -> f64 {
        let t = [x[0] - x[3] * ln_n, x[1] - x[4] * ln_d, x[2]];
        let m = t[0].max(t[1]).max(t[2]);
        m + t.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
    }
}

impl Objective for HuberObjective {
    fn eval(&self, x: &[f64], mut grad: Option<&mut [f64]>) -> f64 {
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let delta = self.delta;
        let mut total = 0.0;
        for i in 0..self.ln_l.len() {
            let (ln_n, ln_d) = (self.ln_n[i], self.ln_d[i]);
            // Log-sum-exp with the max factored out, so large a, b (up to 25) cannot overflow.
            let t = [x[0] - x[3] * ln_n, x[1] - x[4] * ln_d, x[2]];
            let m = t[0].max(t[1]).max(t[2]);
            let w = [(t[0] - m).exp(), (t[1] - m).exp(), (t[2] - m).exp()];
            let s = w[0] + w[1] + w[2];
            let r = m + s.ln() - self.ln_l[i];
            total += if r.abs() <= delta { 0.5 * r * r } else { delta * (r.abs() - 0.5 * delta) };
            if let Some(g) = grad.as_deref_mut() {
                let dr = r.clamp(-delta, delta);
                let p = [w[0] / s, w[1] / s, w[2] / s];
                g[0] += dr * p[0];
                g[1] += dr * p[1];
                g[2] += dr * p[2];
                g[3] -= dr * p[0] * ln_n;
                g[4] -= dr * p[1] * ln_d;
            }
        }
        total
    }
}

/// The paper's 4500 grid nodes as (ln A, ln B, ln E, α, β).
pub fn grid() -> Vec<[f64; 5]> {
    let mut nodes = Vec::with_capacity(4500);
    for &alpha in &GRID_ALPHA_BETA {
        for &beta in &GRID_ALPHA_BETA {
            for &e in &GRID_E {
                for &a in &GRID_A_B {
                    for &b in &GRID_A_B {
                        nodes.push([a, b, e, alpha, beta]);
                    }
                }
            }
        }
    }
    nodes
}

/// Grid nodes sorted by objective, best first.
fn ranked_grid(objective: &HuberObjective) -> Vec<[f64; 5]> {
    let mut scored: Vec<(f64, [f64; 5])> = grid().into_iter().map(|x| (objective.eval(&x, None), x)).collect();
    scored.sort_by(|p, q| p.0.total_cmp(&q.0));
    scored.into_iter().map(|(_, x)| x).collect()
}

/// Runs L-BFGS from each start and keeps the lowest final objective: (start, optimum, objective).
fn best_of(objective: &HuberObjective, starts: &[[f64; 5]], max_iters: u64) -> Option<([f64; 5], Vec<f64>, f64)> {
    let mut best: Option<([f64; 5], Vec<f64>, f64)> = None;
    for start in starts {
        if let Some((x, f)) = lbfgs(objective, start, max_iters) {
            if x.iter().all(|v| v.is_finite()) && best.as_ref().is_none_or(|b| f < b.2) {
                best = Some((*start, x, f));
            }
        }
    }
    best
}

fn law_of(x: &[f64]) -> ParametricLoss {
    ParametricLoss { a: x[0].exp(), b: x[1].exp(), e: x[2].exp(), alpha: x[3], beta: x[4] }
}

/// Fits Approach 3 to `points` (at least 6, with at least 2 distinct N and 2 distinct D).
pub fn fit_approach3(points: &[Observation], options: &Approach3Options) -> Result<Approach3Fit, ScalingError> {
    check_points(points)?;
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(ScalingError::Invalid { name: "level", value: options.level, why: "must lie in (0, 1)".into() });
    }
    if !(options.delta > 0.0 && options.delta.is_finite()) {
        return Err(ScalingError::Invalid { name: "delta", value: options.delta, why: "must be positive".into() });
    }
    let objective = HuberObjective::new(points, options.delta);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let (n, m) = (points.len(), points.len().min(MAX_POINTS_EXACT));
    let sample: Vec<Observation> =
        if n > m { (0..m).map(|_| points[rng.random_range(0..n)]).collect() } else { Vec::new() };
    let search = HuberObjective::new(if n > m { &sample } else { points }, options.delta);
    let ranked = ranked_grid(&search);
    let starts: Vec<[f64; 5]> = match options.starts {
        Starts::FullGrid => ranked.clone(),
        Starts::BestOfGrid(k) => ranked.iter().take(k.max(1)).copied().collect(),
        Starts::Explicit(list) => list.to_vec(),
    };
    let (winning_start, x, objective_value) = best_of(&search, &starts, options.max_iters)
        .ok_or_else(|| ScalingError::FitFailed("no start gave a finite objective".into()))?;
    // On a sample, the sample's optimum starts one L-BFGS run on all the points.
    let (x, objective_value) = match (n > m).then(|| lbfgs(&objective, &x, options.max_iters)) {
        None => (x, objective_value),
        Some(Some((full, f))) if full.iter().all(|v| v.is_finite()) => (full, f),
        Some(_) => (x.clone(), objective.eval(&x, None)),
    };
    let law = law_of(&x);
    law.validate().map_err(|e| {
        ScalingError::FitFailed(format!(
            "the best fit is not a decreasing power law ({e}); the points do not follow L = E + A/N^α + B/D^β"
        ))
    })?;

    // Bootstrap: resample points with replacement, refit from the full-data optimum and the best few grid nodes.
    let mut boot_starts: Vec<[f64; 5]> = vec![[x[0], x[1], x[2], x[3], x[4]]];
    // Replicates of a sample start from the optimum alone: four starts each would take four times as long.
    boot_starts.extend(ranked.iter().take(if n > m { 0 } else { 3 }));
    let mut samples: Vec<[f64; 7]> = Vec::with_capacity(options.bootstrap);
    let mut resampled = Vec::with_capacity(m);
    for _ in 0..options.bootstrap {
        resampled.clear();
        resampled.extend((0..m).map(|_| points[rng.random_range(0..n)]));
        let replicate = HuberObjective::new(&resampled, options.delta);
        if let Some((_, xr, _)) = best_of(&replicate, &boot_starts, options.max_iters) {
            let lr = law_of(&xr);
            if lr.validate().is_ok() {
                let (a, b) = lr.exponents();
                samples.push([lr.e, lr.a, lr.b, lr.alpha, lr.beta, a, b]);
            }
        }
    }
    let (a, b) = law.exponents();
    // An m-out-of-n bootstrap: replicates of m points spread sqrt(n/m) times wider than of n, so their deviations
    // from the estimate are scaled by sqrt(m/n).
    let point = [law.e, law.a, law.b, law.alpha, law.beta, a, b];
    let shrink = (m as f64 / n as f64).sqrt();
    let spread = |k: usize, s: f64| if n > m { point[k] + shrink * (s - point[k]) } else { s };
    let column = |k: usize| samples.iter().map(|s| spread(k, s[k])).collect::<Vec<f64>>();
    let subsampled = (n > m).then(|| {
        format!(
            "{n} points: the grid search and each bootstrap replicate used {m} points drawn with the seed (the final \
             fit used all), and the replicates' spread is scaled by sqrt({m}/{n})"
        )
    });
    let observed: Vec<f64> = objective.ln_l.clone();
    let predicted: Vec<f64> =
        (0..points.len()).map(|i| HuberObjective::predict_log(&x, objective.ln_n[i], objective.ln_d[i])).collect();
    Ok(Approach3Fit {
        e: Estimate::new(law.e, &column(0), options.level),
        a_coeff: Estimate::new(law.a, &column(1), options.level),
        b_coeff: Estimate::new(law.b, &column(2), options.level),
        alpha: Estimate::new(law.alpha, &column(3), options.level),
        beta: Estimate::new(law.beta, &column(4), options.level),
        a: Estimate::new(a, &column(5), options.level),
        b: Estimate::new(b, &column(6), options.level),
        law,
        goodness: Goodness::new(&observed, &predicted, objective_value),
        starts_run: starts.len(),
        winning_start,
        bootstrap: samples.len(),
        level: options.level,
        seed: options.seed,
        source: SOURCE,
        subsampled,
    })
}

/// The Huber objective of `law` on `points` (for comparing fits, e.g. a far start against the winner).
pub fn huber_objective(points: &[Observation], law: &ParametricLoss, delta: f64) -> f64 {
    let x = [law.a.ln(), law.b.ln(), law.e.ln(), law.alpha, law.beta];
    HuberObjective::new(points, delta).eval(&x, None)
}

fn check_points(points: &[Observation]) -> Result<(), ScalingError> {
    if points.len() < 6 {
        return Err(ScalingError::NotEnoughData(format!(
            "Approach 3 fits 5 parameters and needs at least 6 points, got {}",
            points.len()
        )));
    }
    let distinct = |f: fn(&Observation) -> f64| {
        let mut v: Vec<f64> = points.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v.len()
    };
    if distinct(|p| p.n) < 2 || distinct(|p| p.d) < 2 {
        return Err(ScalingError::NotEnoughData(
            "Approach 3 needs points at two or more model sizes and two or more token counts".into(),
        ));
    }
    Ok(())
}
