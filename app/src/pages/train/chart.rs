//! A canvas sized to its column that redraws whenever its chart data changes.

use crate::pages::chart_size::chart_size;
use crate::plots::{train_curves, Size};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;

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
    let size = chart_size(wrap, aspect, 420.0);
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
                style=move || size.get().css()
            ></canvas>
            <Show when=move || problem.get().is_some()>
                <p class="warning">{move || problem.get()}</p>
            </Show>
        </div>
    }
}
