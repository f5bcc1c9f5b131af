//! A sweep chart on a canvas sized to its column, redrawn whenever its data changes, with its legend as HTML.

use crate::pages::chart_size::chart_size;
use crate::plots::sweep_chart::{self, Data};
use crate::plots::{css, Size};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;

/// One sweep chart with its title and legend.
#[component]
pub fn SweepChart(
    /// The chart's heading.
    title: &'static str,
    /// Builds the chart for a canvas of the given size; it reads the sweep's signals, so the chart fills in as runs
    /// finish.
    data: Callback<Size, Data>,
    /// The canvas's test id.
    testid: &'static str,
) -> impl IntoView {
    let wrap = NodeRef::<Div>::new();
    let canvas = NodeRef::<Canvas>::new();
    let size = chart_size(wrap, 0.58, 440.0);
    let chart = Memo::new(move |_| data.run(size.get()));
    let (problem, set_problem) = signal(None::<String>);
    // Pushes the chart out to the canvas.
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            set_problem.set(chart.with(|d| sweep_chart::draw(&c, d)).err());
        }
    });
    view! {
        <figure class="sweep-chart">
            <figcaption>{title}</figcaption>
            <div class="canvas-wrap" node_ref=wrap>
                <canvas
                    node_ref=canvas
                    data-testid=testid
                    role="img"
                    aria-label=move || chart.with(|d| d.alt.clone())
                    style=move || size.get().css()
                ></canvas>
            </div>
            <ul class="legend">
                {move || chart.with(|d| d.series.iter().map(|s| {
                    let style = if s.reference {
                        format!("border-top:2px dashed {};height:0", css(s.color))
                    } else {
                        format!("background:{}", css(s.color))
                    };
                    view! { <li><span class="swatch" style=style></span>{s.label.clone()}</li> }
                }).collect_view())}
            </ul>
            <Show when=move || problem.get().is_some()>
                <p class="warning">{move || problem.get()}</p>
            </Show>
        </figure>
    }
}
