//! The compute-optimal N and D against compute: each budget's IsoFLOP minimum, the fitted power laws N_opt ∝ C^a and
//! D_opt ∝ C^b, and the slopes Chinchilla (0.50/0.50) and Kaplan et al. (0.73/0.27) would give through the same middle
//! point (Hoffmann et al. 2022, Table 2 and Fig. 3).

use super::sweep_chart::{series_color, Data, Point, Series, REFERENCE};
use super::Size;
use compute::experiments::analysis::isoflop::IsoFlopAnalysis;
use plotters::style::RGBColor;

/// Slopes drawn for comparison: (label, exponent of N_opt), from Hoffmann et al. 2022, Table 2.
pub const COMPARE: [(&str, f64); 2] = [("Chinchilla a = 0.50", 0.50), ("Kaplan a = 0.73", 0.73)];

/// The chart of the page's own optima and, muted, a reference sweep's.
pub fn data(size: Size, own: Option<&IsoFlopAnalysis>, reference: Option<&IsoFlopAnalysis>) -> Data {
    let mut series = Vec::new();
    for (analysis, is_ref) in [(reference, true), (own, false)] {
        let Some(a) = analysis else { continue };
        // The optima the fit used (each budget's parabola vertex), else the profiles' own; (C, N, D, inside the grid).
        let optima: Vec<(f64, f64, f64, bool)> = match &a.approach2 {
            Some(f) => f.groups.iter().map(|g| (g.flops, g.n_opt, g.d_opt, g.inside_range)).collect(),
            None => a.profiles.iter().filter_map(|p| Some((p.flops, p.n_opt?, p.d_opt?, p.inside_range))).collect(),
        };
        let (c_lo, c_hi) = optima.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), o| (l.min(o.0), h.max(o.0)));
        let span = |k: f64, e: f64| -> Vec<(f64, f64)> {
            if c_hi > c_lo {
                (0..=20)
                    .map(|i| c_lo / 1.5 * ((c_hi * 1.5) / (c_lo / 1.5)).powf(i as f64 / 20.0))
                    .map(|c| (c, k * c.powf(e)))
                    .collect()
            } else {
                Vec::new()
            }
        };
        let prefix = if is_ref { "reference: " } else { "" };
        let fit = a.approach2.as_ref();
        for (j, (name, pick, exp, k)) in [
            ("N_opt", 1usize, fit.map(|f| f.a.value), fit.map(|f| f.k_n)),
            ("D_opt", 2usize, fit.map(|f| f.b.value), fit.map(|f| f.k_d)),
        ]
        .into_iter()
        .enumerate()
        {
            let label = match exp {
                Some(e) => format!("{prefix}{name} (fit: exponent {e:.2})"),
                None => format!("{prefix}{name}"),
            };
            let color = if is_ref { REFERENCE } else { series_color(j) };
            let point = |o: &(f64, f64, f64, bool)| Point { x: o.0, y: if pick == 1 { o.1 } else { o.2 }, err: 0.0 };
            series.push(Series {
                label,
                color,
                reference: is_ref,
                points: optima.iter().filter(|o| o.3).map(point).collect(),
                fit: exp.zip(k).map(|(e, k)| span(k, e)).unwrap_or_default(),
                best: None,
                joined: false,
            });
            // A vertex beyond the sampled sizes is an extrapolation: drawn hollow, in its own legend entry.
            if optima.iter().any(|o| !o.3) {
                series.push(Series {
                    label: format!("{prefix}{name} beyond the sampled sizes (extrapolated)"),
                    color,
                    reference: true,
                    points: optima.iter().filter(|o| !o.3).map(point).collect(),
                    fit: Vec::new(),
                    best: None,
                    joined: false,
                });
            }
        }
        // The papers' slopes through the middle of the page's own N_opt fit.
        if let (false, Some(f)) = (is_ref, fit) {
            let c_mid = (c_lo * c_hi).sqrt();
            let n_mid = f.k_n * c_mid.powf(f.a.value);
            for (i, (label, a_exp)) in COMPARE.into_iter().enumerate() {
                series.push(Series {
                    label: format!("{label} through the same middle"),
                    color: [RGBColor(110, 118, 130), RGBColor(160, 120, 60)][i],
                    reference: true,
                    points: Vec::new(),
                    fit: span(n_mid / c_mid.powf(a_exp), a_exp),
                    best: None,
                    joined: false,
                });
            }
        }
    }
    let alt = "Compute-optimal parameters N_opt and tokens D_opt against compute C, both on log axes, with the fitted \
               power laws and, for comparison, the slopes of Chinchilla (0.50) and Kaplan et al. (0.73) through the \
               same middle point. The numbers are in the table below the chart."
        .to_string();
    Data {
        size,
        x_desc: "training compute C = 6·N·D (FLOPs)".into(),
        y_desc: "compute-optimal N and D".into(),
        log_y: true,
        series,
        guides: Vec::new(),
        hline: None,
        alt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::sweep_chart::synthetic;
    use compute::experiments::{Budget, SweepAnalysis, SweepKind};

    #[test]
    fn optima_draw_with_the_papers_slopes() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let record = synthetic::record(SweepKind::IsoFlop, Budget::Small);
        let Some(SweepAnalysis::IsoFlop(a)) = record.analysis else { panic!("{:?}", record.analysis_error) };
        let chart = data(size, Some(&*a), Some(&*a));
        // The synthetic budgets' vertices all lie beyond the sampled sizes: drawn, as extrapolations.
        assert!(chart.series.iter().any(|s| !s.points.is_empty()), "{:?}", chart.series);
        assert!(chart.series.iter().any(|s| s.label.starts_with("Kaplan a = 0.73")));
        synthetic::assert_draws(&chart, &data(size, None, None));
    }
}
