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
use compute::train::{
    BackendChoice, MetricEvent, RunRecord, RunStatus, SamplePoint, TrainConfig, Trainer, TrainerState,
};
use leptos::prelude::*;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// Longest a slice of training steps may take, in milliseconds (a long task is 50 ms).
const SLICE_MS: f64 = 30.0;
/// Longest piece of one CPU step between hand-backs, in milliseconds: a step of a model too big for one slice is
/// trained in chunks of sequences this long (see `compute::train::pacer`).
const CHUNK_MS: f64 = 15.0;
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
    /// Seconds spent training in this page (pauses excluded).
    pub active_seconds: f64,
    /// Where this page took the run up (0, or a resumed run's checkpoint): speed and ETA count from here, since the
    /// earlier steps may have run on another backend.
    pub start_steps: usize,
    pub start_tokens: u64,
    /// Seconds the run had trained before this page took it up.
    pub earlier_seconds: f64,
}

impl Progress {
    pub fn tokens_per_second(&self) -> f64 {
        (self.tokens - self.start_tokens.min(self.tokens)) as f64 / self.active_seconds.max(1e-9)
    }

    /// Seconds left at the pace so far; None before the first step of this page.
    pub fn eta_seconds(&self) -> Option<f64> {
        let done = self.steps.saturating_sub(self.start_steps);
        (done > 0).then(|| (self.total - self.steps.min(self.total)) as f64 * self.active_seconds / done as f64)
    }

    /// Seconds the run has trained, in this page and before.
    pub fn elapsed_seconds(&self) -> f64 {
        self.earlier_seconds + self.active_seconds
    }
}

/// The trained model's latest parameters, for prompts and checkpoints.
#[derive(Clone)]
pub struct Snapshot {
    pub model: ModelConfig,
    pub params: Vec<f32>,
    pub tokenizer: Tokenizer,
    pub seed: u64,
    /// What continues the run exactly from these parameters; None once it finished or diverged.
    pub state: Option<TrainerState>,
}

/// How a run begins: fresh (or from given weights), or continuing a saved run exactly.
enum Start {
    New(Option<Vec<f32>>),
    Resume(Vec<f32>, Box<TrainerState>),
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
    /// The stored id of a run being resumed, taken by the saver so the run goes on under it.
    pub resume_id: StoredValue<Option<String>, LocalStorage>,
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
            resume_id: StoredValue::new_local(None),
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
    /// its record: a new run of the full plan that begins from those weights (its schedule and step count start at
    /// 0). Used where only weights were kept; [`Driver::resume`] continues a run exactly.
    pub fn start_from(
        self,
        plan: Plan,
        pref: BackendPref,
        gpu: Result<Rc<Gpu>, String>,
        params: Option<Vec<f32>>,
        origin: Option<String>,
    ) {
        self.resume_id.set_value(None);
        self.launch(plan, pref, gpu, Start::New(params), origin);
    }

    /// Continues a stopped or cut-off run from `params` and the trainer `state` stored with them: the same run (its
    /// record, curve, step count and schedule go on) on whichever backend `pref` picks now. `id` is the stored run to
    /// go on under (None: the run this driver last trained); `origin` is noted in its record.
    pub fn resume(
        self,
        plan: Plan,
        pref: BackendPref,
        gpu: Result<Rc<Gpu>, String>,
        (params, state): (Vec<f32>, TrainerState),
        id: Option<String>,
        origin: Option<String>,
    ) {
        self.resume_id.set_value(id);
        self.launch(plan, pref, gpu, Start::Resume(params, Box::new(state)), origin);
    }

