//! The chart every sweep plot draws: points with seed error bars against a log x axis (linear or log y), fitted
//! lines, marked optima, vertical guides (a rule's value), and reference results drawn muted and dashed behind.

use super::{
    canvas_area, chart_builder, linear_range, log_range, plot_err, power_label, style_mesh, Result, Size, MUTED,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One measured point: mean over seeds and its standard deviation (0: one seed, no bar).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub err: f64,
}

/// One curve: its points joined by a thin line, its fit, its marked optimum.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    /// Reference results (a native sweep): hollow markers, dashed, behind the page's own.
    pub reference: bool,
    pub points: Vec<Point>,
    /// A fitted curve through the points (parabola, power law), drawn dashed; empty for none.
    pub fit: Vec<(f64, f64)>,
    /// The fitted or measured optimum, drawn as a diamond.
    pub best: Option<(f64, f64)>,
    /// Join the points with a line (false for scattered optima that only the fit joins).
    pub joined: bool,
}

/// A vertical dashed line at `x` with a short label (a rule's value, a critical batch).
#[derive(Clone, Debug, PartialEq)]
pub struct Guide {
    pub x: f64,
    pub color: RGBColor,
    pub label: String,
}

/// Everything the chart shows, computed beforehand so drawing is a pure function of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub size: Size,
    pub x_desc: String,
    pub y_desc: String,
    pub log_y: bool,
    pub series: Vec<Series>,
    pub guides: Vec<Guide>,
    /// A horizontal dashed line and its label (the best shape's 0%, the entropy floor).
    pub hline: Option<(f64, String)>,
    /// What the chart shows, for screen readers (the numbers are in the table beside it).
    pub alt: String,
}

/// One colour per series (Okabe–Ito, readable by colour-blind readers), the same in the chart and its HTML legend.
pub fn series_color(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 7] = [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(230, 159, 0),
        RGBColor(86, 180, 233),
        RGBColor(27, 31, 36),
    ];
    PALETTE[i % PALETTE.len()]
}

/// Reference (native) results: muted.
pub const REFERENCE: RGBColor = RGBColor(150, 156, 166);

impl Data {
    /// Axis ranges holding every drawable point, error bar, fit point and guide (x and log y positive).
    pub fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let ok = |x: f64, y: f64| x.is_finite() && x > 0.0 && y.is_finite() && (!self.log_y || y > 0.0);
        let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        let mut add = |x: f64, y: f64| {
            if ok(x, y) {
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
        };
        for s in &self.series {
            for p in &s.points {
                add(p.x, p.y - p.err);
                add(p.x, p.y + p.err);
                add(p.x, p.y);
            }
            s.best.iter().for_each(|b| add(b.0, b.1));
        }
        // Fits and guides widen x only where they stay near the data: a parabola's arms must not flatten the chart.
        let (mx0, mx1) = (x0, x1);
        for s in &self.series {
            for &(x, y) in &s.fit {
                if x >= mx0 / 3.0 && x <= mx1 * 3.0 && ok(x, y) {
                    (x0, x1) = (x0.min(x), x1.max(x));
                }
            }
        }
        for g in &self.guides {
            if g.x.is_finite() && g.x > 0.0 && (x0 > x1 || (g.x >= mx0 / 10.0 && g.x <= mx1 * 10.0)) {
                (x0, x1) = (x0.min(g.x), x1.max(g.x));
            }
        }
        if let Some((h, _)) = self.hline.as_ref().filter(|(h, _)| ok(1.0, *h)) {
            (y0, y1) = (y0.min(*h), y1.max(*h));
        }
        let x = log_range(x0 / 1.25, x1 * 1.25);
        let y = if self.log_y {
            log_range(y0 / 1.3, y1 * 1.3)
        } else {
            let pad = ((y1 - y0).abs() * 0.08).max(1e-3);
            linear_range(y0 - pad, y1 + pad)
        };
        (x, y)
    }
}

/// Draws the chart on a canvas, sizing the canvas to `data.size` first.
pub fn draw(canvas: &web_sys::HtmlCanvasElement, data: &Data) -> Result {
    draw_on(canvas_area(canvas, data.size)?, data)
}

