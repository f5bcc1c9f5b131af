//! Kaplan-style single power laws L(x) = (x_c/x)^α, optionally with a floor E: L(x) = E + (x_c/x)^α, for x = N or D.
//!
//! Fitted by least squares on log loss. Without a floor that is ordinary least squares on (ln x, ln L). With a floor the
//! objective is profiled over a grid of E below the smallest observed loss (ordinary least squares on ln(L − E) for each),
//! and L-BFGS polishes the three best profiles on the true log-loss objective; the lowest objective wins.

use super::optimize::{lbfgs, Objective};
use super::stats::{linear_fit, Goodness};
use super::{check_positive, ScalingError};
use serde::Serialize;

/// A fitted single power law.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerLawFit {
    /// What x is ("N" or "D").
    pub variable: &'static str,
    /// Exponent α.
    pub alpha: f64,
    /// Scale x_c.
    pub x_c: f64,
    /// Floor E, when fitted.
    pub floor: Option<f64>,
    /// Goodness on log loss; `objective` is the sum of squares.
    pub goodness: Goodness,
    /// The form fitted, after Kaplan et al. 2020.
    pub source: &'static str,
}

impl PowerLawFit {
    /// Predicted loss at x.
    pub fn predict(&self, x: f64) -> f64 {
        self.floor.unwrap_or(0.0) + (self.x_c / x).powf(self.alpha)
    }
}

/// Σ (LSE(u, c − α ln x) − ln L)² over points: θ = (u = ln E, c = α ln x_c, α).
struct FloorObjective<'a> {
    ln_x: &'a [f64],
    ln_l: &'a [f64],
}

impl Objective for FloorObjective<'_> {
    fn eval(&self, th: &[f64], mut grad: Option<&mut [f64]>) -> f64 {
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let mut total = 0.0;
        for (&lx, &ll) in self.ln_x.iter().zip(self.ln_l) {
            let t = [th[0], th[1] - th[2] * lx];
            let m = t[0].max(t[1]);
            let w = [(t[0] - m).exp(), (t[1] - m).exp()];
            let s = w[0] + w[1];
            let r = m + s.ln() - ll;
            total += r * r;
            if let Some(g) = grad.as_deref_mut() {
                g[0] += 2.0 * r * w[0] / s;
                g[1] += 2.0 * r * w[1] / s;
                g[2] -= 2.0 * r * w[1] / s * lx;
            }
        }
        total
    }
}

/// Fits L = (x_c/x)^α (or E + (x_c/x)^α with `with_floor`) to (x, loss) pairs; `variable` names x in the output.
pub fn fit_power_law(
    x: &[f64],
    loss: &[f64],
    with_floor: bool,
    variable: &'static str,
) -> Result<PowerLawFit, ScalingError> {
    if x.len() != loss.len() {
        return Err(ScalingError::NotEnoughData(format!("{} x values but {} losses", x.len(), loss.len())));
    }
    let needed = if with_floor { 4 } else { 3 };
    if x.len() < needed {
        return Err(ScalingError::NotEnoughData(format!("a power law in {variable} needs at least {needed} points")));
    }
    for (&xi, &li) in x.iter().zip(loss) {
        check_positive(if variable == "D" { "D" } else { "N" }, xi, 1e22)?;
        check_positive("loss", li, 1e3)?;
    }
    let ln_x: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ln_l: Vec<f64> = loss.iter().map(|v| v.ln()).collect();
    let no_spread = || ScalingError::NotEnoughData(format!("all points share one {variable}"));
    let objective = FloorObjective { ln_x: &ln_x, ln_l: &ln_l };

    let (alpha, x_c, floor, sse, predicted) = if !with_floor {
        let (c0, slope) = linear_fit(&ln_x, &ln_l).ok_or_else(no_spread)?;
        let alpha = -slope;
        let predicted: Vec<f64> = ln_x.iter().map(|v| c0 + slope * v).collect();
        let sse = ln_l.iter().zip(&predicted).map(|(y, p)| (y - p).powi(2)).sum();
        (alpha, (c0 / alpha).exp(), None, sse, predicted)
    } else {
        let min_loss = loss.iter().copied().fold(f64::INFINITY, f64::min);
        let mut profiles: Vec<(f64, [f64; 3])> = Vec::new();
        for k in 0..20 {
            let e = min_loss * (0.001f64.max(k as f64 * 0.05));
            let ln_rest: Vec<f64> = loss.iter().map(|l| (l - e).ln()).collect();
            if let Some((c0, slope)) = linear_fit(&ln_x, &ln_rest) {
                let th = [e.ln(), c0, -slope];
                profiles.push((objective.eval(&th, None), th));
            }
        }
        profiles.sort_by(|p, q| p.0.total_cmp(&q.0));
        let best = profiles
            .iter()
            .take(3)
            .filter_map(|(_, th)| lbfgs(&objective, th, 500))
            .min_by(|p, q| p.1.total_cmp(&q.1))
            .ok_or_else(no_spread)?;
        let th = best.0;
        let predicted: Vec<f64> = ln_x
            .iter()
            .map(|lx| {
                let t = [th[0], th[1] - th[2] * lx];
                let m = t[0].max(t[1]);
                m + ((t[0] - m).exp() + (t[1] - m).exp()).ln()
            })
            .collect();
        (th[2], (th[1] / th[2]).exp(), Some(th[0].exp()), best.1, predicted)
    };
    if !(alpha > 0.0 && alpha.is_finite() && x_c.is_finite() && x_c > 0.0) {
        return Err(ScalingError::FitFailed(format!(
            "loss does not fall with {variable} as a power law (fitted exponent {alpha:.3})"
        )));
    }
    Ok(PowerLawFit {
        variable,
        alpha,
        x_c,
        floor,
        goodness: Goodness::new(&ln_l, &predicted, sse),
        source: "single power law after Kaplan et al. 2020, Eqs. 1.1–1.2 (floor optional)",
    })
}
