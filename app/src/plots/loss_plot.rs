//! Predicted loss against training compute, at each fit's compute-optimal split, with the answer's budgets marked.

use super::{
    canvas_area, chart_builder, law_color, linear_range, log_range, log_space, plot_err, power_label, style_mesh,
    Result, Size,
};
use compute::scaling::{compute_optimal, Allocation, LawId};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Everything the chart shows, computed beforehand so drawing is a pure function of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub size: Size,
    /// Visible compute range, FLOPs (x axis, log).
    pub c_range: (f64, f64),
    /// Visible loss range, nats per token (y axis, linear).
    pub loss_range: (f64, f64),
    /// Each fit's loss at its compute-optimal split as the budget grows: (C, L).
    pub lines: Vec<(LawId, Vec<(f64, f64)>)>,
    /// The answer: each fit's (C, L).
    pub points: Vec<(LawId, f64, f64)>,
}

impl Data {
    /// The chart for an answer (each fit's split; their budgets may differ when the input is a model or data size).
    pub fn new(size: Size, results: &[Allocation]) -> Data {
        let points: Vec<(LawId, f64, f64)> = results
            .iter()
            .filter(|a| a.flops.is_finite() && a.loss.is_finite() && a.flops > 0.0)
            .map(|a| (a.fit, a.flops, a.loss))
            .collect();
        let (mut lo, mut hi): (f64, f64) = (1e17, 1e27);
        for &(_, c, _) in &points {
            lo = lo.min(c / 30.0);
            hi = hi.max(c * 30.0);
        }
        let c_range = log_range(lo.max(1e6), hi.min(1e40));
        let budgets = log_space(c_range.0, c_range.1, 120);
        let lines: Vec<(LawId, Vec<(f64, f64)>)> = LawId::ALL
            .into_iter()
            .map(|law| {
                let line = budgets
                    .iter()
                    .filter_map(|&c| compute_optimal(law, c).ok())
                    .filter(|a| a.loss.is_finite())
                    .map(|a| (a.flops, a.loss))
                    .collect();
                (law, line)
            })
            .collect();
        let losses = lines.iter().flat_map(|(_, l)| l.iter().map(|p| p.1)).chain(points.iter().map(|p| p.2));
        let (min, max) = losses.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), l| (a.min(l), b.max(l)));
        let pad = if max > min { (max - min) * 0.06 } else { 0.1 };
        let loss_range = linear_range(min - pad, max + pad);
        Data { size, c_range, loss_range, lines, points }
    }

    /// A sentence describing the chart, for screen readers.
    pub fn summary(&self) -> String {
        let ends: Vec<String> = self
            .lines
            .iter()
            .filter_map(|(law, line)| {
                let (first, last) = (line.first()?, line.last()?);
                Some(format!(
                    "{} from {} at {} FLOPs to {} at {} FLOPs",
                    law.name(),
                    crate::format::plain(first.1).text(),
                    crate::format::sci(first.0).text(),
                    crate::format::plain(last.1).text(),
                    crate::format::sci(last.0).text()
                ))
            })
            .collect();
        format!(
            "Chart of predicted loss (y, nats per token) against training compute (x, log scale) at each fit's \
             compute-optimal split: {}. The answer's losses are in the table above.",
            ends.join("; ")
        )
    }
}

/// Draws the chart on a canvas, sizing the canvas to `data.size` first.
pub fn draw(canvas: &web_sys::HtmlCanvasElement, data: &Data) -> Result {
    draw_on(canvas_area(canvas, data.size)?, data)
}

/// Draws the chart on any plotters drawing area of `data.size`.
pub fn draw_on<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &Data) -> Result {
    let s = data.size;
    let mut chart = chart_builder(&root, s)?
        .build_cartesian_2d((data.c_range.0..data.c_range.1).log_scale(), data.loss_range.0..data.loss_range.1)
        .map_err(plot_err)?;
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, s);
    mesh.x_desc("training compute C (FLOPs)")
        .y_desc("predicted loss (nats/token)")
        .x_label_formatter(&|v| power_label(*v))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .draw()
        .map_err(plot_err)?;

    let thin = s.px(1.0).max(1) as u32;
    for (law, line) in &data.lines {
        chart
            .draw_series(LineSeries::new(line.iter().copied(), law_color(*law).stroke_width(thin * 2)))
            .map_err(plot_err)?;
    }
    let r = s.px(5.5).max(3);
    chart
        .draw_series(data.points.iter().map(|&(law, c, l)| Circle::new((c, l), r, law_color(law).filled())))
        .map_err(plot_err)?;
    chart
        .draw_series(data.points.iter().map(|&(_, c, l)| Circle::new((c, l), r, WHITE.stroke_width(thin))))
        .map_err(plot_err)?;
    root.present().map_err(plot_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::backend::SVGBackend;

    fn render(data: &Data) -> Result {
        let mut svg = String::new();
        draw_on(SVGBackend::with_string(&mut svg, (data.size.width, data.size.height)).into_drawing_area(), data)
    }

    #[test]
    fn loss_falls_with_compute_and_any_input_draws() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let results: Vec<Allocation> = LawId::ALL.iter().filter_map(|&l| compute_optimal(l, 1e21).ok()).collect();
        let data = Data::new(size, &results);
        for (law, line) in &data.lines {
            assert!(line.len() > 100, "{law}");
            assert!(line.windows(2).all(|w| w[1].1 < w[0].1), "{law}: loss falls as compute grows");
        }
        assert_eq!(data.points.len(), 4);
        render(&data).expect("drawn");
        for c in [1e-300, 1.0, 1e40, f64::NAN] {
            let mut odd = results.clone();
            odd.iter_mut().for_each(|a| a.flops = c);
            render(&Data::new(size, &odd)).expect("drawn");
        }
        assert!(render(&Data::new(Size { width: 10, height: 10, ratio: 1.0 }, &results)).is_err());
    }
}
