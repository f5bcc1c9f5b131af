//! Approach 2 of Hoffmann et al. 2022: IsoFLOP profiles. Per compute budget a parabola in ln N gives the loss-optimal N;
//! power laws N_opt = k_N·C^a and D_opt = k_D·C^b are then fitted to those optima (Hoffmann et al. 2022, Sec. 3.2).
//!
//! Points are grouped by compute (C as given, else 6ND): sorted by C, a point joins the current group while its C is
//! within `group_tolerance` (relative) of the group's first point. Groups need ≥ 3 points at ≥ 3 distinct N and an upward
//! parabola; ≥ 3 such groups are needed. D_opt = C/(6·N_opt) at the group's C, so b = 1 − a up to rounding.
//! Intervals: a seeded bootstrap that resamples points within each group and refits everything.

use super::observations::Observation;
use super::stats::{linear_fit, quadratic_fit, Estimate, Goodness};
use super::ScalingError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Citation of the method.
pub const SOURCE: &str = "Hoffmann et al. 2022, Approach 2 (Sec. 3.2): IsoFLOP parabolas, power laws on the optima";

/// Settings of an Approach 2 fit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Approach2Options {
    /// Points whose C differ by less than this fraction from a group's first point join that group.
    pub group_tolerance: f64,
    /// Bootstrap replicates (0: no intervals).
    pub bootstrap: usize,
    /// Interval level, e.g. 0.95.
    pub level: f64,
    /// Seed of the bootstrap's ChaCha8 generator.
    pub seed: u64,
}

impl Default for Approach2Options {
    fn default() -> Self {
        Approach2Options { group_tolerance: 0.1, bootstrap: 500, level: 0.95, seed: 2022 }
    }
}

/// One IsoFLOP profile and its fitted minimum.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IsoFlopGroup {
    /// The budget: geometric mean of the group's C.
    pub flops: f64,
    /// Points in the group.
    pub points: usize,
    /// Loss-optimal parameters at this budget (vertex of the parabola).
    pub n_opt: f64,
    /// C/(6·N_opt).
    pub d_opt: f64,
    /// Loss at the vertex.
    pub loss_opt: f64,
    /// Whether the vertex lies within the sampled N (an extrapolated vertex is less trustworthy).
    pub inside_range: bool,
}

/// The result of an Approach 2 fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Approach2Fit {
    /// Exponent a of N_opt ∝ C^a.
    pub a: Estimate,
    /// Exponent b of D_opt ∝ C^b.
    pub b: Estimate,
    /// k_N of N_opt = k_N·C^a (C in FLOPs).
    pub k_n: f64,
    /// k_D of D_opt = k_D·C^b.
    pub k_d: f64,
    /// The profiles used.
    pub groups: Vec<IsoFlopGroup>,
    /// Groups left out, and why.
    pub skipped: Vec<String>,
    /// Goodness of ln N_opt = ln k_N + a·ln C (R² and RMSE on ln N_opt; objective is the sum of squares).
    pub goodness: Goodness,
    /// Bootstrap replicates that produced a fit.
    pub bootstrap: usize,
    /// Interval level.
    pub level: f64,
    /// Bootstrap seed.
    pub seed: u64,
    /// Citation of the method.
    pub source: &'static str,
}

/// Splits points into IsoFLOP groups (see the module doc), smallest budget first.
pub fn group_by_compute(points: &[Observation], tolerance: f64) -> Vec<Vec<Observation>> {
    let mut sorted = points.to_vec();
    sorted.sort_by(|p, q| p.compute().total_cmp(&q.compute()));
    let mut groups: Vec<Vec<Observation>> = Vec::new();
    for p in sorted {
        match groups.last_mut() {
            Some(g) if p.compute() <= g[0].compute() * (1.0 + tolerance) => g.push(p),
            _ => groups.push(vec![p]),
        }
    }
    groups
}

/// Vertex of the parabola of loss against ln N for one group: (flops, N_opt, loss_opt, inside_range), or why not.
fn profile_minimum(group: &[Observation]) -> Result<(f64, f64, f64, bool), String> {
    let flops = (group.iter().map(|p| p.compute().ln()).sum::<f64>() / group.len() as f64).exp();
    let mut sizes: Vec<f64> = group.iter().map(|p| p.n).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    if sizes.len() < 3 {
        return Err(format!("C ≈ {flops:.3e}: {} distinct model sizes, need 3", sizes.len()));
    }
    let x: Vec<f64> = group.iter().map(|p| p.n.ln()).collect();
    let y: Vec<f64> = group.iter().map(|p| p.loss).collect();
    let (c0, c1, c2) = quadratic_fit(&x, &y).ok_or_else(|| format!("C ≈ {flops:.3e}: the parabola is singular"))?;
    if c2.is_nan() || c2 <= 0.0 {
        return Err(format!("C ≈ {flops:.3e}: the loss does not curve upward in ln N, so there is no minimum"));
    }
    let xv = -c1 / (2.0 * c2);
    let (lo, hi) = (sizes[0].ln(), sizes[sizes.len() - 1].ln());
    // A vertex far outside the sampled sizes is an extrapolation the data cannot support.
    let span = hi - lo;
    if xv < lo - span || xv > hi + span {
        return Err(format!("C ≈ {flops:.3e}: the minimum lies far outside the sampled model sizes"));
    }
    Ok((flops, xv.exp(), c0 + c1 * xv + c2 * xv * xv, (lo..=hi).contains(&xv)))
}

