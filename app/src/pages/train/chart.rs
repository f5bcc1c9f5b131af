//! A canvas sized to its column that redraws whenever its chart data changes.

use crate::plots::{train_curves, Size};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;

/// The canvas size for a chart: its column's width in CSS pixels times the screen's pixel ratio.
fn chart_size(wrap: NodeRef<Div>, aspect: f64) -> Signal<Size> {
    let (width, set_width) = signal(0.0f64);
    let measure = move || {
        if let Some(el) = wrap.get_untracked() {
            set_width.set(el.client_width() as f64);
        }
    };
    Effect::new(move |_| {
        if wrap.get().is_some() {
            measure();
        }
    });
    let handle = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || handle.remove());
    Signal::derive(move || {
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 3.0);
        let css_width = width.get().clamp(260.0, 900.0);
        let css_height = (css_width * aspect).clamp(200.0, 420.0);
        Size { width: (css_width * ratio) as u32, height: (css_height * ratio) as u32, ratio }
    })
}

/// A training-curves chart: `data` is built for the size it is given, drawn on every change.
#[component]
pub fn CurvesCanvas(
    /// Builds the chart's data for a canvas of the given size.
    data: Callback<Size, train_curves::Data>,
    /// The canvas's test id.
    testid: &'static str,
    /// Height over width.
    aspect: f64,
) -> impl IntoView {
    let wrap = NodeRef::<Div>::new();
    let canvas = NodeRef::<Canvas>::new();
    let size = chart_size(wrap, aspect);
    let chart = Memo::new(move |_| data.run(size.get()));
    let (problem, set_problem) = signal(None::<String>);
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            set_problem.set(chart.with(|d| train_curves::draw(&c, d)).err());
        }
    });
    view! {
        <div class="canvas-wrap" node_ref=wrap>
            <canvas
                node_ref=canvas
                data-testid=testid
                role="img"
                aria-label=move || chart.with(|d| d.summary())
                style=move || {
                    let s = size.get();
                    format!("width:{}px;height:{}px", s.width as f64 / s.ratio, s.height as f64 / s.ratio)
                }
            ></canvas>
            <Show when=move || problem.get().is_some()>
                <p class="warning">{move || problem.get()}</p>
            </Show>
        </div>
    }
}
