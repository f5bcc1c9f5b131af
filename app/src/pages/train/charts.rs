//! The run's curves: loss (train and validation, with the entropy floor), learning rate and gradient norm, against
//! steps, tokens or FLOPs, on linear or log axes.

use super::chart::CurvesCanvas;
use crate::plots::train_curves::{Data, Line};
use crate::training::driver::Driver;
use compute::train::RunRecord;
use leptos::prelude::*;
use plotters::style::RGBColor;

const TRAIN: RGBColor = RGBColor(0, 114, 178);
const VAL: RGBColor = RGBColor(213, 94, 0);
const OTHER: RGBColor = RGBColor(0, 158, 115);

/// What the x axis counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Axis {
    Steps,
    Tokens,
    Flops,
}

impl Axis {
    fn desc(self) -> &'static str {
        match self {
            Axis::Steps => "step",
            Axis::Tokens => "tokens",
            Axis::Flops => "training FLOPs (6N + 6·L·T·d per token)",
        }
    }

    fn x(self, r: &RunRecord, step: usize, tokens: u64) -> f64 {
        match self {
            Axis::Steps => step as f64,
            Axis::Tokens => tokens as f64,
            Axis::Flops => tokens as f64 * r.flops_per_token as f64,
        }
    }
}

/// The three charts and their axis switches.
#[component]
pub fn TrainCharts(
    /// The run whose curves are drawn.
    driver: Driver,
) -> impl IntoView {
    let (axis, set_axis) = signal(Axis::Steps);
    let (log_x, set_log_x) = signal(false);
    let (log_y, set_log_y) = signal(false);
    let loss = Callback::new(move |size| {
        driver.record.with(|r| {
            let mut lines = Vec::new();
            let mut floor = None;
            if let Some(r) = r {
                let a = axis.get();
                lines.push(Line {
                    color: TRAIN,
                    dashed: false,
                    points: r.train_series.iter().map(|p| (a.x(r, p.step, p.tokens), p.train_loss)).collect(),
                });
                lines.push(Line {
                    color: VAL,
                    dashed: true,
                    points: r.eval_series.iter().map(|p| (a.x(r, p.step, p.tokens), p.val_loss)).collect(),
                });
                floor = r
                    .data
                    .as_ref()
                    .and_then(|d| d.entropy_floor)
                    .map(|f| (f, format!("entropy floor {f:.3} nats/token")));
            }
            Data {
                size,
                x_desc: axis.get().desc().into(),
                y_desc: "loss (nats/token)".into(),
                log_x: log_x.get(),
                log_y: log_y.get(),
                lines,
                floor,
            }
        })
    });
    let series = move |size, desc: &'static str, pick: fn(&compute::train::TrainPoint) -> f64| {
        driver.record.with(|r| Data {
            size,
            x_desc: axis.get().desc().into(),
            y_desc: desc.into(),
            log_x: log_x.get(),
            log_y: false,
            lines: r
                .iter()
                .map(|r| Line {
                    color: OTHER,
                    dashed: false,
                    points: r.train_series.iter().map(|p| (axis.get().x(r, p.step, p.tokens), pick(p))).collect(),
                })
                .collect(),
            floor: None,
        })
    };
    let lr = Callback::new(move |size| series(size, "learning rate", |p| p.lr));
    let grad = Callback::new(move |size| series(size, "gradient norm (before clipping)", |p| p.grad_norm));
    view! {
        <Show when=move || driver.record.with(|r| r.is_some())>
            <section class="card" aria-labelledby="curves-title">
                <h2 id="curves-title">"Curves"</h2>
                <div class="chart-switches">
                    <label>"x axis "
                        <select data-testid="x-axis" on:change=move |e| set_axis.set(match event_target_value(&e).as_str() {
                            "tokens" => Axis::Tokens,
                            "flops" => Axis::Flops,
                            _ => Axis::Steps,
                        })>
                            <option value="steps">"steps"</option>
                            <option value="tokens">"tokens"</option>
                            <option value="flops">"FLOPs"</option>
                        </select>
                    </label>
                    <label><input type="checkbox" on:change=move |e| set_log_x.set(event_target_checked(&e))/>" log x"</label>
                    <label><input type="checkbox" on:change=move |e| set_log_y.set(event_target_checked(&e))/>" log loss"</label>
                </div>
                <ul class="legend">
                    <li><span class="swatch" style="background:rgb(0,114,178)"></span>"training loss"</li>
                    <li><span class="swatch" style="background:rgb(213,94,0)"></span>"validation loss"</li>
                    <li><span class="swatch dashed"></span>"entropy floor of the data (synthetic text only)"</li>
                </ul>
                <CurvesCanvas data=loss testid="loss-chart" aspect=0.5/>
                <button class="small" data-testid="loss-chart-png" on:click=move |_| {
                    let _ = crate::runs::export::download_canvas_png("loss-chart", "scaling-lab-loss.png");
                }>"Loss chart (PNG)"</button>
                <div class="chart-pair">
                    <CurvesCanvas data=lr testid="lr-chart" aspect=0.6/>
                    <CurvesCanvas data=grad testid="grad-chart" aspect=0.6/>
                </div>
                <p class="readout" data-testid="loss-readout">
                    {move || driver.record.with(|r| r.as_ref().map(|r| {
                        let first = r.train_series.first().map(|p| p.train_loss);
                        let last = r.train_series.last().map(|p| p.train_loss);
                        match (first, last) {
                            (Some(a), Some(b)) => format!("training loss {a:.4} → {b:.4}"),
                            _ => "waiting for the first loss reading…".to_string(),
                        }
                    }))}
                    {move || driver.record.with(|r| r.as_ref().and_then(|r| r.final_val_loss).map(|v| format!(" · validation {v:.4}")))}
                </p>
            </section>
        </Show>
    }
}
