//! The sweep's queue: trains each planned run in turn through the Train page's driver (same slices under 50 ms, same
//! backend choice), turns each finished run into a [`RunResult`], and keeps the sweep record after every run so a
//! reload continues where it stopped.
//!
//! One runner serves the whole page and lives as long as the page (its signals belong to the app's root owner), so a
//! sweep keeps training while the visitor reads the tour or the calculator.

use super::choice::Choice;
use super::store::{self, Speed};
use crate::runs::store::{self as store_runs, StoredRun};
use crate::training::driver::{Command, Driver, Phase};
use crate::training::settings::{BackendPref, Plan};
use crate::training::tick::{iso_now, sleep_ms};
use compute::experiments::{PlannedRun, RunResult, SweepRecord};
use compute::gpu::Gpu;
use compute::train::{BackendKind, RunRecord, RunStatus, TrainConfig};
use leptos::prelude::*;
use std::rc::Rc;

/// Steps the speed measurement trains (after the backend choice).
const MEASURE_STEPS: usize = 12;

/// Where the queue is.
#[derive(Clone, Debug, PartialEq)]
pub enum State {
    /// Nothing training; the shown sweep may be partly done.
    Idle,
    /// Timing a few steps to estimate how long sweeps take here.
    Measuring,
    Running,
    Paused,
    /// Stop was pressed; the current run is being cut off (and will be trained again next time).
    Stopping,
    /// A run could not train; the text says why. Finished runs are kept.
    Failed(String),
}

/// The queue's signals. Copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Runner {
    /// The sweep shown and trained: its plan, finished runs and analysis.
    pub record: RwSignal<Option<SweepRecord>>,
    /// The storage key of the shown sweep ([`Choice::key`]).
    pub key: RwSignal<String>,
    pub state: RwSignal<State>,
    /// The run training now.
    pub current: RwSignal<Option<PlannedRun>>,
    /// The Train page's driver, which trains one run at a time.
    pub driver: Driver,
    /// This device's speed: measured by a timing run or by the sweep's own runs.
    pub speed: RwSignal<Option<Speed>>,
    /// Something the visitor should know that is not a failure (storage full, a record that could not be read).
    pub notice: RwSignal<Option<String>>,
}

thread_local! {
    static SHARED: std::cell::OnceCell<Runner> = const { std::cell::OnceCell::new() };
}

/// The page's one runner, created on first use under the app's root owner so changing views does not dispose it.
pub fn shared() -> Runner {
    SHARED.with(|cell| {
        *cell.get_or_init(|| {
            let mut root = Owner::current();
            while let Some(parent) = root.as_ref().and_then(Owner::parent) {
                root = Some(parent);
            }
            match root {
                Some(owner) => owner.with(Runner::new),
                None => Runner::new(),
            }
        })
    })
}

impl Runner {
    fn new() -> Runner {
        Runner {
            record: RwSignal::new(None),
            key: RwSignal::new(String::new()),
            state: RwSignal::new(State::Idle),
            current: RwSignal::new(None),
            driver: Driver::new(),
            speed: RwSignal::new(store::load_speed()),
            notice: RwSignal::new(None),
        }
    }

    /// True while measuring, training, paused or stopping: the choice cannot change then.
    pub fn busy(&self) -> bool {
        matches!(self.state.get(), State::Measuring | State::Running | State::Paused | State::Stopping)
    }

    /// Shows the sweep of `choice`: its stored runs, or none yet. Ignored while busy.
    pub fn show(self, choice: &Choice) {
        if self.busy() {
            return;
        }
        let key = choice.key();
        if self.key.get_untracked() == key && self.record.with_untracked(Option::is_some) {
            return;
        }
        let plan = choice.plan();
        let stored = match store::load(&key) {
            Ok(r) => r.filter(|r| r.plan == plan),
            Err(e) => {
                self.notice.set(Some(format!("The stored sweep could not be read and was set aside: {e}")));
                None
            }
        };
        let record =
            stored.unwrap_or_else(|| SweepRecord::new(plan, Vec::new(), String::new(), String::new(), String::new()));
        self.key.set(key);
        self.record.set(Some(record));
        self.state.set(State::Idle);
    }

    /// Trains the shown sweep's missing runs, in plan order, on `backend`.
    pub fn start(self, backend: BackendPref, gpu: Result<Rc<Gpu>, String>, command: String) {
        if self.busy() || self.record.with_untracked(Option::is_none) {
            return;
        }
        self.notice.set(None);
        self.state.set(State::Running);
        store::set_active(Some(&self.key.get_untracked()));
        leptos::task::spawn_local(async move {
            self.run(backend, gpu, command).await;
        });
    }