/// Draws the chart on any plotters drawing area of `data.size`. The log axes are linear axes of log10 values
/// labelled with the values themselves.
pub fn draw_on<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &Data) -> Result {
    let s = data.size;
    let font = |px: f64| ("sans-serif", s.px(px) as f64).into_font();
    let (left, top, right, bottom) = s.plot_area();
    let log_y = data.log_y;
    let tx = |v: f64| v.log10();
    let ty = move |v: f64| if log_y { v.log10() } else { v };
    let ((x0, x1), (y0, y1)) = data.ranges();
    let (x, y) = ((tx(x0), tx(x1)), (ty(y0), ty(y1)));
    let mut chart = chart_builder(&root, s)?.build_cartesian_2d(x.0..x.1, y.0..y.1).map_err(plot_err)?;
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, s);
    mesh.x_desc(data.x_desc.as_str())
        .y_desc(data.y_desc.as_str())
        .x_labels(s.label_count(right - left).min(8))
        .y_labels(s.label_count(bottom - top).clamp(5, 7))
        .x_label_formatter(&|v| label(10f64.powf(*v), true))
        .y_label_formatter(&|v| if log_y { label(10f64.powf(*v), true) } else { label(*v, false) })
        .draw()
        .map_err(plot_err)?;

    let thin = s.px(1.0).max(1) as u32;
    let drawable = |p: (f64, f64)| p.0.is_finite() && p.0 > 0.0 && p.1.is_finite() && (!log_y || p.1 > 0.0);
    let at = |p: (f64, f64)| (tx(p.0), ty(p.1));
    let inside = |p: (f64, f64)| p.0 >= x.0 && p.0 <= x.1 && p.1 >= y.0 && p.1 <= y.1;
    let dashed = |pts: Vec<(f64, f64)>, color: RGBColor, width: u32| {
        DashedLineSeries::new(pts, s.px(6.0) as u32, s.px(4.0) as u32, color.stroke_width(width))
    };
    let small = Pos::new(HPos::Left, VPos::Top);

    if let Some((h, text)) = data.hline.as_ref().filter(|(h, _)| drawable((1.0, *h))) {
        let yh = ty(*h);
        chart.draw_series(dashed(vec![(x.0, yh), (x.1, yh)], MUTED, thin)).map_err(plot_err)?;
        chart
            .draw_series(std::iter::once(Text::new(text.clone(), (x.0, yh), font(11.0).color(&MUTED).pos(small))))
            .map_err(plot_err)?;
    }
    let guides = data.guides.iter().filter(|g| g.x.is_finite() && g.x > 0.0 && (x.0..=x.1).contains(&tx(g.x)));
    for (i, g) in guides.enumerate() {
        chart.draw_series(dashed(vec![(tx(g.x), y.0), (tx(g.x), y.1)], g.color, thin)).map_err(plot_err)?;
        // Labels step down one line each, so guides close together stay readable.
        let offset = (s.px(3.0), s.px(2.0) + i as i32 * s.px(13.0));
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((tx(g.x), y.1))
                    + Text::new(g.label.clone(), offset, font(11.0).color(&g.color).pos(small)),
            ))
            .map_err(plot_err)?;
    }
    // Reference series first, so the page's own results sit on top.
    let mut order: Vec<&Series> = data.series.iter().filter(|s| s.reference).collect();
    order.extend(data.series.iter().filter(|s| !s.reference));
    let r = s.px(4.0).max(2);
    for series in order {
        let color = series.color;
        let fit: Vec<(f64, f64)> =
            series.fit.iter().copied().filter(|p| drawable(*p)).map(at).filter(|p| inside(*p)).collect();
        if fit.len() >= 2 {
            chart.draw_series(dashed(fit, color, thin * 2)).map_err(plot_err)?;
        }
        let pts: Vec<Point> = series.points.iter().copied().filter(|p| drawable((p.x, p.y))).collect();
        if series.joined && pts.len() >= 2 {
            let line: Vec<(f64, f64)> = pts.iter().map(|p| at((p.x, p.y))).collect();
            if series.reference {
                chart.draw_series(dashed(line, color, thin)).map_err(plot_err)?;
            } else {
                chart.draw_series(LineSeries::new(line, color.stroke_width(thin))).map_err(plot_err)?;
            }
        }
        for p in &pts {
            if p.err > 0.0 && drawable((p.x, p.y - p.err)) {
                let (cx, lo) = at((p.x, p.y - p.err));
                let (_, hi) = at((p.x, p.y + p.err));
                let (lo, hi) = (lo.max(y.0), hi.min(y.1));
                let cap = s.px(4.0);
                let style = color.stroke_width(thin);
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(cx, lo), (cx, hi)], style)))
                    .map_err(plot_err)?;
                for end in [lo, hi] {
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((cx, end)) + PathElement::new(vec![(-cap, 0), (cap, 0)], style),
                        ))
                        .map_err(plot_err)?;
                }
            }
        }
        let marker = |p: (f64, f64)| {
            if series.reference {
                EmptyElement::at(p) + Circle::new((0, 0), r, color.stroke_width(thin))
            } else {
                EmptyElement::at(p) + Circle::new((0, 0), r, color.filled())
            }
        };
        chart.draw_series(pts.iter().map(|p| at((p.x, p.y))).filter(|p| inside(*p)).map(marker)).map_err(plot_err)?;
        if let Some(b) = series.best.filter(|b| drawable(*b)).map(at).filter(|b| inside(*b)) {
            let d = s.px(7.0);
            let diamond = vec![(0, -d), (d, 0), (0, d), (-d, 0)];
            chart
                .draw_series([
                    EmptyElement::at(b) + Polygon::new(diamond.clone(), WHITE.filled()),
                    EmptyElement::at(b)
                        + Polygon::new(diamond, color.mix(if series.reference { 0.5 } else { 1.0 }).filled()),
                ])
                .map_err(plot_err)?;
        }
    }
    root.present().map_err(plot_err)
}

