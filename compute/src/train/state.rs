//! A run's resumable state: everything beyond the weights that a trainer needs to continue exactly where it stopped
//! (the step, AdamW's moments, the data position, the sampling generator, the elapsed time and the record so far), as
//! a small versioned safetensors file. Reading one checks every size and number and refuses, with a sentence, what
//! does not fit; it never panics on a corrupt file.

use super::backend::OptimizerState;
use super::metrics::{RunRecord, RunStatus, RUN_FORMAT};
use crate::data::BatcherState;
use crate::params::ParamLayout;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Names the state format and its version in the file's metadata.
pub const STATE_FORMAT: &str = "scaling-lab-trainer-state/1";
const FORMAT_PREFIX: &str = "scaling-lab-trainer-state/";

/// Everything a [`super::Trainer`] needs, besides the weights, to continue a run as if it had never stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainerState {
    /// Steps done; the next step trained is `step + 1`.
    pub step: usize,
    /// AdamW's moments (in `ParamLayout` order, the same on both backends), its t and the open loss window.
    pub optimizer: OptimizerState,
    pub batcher: BatcherState,
    /// The generator of the trainer's own samples.
    pub sample_rng: [u64; 4],
    /// Wall-clock seconds the run had lasted.
    pub seconds: f64,
    /// [`params_hash`] of the weights this state belongs to, so it is never paired with other weights.
    pub params_hash: u64,
    /// The record so far; its model and training settings are the run's.
    pub record: RunRecord,
}

/// The scalar part, stored as JSON in the metadata; the moments are the file's two tensors.
#[derive(Serialize, Deserialize)]
struct Header {
    step: usize,
    adam_t: u64,
    last_read: usize,
    loss_sum: f64,
    batcher: BatcherState,
    sample_rng: [u64; 4],
    seconds: f64,
    params_hash: u64,
    /// [`moments_hash`] of the two tensors; absent in states written before it was kept.
    #[serde(default)]
    moments_hash: Option<u64>,
    record: RunRecord,
}

/// FNV-1a over the parameters' bits, word by word: cheap enough for every checkpoint, and any change shows.
pub fn params_hash(params: &[f32]) -> u64 {
    fnv1a(0xcbf2_9ce4_8422_2325, params)
}

/// The same hash over AdamW's first moment, then its second: a state whose moments were altered is refused.
pub fn moments_hash(m: &[f32], v: &[f32]) -> u64 {
    fnv1a(fnv1a(0xcbf2_9ce4_8422_2325, m), v)
}

fn fnv1a(start: u64, words: &[f32]) -> u64 {
    words.iter().fold(start, |h, p| (h ^ p.to_bits() as u64).wrapping_mul(0x0100_0000_01b3))
}