    fn launch(self, plan: Plan, pref: BackendPref, gpu: Result<Rc<Gpu>, String>, start: Start, origin: Option<String>) {
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
            if let Err(e) = self.run(plan, pref, gpu, start).await {
                self.message.set(Some(e));
            }
            // A resume that failed before its first publish must not hand its id to the next run.
            self.resume_id.set_value(None);
            self.phase.set(Phase::Done);
        });
    }

    async fn run(
        self,
        plan: Plan,
        pref: BackendPref,
        gpu: Result<Rc<Gpu>, String>,
        start: Start,
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
        let (mut trainer, mut samples) = match start {
            Start::New(params) => {
                let params = params.unwrap_or_else(|| init_params(&model, cfg.seed));
                let t = Trainer::with_params(picked.choice, &model, &cfg, &data, iso_now(), clock, params);
                (t.map_err(|e| e.to_string())?, Vec::new())
            }
            Start::Resume(params, state) => {
                let t = Trainer::resume(picked.choice, &data, params, &state, clock).map_err(|e| e.to_string())?;
                (t, state.record.samples)
            }
        };
        // When the thread was last handed back: by the trainer between chunks of a CPU step, or by this loop.
        let last_yield = Rc::new(Cell::new(now_ms()));
        let handed_back = last_yield.clone();
        trainer.set_pause(
            Box::new(move || {
                let handed_back = handed_back.clone();
                Box::pin(async move {
                    yield_now().await;
                    handed_back.set(now_ms());
                })
            }),
            CHUNK_MS / 1000.0,
        );
        let prompt = data.val_tokens()[..1].to_vec();
        let sample_every = plan.train.sample_every.max(1);
        let mut next_sample = (trainer.steps_done() / sample_every + 1) * sample_every;
        let mut progress = Progress {
            total: trainer.total_steps(),
            steps: trainer.steps_done(),
            tokens: trainer.record().tokens_seen,
            start_steps: trainer.steps_done(),
            start_tokens: trainer.record().tokens_seen,
            earlier_seconds: trainer.record().seconds,
            ..Progress::default()
        };
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
                // The next step blocks for at most one chunk (a chunked step hands back between its chunks).
                if trainer.is_done() || now_ms() - last_yield.get() + step_ms.min(CHUNK_MS) > SLICE_MS {
                    break;
                }
            }
            // Drawing and saving get a task of their own, not the tail of the last chunk's.
            if now_ms() - last_yield.get() > 5.0 {
                yield_now().await;
                last_yield.set(now_ms());
            }
            progress.active_seconds += (now_ms() - slice) / 1000.0;
            progress.steps = trainer.steps_done();
            progress.tokens = trainer.record().tokens_seen;
            let finished = trainer.record().status == RunStatus::Finished;
            if progress.steps >= next_sample || finished {
                next_sample = (progress.steps / sample_every + 1) * sample_every;
                self.publish(&trainer, &samples, &progress);
                let (params, state) =
                    self.checkpoint(&mut trainer).await.map_err(|e| self.lost(&trainer, &samples, e))?;
                let ids =
                    generate(&model, params.clone(), &prompt, SAMPLE_TOKENS, 1.0, 0, cfg.seed ^ progress.steps as u64)
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
                self.keep(&model, &data.tokenizer, cfg.seed, params, state, &samples);
                published = f64::NEG_INFINITY;
                // The sampler's last slice is spent: the redraw below gets a task of its own.
                yield_now().await;
                last_yield.set(now_ms());
            }
            if trainer.is_done() {
                break;
            }
            if now_ms() - published > PUBLISH_MS {
                self.publish(&trainer, &samples, &progress);
                published = now_ms();
            }
            yield_now().await;
            last_yield.set(now_ms());
        }
        // A stopped run keeps the weights and state of its last step, so it resumes exactly there.
        if self.snapshot.with_value(|s| s.is_none()) || trainer.record().status != RunStatus::Finished {
            if let Ok((params, state)) = self.checkpoint(&mut trainer).await {
                self.keep(&model, &data.tokenizer, cfg.seed, params, state, &samples);
            }
        }
        progress.steps = trainer.steps_done();
        self.publish(&trainer, &samples, &progress);
        Ok(())
    }

    /// The current weights and, while the run can still go on (running or stopped), the state that continues it.
    async fn checkpoint(&self, trainer: &mut Trainer) -> Result<(Vec<f32>, Option<TrainerState>), String> {
        if matches!(trainer.record().status, RunStatus::Running | RunStatus::Stopped) {
            let (params, state) = trainer.snapshot().await.map_err(|e| e.to_string())?;
            // Collecting the last loss readings may have shown divergence: then only the weights are worth keeping.
            let resumable = matches!(state.record.status, RunStatus::Running | RunStatus::Stopped);
            Ok((params, resumable.then_some(state)))
        } else {
            Ok((trainer.params().await.map_err(|e| e.to_string())?, None))
        }
    }

    /// Makes `params` (and `state`) the run's newest checkpoint, which the saver stores. The state's record gets what
    /// the page adds to the trainer's (samples, the origin note), so a resumed run shows all of it again.
    fn keep(
        &self,
        model: &ModelConfig,
        tokenizer: &Tokenizer,
        seed: u64,
        params: Vec<f32>,
        state: Option<TrainerState>,
        samples: &[SamplePoint],
    ) {
        let state = state.map(|mut s| {
            s.record.samples = samples.to_vec();
            s.record.notes.extend(self.origin.get_value());
            s
        });
        let snapshot = Snapshot { model: model.clone(), params, tokenizer: tokenizer.clone(), seed, state };
        self.snapshot.set_value(Some(Rc::new(snapshot)));
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
            "Training stopped at step {}: {e}. The run so far is kept; continue it on the CPU below from its last \
             checkpoint, or reload the page for a new GPU device and resume it from the runs table.",
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
