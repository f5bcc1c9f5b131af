//! The trainer: one step at a time (async, so a page can draw, pause or stop between steps), the schedule, evaluation,
//! sampling, divergence and the run record, the same for the GPU and the CPU backend.

use super::backend::{check_settings, Backend, BackendChoice, StepStats};
use super::config::{TrainConfig, TrainConfigError};
use super::metrics::{EvalPoint, MetricEvent, RunRecord, RunStatus, SamplePoint, TrainPoint};
use super::pacer::{Pacer, Pause};
use super::sample::generate;
use super::schedule::lr_at;
use super::state::{params_hash, TrainerState};
use crate::config::ModelConfig;
use crate::cpu::CpuModel;
use crate::data::rng::Rng;
use crate::data::{eval_batches, Batcher, DataError, Dataset, Tokenizer};
use crate::gpu::GpuError;
use crate::params::init_params;
use std::fmt;

/// Seconds since some fixed moment; the caller supplies it because wasm has no `Instant` (the page passes
/// `performance.now() / 1000`).
pub type Clock = Box<dyn Fn() -> f64>;

/// A wall clock from `std::time::Instant` (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn native_clock() -> Clock {
    let start = std::time::Instant::now();
    Box::new(move || start.elapsed().as_secs_f64())
}

/// Why a run could not start or go on.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainError {
    Config(TrainConfigError),
    /// The model config is invalid or does not match the data.
    Model(String),
    Data(DataError),
    Gpu(GpuError),
    /// A saved trainer state that cannot continue this run (damaged, or saved for other weights, data or model).
    State(String),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Config(e) => write!(f, "training settings: {e}"),
            TrainError::Model(e) => write!(f, "model: {e}"),
            TrainError::Data(e) => write!(f, "data: {e}"),
            TrainError::Gpu(e) => e.fmt(f),
            TrainError::State(e) => write!(f, "saved trainer state: {e}"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<GpuError> for TrainError {
    fn from(e: GpuError) -> Self {
        TrainError::Gpu(e)
    }
}

/// Loss readings allowed on their way back before the trainer waits for the oldest: bounds how far the CPU runs
/// ahead of the GPU without ever stalling on the newest step.
const MAX_IN_FLIGHT: usize = 2;

/// A training run in progress. Drive it with [`Trainer::step`] until [`Trainer::is_done`].
pub struct Trainer {
    backend: Backend,
    model: ModelConfig,
    cfg: TrainConfig,
    t: usize,
    total: usize,
    batcher: Batcher,
    /// Padded validation batches (tokens, targets, real rows), each batch × t.
    eval: Vec<(Vec<u32>, Vec<u32>, usize)>,
    tokenizer: Tokenizer,
    prompt: Vec<u32>,
    sample_rng: Rng,
    clock: Clock,
    start: f64,
    step: usize,
    record: RunRecord,
    /// Events already in the record (readings collected by a snapshot) that the next `step` or `stop` hands out.
    queued: Vec<MetricEvent>,
    /// Chunks CPU steps and evaluations with pauses between them, when the page asked for it.
    pacer: Option<Pacer>,
}

impl Trainer {
    /// Sets up a run of `model` on `data` with `cfg`: the model is initialised from `cfg.seed` (nanoGPT's init) and
    /// batches drawn from the same seed. `created` is the caller's timestamp for the record.
    pub fn new(
        choice: BackendChoice,
        model: &ModelConfig,
        cfg: &TrainConfig,
        data: &Dataset,
        created: String,
        clock: Clock,
    ) -> Result<Trainer, TrainError> {
        check_settings(&choice, model, cfg)?;
        let params = init_params(model, cfg.seed);
        Trainer::with_params(choice, model, cfg, data, created, clock, params)
    }

    /// As [`Trainer::new`], starting from given parameters (in `ParamLayout` order), e.g. a loaded checkpoint.
    pub fn with_params(
        choice: BackendChoice,
        model: &ModelConfig,
        cfg: &TrainConfig,
        data: &Dataset,
        created: String,
        clock: Clock,
        params: Vec<f32>,
    ) -> Result<Trainer, TrainError> {
        check_settings(&choice, model, cfg)?;
        if model.vocab_size != data.vocab_size() {
            return Err(TrainError::Model(format!(
                "vocab_size is {} but the `{}` tokenizer has {} tokens; set vocab_size to {}",
                model.vocab_size,
                data.tokenizer.spec(),
                data.vocab_size(),
                data.vocab_size()
            )));
        }
        let t = cfg.context(model);
        data.check_context(t).map_err(TrainError::Data)?;
        let backend = Backend::new(&choice, model, cfg, t, params)?;
        let eval = eval_batches(data.val_tokens(), cfg.batch, t, cfg.eval_batches)
            .into_iter()
            .map(|(mut x, mut y)| {
                let rows = x.len() / t;
                // Pad short batches with copies of their first row; only the real rows are scored.
                while x.len() < cfg.batch * t {
                    x.extend_from_within(..t);
                    y.extend_from_within(..t);
                }
                (x, y, rows)
            })
            .collect();
        let mut record = RunRecord::new(created, model, cfg, backend.kind());
        record.data = Some(data.summary());
        record.notes.extend(data.warnings.iter().cloned());
        record.dispatches_per_step = backend.dispatches_per_step();
        if let Backend::Gpu(g) = &backend {
            record.adapter = Some(g.gpu().report.clone());
            if cfg.sample_tokens > 0 {
                record.notes.push("samples are drawn on the CPU model from parameters copied off the GPU".into());
            }
        }
        let start = clock();
        Ok(Trainer {
            total: cfg.total_steps(model),
            batcher: data.batcher(cfg.seed),
            tokenizer: data.tokenizer.clone(),
            prompt: data.val_tokens()[..1].to_vec(),
            sample_rng: Rng::new(cfg.seed ^ 0x005A_4D50_4C45),
            backend,
            model: model.clone(),
            cfg: cfg.clone(),
            t,
            eval,
            clock,
            start,
            step: 0,
            record,
            queued: Vec::new(),
            pacer: None,
        })
    }

    /// Continues a run from `params` and the `state` saved with them by [`Trainer::snapshot`], on either backend
    /// (whichever saved it): the same run, record and curve, and exactly the steps it would have taken had it not
    /// stopped. Refuses a state that does not belong to these weights, this data or a valid model, saying why.
    pub fn resume(
        choice: BackendChoice,
        data: &Dataset,
        params: Vec<f32>,
        state: &TrainerState,
        clock: Clock,
    ) -> Result<Trainer, TrainError> {
        state.check().map_err(TrainError::State)?;
        let saved = &state.record;
        if params.len() != state.optimizer.m.len() {
            return Err(TrainError::State(format!(
                "{} weights were given but the state belongs to a model of {}",
                params.len(),
                state.optimizer.m.len()
            )));
        }
        if params_hash(&params) != state.params_hash {
            return Err(TrainError::State("it was saved with other weights than these".into()));
        }
        let now = data.summary();
        let same = |d: &crate::data::DataSummary| {
            (d.data == now.data && d.tokenizer == now.tokenizer && d.vocab_size == now.vocab_size)
                && (d.train_tokens == now.train_tokens && d.val_tokens == now.val_tokens)
        };
        if !saved.data.as_ref().is_some_and(same) {
            let was = saved.data.as_ref().map_or("unknown data".into(), |d| format!("{} ({})", d.data, d.tokenizer));
            return Err(TrainError::State(format!(
                "it was saved on {was}, not on {} ({}) as loaded now",
                now.data, now.tokenizer
            )));
        }
        let mut t =
            Trainer::with_params(choice, &saved.model, &saved.train, data, saved.created.clone(), clock, params)?;
        t.batcher.restore(&state.batcher).map_err(|e| TrainError::State(format!("data position: {e}")))?;
        t.sample_rng = Rng::from_state(state.sample_rng).expect("checked non-zero");
        t.backend.restore_optimizer(&state.optimizer);
        t.step = state.step;
        t.start = (t.clock)() - state.seconds;
        // The saved record goes on, now on this backend; notes the new one adds (data, sampling) are kept once.
        let mut record = saved.clone();
        record.status = RunStatus::Running;
        record.backend = t.record.backend;
        record.adapter = t.record.adapter.take();
        record.dispatches_per_step = t.record.dispatches_per_step;
        for note in std::mem::take(&mut t.record.notes) {
            if !record.notes.contains(&note) {
                record.notes.push(note);
            }
        }
        record.notes.push(format!(
            "resumed at step {} on the {} backend from its saved trainer state (weights, AdamW moments, data \
             position), continuing exactly",
            state.step,
            match record.backend {
                super::BackendKind::Gpu => "GPU",
                super::BackendKind::Cpu => "CPU",
            }
        ));
        t.record = record;
        Ok(t)
    }

    /// The weights and the state to continue this run later with [`Trainer::resume`]. Loss readings still on their
    /// way are collected into the record first (and handed out by the next `step`), so nothing is counted twice.
    pub async fn snapshot(&mut self) -> Result<(Vec<f32>, TrainerState), TrainError> {
        let mut events = Vec::new();
        for r in self.backend.readings(true).await? {
            if self.reading(r, &mut events) {
                break;
            }
        }
        let events = self.finish(events);
        self.queued.extend(events);
        let params = self.backend.params().await?;
        let optimizer = self.backend.optimizer_state().await?;
        let state = TrainerState {
            step: self.step,
            optimizer,
            batcher: self.batcher.state(),
            sample_rng: self.sample_rng.state(),
            seconds: self.seconds(),
            params_hash: params_hash(&params),
            record: self.record.clone(),
        };
        Ok((params, state))
    }

    /// On the CPU backend, splits every step and evaluation into chunks of whole sequences of at most `max_task_s`
    /// seconds each and awaits `pause` between them, so a page training on its main thread stays responsive (one
    /// sequence is the smallest chunk). No effect on the GPU backend, whose work runs off the thread anyway.
    pub fn set_pause(&mut self, pause: Pause, max_task_s: f64) {
        self.pacer = Some(Pacer::new(pause, max_task_s));
    }

    /// True once the run finished, diverged or was stopped: further `step` calls do nothing.
    pub fn is_done(&self) -> bool {
        self.record.status != RunStatus::Running
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// Planned steps.
    pub fn total_steps(&self) -> usize {
        self.total
    }

    /// The record so far (complete once [`Trainer::is_done`]).
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    fn seconds(&self) -> f64 {
        (self.clock)() - self.start
    }

    /// Runs one optimiser step and returns what became known: loss readings (every `log_every` steps, arriving a
    /// little later on the GPU), evaluations, samples and the final status.
    pub async fn step(&mut self) -> Result<Vec<MetricEvent>, TrainError> {
        let mut out = std::mem::take(&mut self.queued);
        out.extend(self.step_once().await?);
        Ok(out)
    }

    async fn step_once(&mut self) -> Result<Vec<MetricEvent>, TrainError> {
        if self.is_done() {
            return Ok(Vec::new());
        }
        let s = self.step;
        let lr = lr_at(&self.cfg, s, self.total);
        let (x, y) = self.batcher.next_batch(self.cfg.batch, self.t);
        let n = s + 1;
        let last = n == self.total;
        let eval_due = last || (self.cfg.eval_every > 0 && n.is_multiple_of(self.cfg.eval_every));
        let sample_due = self.cfg.sample_tokens > 0
            && (last || (self.cfg.sample_every > 0 && n.is_multiple_of(self.cfg.sample_every)));
        let read = last || eval_due || n.is_multiple_of(self.cfg.log_every);
        self.train_step(&x, &y, lr, read).await?;
        self.step = n;
        self.record.steps = n;
        self.record.tokens_seen = self.batcher.tokens_consumed();
        self.record.epochs = self.batcher.epochs();

        let mut events = Vec::new();
        let wait = eval_due || sample_due || last;
        let mut readings = self.backend.readings(wait).await?;
        if !wait && self.backend.in_flight() > MAX_IN_FLIGHT {
            readings.extend(self.backend.readings(true).await?);
        }
        for r in readings {
            if self.reading(r, &mut events) {
                return Ok(self.finish(events));
            }
        }
        if eval_due {
            let val_loss = self.eval_loss().await?;
            let point = EvalPoint { step: n, tokens: self.record.tokens_seen, seconds: self.seconds(), val_loss };
            events.push(MetricEvent::Eval(point));
            if !val_loss.is_finite() {
                events.push(MetricEvent::Status(RunStatus::Diverged { step: n }));
                return Ok(self.finish(events));
            }
        }
        if sample_due {
            events.push(MetricEvent::Sample(self.sample().await?));
        }
        if last {
            events.push(MetricEvent::Status(RunStatus::Finished));
        }
        Ok(self.finish(events))
    }

    /// Turns a loss reading into an event; true when it shows divergence (the status event is added).
    fn reading(&mut self, r: StepStats, events: &mut Vec<MetricEvent>) -> bool {
        let tokens = r.step as u64 * self.cfg.tokens_per_step(&self.model);
        events.push(MetricEvent::Train(TrainPoint {
            step: r.step,
            tokens,
            seconds: self.seconds(),
            train_loss: r.mean_loss,
            lr: r.lr,
            grad_norm: r.grad_norm,
        }));
        if !r.mean_loss.is_finite() {
            events.push(MetricEvent::Status(RunStatus::Diverged { step: r.step }));
            return true;
        }
        false
    }

    /// Applies events to the record and returns them.
    fn finish(&mut self, events: Vec<MetricEvent>) -> Vec<MetricEvent> {
        for e in &events {
            self.record.apply(e);
        }
        self.record.seconds = self.seconds();
        events
    }

    /// Stops the run where it is: outstanding loss readings are collected and the status set to stopped.
    pub async fn stop(&mut self) -> Result<Vec<MetricEvent>, TrainError> {
        let mut out = std::mem::take(&mut self.queued);
        out.extend(self.stop_once().await?);
        Ok(out)
    }

    async fn stop_once(&mut self) -> Result<Vec<MetricEvent>, TrainError> {
        if self.is_done() {
            return Ok(Vec::new());
        }
        let mut events = Vec::new();
        for r in self.backend.readings(true).await? {
            if self.reading(r, &mut events) {
                return Ok(self.finish(events));
            }
        }
        events.push(MetricEvent::Status(RunStatus::Stopped));
        Ok(self.finish(events))
    }

    /// Mean validation loss (nats per token) over the fixed validation batches.
    pub async fn eval_loss(&mut self) -> Result<f64, TrainError> {
        let (sum, count) = match (&mut self.backend, &mut self.pacer) {
            (Backend::Cpu(cpu), Some(pacer)) => {
                let (mut sum, mut count) = (0.0, 0);
                let rows = pacer.rows(self.cfg.batch);
                let per = rows * self.t;
                for (x, y, real) in &self.eval {
                    for (i, (xc, yc)) in x.chunks(per).zip(y.chunks(per)).enumerate() {
                        let (s, c) = cpu.eval_rows(xc, yc, rows, real.saturating_sub(i * rows));
                        (sum, count) = (sum + s, count + c);
                        (pacer.pause)().await;
                    }
                }
                (sum, count)
            }
            (backend, _) => backend.eval_sum(&self.eval).await?,
        };
        Ok(sum / count.max(1) as f64)
    }

    /// One optimiser step on the backend; chunked with pauses on the CPU backend when [`Trainer::set_pause`] asked.
    async fn train_step(&mut self, x: &[u32], y: &[u32], lr: f64, read: bool) -> Result<(), TrainError> {
        let (Backend::Cpu(cpu), Some(pacer)) = (&mut self.backend, &mut self.pacer) else {
            return self.backend.train_step(x, y, lr, read);
        };
        let rows = pacer.rows(self.cfg.batch);
        let per = rows * self.t;
        let chunks = x.len() / per;
        cpu.begin_step();
        let mut loss_sum = 0.0;
        for (i, (xc, yc)) in x.chunks(per).zip(y.chunks(per)).enumerate() {
            let start = (self.clock)();
            loss_sum += cpu.accumulate(xc, yc, rows);
            pacer.observe(rows, (self.clock)() - start);
            if i + 1 < chunks {
                (pacer.pause)().await;
            }
        }
        cpu.finish_step(loss_sum, chunks, lr, read);
        Ok(())
    }

    /// Generates `cfg.sample_tokens` tokens from the current parameters, continuing the first validation token.
    pub async fn sample(&mut self) -> Result<SamplePoint, TrainError> {
        let params = self.backend.params().await?;
        let mut cpu = CpuModel::from_params(&self.model, params);
        let ids = generate(
            &mut cpu,
            &self.prompt,
            self.cfg.sample_tokens,
            self.cfg.temperature,
            self.cfg.top_k,
            &mut self.sample_rng,
        );
        let mut all = self.prompt.clone();
        all.extend(ids);
        Ok(SamplePoint {
            step: self.step,
            text: self.tokenizer.decode(&all),
            temperature: self.cfg.temperature,
            top_k: self.cfg.top_k,
            computed_on: "cpu".into(),
        })
    }

    /// The current parameters, in `ParamLayout` order (for a checkpoint).
    pub async fn params(&self) -> Result<Vec<f32>, TrainError> {
        self.backend.params().await
    }

    /// The model being trained.
    pub fn model(&self) -> &ModelConfig {
        &self.model
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }
}
