//! The training driver: runs a [`Trainer`] on the main thread in slices of a few tens of milliseconds, hands the event
//! loop back between slices, and publishes the run to signals the page draws from.

use super::choose::choose;
use super::dataset;
use super::sampler::generate;
use super::settings::{BackendPref, Plan};
use super::tick::{iso_now, now_ms, sleep_ms, yield_now};
use compute::config::ModelConfig;
use compute::data::Tokenizer;
use compute::gpu::Gpu;
use compute::params::init_params;
use compute::train::{BackendChoice, MetricEvent, RunRecord, RunStatus, SamplePoint, TrainConfig, Trainer};
use leptos::prelude::*;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// Longest a slice of training steps may take, in milliseconds (a long task is 50 ms).
const SLICE_MS: f64 = 30.0;
/// How often the plots and the progress bar are refreshed while training, in milliseconds.
const PUBLISH_MS: f64 = 250.0;
/// Tokens generated for each sample in the timeline.
pub const SAMPLE_TOKENS: usize = 80;

/// Where the driver is.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    /// Preparing data or timing the backends; the text says which.
    Preparing(String),
    Running,
    Paused,
    /// The run ended (finished, diverged, stopped or failed); its record stays.
    Done,
}

/// What the user asked the running loop to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Go,
    Pause,
    Stop,
}

/// Progress of the current run, for the progress bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub steps: usize,
    pub total: usize,
    pub tokens: u64,
    /// Seconds spent training (pauses excluded).
    pub active_seconds: f64,
}

impl Progress {
    pub fn tokens_per_second(&self) -> f64 {
        self.tokens as f64 / self.active_seconds.max(1e-9)
    }

    /// Seconds left at the pace so far; None before the first step.
    pub fn eta_seconds(&self) -> Option<f64> {
        (self.steps > 0)
            .then(|| (self.total - self.steps.min(self.total)) as f64 * self.active_seconds / self.steps as f64)
    }
}

/// The trained model's latest parameters, for prompts and checkpoints.
#[derive(Clone)]
pub struct Snapshot {
    pub model: ModelConfig,
    pub params: Vec<f32>,
    pub tokenizer: Tokenizer,
    pub seed: u64,
}

/// Receives a run's record whenever it is published.
pub type Saver = Rc<dyn Fn(&RunRecord)>;

/// The signals a run publishes and the command the page sends it. Copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Driver {
    pub phase: RwSignal<Phase>,
    pub command: RwSignal<Command>,
    /// The run's record so far (samples included), refreshed every [`PUBLISH_MS`].
    pub record: RwSignal<Option<RunRecord>>,
    pub progress: RwSignal<Progress>,
    /// Which backend trains and why.
    pub backend_why: RwSignal<Option<String>>,
    /// What went wrong or needs saying (divergence, a lost device, a failed start).
    pub message: RwSignal<Option<String>>,
    pub snapshot: StoredValue<Option<Rc<Snapshot>>, LocalStorage>,
    /// Called with the record each time it is published (storage).
    pub on_publish: StoredValue<Option<Saver>, LocalStorage>,
    /// A note added to the record of a run that starts from earlier parameters (a checkpoint, a lost device).
    pub origin: StoredValue<Option<String>, LocalStorage>,
    /// True when the run stopped because the GPU device was lost: the page offers to go on on the CPU.
    pub device_lost: RwSignal<bool>,
    /// The plan of the current run, to go on from its parameters.
    pub plan: StoredValue<Option<Plan>, LocalStorage>,
}

impl Driver {
    pub fn new() -> Driver {
        Driver {
            phase: RwSignal::new(Phase::Idle),
            command: RwSignal::new(Command::Go),
            record: RwSignal::new(None),
            progress: RwSignal::new(Progress::default()),
            backend_why: RwSignal::new(None),
            message: RwSignal::new(None),
            snapshot: StoredValue::new_local(None),
            on_publish: StoredValue::new_local(None),
            origin: StoredValue::new_local(None),
            device_lost: RwSignal::new(false),
            plan: StoredValue::new_local(None),
        }
    }

    /// True while a run is being prepared, trains or is paused.
    pub fn busy(&self) -> bool {
        matches!(self.phase.get(), Phase::Preparing(_) | Phase::Running | Phase::Paused)
    }

