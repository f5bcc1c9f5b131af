//! The attention heat map: one small square per head, row = query position, column = key position, darker = more
//! attention; a pure `draw` over data computed beforehand (kept beside the Train page until plots/ is committed).

use crate::plots::{canvas_area, plot_err, Result, Size, INK};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One layer's attention for one prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub size: Size,
    pub layer: usize,
    /// Each head's (T, T) probabilities, row-major by query position.
    pub heads: Vec<Vec<f32>>,
    /// The prompt's tokens as text, one per position (T).
    pub tokens: Vec<String>,
}

impl Data {
    /// Heads per row of the grid.
    pub fn columns(&self) -> usize {
        self.heads.len().clamp(1, 4)
    }

    /// A sentence for screen readers.
    pub fn summary(&self) -> String {
        format!("attention of layer {} over {} tokens, {} heads", self.layer, self.tokens.len(), self.heads.len())
    }
}

/// Draws the heat maps on a canvas, sizing it to `data.size` first.
pub fn draw(canvas: &web_sys::HtmlCanvasElement, data: &Data) -> Result {
    draw_on(canvas_area(canvas, data.size)?, data)
}

/// White (0) to dark blue (1).
fn shade(p: f32) -> RGBColor {
    let p = p.clamp(0.0, 1.0) as f64;
    let mix = |lo: f64, hi: f64| (lo + (hi - lo) * p).round() as u8;
    RGBColor(mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0))
}

/// Draws on any plotters area of `data.size`.
pub fn draw_on<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, data: &Data) -> Result {
    root.fill(&WHITE).map_err(plot_err)?;
    let t = data.tokens.len();
    if t == 0 || data.heads.is_empty() {
        return Ok(());
    }
    let s = data.size;
    let cols = data.columns();
    let rows = data.heads.len().div_ceil(cols);
    let cell_w = s.width as i32 / cols as i32;
    let cell_h = s.height as i32 / rows as i32;
    let title_h = s.px(18.0);
    let label = s.px(12.0);
    let side = (cell_w - label - s.px(8.0)).min(cell_h - title_h - label - s.px(8.0));
    if side < t as i32 {
        return Err("the canvas is too small for this many tokens".into());
    }
    let px = side as f64 / t as f64;
    let font = ("sans-serif", s.px(12.0) as f64).into_font().color(&INK);
    let small = ("monospace", (px * 0.8).min(s.px(11.0) as f64)).into_font().color(&INK);
    for (h, probs) in data.heads.iter().enumerate() {
        let (x0, y0) = ((h % cols) as i32 * cell_w, (h / cols) as i32 * cell_h);
        root.draw(&Text::new(format!("head {h}"), (x0 + label, y0), font.clone())).map_err(plot_err)?;
        let (gx, gy) = (x0 + label, y0 + title_h + label);
        for q in 0..t {
            for k in 0..t {
                let (a, b) = ((gx as f64 + k as f64 * px) as i32, (gy as f64 + q as f64 * px) as i32);
                let (c, d) = ((gx as f64 + (k + 1) as f64 * px) as i32, (gy as f64 + (q + 1) as f64 * px) as i32);
                root.draw(&Rectangle::new([(a, b), (c, d)], shade(probs[q * t + k]).filled())).map_err(plot_err)?;
            }
        }
        root.draw(&Rectangle::new([(gx, gy), (gx + side, gy + side)], INK.stroke_width(1))).map_err(plot_err)?;
        if px >= 7.0 {
            for (i, tok) in data.tokens.iter().enumerate() {
                let c = (i as f64 + 0.25) * px;
                root.draw(&Text::new(tok.clone(), (gx + c as i32, gy - label), small.clone())).map_err(plot_err)?;
                root.draw(&Text::new(tok.clone(), (x0, gy + c as i32 - 2), small.clone())).map_err(plot_err)?;
            }
        }
    }
    root.present().map_err(plot_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_each_head_as_svg() {
        let t = 3;
        let head: Vec<f32> = vec![1.0, 0.0, 0.0, 0.5, 0.5, 0.0, 0.2, 0.3, 0.5];
        let data = Data {
            size: Size { width: 600, height: 300, ratio: 1.0 },
            layer: 0,
            heads: vec![head.clone(), head],
            tokens: (0..t).map(|i| i.to_string()).collect(),
        };
        let mut svg = String::new();
        draw_on(SVGBackend::with_string(&mut svg, (600, 300)).into_drawing_area(), &data).unwrap();
        assert!(svg.contains("head 1"), "both heads are titled");
    }
}
