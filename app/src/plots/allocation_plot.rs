//! Parameters N against training tokens D, log-log: each fit's compute-optimal line, IsoFLOP lines, loss contours,
//! the answer's points and well-known models; plus the pixel mapping the hover tooltip uses to find a model.

use super::{
    canvas_area, chart_builder, clip_log, law_color, log_range, log_space, plot_err, power_label, style_mesh, Pieces,
    Result, Size, INK, MUTED,
};
use compute::scaling::known_models::{KnownModel, KNOWN_MODELS};
use compute::scaling::{compute_optimal, Allocation, LawId};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Everything the chart shows, computed beforehand so drawing is a pure function of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub size: Size,
    /// Visible range of N (x axis).
    pub n_range: (f64, f64),
    /// Visible range of D (y axis).
    pub d_range: (f64, f64),
    /// Each fit's compute-optimal (N, D) as the budget grows, already clipped to the view.
    pub frontiers: Vec<(LawId, Pieces)>,
    /// IsoFLOP lines N·D = C/6: the budget, whether it is the user's, and the visible pieces.
    pub isoflops: Vec<(f64, bool, Pieces)>,
    /// The fit whose loss contours are drawn.
    pub contour_law: LawId,
    /// Loss contours of that fit: the loss and the visible pieces.
    pub contours: Vec<(f64, Pieces)>,
    /// Well-known models inside the view.
    pub models: Vec<KnownModel>,
    /// The answer: each fit's compute-optimal (N, D).
    pub results: Vec<(LawId, f64, f64)>,
}

/// Budgets that get an IsoFLOP line (every two decades), when no budget was given or besides it.
const ISOFLOP_BUDGETS: [f64; 9] = [1e14, 1e16, 1e18, 1e20, 1e22, 1e24, 1e26, 1e28, 1e30];

impl Data {
    /// The chart for an answer: `results` are the fits' splits, `budget` the user's budget if one was given.
    pub fn new(size: Size, results: &[Allocation], budget: Option<f64>, contour_law: LawId) -> Data {
        let points: Vec<(LawId, f64, f64)> = results
            .iter()
            .filter(|a| a.n_opt.is_finite() && a.d_opt.is_finite() && a.n_opt > 0.0 && a.d_opt > 0.0)
            .map(|a| (a.fit, a.n_opt, a.d_opt))
            .collect();
        // The known models' region, widened to take in the answer with half a decade to spare.
        let (mut n_lo, mut n_hi, mut d_lo, mut d_hi): (f64, f64, f64, f64) = (1e8, 1e13, 1e10, 1e14);
        for &(_, n, d) in &points {
            n_lo = n_lo.min(n / 3.0);
            n_hi = n_hi.max(n * 3.0);
            d_lo = d_lo.min(d / 3.0);
            d_hi = d_hi.max(d * 3.0);
        }
        let n_range = log_range(n_lo.max(1.0), n_hi.min(1e30));
        let d_range = log_range(d_lo.max(1.0), d_hi.min(1e30));
        let clip = |line: &[(f64, f64)]| clip_log(line, n_range, d_range);

        let budgets = log_space(1e6, 1e45, 240);
        let frontiers = LawId::ALL
            .into_iter()
            .map(|law| {
                let line: Vec<(f64, f64)> = budgets
                    .iter()
                    .map(|&c| compute_optimal(law, c).map_or((f64::NAN, f64::NAN), |a| (a.n_opt, a.d_opt)))
                    .collect();
                (law, clip(&line))
            })
            .collect();

        let iso = |c: f64| clip(&[(n_range.0, c / (6.0 * n_range.0)), (n_range.1, c / (6.0 * n_range.1))]);
        let mut isoflops: Vec<(f64, bool, Pieces)> = ISOFLOP_BUDGETS
            .iter()
            .filter(|&&c| budget.is_none_or(|b| (c / b).log10().abs() > 0.5))
            .map(|&c| (c, false, iso(c)))
            .collect();
        if let Some(b) = budget.filter(|b| b.is_finite() && *b > 0.0) {
            isoflops.push((b, true, iso(b)));
        }
        isoflops.retain(|(_, _, pieces)| !pieces.is_empty());

        // Fewer contours where the chart is short, so their labels do not collide.
        let (_, top, _, bottom) = size.plot_area();
        let levels = if bottom - top < size.px(300.0) { 4 } else { 6 };
        let contours = contours(contour_law, n_range, d_range, levels);
        let inside = |n: f64, d: f64| (n_range.0..=n_range.1).contains(&n) && (d_range.0..=d_range.1).contains(&d);
        let models = KNOWN_MODELS.iter().copied().filter(|m| inside(m.params, m.tokens)).collect();
        Data { size, n_range, d_range, frontiers, isoflops, contour_law, contours, models, results: points }
    }

