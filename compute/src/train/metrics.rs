//! Metric events (what the page and the command line consume while a run goes) and the run record (what a finished
//! or stopped run leaves behind: `lab train --out`, the page's storage, imports and sweeps all use this one format).

use super::config::TrainConfig;
use crate::config::ModelConfig;
use crate::data::DataSummary;
use crate::gpu::AdapterReport;
use serde::{Deserialize, Serialize};

/// Names the record format, so readers can tell a run record from other JSON and its version.
pub const RUN_FORMAT: &str = "scaling-lab-run/1";

/// One training-loss reading: the mean loss over the steps since the previous one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainPoint {
    /// Steps done (1-based: the reading after the first step is step 1).
    pub step: usize,
    /// Training tokens consumed so far.
    pub tokens: u64,
    /// Wall-clock seconds since the run started.
    pub seconds: f64,
    /// Mean training loss (nats per token) over the steps since the previous reading; NaN/∞ (JSON null) on divergence.
    #[serde(with = "non_finite_as_null")]
    pub train_loss: f64,
    /// Learning rate of the last of those steps.
    pub lr: f64,
    /// Global gradient norm of the last of those steps, before clipping.
    #[serde(with = "non_finite_as_null")]
    pub grad_norm: f64,
}

/// One evaluation on the held-out split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalPoint {
    pub step: usize,
    pub tokens: u64,
    pub seconds: f64,
    /// Mean validation loss, nats per token.
    #[serde(with = "non_finite_as_null")]
    pub val_loss: f64,
}

/// Text the model generated at some step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplePoint {
    pub step: usize,
    pub text: String,
    pub temperature: f64,
    pub top_k: usize,
    /// Where the sampling forward passes ran ("cpu": the GPU backend copies its parameters to the CPU model).
    pub computed_on: String,
}

/// Where a run stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Every planned step done.
    Finished,
    /// The loss became NaN or infinite; `step` is the first reading that showed it.
    Diverged {
        step: usize,
    },
    /// Stopped on request before the end.
    Stopped,
    /// Cut off (tab closed, process killed); set by whoever finds a record still `running`.
    Interrupted,
}

/// What happened, as it happens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MetricEvent {
    Train(TrainPoint),
    Eval(EvalPoint),
    Sample(SamplePoint),
    /// The run changed state (finished, diverged, stopped).
    Status(RunStatus),
}

/// Which backend trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    Gpu,
    Cpu,
}

/// Everything about a run, self-describing: enough to plot it, compare it and fit laws to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Always [`RUN_FORMAT`].
    pub format: String,
    /// The name a person gave the run (the page's rename); absent in older files and unnamed runs, which readers
    /// name themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the run started, as the caller wrote it (ISO 8601 recommended).
    pub created: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    /// The data spec, tokenizer spec and what they came to.
    pub data: Option<DataSummary>,
    /// Trainable parameters (a tied embedding counted once).
    pub params: u64,
    /// Kaplan's N: parameters without embeddings.
    pub non_embedding_params: u64,
    /// Training FLOPs per token, 6N + 6·L·n_ctx·C.
    pub flops_per_token: u64,
    pub backend: BackendKind,
    /// The GPU adapter, when the GPU trained.
    pub adapter: Option<AdapterReport>,
    /// Kernel launches per training step (GPU only).
    pub dispatches_per_step: Option<usize>,
    pub status: RunStatus,
    /// Planned steps.
    pub total_steps: usize,
    /// Steps done.
    pub steps: usize,
    pub tokens_seen: u64,
    /// Passes over the distinct training tokens; None for endless synthetic text.
    pub epochs: Option<f64>,
    pub seconds: f64,
    pub final_train_loss: Option<f64>,
    pub final_val_loss: Option<f64>,
    pub train_series: Vec<TrainPoint>,
    pub eval_series: Vec<EvalPoint>,
    pub samples: Vec<SamplePoint>,
    /// Anything a reader should know (data warnings, where sampling ran).
    pub notes: Vec<String>,
}

impl RunRecord {
    /// An empty record of a run about to start.
    pub fn new(created: String, model: &ModelConfig, train: &TrainConfig, backend: BackendKind) -> RunRecord {
        RunRecord {
            format: RUN_FORMAT.into(),
            name: None,
            created,
            model: model.clone(),
            train: train.clone(),
            data: None,
            params: model.param_count(),
            non_embedding_params: model.non_embedding_params(),
            flops_per_token: model.train_flops_per_token(),
            backend,
            adapter: None,
            dispatches_per_step: None,
            status: RunStatus::Running,
            total_steps: train.total_steps(model),
            steps: 0,
            tokens_seen: 0,
            epochs: None,
            seconds: 0.0,
            final_train_loss: None,
            final_val_loss: None,
            train_series: Vec::new(),
            eval_series: Vec::new(),
            samples: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds an event to the series it belongs to.
    pub fn apply(&mut self, event: &MetricEvent) {
        match event {
            MetricEvent::Train(p) => {
                self.final_train_loss = Some(p.train_loss);
                self.train_series.push(p.clone());
            }
            MetricEvent::Eval(p) => {
                self.final_val_loss = Some(p.val_loss);
                self.eval_series.push(p.clone());
            }
            MetricEvent::Sample(s) => self.samples.push(s.clone()),
            MetricEvent::Status(s) => self.status = s.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("run records serialise")
    }

    pub fn from_json(json: &str) -> Result<RunRecord, String> {
        serde_json::from_str(json).map_err(|e| format!("not a Scaling Lab run record ({RUN_FORMAT}): {e}"))
    }
}

/// JSON has no NaN or infinity: a diverged loss is written as null and read back as NaN.
mod non_finite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}
