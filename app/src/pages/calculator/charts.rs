//! The calculator's two charts on canvases sized to their column, the hover tooltip, and the legend as HTML.

use super::answer::Answer;
use crate::format;
use crate::pages::chart_size::chart_size;
use crate::plots::{allocation_plot, css, law_color, loss_plot};
use crate::url;
use compute::scaling::known_models::KnownModel;
use compute::scaling::{Allocation, LawId};
use leptos::html::{Canvas, Figure};
use leptos::prelude::*;

/// Both charts, side by side where the screen is wide enough.
#[component]
pub fn Charts(
    /// The answer the charts show.
    answer: Memo<Option<Answer>>,
) -> impl IntoView {
    let results = Memo::new(move |_| {
        answer.with(|a| {
            a.as_ref()
                .map(|a| a.rows.iter().filter_map(|r| r.result.clone().ok()).collect::<Vec<Allocation>>())
                .unwrap_or_default()
        })
    });
    let budget = Memo::new(move |_| answer.with(|a| a.as_ref().and_then(|a| a.budget)));
    view! {
        <section class="card calc" aria-labelledby="charts-title">
            <h2 id="charts-title">"On the charts"</h2>
            <Legend/>
            <div class="charts">
                <AllocationChart results=results budget=budget/>
                <LossChart results=results/>
            </div>
        </section>
    }
}

/// Which colour is which fit, as text.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Colours of the fits">
            {LawId::ALL.into_iter().map(|law| view! {
                <li><span class="swatch" style=format!("background:{}", css(law_color(law)))></span>{law.name()}</li>
            }).collect_view()}
            <li><span class="swatch ring"></span>"well-known model (hover or tap for details)"</li>
        </ul>
    }
}

/// N against D with the fits' lines, IsoFLOPs, loss contours and well-known models; hovering a model names it.
#[component]
fn AllocationChart(
    /// Each fit's compute-optimal split.
    results: Memo<Vec<Allocation>>,
    /// The user's budget in FLOPs, drawn as a bold IsoFLOP line (none for a model or data size).
    budget: Memo<Option<f64>>,
) -> impl IntoView {
    let wrap = NodeRef::<Figure>::new();
    let canvas = NodeRef::<Canvas>::new();
    let size = chart_size(wrap, 0.72, 560.0);
    let initial = url::get("contours").and_then(|c| c.parse::<LawId>().ok()).filter(|l| l.fit().is_some());
    let contour_law = RwSignal::new(initial.unwrap_or(LawId::Hoffmann));
    Effect::new(move |_| {
        let law = contour_law.get();
        url::set(&[("contours", (law != LawId::Hoffmann).then(|| law.id().to_string()))]);
    });
    let data = Memo::new(move |_| {
        results.with(|r| allocation_plot::Data::new(size.get(), r, budget.get(), contour_law.get()))
    });
    let problem = NodeRef::<leptos::html::P>::new();
    Effect::new(move |_| draw_into(canvas, problem, |c| data.with(|d| allocation_plot::draw(c, d))));
    let hovered = RwSignal::new(None::<(KnownModel, f64, f64)>);
    let hover = move |ev: web_sys::PointerEvent| {
        let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
        // CSS pixels to canvas pixels, measured, in case the page scaled the canvas.
        let scale = canvas
            .get_untracked()
            .filter(|c| c.client_width() > 0)
            .map_or(1.0, |c| c.width() as f64 / c.client_width() as f64);
        let found = data.with_untracked(|d| d.model_near(x * scale, y * scale));
        hovered.set(found.map(|m| (m, x, y)));
    };
    view! {
        <figure class="chart" node_ref=wrap>
            <figcaption>
                "Parameters against training tokens, log-log. Thick lines: each fit's compute-optimal split as the "
                "budget grows. Grey lines: IsoFLOPs (N·D = C/6); the bold one is your budget. Faint lines: loss "
                "contours of "
                <select
                    aria-label="Fit whose loss contours are drawn"
                    data-testid="contour-law"
                    on:change=move |ev| {
                        if let Ok(law) = event_target_value(&ev).parse::<LawId>() {
                            contour_law.set(law);
                        }
                    }
                >
                    {LawId::ALL.into_iter().filter(|l| l.fit().is_some()).map(|law| view! {
                        <option value=law.id() selected=move || contour_law.get() == law>{law.name()}</option>
                    }).collect_view()}
                </select>
                "."
            </figcaption>
            <div class="canvas-wrap">
                <canvas
                    node_ref=canvas
                    data-testid="allocation-plot"
                    role="img"
                    aria-label=move || data.with(|d| d.summary())
                    style=move || size.get().css()
                    on:pointermove=hover
                    on:pointerdown=hover
                    on:pointerleave=move |_| hovered.set(None)
                ></canvas>
                {move || hovered.get().map(|(m, x, y)| view! { <Tooltip model=m x=x y=y width=size.get().width as f64 / size.get().ratio/> })}
            </div>
            <p class="warning" node_ref=problem hidden=true></p>
        </figure>
    }
}

