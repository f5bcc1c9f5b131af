//! Choosing a sweep: which finding, how much compute, how many seeds and which backend, each budget with its time on
//! this device (from a measured speed, never a guess presented as one).

use super::choice::{Choice, MAX_SEEDS};
use super::runner::{Runner, State};
use super::store::Speed;
use crate::format::sci;
use crate::training::settings::BackendPref;
use crate::url;
use compute::experiments::{Budget, SweepKind};
use leptos::prelude::*;

/// What a laptop GPU realistically sustains through WebGPU on these small models, FLOP/s: the figure the budgets
/// were sized with (compute/src/experiments/mod.rs, [`Budget`]); shown only as an assumption until this device is
/// measured.
const ASSUMED_LAPTOP_GPU: f64 = 0.25e12;

/// "42 s", "3 min 20 s", "1 h 05 min", "2.5 days".
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "—".into();
    }
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        3600..172800 => format!("{} h {:02} min", s / 3600, s / 60 % 60),
        _ => format!("{:.1} days", seconds / 86400.0),
    }
}

/// A time to plan by, rounded as a person would: "40 s", "12 min", "3.5 h", "2.5 days".
pub fn rough(seconds: f64) -> String {
    match seconds {
        s if !s.is_finite() => "—".into(),
        s if s < 90.0 => format!("{:.0} s", s.max(1.0)),
        s if s < 3600.0 => format!("{:.0} min", s / 60.0),
        s if s < 172800.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} days", s / 86400.0),
    }
}

/// "≈ 12 min here" from the measured speed, or the time at the assumed laptop speed, said to be assumed.
fn estimate(flops: f64, speed: Option<&Speed>) -> String {
    match speed {
        Some(s) => format!("≈ {} here", rough(flops / s.flops_per_second)),
        None => format!("≈ {} on a laptop GPU (assumed)", rough(flops / ASSUMED_LAPTOP_GPU)),
    }
}

/// The sweep, budget, seeds and backend pickers, with time estimates and the speed measurement.
#[component]
pub fn Picker(
    /// The choice, kept in the URL.
    choice: RwSignal<Choice>,
    /// The page's runner (its speed and whether it is busy).
    runner: Runner,
    /// Starts the speed measurement.
    on_measure: Callback<()>,
) -> impl IntoView {
    let busy = Signal::derive(move || runner.busy());
    let set = move |f: &dyn Fn(&mut Choice)| {
        choice.update(|c| f(c));
        runner.show(&choice.get_untracked());
    };
    let speed = runner.speed;
    view! {
        <fieldset class="sweep-kinds" hidden=url::hidden("sweep") disabled=move || busy.get() || url::locked("sweep")>
            <legend>"Which finding"</legend>
            {SweepKind::ALL.into_iter().map(|k| view! {
                <label class="mode">
                    <input type="radio" name="sweep" data-testid=format!("sweep-{k}")
                        prop:checked=move || choice.with(|c| c.kind == k)
                        on:change=move |_| set(&|c| c.kind = k)/>
                    <span><strong>{title(k)}</strong><br/><small>{k.description()}</small></span>
                </label>
            }).collect_view()}
        </fieldset>
        <div class="sweep-fields">
            {(!url::hidden("sweep_budget")).then(|| view! {
                <div class="field">
                    <label for="sweep-budget">"Budget"</label>
                    <select id="sweep-budget" data-testid="sweep-budget" disabled=move || busy.get() || url::locked("sweep_budget")
                        on:change=move |e| {
                            let v = event_target_value(&e);
                            if let Ok(b) = v.parse::<Budget>() { set(&|c| c.budget = b) }
                        }>
                        {Budget::ALL.into_iter().map(|b| view! {
                            <option value=b.name() selected=move || choice.with(|c| c.budget == b)>
                                {move || {
                                    let plan = choice.with(|c| c.plan_at(b));
                                    format!("{} — {} runs, {} FLOPs, {}", b.name(), plan.runs.len(), sci(plan.estimated_flops()).text(),
                                        speed.with(|s| estimate(plan.estimated_flops(), s.as_ref())))
                                }}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            {(!url::hidden("seeds")).then(|| view! {
                <div class="field">
                    <label for="sweep-seeds">"Seeds per configuration"</label>
                    <select id="sweep-seeds" data-testid="sweep-seeds" disabled=move || busy.get() || url::locked("seeds")
                        on:change=move |e| {
                            let v = event_target_value(&e).parse().unwrap_or(0);
                            set(&|c| c.seeds = v)
                        }>
                        <option value="0" selected=move || choice.with(|c| c.seeds == 0)>
                            {move || format!("the budget's default ({})", choice.with(|c| c.budget.default_seeds()))}
                        </option>
                        {(1..=MAX_SEEDS).map(|k| view! {
                            <option value=k.to_string() selected=move || choice.with(|c| c.seeds == k)>{k.to_string()}</option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            {(!url::hidden("backend")).then(|| view! {
                <div class="field">
                    <label for="sweep-backend">"Backend"</label>
                    <select id="sweep-backend" data-testid="sweep-backend" disabled=move || busy.get() || url::locked("backend")
                        on:change=move |e| {
                            if let Some(b) = BackendPref::parse(&event_target_value(&e)) { set(&|c| c.backend = b) }
                        }>
                        {[(BackendPref::Auto, "auto: the GPU, or the faster one on a software GPU"), (BackendPref::Gpu, "WebGPU"), (BackendPref::Cpu, "CPU (WebAssembly)")]
                            .into_iter().map(|(b, text)| view! {
                                <option value=b.id() selected=move || choice.with(|c| c.backend == b)>{text}</option>
                            }).collect_view()}
                    </select>
                </div>
            })}
        </div>
        <p class="hint" data-testid="speed">
            {move || match speed.get() {
                Some(s) => format!(
                    "Times are estimated from {} GFLOP/s measured on {} ({}, {}).",
                    crate::format::plain(s.flops_per_second / 1e9).text(), s.backend, s.source, s.when.get(..10).unwrap_or(&s.when)),
                None => "Not measured on this device yet: the times assume 0.25 TFLOP/s, what a laptop GPU sustains \
                         on models this small. Measure to know."
                    .to_string(),
            }}
            " "
            <button class="link" data-testid="measure-speed" disabled=move || busy.get()
                on:click=move |_| on_measure.run(())>
                {move || if runner.state.get() == State::Measuring { "measuring…" } else { "Measure this device" }}
            </button>
        </p>
    }
}

/// The finding a sweep reproduces, as a short title.
pub fn title(kind: SweepKind) -> &'static str {
    match kind {
        SweepKind::Shape => "Does shape matter?",
        SweepKind::IsoFlop => "Parameters or data? (IsoFLOP)",
        SweepKind::LearningRate => "Which learning rate?",
        SweepKind::BatchSize => "Which batch size?",
    }
}
