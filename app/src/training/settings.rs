//! The Train page's settings: one flat struct read from and written to the URL, turned into the engine's configs and
//! checked field by field so each problem can be shown beside its control.

use compute::config::ModelConfig;
use compute::data::{synthetic, DataSpec, TokenizerSpec};
use compute::train::{ScheduleKind, TrainConfig};

/// Which backend trains: chosen by the page (measured on software adapters), or forced by the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendPref {
    Auto,
    Gpu,
    Cpu,
}

impl BackendPref {
    pub fn id(self) -> &'static str {
        match self {
            BackendPref::Auto => "auto",
            BackendPref::Gpu => "gpu",
            BackendPref::Cpu => "cpu",
        }
    }

    pub fn parse(s: &str) -> Option<BackendPref> {
        [BackendPref::Auto, BackendPref::Gpu, BackendPref::Cpu].into_iter().find(|b| b.id() == s)
    }
}

/// Everything the user sets before a run. Numbers are kept as typed, so a bad value can be shown and refused.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub preset: String,
    pub data: String,
    pub tokenizer: String,
    pub n_layer: String,
    pub d_model: String,
    pub n_head: String,
    /// d_ff / d_model.
    pub ff_ratio: String,
    pub n_ctx: String,
    pub batch: String,
    pub lr: String,
    pub schedule: String,
    pub warmup: String,
    pub weight_decay: String,
    pub grad_clip: String,
    /// "steps" or "tokens": which of the two budgets below counts.
    pub budget: String,
    pub steps: String,
    pub tokens: String,
    pub seed: String,
    pub backend: BackendPref,
}

/// Presets offered on the page: (id, label). The engine's presets plus "micro", which trains in seconds even on a
/// software GPU in a test.
pub const PAGE_PRESETS: &[(&str, &str)] = &[
    ("micro", "micro: ~10k parameters, seconds on any laptop"),
    ("tiny", "tiny: ~30k parameters, seconds even on a software GPU"),
    ("small", "small: ~0.2M parameters, learns real structure"),
    ("medium", "medium: ~1.2M parameters, a minute or two on a laptop GPU"),
    ("large", "large: ~10M parameters, a real GPU for several minutes"),
];

/// The URL keys, in the order they are written.
pub const KEYS: &[&str] = &[
    "preset", "data", "tok", "layers", "d_model", "heads", "ff", "ctx", "batch", "lr", "sched", "warmup", "wd", "clip",
    "budget", "steps", "tokens", "seed", "backend",
];

impl Default for Settings {
    fn default() -> Self {
        let mut s = Settings {
            preset: String::new(),
            data: "synthetic:easy".into(),
            tokenizer: "char".into(),
            n_layer: String::new(),
            d_model: String::new(),
            n_head: String::new(),
            ff_ratio: "4".into(),
            n_ctx: String::new(),
            batch: String::new(),
            lr: String::new(),
            schedule: "cosine".into(),
            warmup: "20".into(),
            weight_decay: "0.1".into(),
            grad_clip: "1".into(),
            budget: "steps".into(),
            steps: String::new(),
            tokens: "1000000".into(),
            seed: "1337".into(),
            backend: BackendPref::Auto,
        };
        s.apply_preset("tiny");
        s
    }
}

impl Settings {
    /// Sets the shape, batch, learning rate and steps of a page preset.
    pub fn apply_preset(&mut self, id: &str) {
        let (l, c, h, t, b, lr, steps) = match id {
            "micro" => (1, 16, 2, 32, 8, "3e-3", 300),
            "tiny" => (2, 32, 2, 64, 16, "2e-3", 500),
            "small" => (4, 64, 4, 128, 16, "1e-3", 1000),
            "medium" => (6, 128, 4, 128, 16, "1e-3", 2000),
            "large" => (8, 320, 5, 256, 16, "6e-4", 3000),
            _ => return,
        };
        self.preset = id.into();
        self.n_layer = l.to_string();
        self.d_model = c.to_string();
        self.n_head = h.to_string();
        self.ff_ratio = "4".into();
        self.n_ctx = t.to_string();
        self.batch = b.to_string();
        self.lr = lr.into();
        self.steps = steps.to_string();
        self.budget = "steps".into();
    }

