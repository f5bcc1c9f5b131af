//! Shape sweep analysis (Kaplan et al. 2020, Fig. 5): per target N and series, the loss increase over the best shape in
//! percent, mean ± standard deviation over seeds, and where the minimum lies.

use super::{parabola_vertex, pct, usable, AnalysisOptions, MeanStd};
use crate::experiments::grid::aspect;
use crate::experiments::shape::ShapeSeries;
use crate::experiments::{short_number, RunResult};
use serde::Serialize;

/// Kaplan et al. 2020, Sec. 3.1 and Fig. 5: the aspect ratio "can vary by a factor of 40 while only slightly
/// impacting performance"; loss "varies only a few percent over a wide range of shapes".
pub const KAPLAN_FINDING: &str = "Kaplan et al. 2020 (Fig. 5): loss varies only a few percent over a wide range of \
     shapes; the aspect ratio can vary 40× while only slightly impacting performance";

/// Increases below this (percent) count as "about as good as the best" in the summary.
pub const NEAR_BEST_PCT: f64 = 3.0;

/// One shape, over its seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShapePoint {
    pub n_layer: usize,
    pub d_model: usize,
    pub n_head: usize,
    pub d_ff: usize,
    /// Its non-embedding N.
    pub n: f64,
    /// Its position on the series' axis (aspect ratio, ff ratio or head size).
    pub x: f64,
    pub aspect: f64,
    pub loss: MeanStd,
    /// 100·(loss / best loss − 1), paired by seed when the best shape has that seed.
    pub increase_pct: MeanStd,
    /// The same increase on the loss above the entropy floor, 100·((L − floor)/(L_best − floor) − 1), when known.
    pub reducible_increase_pct: Option<MeanStd>,
}

/// One curve of Fig. 5.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShapeCurve {
    pub series: ShapeSeries,
    /// The x axis in words.
    pub axis: String,
    pub target_n: f64,
    /// Sorted by x.
    pub points: Vec<ShapePoint>,
    /// Index of the best (lowest mean loss) point.
    pub best: usize,
    /// Vertex of a parabola in ln x through the mean increases, when it curves upward and lies within 2× of the
    /// sampled range.
    pub fitted_best_x: Option<f64>,
    /// Sampled x range whose mean increase stays below [`NEAR_BEST_PCT`].
    pub near_best_range: (f64, f64),
    /// Largest mean increase on the curve.
    pub max_increase_pct: f64,
}

/// The shape sweep's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShapeAnalysis {
    pub curves: Vec<ShapeCurve>,
    pub floor: Option<f64>,
    /// Runs left out (no loss).
    pub failed: usize,
    pub summary: String,
}

/// Groups runs by (series, target N), then by model; see the module doc.
pub fn analyze_shape(runs: &[RunResult], options: &AnalysisOptions) -> Result<ShapeAnalysis, String> {
    let (ok, failed_note) = usable(runs);
    let mut keys: Vec<(ShapeSeries, f64)> = Vec::new();
    for r in &ok {
        let Some(t) = r.planned.labels.target_n else { continue };
        for &s in &r.planned.labels.series {
            if !keys.contains(&(s, t)) {
                keys.push((s, t));
            }
        }
    }
    keys.sort_by(|p, q| p.0.cmp(&q.0).then(p.1.total_cmp(&q.1)));
    let curves: Vec<ShapeCurve> = keys
        .iter()
        .filter_map(|&(series, target)| {
            let members: Vec<&RunResult> = ok
                .iter()
                .copied()
                .filter(|r| r.planned.labels.target_n == Some(target) && r.planned.labels.series.contains(&series))
                .collect();
            curve(series, target, &members, options.floor)
        })
        .collect();
    if curves.is_empty() {
        return Err("no shape runs with a loss: the runs need target_n and series labels and at least two shapes per \
                    curve"
            .into());
    }
    let summary = summarize(&curves, options.floor) + &failed_note;
    Ok(ShapeAnalysis { curves, floor: options.floor, failed: runs.len() - ok.len(), summary })
}

