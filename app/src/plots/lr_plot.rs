//! Learning-rate sweep: final loss against peak learning rate, one curve per model size, the best rate marked, and
//! Kaplan et al. 2020's Eq. D.1 rate for each size as a dashed guide.

use super::sweep_chart::{series_color, Data, Guide, Point, Series, REFERENCE};
use super::Size;
use compute::experiments::analysis::lr::LrAnalysis;
use compute::experiments::short_number;

/// The chart of the page's own curves and, muted behind them, a reference sweep's.
pub fn data(size: Size, own: Option<&LrAnalysis>, reference: Option<&LrAnalysis>) -> Data {
    let mut series = Vec::new();
    let mut guides = Vec::new();
    for (analysis, is_ref) in [(reference, true), (own, false)] {
        let Some(a) = analysis else { continue };
        for (i, c) in a.curves.iter().enumerate() {
            let color = if is_ref { REFERENCE } else { series_color(i) };
            series.push(Series {
                label: format!("{}N ≈ {}", if is_ref { "reference: " } else { "" }, short_number(c.n)),
                color,
                reference: is_ref,
                points: c
                    .points
                    .iter()
                    .filter_map(|p| p.loss.map(|l| Point { x: p.lr, y: l.mean, err: l.std }))
                    .collect(),
                fit: Vec::new(),
                best: (c.best_loss.is_finite()).then_some((c.best_lr, c.best_loss)),
                joined: true,
            });
            if let (false, Some(k)) = (is_ref, c.kaplan_lr) {
                guides.push(Guide { x: k, color, label: format!("D.1 {}", short_number(c.n)) });
            }
        }
    }
    let alt = format!(
        "Final validation loss against peak learning rate (log axis), one curve per model size ({}), the best rate \
         marked with a diamond and Kaplan et al.'s Eq. D.1 rate per size as a dashed line. The numbers are in the \
         table below the chart.",
        series.iter().map(|s| s.label.clone()).collect::<Vec<_>>().join(", ")
    );
    Data {
        size,
        x_desc: "peak learning rate".into(),
        y_desc: "final validation loss (nats/token)".into(),
        log_y: false,
        series,
        guides,
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
    fn lr_curves_draw_with_kaplans_rates() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let record = synthetic::record(SweepKind::LearningRate, Budget::Small);
        let Some(SweepAnalysis::LearningRate(a)) = record.analysis else { panic!("{:?}", record.analysis_error) };
        let chart = data(size, Some(&a), None);
        assert!(chart.series.iter().any(|s| !s.reference && !s.points.is_empty()), "{:?}", chart.series);
        synthetic::assert_draws(&chart, &data(size, None, None));
    }
}