    /// Canvas pixel of (N, D), matching where plotters draws it.
    pub fn pixel(&self, n: f64, d: f64) -> (f64, f64) {
        let (left, top, right, bottom) = self.size.plot_area();
        let fx = (n.ln() - self.n_range.0.ln()) / (self.n_range.1.ln() - self.n_range.0.ln());
        let fy = (d.ln() - self.d_range.0.ln()) / (self.d_range.1.ln() - self.d_range.0.ln());
        (left as f64 + fx * (right - left) as f64, bottom as f64 - fy * (bottom - top) as f64)
    }

    /// The known model drawn nearest the canvas pixel (x, y), if one is within reach of a finger.
    pub fn model_near(&self, x: f64, y: f64) -> Option<KnownModel> {
        let reach = self.size.px(18.0) as f64;
        self.models
            .iter()
            .map(|m| {
                let (px, py) = self.pixel(m.params, m.tokens);
                (m, (px - x).hypot(py - y))
            })
            .filter(|(_, dist)| *dist <= reach)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(m, _)| *m)
    }

    /// A sentence describing the chart, for screen readers.
    pub fn summary(&self) -> String {
        let answer: Vec<String> = self
            .results
            .iter()
            .map(|(law, n, d)| {
                format!(
                    "{}: N = {}, D = {}",
                    law.name(),
                    crate::format::count(*n).text(),
                    crate::format::count(*d).text()
                )
            })
            .collect();
        format!(
            "Log-log chart of parameters (x) against training tokens (y) with each fit's compute-optimal line, \
             IsoFLOP lines, loss contours of {} and {} well-known models. The answer's points: {}. The known models \
             are listed in the table below.",
            self.contour_law.name(),
            self.models.len(),
            if answer.is_empty() { "none".to_string() } else { answer.join("; ") }
        )
    }
}

/// Loss contours L(N, D) = ℓ of a parametric fit, solved for D: D = (B / (ℓ − E − A/N^α))^(1/β).
/// Levels are spaced evenly in log of the reducible loss across the view, rounded to two decimals.
fn contours(law: LawId, n: (f64, f64), d: (f64, f64), count: usize) -> Vec<(f64, Pieces)> {
    let Some(fit) = law.fit() else { return Vec::new() };
    let p = fit.law;
    let reducible = |n: f64, d: f64| p.a / n.powf(p.alpha) + p.b / d.powf(p.beta);
    let (r_lo, r_hi) = (reducible(n.1, d.1), reducible(n.0, d.0));
    if !(r_lo.is_finite() && r_hi.is_finite() && r_lo > 0.0 && r_hi > r_lo) {
        return Vec::new();
    }
    let mut levels: Vec<f64> = (1..=count)
        .map(|k| p.e + r_lo * (r_hi / r_lo).powf(k as f64 / (count + 1) as f64))
        .map(|l| (l * 100.0).round() / 100.0)
        .collect();
    levels.dedup();
    let ns = log_space(n.0, n.1, 160);
    levels
        .into_iter()
        .map(|level| {
            let line: Vec<(f64, f64)> = ns
                .iter()
                .map(|&x| {
                    let rest = level - p.e - p.a / x.powf(p.alpha);
                    (x, if rest > 0.0 { (p.b / rest).powf(1.0 / p.beta) } else { f64::NAN })
                })
                .collect();
            (level, clip_log(&line, n, d))
        })
        .filter(|(_, pieces)| !pieces.is_empty())
        .collect()
}

/// Draws the chart on a canvas, sizing the canvas to `data.size` first.
pub fn draw(canvas: &web_sys::HtmlCanvasElement, data: &Data) -> Result {
    draw_on(canvas_area(canvas, data.size)?, data)
}