    /// Reads the settings from URL pairs: a preset first, then any field given on its own.
    pub fn from_pairs(pairs: &[(String, String)]) -> Settings {
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let mut s = Settings::default();
        if let Some(p) = get("preset") {
            s.apply_preset(&p);
        }
        for &key in KEYS {
            if let (Some(v), Some(field)) = (get(key), s.field_mut(key)) {
                *field = v;
            }
        }
        if let Some(b) = get("backend").and_then(|b| BackendPref::parse(&b)) {
            s.backend = b;
        }
        s
    }

    /// The settings as URL pairs.
    pub fn to_pairs(&self) -> Vec<(&'static str, Option<String>)> {
        KEYS.iter()
            .map(|&k| {
                let v = match k {
                    "backend" => (self.backend != BackendPref::Auto).then(|| self.backend.id().to_string()),
                    _ => self.field(k).filter(|v| !v.is_empty()),
                };
                (k, v)
            })
            .collect()
    }

    /// A text field by its URL key.
    pub fn field(&self, key: &str) -> Option<String> {
        let mut copy = self.clone();
        copy.field_mut(key).map(|f| f.clone())
    }

    /// A text field by its URL key, to edit.
    pub fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "preset" => &mut self.preset,
            "data" => &mut self.data,
            "tok" => &mut self.tokenizer,
            "layers" => &mut self.n_layer,
            "d_model" => &mut self.d_model,
            "heads" => &mut self.n_head,
            "ff" => &mut self.ff_ratio,
            "ctx" => &mut self.n_ctx,
            "batch" => &mut self.batch,
            "lr" => &mut self.lr,
            "sched" => &mut self.schedule,
            "warmup" => &mut self.warmup,
            "wd" => &mut self.weight_decay,
            "clip" => &mut self.grad_clip,
            "budget" => &mut self.budget,
            "steps" => &mut self.steps,
            "tokens" => &mut self.tokens,
            "seed" => &mut self.seed,
            _ => return None,
        })
    }

    /// The vocabulary the tokenizer will have: exact for synthetic char text, byte and BPE; for other char text the
    /// count seen when the data was last loaded, else 96 (printable ASCII) until it is.
    pub fn vocab_size(&self, loaded: Option<usize>) -> usize {
        match self.tokenizer.parse::<TokenizerSpec>() {
            Ok(TokenizerSpec::Byte) => 256,
            Ok(TokenizerSpec::Bpe(n)) => n,
            _ if self.data.starts_with("synthetic:") => synthetic::ALPHABET.chars().count(),
            _ => loaded.unwrap_or(96),
        }
    }
}

/// A setting that cannot be used: the URL key of its control and the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub key: &'static str,
    pub message: String,
}

/// What the settings come to: the model, the training config, the data and tokenizer, or every problem found.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub model: ModelConfig,
    pub train: TrainConfig,
    pub data: DataSpec,
    pub tokenizer: TokenizerSpec,
}

fn int(s: &Settings, key: &'static str, lo: usize, hi: usize, errors: &mut Vec<FieldError>) -> usize {
    let text = s.field(key).unwrap_or_default();
    match text.trim().parse::<usize>() {
        Ok(v) if (lo..=hi).contains(&v) => v,
        Ok(v) => {
            errors.push(FieldError { key, message: format!("{v} is outside {lo}–{hi}") });
            v.clamp(lo, hi)
        }
        Err(_) => {
            errors.push(FieldError { key, message: format!("“{text}” is not a whole number") });
            lo
        }
    }
}

fn real(s: &Settings, key: &'static str, lo: f64, hi: f64, errors: &mut Vec<FieldError>) -> f64 {
    let text = s.field(key).unwrap_or_default();
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => v,
        Ok(v) => {
            errors.push(FieldError { key, message: format!("{v} is outside {lo}–{hi}") });
            lo
        }
        Err(_) => {
            errors.push(FieldError { key, message: format!("“{text}” is not a number") });
            lo
        }
    }
}

