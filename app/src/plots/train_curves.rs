//! Training curves against steps, tokens or FLOPs (loss with its entropy floor, learning rate, gradient norm), on
//! linear or log axes, one or several runs overlaid.

use super::{
    canvas_area, chart_builder, linear_range, log_range, plot_err, power_label, style_mesh, Result, Size, MUTED,
};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One line: its colour, whether it is dashed (validation), its points (x, y).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub color: RGBColor,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
}

/// Everything the chart shows, computed beforehand so drawing is a pure function of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub size: Size,
    pub x_desc: String,
    pub y_desc: String,
    pub log_x: bool,
    pub log_y: bool,
    pub lines: Vec<Line>,
    /// A horizontal reference line (the data's entropy floor), with its label.
    pub floor: Option<(f64, String)>,
}

impl Data {
    /// Axis ranges that hold every finite point (and the floor), positive on log axes.
    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let ok = |v: f64, log: bool| v.is_finite() && (!log || v > 0.0);
        let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        for p in self.lines.iter().flat_map(|l| &l.points) {
            if ok(p.0, self.log_x) && ok(p.1, self.log_y) {
                (x0, x1, y0, y1) = (x0.min(p.0), x1.max(p.0), y0.min(p.1), y1.max(p.1));
            }
        }
        if let Some((f, _)) = self.floor.as_ref().filter(|(f, _)| ok(*f, self.log_y)) {
            (y0, y1) = (y0.min(*f), y1.max(*f));
        }
        let x = if self.log_x { log_range(x0, x1) } else { linear_range(x0.min(0.0), x1) };
        let y = if self.log_y {
            log_range(y0 / 1.05, y1 * 1.05)
        } else {
            let pad = (y1 - y0).abs() * 0.05;
            linear_range(y0 - pad, y1 + pad)
        };
        (x, y)
    }

    /// A sentence for screen readers.
    pub fn summary(&self) -> String {
        let last = self.lines.first().and_then(|l| l.points.last());
        match last {
            Some((x, y)) => format!("{} against {}: latest {y:.4} at {x}", self.y_desc, self.x_desc),
            None => format!("{} against {}: no points yet", self.y_desc, self.x_desc),
        }
    }
}

/// Draws the chart on a canvas, sizing the canvas to `data.size` first.
pub fn draw(canvas: &web_sys::HtmlCanvasElement, data: &Data) -> Result {
    draw_on(canvas_area(canvas, data.size)?, data)
}

/// Draws the chart on any plotters drawing area of `data.size`. A log axis is drawn as a linear axis of log10 values
/// labelled with the values themselves.
pub fn draw_on<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &Data) -> Result {
    let s = data.size;
    let font = |size: f64| ("sans-serif", s.px(size) as f64).into_font();
    let (left, top, right, bottom) = s.plot_area();
    let (log_x, log_y) = (data.log_x, data.log_y);
    let tx = move |v: f64| if log_x { v.log10() } else { v };
    let ty = move |v: f64| if log_y { v.log10() } else { v };
    let (x, y) = data.ranges();
    let (x, y) = ((tx(x.0), tx(x.1)), (ty(y.0), ty(y.1)));
    let mut chart = chart_builder(&root, s)?.build_cartesian_2d(x.0..x.1, y.0..y.1).map_err(plot_err)?;
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, s);
    mesh.x_desc(data.x_desc.as_str())
        .y_desc(data.y_desc.as_str())
        .x_labels(s.label_count(right - left).min(8))
        .y_labels(s.label_count(bottom - top).min(6))
        .x_label_formatter(&|v| label(if log_x { 10f64.powf(*v) } else { *v }, log_x))
        .y_label_formatter(&|v| label(if log_y { 10f64.powf(*v) } else { *v }, log_y))
        .draw()
        .map_err(plot_err)?;
    let thin = s.px(1.0).max(1) as u32;
    let inside = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite() && (!log_x || p.0 > 0.0) && (!log_y || p.1 > 0.0);
    if let Some((floor, text)) = data.floor.as_ref().filter(|(f, _)| inside(&(1.0, *f))) {
        let f = ty(*floor);
        if (y.0..=y.1).contains(&f) {
            let pts = vec![(x.0, f), (x.1, f)];
            chart
                .draw_series(DashedLineSeries::new(pts, s.px(6.0) as u32, s.px(4.0) as u32, MUTED.stroke_width(thin)))
                .map_err(plot_err)?;
            let anchor = plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Bottom,
            );
            chart
                .draw_series(std::iter::once(Text::new(text.clone(), (x.0, f), font(11.0).color(&MUTED).pos(anchor))))
                .map_err(plot_err)?;
        }
    }
    for line in &data.lines {
        // A point that cannot be drawn (NaN after divergence, zero on a log axis) breaks the line there.
        for piece in line.points.split(|p| !inside(p)) {
            let piece: Vec<(f64, f64)> = piece.iter().map(|p| (tx(p.0), ty(p.1))).collect();
            let style = line.color.stroke_width(thin * 2);
            if line.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        piece.iter().copied(),
                        s.px(5.0) as u32,
                        s.px(3.0) as u32,
                        style,
                    ))
                    .map_err(plot_err)?;
                chart
                    .draw_series(piece.iter().map(|&p| Circle::new(p, s.px(3.0), line.color.filled())))
                    .map_err(plot_err)?;
            } else {
                chart.draw_series(LineSeries::new(piece.iter().copied(), style)).map_err(plot_err)?;
            }
        }
    }
    root.present().map_err(plot_err)
}

fn label(v: f64, log: bool) -> String {
    if log && (v.log10() - v.log10().round()).abs() < 1e-6 {
        power_label(v)
    } else if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-2) {
        format!("{v:.1e}")
    } else {
        format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::backend::SVGBackend;

    #[test]
    fn any_series_draws_on_every_axis_kind() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let points = vec![(1.0, 3.3), (2.0, f64::NAN), (10.0, 2.0), (100.0, 1.5), (0.0, 0.0)];
        for (log_x, log_y) in [(false, false), (true, false), (false, true), (true, true)] {
            let data = Data {
                size,
                x_desc: "step".into(),
                y_desc: "loss".into(),
                log_x,
                log_y,
                lines: vec![Line { color: RGBColor(0, 114, 178), dashed: false, points: points.clone() }],
                floor: Some((1.2, "entropy floor".into())),
            };
            let mut svg = String::new();
            draw_on(SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area(), &data).expect("drawn");
            let empty = Data { lines: vec![], ..data };
            let mut svg = String::new();
            draw_on(SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area(), &empty).expect("drawn");
        }
    }
}
