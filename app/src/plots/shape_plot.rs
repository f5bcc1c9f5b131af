//! Shape sweep: loss increase over the best shape (%) against the aspect ratio d_model/n_layer, one curve per N, with
//! seed error bars, in the style of Kaplan et al. 2020, Fig. 5.

use super::sweep_chart::{series_color, Data, Point, Series, REFERENCE};
use super::Size;
use compute::experiments::analysis::shape::{ShapeAnalysis, NEAR_BEST_PCT};
use compute::experiments::shape::ShapeSeries;
use compute::experiments::short_number;

/// The chart of the page's own analysis and, muted behind it, a reference sweep's.
pub fn data(size: Size, own: Option<&ShapeAnalysis>, reference: Option<&ShapeAnalysis>) -> Data {
    let mut series = Vec::new();
    for (analysis, is_ref) in [(reference, true), (own, false)] {
        let Some(a) = analysis else { continue };
        for (i, c) in a.curves.iter().filter(|c| c.series == ShapeSeries::Aspect).enumerate() {
            let best = &c.points[c.best];
            series.push(Series {
                label: format!("{}N ≈ {}", if is_ref { "reference: " } else { "" }, short_number(c.target_n)),
                color: if is_ref { REFERENCE } else { series_color(i) },
                reference: is_ref,
                points: c
                    .points
                    .iter()
                    .map(|p| Point { x: p.x, y: p.increase_pct.mean, err: p.increase_pct.std })
                    .collect(),
                fit: Vec::new(),
                best: Some((best.x, best.increase_pct.mean)),
                joined: true,
            });
        }
    }
    let alt = format!(
        "Loss increase over the best shape, in percent, against aspect ratio d_model/n_layer on a log axis, one \
         curve per model size: {}. The numbers are in the table below the chart.",
        series.iter().map(|s| s.label.clone()).collect::<Vec<_>>().join(", ")
    );
    Data {
        size,
        x_desc: "aspect ratio d_model / n_layer".into(),
        y_desc: "loss increase over the best shape (%)".into(),
        log_y: false,
        series,
        guides: Vec::new(),
        hline: Some((NEAR_BEST_PCT, format!("{NEAR_BEST_PCT}% above the best"))),
        alt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::sweep_chart::synthetic;
    use compute::experiments::{Budget, SweepAnalysis, SweepKind};

    #[test]
    fn shape_chart_has_a_curve_per_n_and_draws() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let record = synthetic::record(SweepKind::Shape, Budget::Small);
        let Some(SweepAnalysis::Shape(a)) = record.analysis else { panic!("{:?}", record.analysis_error) };
        let chart = data(size, Some(&a), Some(&a));
        assert!(chart.series.iter().any(|s| !s.reference && !s.points.is_empty()), "{:?}", chart.series);
        synthetic::assert_draws(&chart, &data(size, None, None));
    }
}
