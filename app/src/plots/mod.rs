//! Charts drawn with plotters on a canvas, one file each; here the pieces they share: palette, layout, clipping, labels.
//!
//! Every chart is a pure function `draw(canvas, &data) -> Result<()>` over a data struct built beforehand, with a
//! `draw_on` generic over the plotters backend so a test can draw it without a browser.

pub mod allocation_plot;
pub mod batch_plot;
pub mod isoflop_plot;
pub mod loss_plot;
pub mod lr_plot;
pub mod optima_plot;
pub mod shape_plot;
pub mod sweep_chart;
pub mod train_curves;

use compute::scaling::LawId;
use plotters::chart::{ChartBuilder, MeshStyle};
use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::prelude::{Color, DrawingBackend, IntoFont, TRANSPARENT, WHITE};
use plotters::style::RGBColor;
use plotters_canvas::CanvasBackend;

/// The visible pieces of a line after clipping to a chart's view, each a run of (x, y) points.
pub type Pieces = Vec<Vec<(f64, f64)>>;

/// A chart's error, as text for the page.
pub type Result<T = ()> = std::result::Result<T, String>;

/// Turns any plotters error into the chart's error.
pub(crate) fn plot_err(e: impl std::fmt::Display) -> String {
    format!("could not draw the chart: {e}")
}

/// One colour per law, the same in every chart and in the HTML legends (Okabe–Ito, readable by colour-blind readers).
pub fn law_color(law: LawId) -> RGBColor {
    match law {
        LawId::Hoffmann => RGBColor(0, 114, 178),
        LawId::HoffmannRounded => RGBColor(86, 180, 233),
        LawId::Epoch => RGBColor(213, 94, 0),
        LawId::Kaplan => RGBColor(0, 158, 115),
    }
}

/// A colour as CSS text, for the legends next to the canvas.
pub fn css(color: RGBColor) -> String {
    format!("rgb({}, {}, {})", color.0, color.1, color.2)
}

/// Axis and label text.
pub const INK: RGBColor = RGBColor(27, 31, 36);
/// Secondary text and reference lines.
pub const MUTED: RGBColor = RGBColor(110, 118, 130);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(226, 229, 234);

/// The canvas a chart is drawn on: its size in canvas pixels and how many canvas pixels make one CSS pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
    /// Device pixel ratio: text and lines are scaled by it so they stay sharp and readable on every screen.
    pub ratio: f64,
}

impl Size {
    /// The canvas's CSS `width` and `height`: its canvas pixels over the pixel ratio.
    pub fn css(&self) -> String {
        format!("width:{}px;height:{}px", self.width as f64 / self.ratio, self.height as f64 / self.ratio)
    }

    /// `v` CSS pixels in canvas pixels.
    pub fn px(&self, v: f64) -> i32 {
        (v * self.ratio.clamp(0.5, 4.0)).round() as i32
    }

    /// Margins (top, right, bottom, left) and label areas (bottom, left) in canvas pixels: the chart builder and
    /// [`Size::plot_area`] both read them, so drawing and hit-testing agree.
    pub fn layout(&self) -> Layout {
        Layout { margin: self.px(14.0), x_labels: self.px(44.0), y_labels: self.px(62.0) }
    }

    /// The plotting rectangle (left, top, right, bottom), inclusive, in canvas pixels, as plotters lays it out.
    pub fn plot_area(&self) -> (i32, i32, i32, i32) {
        let l = self.layout();
        let (w, h) = (self.width as i32, self.height as i32);
        (l.margin + l.y_labels, l.margin, w - l.margin - 1, h - l.margin - l.x_labels - 1)
    }

    /// How many axis labels fit across `pixels` canvas pixels, at least 2.
    pub fn label_count(&self, pixels: i32) -> usize {
        (pixels / self.px(64.0).max(1)).max(2) as usize
    }
}

/// Margin and label-area sizes in canvas pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub margin: i32,
    pub x_labels: i32,
    pub y_labels: i32,
}

/// The canvas as a drawing area of `size`, after sizing the canvas to it (so drawing and hit-testing agree).
pub fn canvas_area(canvas: &web_sys::HtmlCanvasElement, size: Size) -> Result<DrawingArea<CanvasBackend, Shift>> {
    canvas.set_width(size.width);
    canvas.set_height(size.height);
    let backend = CanvasBackend::with_canvas_object(canvas.clone())
        .ok_or_else(|| "this browser gave no 2D canvas to draw on".to_string())?;
    Ok(backend.into_drawing_area())
}

/// Clears `root` and lays out a chart on it by [`Size::layout`]; refuses a canvas too small to hold one.
pub fn chart_builder<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    size: Size,
) -> Result<ChartBuilder<'a, 'b, DB>> {
    root.fill(&WHITE).map_err(plot_err)?;
    let (left, top, right, bottom) = size.plot_area();
    if right - left < 40 || bottom - top < 40 {
        return Err("the canvas is too small for this chart".to_string());
    }
    let layout = size.layout();
    let mut builder = ChartBuilder::on(root);
    builder.margin(layout.margin).x_label_area_size(layout.x_labels).y_label_area_size(layout.y_labels);
    Ok(builder)
}

/// The look every chart's axes share: label sizes, grid, axis colour, and as many labels as fit.
pub fn style_mesh<X: Ranged, Y: Ranged, DB: DrawingBackend>(mesh: &mut MeshStyle<'_, '_, X, Y, DB>, size: Size) {
    let (left, top, right, bottom) = size.plot_area();
    let font = |px: f64| ("sans-serif", size.px(px) as f64).into_font();
    mesh.x_labels(size.label_count(right - left))
        .y_labels(size.label_count(bottom - top).min(8))
        .label_style(font(12.0).color(&INK))
        .axis_desc_style(font(13.0).color(&INK))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED.stroke_width(1));
}