impl TrainerState {
    /// The state as safetensors bytes: tensors `adam.m` and `adam.v` (f32, P) and the rest as JSON metadata.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let o = &self.optimizer;
        let header = Header {
            step: self.step,
            adam_t: o.t,
            last_read: o.last_read,
            loss_sum: o.loss_sum,
            batcher: self.batcher.clone(),
            sample_rng: self.sample_rng,
            seconds: self.seconds,
            params_hash: self.params_hash,
            moments_hash: Some(moments_hash(&o.m, &o.v)),
            record: self.record.clone(),
        };
        let json = serde_json::to_string(&header).map_err(|e| format!("the state does not serialise: {e}"))?;
        let meta = HashMap::from([("format".to_string(), STATE_FORMAT.to_string()), ("state".to_string(), json)]);
        fn view(v: &[f32]) -> Result<TensorView<'_>, String> {
            TensorView::new(Dtype::F32, vec![v.len()], bytemuck::cast_slice(v)).map_err(|e| e.to_string())
        }
        let tensors = vec![("adam.m", view(&o.m)?), ("adam.v", view(&o.v)?)];
        safetensors::serialize(tensors, Some(meta)).map_err(|e| format!("cannot write the state: {e}"))
    }

    /// Reads and checks a state written by [`TrainerState::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<TrainerState, String> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| format!("not a trainer state file: {e}"))?;
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| format!("not a trainer state file: {e}"))?;
        let meta = meta.metadata().clone().unwrap_or_default();
        match meta.get("format").map(String::as_str) {
            Some(STATE_FORMAT) => {}
            Some(f) if f.starts_with(FORMAT_PREFIX) => {
                return Err(format!("trainer state version “{f}” is not known to this build (it reads {STATE_FORMAT})"))
            }
            _ => return Err(format!("not a trainer state file (no “{STATE_FORMAT}” in its metadata)")),
        }
        let json = meta.get("state").ok_or("the trainer state has no header")?;
        let h: Header =
            serde_json::from_str(json).map_err(|e| format!("the trainer state's header is damaged: {e}"))?;
        let moment = |name: &str| -> Result<Vec<f32>, String> {
            let t = st.tensor(name).map_err(|_| format!("tensor {name} is missing"))?;
            if t.dtype() != Dtype::F32 || t.shape().len() != 1 {
                return Err(format!("tensor {name} is {:?} {:?}, expected a float32 vector", t.dtype(), t.shape()));
            }
            Ok(t.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
        };
        let (m, v) = (moment("adam.m")?, moment("adam.v")?);
        if h.moments_hash.is_some_and(|hash| hash != moments_hash(&m, &v)) {
            return Err("its AdamW moments do not match the checksum stored with them: the file was altered or \
                        damaged"
                .into());
        }
        let state = TrainerState {
            step: h.step,
            optimizer: OptimizerState { t: h.adam_t, m, v, last_read: h.last_read, loss_sum: h.loss_sum },
            batcher: h.batcher,
            sample_rng: h.sample_rng,
            seconds: h.seconds,
            params_hash: h.params_hash,
            record: h.record,
        };
        state.check()?;
        Ok(state)
    }

    /// Every check that needs only the state: a known record, sizes that match the model, numbers that can be.
    pub fn check(&self) -> Result<(), String> {
        let r = &self.record;
        if r.format != RUN_FORMAT {
            return Err(format!("its record's format is “{}”, expected “{RUN_FORMAT}”", r.format));
        }
        r.model.validate().map_err(|e| format!("its model config is invalid: {e}"))?;
        r.train.validate(&r.model).map_err(|e| format!("its training settings are invalid: {e}"))?;
        match r.status {
            RunStatus::Running | RunStatus::Stopped | RunStatus::Interrupted => {}
            RunStatus::Finished => return Err("the run had finished; there is nothing to resume".into()),
            RunStatus::Diverged { step } => {
                return Err(format!("the run diverged at step {step}; resuming it would too"))
            }
        }
        let o = &self.optimizer;
        if self.step != r.steps || o.t != self.step as u64 || self.step > r.total_steps || o.last_read > self.step {
            return Err(format!(
                "its step counts disagree (step {}, AdamW t {}, record at {} of {}, last reading {})",
                self.step, o.t, r.steps, r.total_steps, o.last_read
            ));
        }
        let p = ParamLayout::new(&r.model).total();
        if o.m.len() != p || o.v.len() != p {
            return Err(format!(
                "its AdamW moments hold {} and {} values but the model has {p} parameters",
                o.m.len(),
                o.v.len()
            ));
        }
        if !o.m.iter().all(|x| x.is_finite()) || !o.v.iter().all(|x| x.is_finite() && *x >= 0.0) {
            return Err("its AdamW moments hold non-finite or negative values".into());
        }
        if !o.loss_sum.is_finite() || !self.seconds.is_finite() || self.seconds < 0.0 {
            return Err("its loss sum or elapsed time is not a finite number".into());
        }
        if self.sample_rng == [0; 4] {
            return Err("its sampling generator's state is all zeros".into());
        }
        Ok(())
    }
}