/// A tick label: a power of ten on a log axis as 1k/1M (or 1e-3), otherwise two or three significant digits.
fn label(v: f64, log: bool) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if log && v > 0.0 && (v.log10() - v.log10().round()).abs() < 1e-6 {
        return if v >= 1.0 { power_label(v) } else { format!("1e{}", v.log10().round()) };
    }
    if log && (1e3..1e15).contains(&v) {
        return crate::format::count(v).text();
    }
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-2) {
        return format!("{v:.1e}");
    }
    let digits = if log { 2 } else { 3 };
    let decimals = (digits - 1 - v.abs().max(1e-12).log10().floor() as i32).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
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
    fn any_series_draws_even_empty_or_odd() {
        let size = Size { width: 640, height: 360, ratio: 1.0 };
        let points = vec![
            Point { x: 1.0, y: 2.0, err: 0.1 },
            Point { x: 10.0, y: 1.5, err: 0.0 },
            Point { x: f64::NAN, y: 1.0, err: 0.0 },
            Point { x: 0.0, y: 1.0, err: 0.0 },
        ];
        let series = |reference| Series {
            label: "N = 50k".into(),
            color: series_color(0),
            reference,
            points: points.clone(),
            fit: vec![(0.5, 2.2), (5.0, 1.4), (1e9, 9.0)],
            best: Some((5.0, 1.4)),
            joined: true,
        };
        for log_y in [false, true] {
            let data = Data {
                size,
                x_desc: "x".into(),
                y_desc: "y".into(),
                log_y,
                series: vec![series(true), series(false)],
                guides: vec![Guide { x: 3.0, color: MUTED, label: "rule".into() }],
                hline: Some((1.7, "floor".into())),
                alt: String::new(),
            };
            render(&data).expect("drawn");
            render(&Data { series: vec![], guides: vec![], hline: None, ..data }).expect("empty drawn");
        }
        assert_eq!(label(1000.0, true), "1K");
        assert_eq!(label(3.162, true), "3.2");
        assert_eq!(label(0.001, true), "1e-3");
        assert_eq!(label(31622.8, true), "31.6K");
    }
}

/// Sweeps with made-up losses (a Chinchilla-like law plus a penalty for far-off learning rates), for the sweep
/// charts' tests.
#[cfg(test)]
pub mod synthetic {
    use compute::experiments::{plan, Budget, CurvePoint, RunResult, SweepKind, SweepRecord};

    /// The chart drawn to an SVG string at its own size, as the sweep plots' tests draw it.
    pub fn svg(chart: &super::Data) -> super::Result<String> {
        use plotters::prelude::{IntoDrawingArea, SVGBackend};
        let mut svg = String::new();
        let size = (chart.size.width, chart.size.height);
        super::draw_on(SVGBackend::with_string(&mut svg, size).into_drawing_area(), chart)?;
        Ok(svg)
    }

    /// Checks a sweep chart drawn from the synthetic record: it has points, draws to SVG with its axis
    /// labels, and the same chart with no analysis is empty and still draws (an idle page).
    pub fn assert_draws(chart: &super::Data, empty: &super::Data) {
        assert!(chart.series.iter().any(|s| !s.points.is_empty()), "no points drawn: {:?}", chart.series);
        let drawn = svg(chart).expect("drawn");
        assert!(drawn.contains(chart.x_desc.as_str()), "the x axis is labelled {:?}", chart.x_desc);
        assert!(empty.series.is_empty(), "{:?}", empty.series);
        svg(empty).expect("an empty chart draws");
    }

    /// A whole `kind` sweep at `budget`, every run finished with a smooth curve.
    pub fn record(kind: SweepKind, budget: Budget) -> SweepRecord {
        let p = plan(kind, budget, 0);
        let runs = p
            .runs
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let (n, d) = (r.n(), r.tokens as f64);
                let noise = ((k as u64 * 2654435761) % 1000) as f64 / 1000.0 - 0.5;
                let mut loss = 0.52 + 40.0 / n.powf(0.34) + 300.0 / d.powf(0.28) + 0.01 * noise;
                if let Some(m) = r.labels.lr_multiplier {
                    loss += 0.05 * m.ln().powi(2);
                }
                let curve = (1..=8)
                    .map(|i| {
                        let step = r.steps * i / 8;
                        let tokens = step * (r.batch * r.context) as u64;
                        let fast = step as f64 * (r.batch as f64).sqrt() / 30.0;
                        CurvePoint { step, tokens, val_loss: loss + 2.0 / (1.0 + fast) }
                    })
                    .collect();
                RunResult::new(r, Some(loss), curve)
            })
            .collect();
        SweepRecord::new(p, runs, "test".into(), "synthetic".into(), "test".into())
    }
}
