//! Training settings: one flat struct with commented defaults (nanoGPT's train.py style) and validation with
//! errors a person can act on.

use crate::config::ModelConfig;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How the learning rate moves after warm-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// Cosine from `lr` down to `lr · min_lr_ratio` at the last step (nanoGPT's `get_lr`).
    Cosine,
    /// `lr` throughout.
    Constant,
}

/// Everything about a training run except the model's shape and the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Sequences per step (B). Default 16.
    pub batch: usize,
    /// Tokens per sequence (T), at most the model's n_ctx; 0 means n_ctx. Default 0.
    pub t: usize,
    /// Optimiser steps. Ignored when `tokens` is set. Default 500.
    pub steps: usize,
    /// Token budget: steps = ceil(tokens / (batch · t)). Default None (use `steps`).
    pub tokens: Option<u64>,
    /// Peak learning rate. Default 1e-3.
    pub lr: f64,
    /// The cosine schedule ends at lr · min_lr_ratio. Default 0.1 (nanoGPT: min_lr = lr / 10).
    pub min_lr_ratio: f64,
    /// Steps of linear warm-up from lr / warmup to lr. Default 20.
    pub warmup: usize,
    /// Shape of the schedule after warm-up. Default cosine.
    pub schedule: ScheduleKind,
    /// AdamW's decoupled weight decay, applied to matmul weights only. Default 0.1.
    pub weight_decay: f64,
    /// Also decay the token and position embeddings (nanoGPT decays every 2-D tensor, tied wte included).
    /// Default false.
    pub decay_embeddings: bool,
    /// Adam's first-moment decay. Default 0.9.
    pub beta1: f64,
    /// Adam's second-moment decay. Default 0.99 (nanoGPT's small-model setting).
    pub beta2: f64,
    /// Adam's epsilon. Default 1e-8.
    pub eps: f64,
    /// Clip the global gradient norm to this; 0 disables clipping. Default 1.0.
    pub grad_clip: f64,
    /// Read the training loss back (averaged over these steps) every this many steps. Default 10.
    pub log_every: usize,
    /// Evaluate on the validation split every this many steps (and at the end); 0 only at the end. Default 100.
    pub eval_every: usize,
    /// Validation batches per evaluation (each `batch` × `t`). Default 8.
    pub eval_batches: usize,
    /// Generate a sample every this many steps; 0 only at the end. Default 0.
    pub sample_every: usize,
    /// Tokens per sample; 0 disables sampling. Default 200.
    pub sample_tokens: usize,
    /// Sampling temperature (> 0). Default 1.0.
    pub temperature: f64,
    /// Sample from the k most likely tokens only; 0 keeps all. Default 0.
    pub top_k: usize,
    /// Seeds initialisation, batches and sampling. Default 1337.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            batch: 16,
            t: 0,
            steps: 500,
            tokens: None,
            lr: 1e-3,
            min_lr_ratio: 0.1,
            warmup: 20,
            schedule: ScheduleKind::Cosine,
            weight_decay: 0.1,
            decay_embeddings: false,
            beta1: 0.9,
            beta2: 0.99,
            eps: 1e-8,
            grad_clip: 1.0,
            log_every: 10,
            eval_every: 100,
            eval_batches: 8,
            sample_every: 0,
            sample_tokens: 200,
            temperature: 1.0,
            top_k: 0,
            seed: 1337,
        }
    }
}

/// Most validation batches per evaluation, and most tokens per sample: far beyond what a tiny model's curve needs.
pub const MAX_EVAL_BATCHES: usize = 10_000;
pub const MAX_SAMPLE_TOKENS: usize = 100_000;

/// What is wrong with a [`TrainConfig`], worded so a person can fix it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfigError(pub String);

impl fmt::Display for TrainConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TrainConfigError {}

impl TrainConfig {
    /// The context length actually used with `model`: `t`, or n_ctx when `t` is 0.
    pub fn context(&self, model: &ModelConfig) -> usize {
        if self.t == 0 {
            model.n_ctx
        } else {
            self.t
        }
    }

    /// Tokens consumed by one step with `model`.
    pub fn tokens_per_step(&self, model: &ModelConfig) -> u64 {
        (self.batch as u64).saturating_mul(self.context(model) as u64)
    }

    /// Optimiser steps of the run: `steps`, or the token budget divided by the tokens per step (rounded up).
    pub fn total_steps(&self, model: &ModelConfig) -> usize {
        match self.tokens {
            Some(tokens) => tokens.div_ceil(self.tokens_per_step(model).max(1)).max(1) as usize,
            None => self.steps,
        }
    }

    /// Checks every setting against `model`, returning the first problem found.
    pub fn validate(&self, model: &ModelConfig) -> Result<(), TrainConfigError> {
        let err = |m: String| Err(TrainConfigError(m));
        if self.batch == 0 {
            return err("batch is 0; use at least 1 sequence per step".into());
        }
        if self.t > model.n_ctx {
            return err(format!(
                "context t = {} is longer than the model's n_ctx = {}; use t ≤ {} or a model with a longer context",
                self.t, model.n_ctx, model.n_ctx
            ));
        }
        if self.tokens.is_none() && self.steps == 0 {
            return err("steps is 0; train for at least 1 step (or give a token budget)".into());
        }
        if self.tokens == Some(0) {
            return err("the token budget is 0; give a positive number of tokens".into());
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return err(format!("learning rate {} must be a positive number (try 1e-3)", self.lr));
        }
        if !(0.0..=1.0).contains(&self.min_lr_ratio) {
            return err(format!("min_lr_ratio {} must lie in [0, 1] (0.1 ends at a tenth of lr)", self.min_lr_ratio));
        }
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return err(format!("{name} = {b} must lie in [0, 1) (typical: beta1 0.9, beta2 0.95–0.999)"));
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return err(format!("eps = {} must be a small positive number (try 1e-8)", self.eps));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return err(format!("weight_decay = {} must be 0 or positive (try 0.1)", self.weight_decay));
        }
        if !(self.grad_clip.is_finite() && self.grad_clip >= 0.0) {
            return err(format!("grad_clip = {} must be 0 (off) or positive (try 1.0)", self.grad_clip));
        }
        if self.log_every == 0 {
            return err("log_every is 0; read the loss back every 1 or more steps".into());
        }
        if self.eval_batches == 0 {
            return err("eval_batches is 0; evaluate on at least 1 batch".into());
        }
        if self.eval_batches > MAX_EVAL_BATCHES {
            return err(format!("eval_batches = {} is more than {MAX_EVAL_BATCHES}; use fewer", self.eval_batches));
        }
        if self.sample_tokens > MAX_SAMPLE_TOKENS {
            return err(format!(
                "sample_tokens = {} is more than {MAX_SAMPLE_TOKENS}; sample fewer tokens",
                self.sample_tokens
            ));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return err(format!("temperature = {} must be positive (1.0 samples the model as is)", self.temperature));
        }
        if self.top_k > model.vocab_size {
            return err(format!(
                "top_k = {} exceeds the vocabulary of {}; use 0 (all) or less",
                self.top_k, model.vocab_size
            ));
        }
        Ok(())
    }
}