    /// Starts a run of `plan` in the background.
    pub fn start(self, plan: Plan, pref: BackendPref, gpu: Result<Rc<Gpu>, String>) {
        self.start_from(plan, pref, gpu, None, None);
    }

    /// Starts a run of `plan` from `params` (ParamLayout order) instead of a fresh initialisation, noting `origin` in
    /// its record. The trainer cannot start at a step offset nor restore AdamW's moments or the data position, so such a
    /// run is a new run of the full plan that begins from those weights: its schedule and step count start at 0.
    pub fn start_from(
        self,
        plan: Plan,
        pref: BackendPref,
        gpu: Result<Rc<Gpu>, String>,
        params: Option<Vec<f32>>,
        origin: Option<String>,
    ) {
        self.origin.set_value(origin);
        self.plan.set_value(Some(plan.clone()));
        self.snapshot.set_value(None);
        self.device_lost.set(false);
        self.command.set(Command::Go);
        self.message.set(None);
        self.backend_why.set(None);
        self.record.set(None);
        self.progress.set(Progress::default());
        leptos::task::spawn_local(async move {
            if let Err(e) = self.run(plan, pref, gpu, params).await {
                self.message.set(Some(e));
            }
            self.phase.set(Phase::Done);
        });
    }

    async fn run(
        self,
        plan: Plan,
        pref: BackendPref,
        gpu: Result<Rc<Gpu>, String>,
        params: Option<Vec<f32>>,
    ) -> Result<(), String> {
        self.phase.set(Phase::Preparing(format!("Preparing {} with the {} tokenizer…", plan.data, plan.tokenizer)));
        let data = dataset::load(&plan.data, plan.tokenizer).await?;
        let model = ModelConfig { vocab_size: data.vocab_size(), ..plan.model.clone() };
        // Samples are drawn here, in slices, rather than by the trainer in one go.
        let cfg = TrainConfig { sample_tokens: 0, ..plan.train.clone() };
        self.phase.set(Phase::Preparing("Choosing the backend…".into()));
        let picked = choose(pref, gpu.as_deref().map_err(Clone::clone), &model, &cfg, &data).await?;
        self.backend_why.set(Some(picked.why));
        let lost = match &picked.choice {
            BackendChoice::Gpu(gpu) => watch_device(gpu),
            BackendChoice::Cpu => Arc::new(Mutex::new(None)),
        };
        let clock = Box::new(|| now_ms() / 1000.0);
        let params = params.unwrap_or_else(|| init_params(&model, cfg.seed));
        let mut trainer = Trainer::with_params(picked.choice, &model, &cfg, &data, iso_now(), clock, params)
            .map_err(|e| e.to_string())?;
        let prompt = data.val_tokens()[..1].to_vec();
        let mut samples: Vec<SamplePoint> = Vec::new();
        let sample_every = plan.train.sample_every.max(1);
        let mut next_sample = sample_every;
        let mut progress = Progress { total: trainer.total_steps(), ..Progress::default() };
        let mut step_ms = 0.0f64;
        let mut published = f64::NEG_INFINITY;
        self.phase.set(Phase::Running);
        self.publish(&trainer, &samples, &progress);
        loop {
            match self.command.get_untracked() {
                Command::Stop => {
                    let events = trainer.stop().await.map_err(|e| self.lost(&trainer, &samples, e))?;
                    self.note(&events);
                    break;
                }
                Command::Pause => {
                    self.phase.set(Phase::Paused);
                    self.publish(&trainer, &samples, &progress);
                    while self.command.get_untracked() == Command::Pause {
                        sleep_ms(100).await;
                    }
                    self.phase.set(Phase::Running);
                    continue;
                }
                Command::Go => {}
            }
            if let Some(why) = lost.lock().ok().and_then(|l| l.clone()) {
                self.device_lost.set(true);
                return Err(self.lost(&trainer, &samples, format!("the GPU device was lost ({why})")));
            }
            let slice = now_ms();
            loop {
                let start = now_ms();
                let events = trainer.step().await.map_err(|e| self.lost(&trainer, &samples, e))?;
                let took = now_ms() - start;
                step_ms = if step_ms == 0.0 { took } else { 0.8 * step_ms + 0.2 * took };
                self.note(&events);
                if trainer.is_done() || now_ms() - slice + step_ms > SLICE_MS {
                    break;
                }
            }
            progress.active_seconds += (now_ms() - slice) / 1000.0;
            progress.steps = trainer.steps_done();
            progress.tokens = trainer.record().tokens_seen;
            let finished = trainer.record().status == RunStatus::Finished;
            if progress.steps >= next_sample || finished {
                next_sample = (progress.steps / sample_every + 1) * sample_every;
                self.publish(&trainer, &samples, &progress);
                let params = trainer.params().await.map_err(|e| self.lost(&trainer, &samples, e))?;
                let snapshot =
                    Snapshot { model: model.clone(), params, tokenizer: data.tokenizer.clone(), seed: cfg.seed };
                let ids = generate(
                    &model,
                    snapshot.params.clone(),
                    &prompt,
                    SAMPLE_TOKENS,
                    1.0,
                    0,
                    cfg.seed ^ progress.steps as u64,
                )
                .await;
                let mut all = prompt.clone();
                all.extend(ids);
                samples.push(SamplePoint {
                    step: progress.steps,
                    text: data.tokenizer.decode(&all),
                    temperature: 1.0,
                    top_k: 0,
                    computed_on: "cpu".into(),
                });
                self.snapshot.set_value(Some(Rc::new(snapshot)));
                published = f64::NEG_INFINITY;
            }
            if trainer.is_done() {
                break;
            }
            if now_ms() - published > PUBLISH_MS {
                self.publish(&trainer, &samples, &progress);
                published = now_ms();
            }
            yield_now().await;
        }
        if self.snapshot.with_value(|s| s.is_none()) || trainer.record().status != RunStatus::Finished {
            if let Ok(params) = trainer.params().await {
                let snapshot =
                    Snapshot { model: model.clone(), params, tokenizer: data.tokenizer.clone(), seed: cfg.seed };
                self.snapshot.set_value(Some(Rc::new(snapshot)));
            }
        }
        progress.steps = trainer.steps_done();
        self.publish(&trainer, &samples, &progress);
        Ok(())
    }