/// Draws the chart on any plotters drawing area of `data.size`.
pub fn draw_on<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &Data) -> Result {
    let s = data.size;
    let font = |size: f64| ("sans-serif", s.px(size) as f64).into_font();
    let mut chart = chart_builder(&root, s)?
        .build_cartesian_2d((data.n_range.0..data.n_range.1).log_scale(), (data.d_range.0..data.d_range.1).log_scale())
        .map_err(plot_err)?;
    let (left, top, right, bottom) = s.plot_area();
    debug_assert_eq!(
        chart.plotting_area().get_pixel_range(),
        (left..right + 1, top..bottom + 1),
        "hover and drawing must agree on the plotting area"
    );
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, s);
    mesh.x_desc("parameters N")
        .y_desc("training tokens D")
        .x_label_formatter(&|v| power_label(*v))
        .y_label_formatter(&|v| power_label(*v))
        .draw()
        .map_err(plot_err)?;

    let thin = s.px(1.0).max(1) as u32;
    let label = |color: &RGBColor, h: HPos, v: VPos| font(11.0).color(color).pos(Pos::new(h, v));
    let pad = s.px(4.0);

    for (flops, yours, pieces) in &data.isoflops {
        let style = if *yours { INK.stroke_width(thin * 2) } else { MUTED.mix(0.6).stroke_width(thin) };
        for piece in pieces {
            chart.draw_series(LineSeries::new(piece.iter().copied(), style)).map_err(plot_err)?;
        }
        if let Some(&start) = pieces.first().and_then(|p| p.first()) {
            let text = format!("{} FLOPs", crate::format::sci(*flops).text());
            let color = if *yours { INK } else { MUTED };
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(start) + Text::new(text, (pad, pad), label(&color, HPos::Left, VPos::Top)),
                ))
                .map_err(plot_err)?;
        }
    }

    let contour_color = law_color(data.contour_law).mix(0.45);
    for (loss, pieces) in &data.contours {
        for piece in pieces {
            chart
                .draw_series(LineSeries::new(piece.iter().copied(), contour_color.stroke_width(thin)))
                .map_err(plot_err)?;
        }
        if let Some(&end) = pieces.last().and_then(|p| p.last()) {
            let text = format!("L={loss:.2}");
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(end)
                        + Text::new(text, (-pad, -pad), label(&law_color(data.contour_law), HPos::Right, VPos::Bottom)),
                ))
                .map_err(plot_err)?;
        }
    }

    for (law, pieces) in &data.frontiers {
        for piece in pieces {
            chart
                .draw_series(LineSeries::new(piece.iter().copied(), law_color(*law).stroke_width(thin * 2)))
                .map_err(plot_err)?;
        }
    }

    let r = s.px(4.0).max(2);
    chart
        .draw_series(data.models.iter().map(|m| Circle::new((m.params, m.tokens), r, INK.stroke_width(thin * 2))))
        .map_err(plot_err)?;
    chart
        .draw_series(
            data.results.iter().map(|&(law, n, d)| Circle::new((n, d), r + s.px(1.5), law_color(law).filled())),
        )
        .map_err(plot_err)?;
    chart
        .draw_series(data.results.iter().map(|&(_, n, d)| Circle::new((n, d), r + s.px(1.5), WHITE.stroke_width(thin))))
        .map_err(plot_err)?;

    root.present().map_err(plot_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use compute::scaling::compute_optimal;
    use plotters::backend::SVGBackend;

    fn size() -> Size {
        Size { width: 640, height: 440, ratio: 1.0 }
    }

    fn answer(c: f64) -> Vec<Allocation> {
        LawId::ALL.iter().filter_map(|&l| compute_optimal(l, c).ok()).collect()
    }

    fn render(data: &Data) -> String {
        let mut svg = String::new();
        draw_on(SVGBackend::with_string(&mut svg, (data.size.width, data.size.height)).into_drawing_area(), data)
            .expect("drawn");
        svg
    }

    #[test]
    fn the_chart_draws_its_lines_and_models() {
        let data = Data::new(size(), &answer(5.76e23), Some(5.76e23), LawId::Hoffmann);
        assert_eq!(data.frontiers.len(), 4);
        assert!(data.frontiers.iter().all(|(_, p)| !p.is_empty()), "every fit's line is in view");
        assert!(data.contours.len() >= 4, "contours: {}", data.contours.len());
        assert!(data.isoflops.iter().any(|(c, yours, _)| *yours && *c == 5.76e23));
        assert_eq!(data.models.len(), KNOWN_MODELS.len());
        let svg = render(&data);
        assert!(svg.contains("parameters N") && svg.contains("5.76e23 FLOPs"));
    }

    #[test]
    fn hover_finds_the_model_drawn_under_the_pointer() {
        let data = Data::new(size(), &answer(5.76e23), Some(5.76e23), LawId::Epoch);
        let chinchilla = KNOWN_MODELS.iter().find(|m| m.name == "Chinchilla").expect("listed");
        let (x, y) = data.pixel(chinchilla.params, chinchilla.tokens);
        assert_eq!(data.model_near(x + 2.0, y - 2.0).map(|m| m.name), Some("Chinchilla"));
        assert_eq!(data.model_near(0.0, 0.0), None);
        // Every model's pixel lies inside the plotting area.
        let (l, t, r, b) = data.size.plot_area();
        for m in &data.models {
            let (x, y) = data.pixel(m.params, m.tokens);
            assert!((l as f64..=r as f64).contains(&x) && (t as f64..=b as f64).contains(&y), "{}", m.name);
        }
    }

    #[test]
    fn any_input_draws_without_panicking() {
        for c in [1e-300, 1.0, 1e6, 1e21, 1e40, f64::MAX, f64::NAN, f64::INFINITY, -1.0] {
            for law in LawId::ALL {
                let mut results = answer(c);
                if let Some(a) = results.first_mut() {
                    a.n_opt = f64::NAN;
                }
                let data = Data::new(size(), &results, Some(c), law);
                render(&data);
            }
        }
        for (w, h, ratio) in [(1, 1, 1.0), (120, 90, 1.0), (375, 280, 3.0), (2000, 1400, 2.0), (300, 200, 0.0)] {
            let data = Data::new(Size { width: w, height: h, ratio }, &answer(1e21), None, LawId::Epoch);
            let mut svg = String::new();
            let _ = draw_on(SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area(), &data);
        }
    }
}
