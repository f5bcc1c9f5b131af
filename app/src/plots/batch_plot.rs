//! Batch-size sweep: optimiser steps to reach a target loss against the batch size in tokens, one curve per target,
//! with the fit S = S_min·(1 + B_crit/B) and the critical batch B_crit marked (McCandlish et al. 2018; Kaplan et al.
//! 2020, Eq. 5.4).

use super::sweep_chart::{series_color, Data, Guide, Point, Series, REFERENCE};
use super::Size;
use compute::experiments::analysis::batch::BatchAnalysis;
use compute::experiments::short_number;

/// The chart of the page's own fits and, muted behind them, a reference sweep's.
pub fn data(size: Size, own: Option<&BatchAnalysis>, reference: Option<&BatchAnalysis>) -> Data {
    let mut series = Vec::new();
    let mut guides = Vec::new();
    for (analysis, is_ref) in [(reference, true), (own, false)] {
        let Some(a) = analysis else { continue };
        for (i, t) in a.targets.iter().enumerate() {
            let color = if is_ref { REFERENCE } else { series_color(i) };
            let (lo, hi) = t
                .points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| (l.min(p.batch_tokens), h.max(p.batch_tokens)));
            let fit = match (&t.s_min, &t.b_crit_tokens) {
                (Some(s), Some(b)) if hi > lo => (0..=30)
                    .map(|k| (lo / 1.3) * ((hi * 1.3) / (lo / 1.3)).powf(k as f64 / 30.0))
                    .map(|bt| (bt, s.value * (1.0 + b.value / bt)))
                    .collect(),
                _ => Vec::new(),
            };
            series.push(Series {
                label: format!("{}loss {:.3}", if is_ref { "reference: " } else { "" }, t.loss),
                color,
                reference: is_ref,
                points: t
                    .points
                    .iter()
                    .filter_map(|p| p.steps.map(|s| Point { x: p.batch_tokens, y: s.mean, err: s.std }))
                    .collect(),
                fit,
                best: None,
                joined: false,
            });
            if let (false, Some(b)) = (is_ref, &t.b_crit_tokens) {
                guides.push(Guide { x: b.value, color, label: format!("B_crit {}", short_number(b.value)) });
            }
        }
    }
    let alt = format!(
        "Optimiser steps to reach a target loss against the batch size in tokens, both on log axes, one curve per \
         target ({}), with the fit S = S_min(1 + B_crit/B) dashed and the critical batch marked. The numbers are in \
         the table below the chart.",
        series.iter().map(|s| s.label.clone()).collect::<Vec<_>>().join(", ")
    );
    Data {
        size,
        x_desc: "batch size B (tokens per step)".into(),
        y_desc: "steps to reach the target loss".into(),
        log_y: true,
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
    fn batch_fits_draw_with_the_critical_batch() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let record = synthetic::record(SweepKind::BatchSize, Budget::Small);
        let Some(SweepAnalysis::BatchSize(a)) = record.analysis else { panic!("{:?}", record.analysis_error) };
        let chart = data(size, Some(&a), None);
        assert!(chart.series.iter().any(|s| !s.reference && !s.points.is_empty()), "{:?}", chart.series);
        synthetic::assert_draws(&chart, &data(size, None, None));
    }
}