/// Predicted loss against compute at each fit's compute-optimal split.
#[component]
fn LossChart(
    /// Each fit's compute-optimal split, marked on its line.
    results: Memo<Vec<Allocation>>,
) -> impl IntoView {
    let wrap = NodeRef::<Figure>::new();
    let canvas = NodeRef::<Canvas>::new();
    let size = chart_size(wrap, 0.72, 560.0);
    let data = Memo::new(move |_| results.with(|r| loss_plot::Data::new(size.get(), r)));
    let problem = NodeRef::<leptos::html::P>::new();
    Effect::new(move |_| draw_into(canvas, problem, |c| data.with(|d| loss_plot::draw(c, d))));
    view! {
        <figure class="chart" node_ref=wrap>
            <figcaption>
                "Predicted loss against training compute, each fit at its compute-optimal split; dots: the answer. "
                "Kaplan's loss is on WebText2, the others on MassiveText, so compare slopes, not heights."
            </figcaption>
            <div class="canvas-wrap">
                <canvas
                    node_ref=canvas
                    data-testid="loss-plot"
                    role="img"
                    aria-label=move || data.with(|d| d.summary())
                    style=move || size.get().css()
                ></canvas>
            </div>
            <p class="warning" node_ref=problem hidden=true></p>
        </figure>
    }
}

/// Runs a chart's draw on its canvas and shows its error, if any, in the paragraph below it.
fn draw_into(
    canvas: NodeRef<Canvas>,
    problem: NodeRef<leptos::html::P>,
    draw: impl FnOnce(&web_sys::HtmlCanvasElement) -> crate::plots::Result,
) {
    let Some(c) = canvas.get() else { return };
    let outcome = draw(&c);
    if let Some(p) = problem.get() {
        p.set_hidden(outcome.is_ok());
        p.set_text_content(outcome.err().as_deref());
    }
}

/// The box naming the model under the pointer.
#[component]
fn Tooltip(
    /// The model to describe.
    model: KnownModel,
    /// Pointer position in CSS pixels within the canvas.
    x: f64,
    /// Pointer position in CSS pixels within the canvas.
    y: f64,
    /// Canvas width in CSS pixels, to keep the box inside it.
    width: f64,
) -> impl IntoView {
    let left = (x + 14.0).min(width - 230.0).max(0.0);
    let approx = if model.tokens_approximate { " (approximate)" } else { "" };
    view! {
        <div class="tooltip" role="status" data-testid="plot-tooltip" style=format!("left:{left}px;top:{}px", y + 14.0)>
            <strong>{format!("{} ({})", model.name, model.year)}</strong>
            <br/>{format!("N = {} parameters", format::count(model.params).text())}
            <br/>{format!("D = {} tokens{approx}", format::count(model.tokens).text())}
            <br/>{format!("{} tokens per parameter", format::plain(model.tokens_per_param()).text())}
            <br/><small>{model.source}</small>
        </div>
    }
}
