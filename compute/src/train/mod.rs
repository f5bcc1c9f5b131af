//! The training engine: AdamW with clipping and a learning-rate schedule, one trainer driving the GPU or CPU backend
//! step by step (async, so the page can interleave its own work), metric events and the run record.
//!
//! ```ignore
//! let mut trainer = Trainer::new(BackendChoice::Cpu, &model, &train, &dataset, created, native_clock())?;
//! while !trainer.is_done() {
//!     for event in trainer.step().await? { /* plot it */ }
//! }
//! let record = trainer.record();
//! // Later, or after a reload: the same run, continued exactly.
//! let (params, state) = trainer.snapshot().await?;
//! let mut again = Trainer::resume(BackendChoice::Cpu, &dataset, params, &state, native_clock())?;
//! ```

pub mod backend;
pub mod config;
pub mod gpu_backend;
pub mod metrics;
pub mod optim;
pub mod pacer;
pub mod sample;
pub mod schedule;
pub mod state;
pub mod trainer;

pub use backend::{Backend, BackendChoice, BackendKind, CpuBackend, OptimizerState};
pub use config::{ScheduleKind, TrainConfig, TrainConfigError};
pub use gpu_backend::GpuBackend;
pub use metrics::{EvalPoint, MetricEvent, RunRecord, RunStatus, SamplePoint, TrainPoint, RUN_FORMAT};
pub use optim::{adamw_step, clip_scale, global_norm, AdamWState};
pub use pacer::Pause;
pub use schedule::lr_at;
pub use state::{params_hash, TrainerState, STATE_FORMAT};
#[cfg(not(target_arch = "wasm32"))]
pub use trainer::native_clock;
pub use trainer::{Clock, TrainError, Trainer};