    /// Pauses or resumes the run in progress.
    pub fn toggle_pause(self) {
        match self.state.get_untracked() {
            State::Running => {
                self.driver.command.set(Command::Pause);
                self.state.set(State::Paused);
            }
            State::Paused => {
                self.driver.command.set(Command::Go);
                self.state.set(State::Running);
            }
            _ => {}
        }
    }

    /// Stops the sweep; the run in progress is dropped and trained again when the sweep continues.
    pub fn stop(self) {
        if matches!(self.state.get_untracked(), State::Running | State::Paused) {
            self.state.set(State::Stopping);
            self.driver.command.set(Command::Stop);
            store::set_active(None);
        }
    }

    /// Forgets the shown sweep's runs (storage included).
    pub fn reset(self) {
        if self.busy() {
            return;
        }
        store::remove(&self.key.get_untracked());
        self.record.update(|r| {
            if let Some(r) = r {
                *r = SweepRecord::new(r.plan.clone(), Vec::new(), String::new(), String::new(), String::new());
            }
        });
        self.state.set(State::Idle);
    }

    /// Times [`MEASURE_STEPS`] steps of the shown plan's median run on `backend` and keeps the speed.
    pub fn measure(self, backend: BackendPref, gpu: Result<Rc<Gpu>, String>) {
        let Some(planned) = self.record.with_untracked(|r| r.as_ref().and_then(|r| median_run(&r.plan.runs))) else {
            return;
        };
        if self.busy() {
            return;
        }
        let data = self.record.with_untracked(|r| r.as_ref().map(|r| (r.plan.data.clone(), r.plan.tokenizer.clone())));
        let Some((data, tokenizer)) = data else { return };
        self.state.set(State::Measuring);
        leptos::task::spawn_local(async move {
            let mut plan = match train_plan(&planned, &data, &tokenizer) {
                Ok(p) => p,
                Err(e) => return self.state.set(State::Failed(e)),
            };
            plan.train = TrainConfig {
                steps: MEASURE_STEPS,
                tokens: None,
                eval_every: MEASURE_STEPS + 1,
                eval_batches: 1,
                sample_every: MEASURE_STEPS + 1,
                ..plan.train
            };
            let Some(record) = self.train(plan, backend, gpu).await else {
                let why = self.driver.message.get_untracked().unwrap_or_else(|| "the timing run did not finish".into());
                return self.state.set(State::Failed(why));
            };
            let seconds = self.driver.progress.get_untracked().active_seconds;
            let flops = record.flops_per_token as f64 * record.tokens_seen as f64;
            if seconds > 0.0 && flops > 0.0 {
                self.keep_speed(Speed {
                    flops_per_second: flops / seconds,
                    backend: backend_words(&record),
                    source: format!("{} steps of {} (N = {})", record.steps, planned.id, planned.n()),
                    when: iso_now(),
                });
            }
            self.state.set(State::Idle);
        });
    }

    fn keep_speed(&self, speed: Speed) {
        store::save_speed(&speed);
        self.speed.set(Some(speed));
    }

    /// Trains one plan through the driver and waits for the end; the record if the run finished or diverged.
    async fn train(&self, plan: Plan, backend: BackendPref, gpu: Result<Rc<Gpu>, String>) -> Option<RunRecord> {
        self.driver.phase.set(Phase::Idle);
        self.driver.start(plan, backend, gpu);
        if self.state.get_untracked() == State::Paused {
            self.driver.command.set(Command::Pause);
        }
        while self.driver.phase.get_untracked() != Phase::Done {
            sleep_ms(100).await;
        }
        self.driver
            .record
            .get_untracked()
            .filter(|r| matches!(r.status, RunStatus::Finished | RunStatus::Diverged { .. }))
    }

