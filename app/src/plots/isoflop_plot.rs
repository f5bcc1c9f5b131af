//! IsoFLOP profiles: final loss against N for each compute budget, the parabola fitted in ln N and its minimum
//! (Hoffmann et al. 2022, Approach 2, Fig. 3 left).

use super::sweep_chart::{series_color, Data, Point, Series, REFERENCE};
use super::Size;
use compute::experiments::analysis::isoflop::IsoFlopAnalysis;
use compute::experiments::short_number;

/// The chart of the page's own profiles and, muted behind them, a reference sweep's.
pub fn data(size: Size, own: Option<&IsoFlopAnalysis>, reference: Option<&IsoFlopAnalysis>) -> Data {
    let mut series = Vec::new();
    for (analysis, is_ref) in [(reference, true), (own, false)] {
        let Some(a) = analysis else { continue };
        for (i, p) in a.profiles.iter().enumerate() {
            let (lo, hi) =
                p.points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), q| (l.min(q.n), h.max(q.n)));
            let fit = match p.parabola {
                Some([c0, c1, c2]) if hi > lo => (0..=40)
                    .map(|k| {
                        let ln = (lo / 1.3).ln() + ((hi * 1.3).ln() - (lo / 1.3).ln()) * k as f64 / 40.0;
                        (ln.exp(), c0 + c1 * ln + c2 * ln * ln)
                    })
                    .collect(),
                _ => Vec::new(),
            };
            series.push(Series {
                label: format!("{}C = {} FLOPs", if is_ref { "reference: " } else { "" }, short_number(p.flops)),
                color: if is_ref { REFERENCE } else { series_color(i) },
                reference: is_ref,
                points: p.points.iter().map(|q| Point { x: q.n, y: q.loss.mean, err: q.loss.std }).collect(),
                fit,
                best: p.n_opt.zip(p.loss_opt).filter(|_| p.inside_range),
                joined: false,
            });
        }
    }
    let alt = format!(
        "Final validation loss against non-embedding parameters N (log axis) for each compute budget, with a \
         parabola fitted in ln N and its minimum marked: {}. The numbers are in the table below the chart.",
        series.iter().map(|s| s.label.clone()).collect::<Vec<_>>().join(", ")
    );
    Data {
        size,
        x_desc: "non-embedding parameters N".into(),
        y_desc: "final validation loss (nats/token)".into(),
        log_y: false,
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
    fn profiles_draw_with_their_parabolas() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let record = synthetic::record(SweepKind::IsoFlop, Budget::Small);
        let Some(SweepAnalysis::IsoFlop(a)) = record.analysis else { panic!("{:?}", record.analysis_error) };
        let chart = data(size, Some(&*a), None);
        assert!(chart.series.iter().any(|s| !s.reference && !s.points.is_empty()), "{:?}", chart.series);
        synthetic::assert_draws(&chart, &data(size, None, None));
    }
}
