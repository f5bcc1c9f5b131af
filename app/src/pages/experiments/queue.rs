//! The queue: start, pause, stop and export; overall progress by FLOPs with an ETA at this device's speed; and every
//! planned run with its state and result.

use super::picker::{duration, rough};
use super::reference;
use super::runner::{Runner, State};
use crate::format::{count, plain, sci};
use compute::experiments::SweepRecord;
use leptos::prelude::*;

/// Overall progress: (fraction of the plan's FLOPs done, seconds left at the known speed).
fn progress(runner: Runner) -> (f64, Option<f64>) {
    let (done, total) = runner.record.with(|r| {
        r.as_ref().map_or((0.0, 0.0), |r| {
            let done: f64 = r.runs.iter().map(|x| x.planned.estimated_flops()).sum();
            (done, r.plan.estimated_flops())
        })
    });
    let current = runner.current.with(|c| c.as_ref().map_or(0.0, |c| c.estimated_flops()));
    let p = runner.driver.progress.get();
    let part = if p.total > 0 { current * p.steps as f64 / p.total as f64 } else { 0.0 };
    let frac = ((done + part) / total.max(1.0)).clamp(0.0, 1.0);
    let eta = runner.speed.with(|s| s.as_ref().map(|s| (total - done - part).max(0.0) / s.flops_per_second));
    (frac, eta)
}

/// Start, pause and stop buttons, the progress bar and the runs table.
#[component]
pub fn Queue(
    /// The page's runner.
    runner: Runner,
    /// Starts (or continues) the sweep.
    on_start: Callback<()>,
    /// Whether Start can be pressed (the device probe has settled or the CPU was chosen).
    ready: Signal<bool>,
) -> impl IntoView {
    let counts = move || runner.record.with(|r| r.as_ref().map_or((0, 0), |r| (r.runs.len(), r.plan.runs.len())));
    let state = runner.state;
    let start_label = move || match counts() {
        (0, _) => "Start sweep".to_string(),
        (d, t) if d < t => format!("Continue ({d} of {t} done)"),
        _ => "Sweep complete".to_string(),
    };
    let can_start = move || !runner.busy() && ready.get() && counts().0 < counts().1;
    let (export_error, set_export_error) = signal(None::<String>);
    view! {
        <div class="run-controls sweep-queue">
            <div class="buttons">
                <button class="primary" data-testid="sweep-start" disabled=move || !can_start() on:click=move |_| on_start.run(())>
                    {start_label}
                </button>
                <button data-testid="sweep-pause" disabled=move || !matches!(state.get(), State::Running | State::Paused)
                    on:click=move |_| runner.toggle_pause()>
                    {move || if state.get() == State::Paused { "Resume" } else { "Pause" }}
                </button>
                <button data-testid="sweep-stop" disabled=move || !matches!(state.get(), State::Running | State::Paused)
                    on:click=move |_| runner.stop()>"Stop"</button>
                <button data-testid="sweep-export" disabled=move || counts().0 == 0
                    on:click=move |_| {
                        let r = runner.record.get_untracked();
                        set_export_error.set(r.as_ref().and_then(|r| reference::export(r).err()));
                    }>"Export sweep JSON"</button>
                <button data-testid="sweep-reset" disabled=move || runner.busy() || counts().0 == 0
                    on:click=move |_| {
                        let ok = web_sys::window()
                            .and_then(|w| w.confirm_with_message("Forget this sweep's finished runs?").ok())
                            .unwrap_or(false);
                        if ok { runner.reset() }
                    }>"Forget runs"</button>
            </div>
            <div class="progress">
                <progress data-testid="sweep-progress" max="1" value=move || progress(runner).0></progress>
                <p class="progress-text" data-testid="sweep-status">{move || {
                    let (done, total) = counts();
                    let (frac, eta) = progress(runner);
                    let what = match state.get() {
                        State::Idle if done == total && total > 0 => "complete".to_string(),
                        State::Idle => "stopped".to_string(),
                        State::Measuring => "timing a few steps…".to_string(),
                        State::Running => "training".to_string(),
                        State::Paused => "paused".to_string(),
                        State::Stopping => "stopping…".to_string(),
                        State::Failed(_) => "failed".to_string(),
                    };
                    let eta = match (eta, state.get()) {
                        (Some(s), State::Running | State::Paused) => format!(" · about {} left", rough(s)),
                        (None, State::Running) => " · time left known after the first run".to_string(),
                        _ => String::new(),
                    };
                    format!("{done} of {total} runs · {:.0}% of the compute · {what}{eta}", frac * 100.0)
                }}</p>
                {move || runner.current.get().map(|c| {
                    let p = runner.driver.progress.get();
                    view! { <p class="progress-text" data-testid="sweep-current">
                        {format!("now: {} — step {} of {}", c.id, p.steps, p.total.max(c.steps as usize))}
                    </p> }
                })}
            </div>
            {move || runner.driver.backend_why.get().map(|why| view! { <p class="backend-why" data-testid="sweep-backend-why">{why}</p> })}
            {move || match state.get() { State::Failed(e) => Some(view! { <p class="warning" role="alert">{e}</p> }), _ => None }}
            {move || runner.notice.get().map(|n| view! { <p class="warning">{n}</p> })}
            {move || export_error.get().map(|n| view! { <p class="warning">{n}</p> })}
        </div>
        <details class="sweep-runs" open>
            <summary>"Runs"</summary>
            <div class="table-scroll" tabindex="0">
                <table data-testid="sweep-runs">
                    <caption>"Every run of the plan, in the order it trains: every configuration's first seed before any second seed"</caption>
                    <thead><tr>
                        <th scope="col">"run"</th><th scope="col">"N"</th><th scope="col">"tokens"</th><th scope="col">"batch"</th>
                        <th scope="col">"peak lr"</th><th scope="col">"FLOPs"</th><th scope="col">"state"</th>
                        <th scope="col">"val loss"</th><th scope="col">"time"</th>
                    </tr></thead>
                    <tbody>{move || runner.record.with(|r| r.as_ref().map(|r| rows(r, runner.current.with(|c| c.as_ref().map(|c| c.id.clone())))))}</tbody>
                </table>
            </div>
        </details>
    }
}

/// One row per planned run: done (with its loss), training or queued.
fn rows(record: &SweepRecord, current: Option<String>) -> impl IntoView {
    record
        .plan
        .runs
        .iter()
        .map(|p| {
            let result = record.runs.iter().find(|r| r.id == p.id);
            let (status, loss, time) = match result {
                Some(r) => (
                    if r.loss.is_some() { "done" } else { "diverged" },
                    r.loss.map_or_else(|| r.error.clone().unwrap_or_default(), |l| plain(l).text()),
                    r.seconds.map_or(String::new(), duration),
                ),
                None if current.as_deref() == Some(p.id.as_str()) => ("training", String::new(), String::new()),
                None => ("queued", String::new(), String::new()),
            };
            view! {
                <tr data-testid="sweep-run" data-status=status>
                    <td>{p.id.clone()}</td>
                    <td>{count(p.n()).text()}</td>
                    <td>{count(p.tokens as f64).text()}</td>
                    <td>{p.batch}</td>
                    <td>{sci(p.lr).text()}</td>
                    <td>{sci(p.estimated_flops()).text()}</td>
                    <td>{status}</td>
                    <td>{loss}</td>
                    <td>{time}</td>
                </tr>
            }
        })
        .collect_view()
}