impl Settings {
    /// Checks every field and builds the configs; `loaded_vocab` is the vocabulary of data already loaded.
    pub fn plan(&self, loaded_vocab: Option<usize>) -> Result<Plan, Vec<FieldError>> {
        let mut e = Vec::new();
        let data =
            self.data.parse::<DataSpec>().map_err(|err| e.push(FieldError { key: "data", message: err.to_string() }));
        if let Ok(DataSpec::File(name)) = &data {
            if super::user_file::picked(name).is_none() {
                let message = format!("pick the file {name} again: files are kept only while this tab is open");
                e.push(FieldError { key: "data", message });
            }
        }
        let tokenizer = self
            .tokenizer
            .parse::<TokenizerSpec>()
            .map_err(|err| e.push(FieldError { key: "tok", message: err.to_string() }));
        let n_layer = int(self, "layers", 1, 24, &mut e);
        let d_model = int(self, "d_model", 4, 1024, &mut e);
        let n_head = int(self, "heads", 1, 64, &mut e);
        let ff = int(self, "ff", 1, 8, &mut e);
        let n_ctx = int(self, "ctx", 2, 1024, &mut e);
        let batch = int(self, "batch", 1, 512, &mut e);
        let lr = real(self, "lr", 1e-6, 1.0, &mut e);
        let warmup = int(self, "warmup", 0, 100_000, &mut e);
        let weight_decay = real(self, "wd", 0.0, 10.0, &mut e);
        let grad_clip = real(self, "clip", 0.0, 1e6, &mut e);
        let seed = int(self, "seed", 0, u32::MAX as usize, &mut e) as u64;
        let schedule = match self.schedule.as_str() {
            "constant" => ScheduleKind::Constant,
            "cosine" => ScheduleKind::Cosine,
            other => {
                e.push(FieldError { key: "sched", message: format!("“{other}”: choose cosine or constant") });
                ScheduleKind::Cosine
            }
        };
        let (steps, tokens) = match self.budget.as_str() {
            "tokens" => (1, Some(int(self, "tokens", 1, 4_000_000_000, &mut e) as u64)),
            _ => (int(self, "steps", 1, 1_000_000, &mut e), None),
        };
        if n_head > 0 && !d_model.is_multiple_of(n_head) {
            e.push(FieldError {
                key: "heads",
                message: format!(
                    "d_model = {d_model} is not divisible by n_head = {n_head}; each head gets d_model / n_head"
                ),
            });
        }
        let model = ModelConfig {
            vocab_size: self.vocab_size(loaded_vocab),
            n_ctx,
            n_layer,
            n_head,
            d_model,
            d_ff: ff * d_model,
            ..ModelConfig::default()
        };
        let mut train = TrainConfig {
            batch,
            lr,
            warmup,
            weight_decay,
            grad_clip,
            seed,
            schedule,
            steps,
            tokens,
            ..TrainConfig::default()
        };
        let total = train.total_steps(&model);
        train.log_every = if total <= 200 { 1 } else { 5 };
        train.eval_every = (total / 10).max(10);
        train.eval_batches = 4;
        train.sample_every = (total / 6).clamp(10, 300);
        train.sample_tokens = 120;
        if warmup >= total && warmup > 0 {
            e.push(FieldError {
                key: "warmup",
                message: format!("{warmup} warm-up steps leave none of the {total} steps at full rate"),
            });
        }
        if e.is_empty() {
            if let Err(err) = model.validate() {
                e.push(FieldError { key: "d_model", message: err.to_string() });
            }
            if let Err(err) = train.validate(&model) {
                e.push(FieldError { key: "batch", message: err.to_string() });
            }
        }
        // Memory the tab must hold, before anything is allocated; the device's part waits for the device.
        if e.is_empty() {
            e.extend(super::memory::check_tab(&model, &train, self.backend == BackendPref::Cpu));
        }
        match (data, tokenizer) {
            (Ok(data), Ok(tokenizer)) if e.is_empty() => Ok(Plan { model, train, data, tokenizer }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_round_trip_keeps_every_setting() {
        let mut s = Settings::default();
        s.apply_preset("micro");
        s.lr = "0.005".into();
        s.backend = BackendPref::Cpu;
        let pairs: Vec<(String, String)> =
            s.to_pairs().into_iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect();
        assert_eq!(Settings::from_pairs(&pairs), s);
    }

    #[test]
    fn heads_that_do_not_divide_are_refused_beside_heads() {
        let s = Settings { n_head: "3".into(), ..Settings::default() };
        let errors = s.plan(None).unwrap_err();
        assert!(errors.iter().any(|e| e.key == "heads" && e.message.contains("not divisible")), "{errors:?}");
    }

    #[test]
    fn every_preset_plans() {
        for (id, _) in PAGE_PRESETS {
            let mut s = Settings::default();
            s.apply_preset(id);
            assert!(s.plan(None).is_ok(), "{id}");
        }
    }
}
