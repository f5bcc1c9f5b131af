//! Small statistics shared by the fits: estimates with intervals, goodness of fit, percentiles, least squares.

use serde::Serialize;

/// A fitted number with its bootstrap interval (absent when no bootstrap was run).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Point estimate from the fit to all points.
    pub value: f64,
    /// Lower end of the interval.
    pub lo: Option<f64>,
    /// Upper end of the interval.
    pub hi: Option<f64>,
}

impl Estimate {
    /// An estimate with the percentile interval of `samples` at `level` (e.g. 0.95); no interval if there are none.
    pub fn new(value: f64, samples: &[f64], level: f64) -> Estimate {
        if samples.is_empty() {
            return Estimate { value, lo: None, hi: None };
        }
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let tail = (1.0 - level) / 2.0;
        Estimate { value, lo: Some(percentile(&s, tail)), hi: Some(percentile(&s, 1.0 - tail)) }
    }

    /// Whether `x` lies in the interval (false when there is none).
    pub fn covers(&self, x: f64) -> bool {
        matches!((self.lo, self.hi), (Some(lo), Some(hi)) if lo <= x && x <= hi)
    }
}

/// Linear-interpolated percentile `q` in [0, 1] of sorted, non-empty data.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    if i + 1 < sorted.len() {
        sorted[i] + frac * (sorted[i + 1] - sorted[i])
    } else {
        sorted[i]
    }
}

/// How well a fit matches its points, measured on log loss (the scale the fits are made on).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Goodness {
    /// Number of points.
    pub points: usize,
    /// R² of predicted against observed log loss.
    pub r2_log: f64,
    /// Root mean square error of log loss (≈ relative error of loss).
    pub rmse_log: f64,
    /// The objective the fit minimised (Huber sum for Approach 3, sum of squares otherwise).
    pub objective: f64,
}

impl Goodness {
    /// R² and RMSE of `predicted` against `observed` (both log loss).
    pub fn new(observed: &[f64], predicted: &[f64], objective: f64) -> Goodness {
        let n = observed.len() as f64;
        let mean = observed.iter().sum::<f64>() / n;
        let ss_tot: f64 = observed.iter().map(|y| (y - mean).powi(2)).sum();
        let ss_res: f64 = observed.iter().zip(predicted).map(|(y, p)| (y - p).powi(2)).sum();
        // All observations equal: R² is undefined; report 1 for a perfect fit and 0 otherwise rather than NaN.
        let r2_log = if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else if ss_res == 0.0 {
            1.0
        } else {
            0.0
        };
        Goodness { points: observed.len(), r2_log, rmse_log: (ss_res / n).sqrt(), objective }
    }
}

/// Ordinary least squares y ≈ c0 + c1·x: returns (c0, c1), or `None` if x has no spread.
pub(crate) fn linear_fit(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    if x.len() < 2 || sxx <= 1e-300 {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let c1 = sxy / sxx;
    Some((my - c1 * mx, c1))
}

/// Least-squares parabola y ≈ c0 + c1·x + c2·x²: returns (c0, c1, c2), or `None` if singular.
pub(crate) fn quadratic_fit(x: &[f64], y: &[f64]) -> Option<(f64, f64, f64)> {
    // Centre x so the normal equations stay well conditioned (x = ln N spans ~20–30).
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let mut s = [0.0f64; 5];
    let mut t = [0.0f64; 3];
    for (&xi, &yi) in x.iter().zip(y) {
        let u = xi - mx;
        let mut p = 1.0;
        for (k, sk) in s.iter_mut().enumerate() {
            *sk += p;
            if k < 3 {
                t[k] += p * yi;
            }
            p *= u;
        }
    }
    let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]];
    let [d0, d1, d2] = solve3(m, t)?;
    // Back from u = x − mx: y = d0 + d1(x − mx) + d2(x − mx)².
    Some((d0 - d1 * mx + d2 * mx * mx, d1 - 2.0 * d2 * mx, d2))
}

/// Solves a 3×3 system by Cramer's rule; `None` when (nearly) singular.
fn solve3(m: [[f64; 3]; 3], t: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(m);
    let scale = m.iter().flatten().map(|v| v.abs()).fold(0.0, f64::max).powi(3);
    if !d.is_finite() || d.abs() <= 1e-12 * scale {
        return None;
    }
    let mut out = [0.0; 3];
    for (col, o) in out.iter_mut().enumerate() {
        let mut mc = m;
        for row in 0..3 {
            mc[row][col] = t[row];
        }
        *o = det(mc) / d;
    }
    Some(out)
}