    /// Sends the record and progress to the page (and to storage).
    fn publish(&self, trainer: &Trainer, samples: &[SamplePoint], progress: &Progress) {
        let mut record = trainer.record().clone();
        record.samples = samples.to_vec();
        record.train.sample_tokens = SAMPLE_TOKENS;
        record.notes.extend(self.origin.get_value());
        if let Some(save) = self.on_publish.get_value() {
            save(&record);
        }
        self.record.set(Some(record));
        self.progress.set(progress.clone());
    }

    /// Turns status events into the message the page shows.
    fn note(&self, events: &[MetricEvent]) {
        for e in events {
            if let MetricEvent::Status(RunStatus::Diverged { step }) = e {
                self.message.set(Some(format!(
                    "The run diverged at step {step}: the loss became NaN or infinite, so training stopped. \
                     Its curve is kept; try a lower learning rate or stronger clipping."
                )));
            }
        }
    }

    /// A failed step (usually a lost GPU device): the record so far is kept, marked interrupted, with the reason.
    fn lost(&self, trainer: &Trainer, samples: &[SamplePoint], e: impl std::fmt::Display) -> String {
        let mut record = trainer.record().clone();
        record.samples = samples.to_vec();
        record.train.sample_tokens = SAMPLE_TOKENS;
        record.notes.extend(self.origin.get_value());
        record.status = RunStatus::Interrupted;
        self.device_lost.set(record.backend == compute::train::BackendKind::Gpu);
        record.notes.push(format!("stopped at step {}: {e}", record.steps));
        if let Some(save) = self.on_publish.get_value() {
            save(&record);
        }
        self.record.set(Some(record));
        format!(
            "Training stopped at step {}: {e}. The run so far is kept; go on from its last parameters on the CPU below, \
             or reload the page for a new GPU device.",
            trainer.steps_done()
        )
    }
}

/// Listens for the loss of `gpu`'s device (driver reset, GPU process crash, `destroy`); the slot gets the reason.
fn watch_device(gpu: &Gpu) -> Arc<Mutex<Option<String>>> {
    let slot = Arc::new(Mutex::new(None));
    let write = slot.clone();
    gpu.device.set_device_lost_callback(move |reason, message| {
        if let Ok(mut w) = write.lock() {
            *w = Some(if message.is_empty() { format!("{reason:?}") } else { format!("{reason:?}: {message}") });
        }
    });
    slot
}

impl Default for Driver {
    fn default() -> Self {
        Driver::new()
    }
}