fn curve(series: ShapeSeries, target: f64, runs: &[&RunResult], floor: Option<f64>) -> Option<ShapeCurve> {
    // Distinct models, each with its (seed, loss) pairs.
    let mut shapes: Vec<(&RunResult, Vec<(u64, f64)>)> = Vec::new();
    for r in runs {
        let loss = r.loss?;
        match shapes.iter_mut().find(|(m, _)| m.planned.model == r.planned.model) {
            Some((_, v)) => v.push((r.seed, loss)),
            None => shapes.push((r, vec![(r.seed, loss)])),
        }
    }
    if shapes.len() < 2 {
        return None;
    }
    let mean = |v: &[(u64, f64)]| v.iter().map(|p| p.1).sum::<f64>() / v.len() as f64;
    let best_idx = (0..shapes.len()).min_by(|&i, &j| mean(&shapes[i].1).total_cmp(&mean(&shapes[j].1)))?;
    let best = shapes[best_idx].1.clone();
    let best_mean = mean(&best);
    let paired = |seed: u64| best.iter().find(|p| p.0 == seed).map(|p| p.1).unwrap_or(best_mean);
    let mut points: Vec<ShapePoint> = shapes
        .iter()
        .map(|(r, v)| {
            let m = &r.planned.model;
            let losses: Vec<f64> = v.iter().map(|p| p.1).collect();
            let inc: Vec<f64> = v.iter().map(|&(s, l)| 100.0 * (l / paired(s) - 1.0)).collect();
            let reducible = floor.filter(|f| best.iter().all(|p| p.1 > *f)).and_then(|f| {
                MeanStd::of(&v.iter().map(|&(s, l)| 100.0 * ((l - f) / (paired(s) - f) - 1.0)).collect::<Vec<_>>())
            });
            ShapePoint {
                n_layer: m.n_layer,
                d_model: m.d_model,
                n_head: m.n_head,
                d_ff: m.d_ff,
                n: r.n,
                x: series.x(m),
                aspect: aspect(m),
                loss: MeanStd::of(&losses).expect("non-empty"),
                increase_pct: MeanStd::of(&inc).expect("non-empty"),
                reducible_increase_pct: reducible,
            }
        })
        .collect();
    points.sort_by(|p, q| p.x.total_cmp(&q.x));
    let best = (0..points.len()).min_by(|&i, &j| points[i].loss.mean.total_cmp(&points[j].loss.mean))?;
    let lx: Vec<f64> = points.iter().map(|p| p.x.ln()).collect();
    let inc: Vec<f64> = points.iter().map(|p| p.increase_pct.mean).collect();
    let (lo, hi) = (lx[0], lx[lx.len() - 1]);
    let fitted_best_x = (points.len() >= 3)
        .then(|| parabola_vertex(&lx, &inc))
        .flatten()
        .map(|(xv, _, _)| xv)
        .filter(|xv| *xv >= lo - 2f64.ln() && *xv <= hi + 2f64.ln())
        .map(f64::exp);
    let near: Vec<f64> = points.iter().filter(|p| p.increase_pct.mean < NEAR_BEST_PCT).map(|p| p.x).collect();
    let near_best_range =
        (near.iter().copied().fold(f64::INFINITY, f64::min), near.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let max_increase_pct = inc.iter().copied().fold(0.0, f64::max);
    Some(ShapeCurve {
        series,
        axis: series.axis().into(),
        target_n: target,
        points,
        best,
        fitted_best_x,
        near_best_range,
        max_increase_pct,
    })
}

fn summarize(curves: &[ShapeCurve], floor: Option<f64>) -> String {
    let mut out = Vec::new();
    for c in curves.iter().filter(|c| c.series == ShapeSeries::Aspect) {
        let (xmin, xmax) = (c.points[0].x, c.points[c.points.len() - 1].x);
        let (nlo, nhi) = c.near_best_range;
        let best = &c.points[c.best];
        let layers = if best.n_layer == 1 { "1 layer".to_string() } else { format!("{} layers", best.n_layer) };
        // A near-best band of one point is no band: say that no other shape came within the margin.
        let band = if nhi > nlo {
            format!("ratios {nlo:.1}–{nhi:.0} ({:.0}×) stayed within {NEAR_BEST_PCT}% of it", nhi / nlo)
        } else {
            format!("no other sampled ratio came within {NEAR_BEST_PCT}% of it")
        };
        out.push(format!(
            "At N ≈ {}, aspect ratios {:.1}–{:.0} ({:.0}× range): the best was {:.1} ({layers} of {}); {band}, and the \
             worst cost {}.",
            short_number(c.target_n),
            xmin,
            xmax,
            xmax / xmin,
            best.x,
            best.d_model,
            pct(c.max_increase_pct)
        ));
    }
    for series in [ShapeSeries::FeedForward, ShapeSeries::HeadSize] {
        for c in curves.iter().filter(|c| c.series == series) {
            let what = if series == ShapeSeries::FeedForward { "feed-forward ratio" } else { "head size" };
            let (xmin, xmax) = (c.points[0].x, c.points[c.points.len() - 1].x);
            out.push(format!(
                "The {what} from {} to {} (N ≈ {}) cost at most {} over its best ({}).",
                short_number(xmin),
                short_number(xmax),
                short_number(c.target_n),
                pct(c.max_increase_pct),
                short_number(c.points[c.best].x)
            ));
        }
    }
    for c in curves.iter().filter(|c| c.series == ShapeSeries::Aspect) {
        if c.best == 0 || c.best == c.points.len() - 1 {
            out.push(format!(
                "At N ≈ {} the best aspect ratio is the {} sampled, so the optimum may lie beyond the grid.",
                short_number(c.target_n),
                if c.best == 0 { "smallest" } else { "largest" }
            ));
        }
    }
    out.push(format!("{KAPLAN_FINDING}."));
    let aspect_curves: Vec<&ShapeCurve> = curves.iter().filter(|c| c.series == ShapeSeries::Aspect).collect();
    let wide_and_flat = aspect_curves.iter().any(|c| c.near_best_range.1 / c.near_best_range.0 >= 40.0);
    if !aspect_curves.is_empty() {
        out.push(if wide_and_flat {
            "Here too a 40× range of aspect ratios stays within a few percent.".into()
        } else {
            "Here the near-best region is narrower than Kaplan's 40×: at a few hundred thousand parameters trained \
             briefly, shapes differ in how fast they learn as much as in what they can hold (very deep, narrow models \
             learn slowly; one layer cannot compose attention across layers), whereas Kaplan's 40× spanned 6 to 48 \
             layers at 25M–1.5B parameters trained far longer."
                .into()
        });
    }
    if let Some(f) = floor {
        out.push(format!(
            "Percentages are of the whole loss, which includes the data's entropy floor of {f:.3} nats/token that no \
             shape can remove; the reducible part (loss − floor) changes proportionally more (reported beside)."
        ));
    }
    out.join(" ")
}