/// A log range [lo, hi] that plotters can draw: positive, finite, lo < hi, within [1e-30, 1e60].
pub fn log_range(lo: f64, hi: f64) -> (f64, f64) {
    let fix = |v: f64, fallback: f64| if v.is_finite() && v > 0.0 { v.clamp(1e-30, 1e60) } else { fallback };
    let lo = fix(lo, 1.0);
    let hi = fix(hi, lo * 10.0);
    if hi > lo * 1.000_001 {
        (lo, hi)
    } else {
        let mid = (lo * hi).sqrt();
        (mid / 10.0, mid * 10.0)
    }
}

/// A linear range [lo, hi] that plotters can draw: finite with lo < hi.
pub fn linear_range(lo: f64, hi: f64) -> (f64, f64) {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) if hi > lo => (lo, hi),
        (true, true) => (lo.min(hi) - 0.5, lo.max(hi) + 0.5),
        (true, false) => (lo, lo + 1.0),
        (false, true) => (hi - 1.0, hi),
        (false, false) => (0.0, 1.0),
    }
}

/// Axis label for a power of ten on a log axis: 1M, 10B, 100T; scientific (1e18) outside thousands..trillions.
pub fn power_label(v: f64) -> String {
    let exp = v.log10().round() as i32;
    if !v.is_finite() || v <= 0.0 {
        return String::new();
    }
    if (v / 10f64.powi(exp) - 1.0).abs() > 1e-6 {
        return crate::format::sci(v).text();
    }
    match exp {
        3..=14 => {
            let (suffix, base) = match exp {
                3..=5 => ("K", 3),
                6..=8 => ("M", 6),
                9..=11 => ("B", 9),
                _ => ("T", 12),
            };
            format!("{}{suffix}", 10i64.pow((exp - base) as u32))
        }
        0..=2 => format!("{}", 10i64.pow(exp as u32)),
        _ => format!("1e{exp}"),
    }
}

/// Clips a polyline to the box [x0, x1] × [y0, y1] in log space; returns the visible pieces. Points that are not
/// finite and positive break the line.
pub fn clip_log(points: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> Pieces {
    let ok = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite() && p.0 > 0.0 && p.1 > 0.0;
    let lg = |p: (f64, f64)| (p.0.log10(), p.1.log10());
    let bx = (x.0.log10(), x.1.log10());
    let by = (y.0.log10(), y.1.log10());
    let mut pieces: Pieces = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let clipped = if ok(&a) && ok(&b) { clip_segment(lg(a), lg(b), bx, by) } else { None };
        match clipped {
            Some((p, q)) => {
                let (p, q) = ((10f64.powf(p.0), 10f64.powf(p.1)), (10f64.powf(q.0), 10f64.powf(q.1)));
                if current.last() != Some(&p) {
                    if !current.is_empty() {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current.push(p);
                }
                current.push(q);
            }
            None => {
                if !current.is_empty() {
                    pieces.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces.retain(|p| p.len() >= 2);
    pieces
}

/// Liang–Barsky: the part of the segment a→b inside the box, if any.
fn clip_segment(a: (f64, f64), b: (f64, f64), x: (f64, f64), y: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0 - x.0), (dx, x.1 - a.0), (-dy, a.1 - y.0), (dy, y.1 - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some(((a.0 + t0 * dx, a.1 + t0 * dy), (a.0 + t1 * dx, a.1 + t1 * dy)))
}

/// `count` values spaced evenly in log between lo and hi (both included).
pub fn log_space(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    let n = count.max(2);
    (0..n).map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_the_inside_and_drops_bad_points() {
        let b = (1.0, 100.0);
        let pieces = clip_log(&[(0.1, 10.0), (1000.0, 10.0)], b, b);
        assert_eq!(pieces.len(), 1);
        let p = &pieces[0];
        assert!((p[0].0 - 1.0).abs() < 1e-9 && (p[1].0 - 100.0).abs() < 1e-9);
        assert!(clip_log(&[(1000.0, 1000.0), (2000.0, 1000.0)], b, b).is_empty());
        let broken = clip_log(&[(2.0, 2.0), (3.0, 3.0), (f64::NAN, 4.0), (5.0, 5.0), (6.0, 6.0)], b, b);
        assert_eq!(broken.len(), 2);
    }

    #[test]
    fn ranges_are_always_drawable() {
        for (lo, hi) in [(0.0, 0.0), (f64::NAN, 1.0), (5.0, 5.0), (-1.0, f64::INFINITY), (1e300, 1e301)] {
            let (a, b) = log_range(lo, hi);
            assert!(a.is_finite() && b.is_finite() && a > 0.0 && b > a, "{lo} {hi} -> {a} {b}");
            let (a, b) = linear_range(lo, hi);
            assert!(a.is_finite() && b.is_finite() && b > a, "{lo} {hi} -> {a} {b}");
        }
    }

    #[test]
    fn power_labels_read_naturally() {
        assert_eq!(power_label(1e9), "1B");
        assert_eq!(power_label(1e11), "100B");
        assert_eq!(power_label(1e13), "10T");
        assert_eq!(power_label(1e21), "1e21");
        assert_eq!(power_label(10.0), "10");
    }
}