    async fn run(self, mut backend: BackendPref, gpu: Result<Rc<Gpu>, String>, command: String) {
        while let Some(record) = self.record.get_untracked() {
            let Some(planned) = record.plan.runs.iter().find(|p| !record.runs.iter().any(|r| r.id == p.id)).cloned()
            else {
                store::set_active(None);
                self.state.set(State::Idle);
                break;
            };
            if self.state.get_untracked() == State::Stopping {
                self.state.set(State::Idle);
                break;
            }
            let plan = match train_plan(&planned, &record.plan.data, &record.plan.tokenizer) {
                Ok(p) => p,
                Err(e) => {
                    self.state.set(State::Failed(e));
                    break;
                }
            };
            self.current.set(Some(planned.clone()));
            let trained = self.train(plan, backend, gpu.clone()).await;
            self.current.set(None);
            if self.state.get_untracked() == State::Stopping {
                self.state.set(State::Idle);
                break;
            }
            let Some(run) = trained else {
                let why = self.driver.message.get_untracked().unwrap_or_else(|| "the run did not finish".into());
                store::set_active(None);
                self.state.set(State::Failed(format!("{}: {why}", planned.id)));
                break;
            };
            // Later runs use the backend the first one settled on, without timing both again.
            if backend == BackendPref::Auto {
                backend = if run.backend == BackendKind::Gpu { BackendPref::Gpu } else { BackendPref::Cpu };
            }
            let device = self.driver.backend_why.get_untracked().unwrap_or_else(|| backend_words(&run));
            let created = if record.created.is_empty() { iso_now() } else { record.created.clone() };
            keep_run(&record, &planned, run.clone(), self.notice);
            let mut runs = record.runs.clone();
            runs.push(RunResult::from_record(&planned, &run));
            let updated = SweepRecord::new(record.plan.clone(), runs, created, device, command.clone());
            if let Some(speed) = sweep_speed(&updated, &run) {
                self.keep_speed(speed);
            }
            if let Err(e) = store::save(&self.key.get_untracked(), &updated) {
                self.notice.set(Some(e));
            }
            self.record.set(Some(updated));
        }
    }
}

/// Stores a sweep's run with the page's other runs (IndexedDB), so the Train view's runs table lists and exports it.
fn keep_run(sweep: &SweepRecord, planned: &PlannedRun, run: RunRecord, notice: RwSignal<Option<String>>) {
    let name = format!("{} sweep ({}): {}", sweep.kind, sweep.budget, planned.id);
    let stored = StoredRun { id: store_runs::new_id(), name, record: run };
    leptos::task::spawn_local(async move {
        if let Err(e) = store_runs::save(&[stored]).await {
            notice.set(Some(format!("The run could not be added to the stored runs: {e}")));
        }
    });
}

/// The driver's plan for a planned run: its model and training settings, no samples until the end.
fn train_plan(planned: &PlannedRun, data: &str, tokenizer: &str) -> Result<Plan, String> {
    let cfg = planned.train_config();
    Ok(Plan {
        model: planned.model.clone(),
        train: TrainConfig { sample_every: cfg.steps + 1, ..cfg },
        data: data.parse().map_err(|e: compute::data::DataError| e.to_string())?,
        tokenizer: tokenizer.parse().map_err(|e: compute::data::DataError| e.to_string())?,
    })
}

/// The run of median cost: what a timing run should look like.
fn median_run(runs: &[PlannedRun]) -> Option<PlannedRun> {
    let mut sorted: Vec<&PlannedRun> = runs.iter().collect();
    sorted.sort_by(|a, b| a.estimated_flops().total_cmp(&b.estimated_flops()));
    sorted.get(sorted.len() / 2).map(|r| (*r).clone())
}

/// "WebGPU on <adapter>" or "the CPU backend".
fn backend_words(run: &RunRecord) -> String {
    match (&run.backend, &run.adapter) {
        (BackendKind::Gpu, Some(a)) if !a.name.is_empty() => format!("WebGPU on {}", a.name),
        (BackendKind::Gpu, _) => "WebGPU".into(),
        (BackendKind::Cpu, _) => "the CPU backend (WebAssembly)".into(),
    }
}

/// The speed of the sweep's timed runs: planned FLOPs over measured seconds.
fn sweep_speed(record: &SweepRecord, last: &RunRecord) -> Option<Speed> {
    let timed: Vec<(&RunResult, f64)> = record.runs.iter().filter_map(|r| Some((r, r.seconds?))).collect();
    let seconds: f64 = timed.iter().map(|(_, s)| s).sum();
    let flops: f64 = timed.iter().map(|(r, _)| r.planned.estimated_flops()).sum();
    (seconds > 0.0 && flops > 0.0).then(|| Speed {
        flops_per_second: flops / seconds,
        backend: backend_words(last),
        source: format!("{} finished runs of the {} sweep", timed.len(), record.kind),
        when: iso_now(),
    })
}
