//! Start, pause, resume and stop, and the progress bar with steps, tokens, speed, elapsed time and ETA.

use crate::device::{DeviceState, Probe};
use crate::format::count;
use crate::training::driver::{Command, Driver, Phase};
use crate::training::settings::{FieldError, Plan, Settings};
use compute::train::RunStatus;
use leptos::prelude::*;

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The run's buttons and progress.
#[component]
pub fn RunControls(
    /// The run.
    driver: Driver,
    /// What the settings come to.
    plan: Memo<Result<Plan, Vec<FieldError>>>,
    /// Every problem with the settings (Train stays disabled while there are any).
    errors: Signal<Vec<FieldError>>,
    /// The settings (for the backend preference).
    settings: RwSignal<Settings>,
) -> impl IntoView {
    let device = expect_context::<DeviceState>();
    let start = move |_| {
        let Ok(p) = plan.get_untracked() else { return };
        let gpu = match device.probe.get_untracked() {
            Probe::Ready(gpu) => Ok(gpu),
            Probe::Unavailable(m) => Err(m),
            Probe::Probing => Err("still looking for WebGPU".into()),
        };
        driver.start(p, settings.with_untracked(|s| s.backend), gpu);
    };
    let can_start =
        move || errors.with(|e| e.is_empty()) && !driver.busy() && !matches!(device.probe.get(), Probe::Probing);
    let phase = move || driver.phase.get();
    view! {
        <div class="run-controls">
            <div class="buttons">
                <button class="primary" data-testid="train-start" disabled=move || !can_start() on:click=start>
                    "Train"
                </button>
                <Show when=move || phase() == Phase::Running>
                    <button data-testid="train-pause" on:click=move |_| driver.command.set(Command::Pause)>"Pause"</button>
                </Show>
                <Show when=move || phase() == Phase::Paused>
                    <button data-testid="train-resume" on:click=move |_| driver.command.set(Command::Go)>"Resume"</button>
                </Show>
                <Show when=move || matches!(phase(), Phase::Running | Phase::Paused)>
                    <button data-testid="train-stop" on:click=move |_| driver.command.set(Command::Stop)>"Stop"</button>
                </Show>
            </div>
            <Show when=move || !errors.with(|e| e.is_empty())>
                <p class="field-error" data-testid="train-blocked">"Train is disabled until the settings marked in red are fixed."</p>
            </Show>
            {move || match phase() {
                Phase::Preparing(what) => view! { <p class="note" data-testid="train-preparing">{what}</p> }.into_any(),
                _ => ().into_any(),
            }}
            <Show when=move || driver.record.with(|r| r.is_some())>
                <ProgressBar driver=driver/>
            </Show>
            <Show when=move || driver.message.get().is_some()>
                <p class="warning" role="alert" data-testid="train-message">{move || driver.message.get()}</p>
            </Show>
        </div>
    }
}

/// Steps, tokens, tokens per second, elapsed time and ETA.
#[component]
fn ProgressBar(
    /// The run.
    driver: Driver,
) -> impl IntoView {
    let p = move || driver.progress.get();
    let status = move || {
        driver.record.with(|r| match r.as_ref().map(|r| &r.status) {
            Some(RunStatus::Running) if driver.phase.get() == Phase::Paused => "paused".to_string(),
            Some(RunStatus::Running) => "training".to_string(),
            Some(RunStatus::Finished) => "finished".to_string(),
            Some(RunStatus::Diverged { step }) => format!("diverged at step {step}"),
            Some(RunStatus::Stopped) => "stopped".to_string(),
            Some(RunStatus::Interrupted) => "interrupted".to_string(),
            None => String::new(),
        })
    };
    view! {
        <div class="progress" data-testid="progress">
            <progress
                data-testid="progress-bar"
                max=move || p().total.max(1).to_string()
                value=move || p().steps.to_string()
            ></progress>
            <p class="progress-text">
                <span data-testid="progress-status">{status}</span>" · "
                <span data-testid="progress-steps">{move || format!("step {} / {}", p().steps, p().total)}</span>" · "
                <span data-testid="progress-tokens">{move || format!("{} tokens", count(p().tokens as f64).text())}</span>" · "
                <span data-testid="progress-speed">{move || format!("{} tokens/s", count(p().tokens_per_second()).text())}</span>" · "
                <span>{move || format!("{} elapsed", clock(p().elapsed_seconds()))}</span>" · "
                <span data-testid="progress-eta">{move || match p().eta_seconds() {
                    Some(s) if p().steps < p().total => format!("about {} left", clock(s)),
                    _ => "—".to_string(),
                }}</span>
            </p>
        </div>
    }
}