/// Power laws through the optima: (ln k_N, a, ln k_D, b, goodness).
fn power_laws(groups: &[IsoFlopGroup]) -> Option<(f64, f64, f64, f64, Goodness)> {
    let ln_c: Vec<f64> = groups.iter().map(|g| g.flops.ln()).collect();
    let ln_n: Vec<f64> = groups.iter().map(|g| g.n_opt.ln()).collect();
    let ln_d: Vec<f64> = groups.iter().map(|g| g.d_opt.ln()).collect();
    let (kn, a) = linear_fit(&ln_c, &ln_n)?;
    let (kd, b) = linear_fit(&ln_c, &ln_d)?;
    let predicted: Vec<f64> = ln_c.iter().map(|c| kn + a * c).collect();
    let sse = ln_n.iter().zip(&predicted).map(|(y, p)| (y - p).powi(2)).sum();
    Some((kn, a, kd, b, Goodness::new(&ln_n, &predicted, sse)))
}

fn fit_groups(groups: &[Vec<Observation>]) -> (Vec<IsoFlopGroup>, Vec<String>) {
    let mut fitted = Vec::new();
    let mut skipped = Vec::new();
    for group in groups {
        if group.len() < 3 {
            skipped.push(format!("C ≈ {:.3e}: {} point(s), need 3", group[0].compute(), group.len()));
            continue;
        }
        match profile_minimum(group) {
            Ok((flops, n_opt, loss_opt, inside_range)) => fitted.push(IsoFlopGroup {
                flops,
                points: group.len(),
                n_opt,
                d_opt: flops / (6.0 * n_opt),
                loss_opt,
                inside_range,
            }),
            Err(why) => skipped.push(why),
        }
    }
    (fitted, skipped)
}

/// Fits Approach 2 to points that form IsoFLOP groups (≥ 3 groups of ≥ 3 points).
pub fn fit_approach2(points: &[Observation], options: &Approach2Options) -> Result<Approach2Fit, ScalingError> {
    if !(options.group_tolerance > 0.0 && options.group_tolerance < 1.0) {
        let value = options.group_tolerance;
        return Err(ScalingError::Invalid { name: "group_tolerance", value, why: "must lie in (0, 1)".into() });
    }
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(ScalingError::Invalid { name: "level", value: options.level, why: "must lie in (0, 1)".into() });
    }
    let groups = group_by_compute(points, options.group_tolerance);
    let (fitted, skipped) = fit_groups(&groups);
    if fitted.len() < 3 {
        return Err(ScalingError::NotEnoughData(format!(
            "Approach 2 needs at least 3 IsoFLOP groups (points sharing a compute budget) of at least 3 points; \
             found {} usable of {} groups{}",
            fitted.len(),
            groups.len(),
            if skipped.is_empty() { String::new() } else { format!(" ({})", skipped.join("; ")) }
        )));
    }
    let (kn, a, kd, b, goodness) =
        power_laws(&fitted).ok_or_else(|| ScalingError::NotEnoughData("all IsoFLOP groups share one budget".into()))?;

    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut samples: Vec<(f64, f64)> = Vec::with_capacity(options.bootstrap);
    let usable: Vec<&Vec<Observation>> = groups.iter().filter(|g| g.len() >= 3).collect();
    for _ in 0..options.bootstrap {
        let resampled: Vec<Vec<Observation>> =
            usable.iter().map(|g| (0..g.len()).map(|_| g[rng.random_range(0..g.len())]).collect()).collect();
        let (rf, _) = fit_groups(&resampled);
        if rf.len() >= 3 {
            if let Some((_, ra, _, rb, _)) = power_laws(&rf) {
                samples.push((ra, rb));
            }
        }
    }
    let (sa, sb): (Vec<f64>, Vec<f64>) = samples.iter().copied().unzip();
    Ok(Approach2Fit {
        a: Estimate::new(a, &sa, options.level),
        b: Estimate::new(b, &sb, options.level),
        k_n: kn.exp(),
        k_d: kd.exp(),
        groups: fitted,
        skipped,
        goodness,
        bootstrap: samples.len(),
        level: options.level,
        seed: options.seed,
        source: SOURCE,
    })
}
