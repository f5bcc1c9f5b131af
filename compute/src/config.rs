//! GPT model configuration: one flat struct with commented defaults, named presets, validation and size/FLOP accounting.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Shape of a decoder-only GPT, field for field nanoGPT's `GPTConfig` (plus `d_ff` and `tie_embeddings`, which nanoGPT
/// fixes at `4 * n_embd` and `true`). Sizes are checked by [`ModelConfig::validate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    /// Tokens in the vocabulary (V); set by the tokenizer. Default 96: printable ASCII plus a few controls.
    pub vocab_size: usize,
    /// Longest context the model sees (the position table's length). Default 64.
    pub n_ctx: usize,
    /// Transformer blocks (L). Default 2.
    pub n_layer: usize,
    /// Attention heads per block (NH); must divide `d_model`. Default 2.
    pub n_head: usize,
    /// Width of the residual stream (C). Default 32.
    pub d_model: usize,
    /// Hidden width of the MLP (F). Default 128 (= 4 * d_model, as in GPT-2).
    pub d_ff: usize,
    /// Biases in Linear layers *and* LayerNorms, as nanoGPT's `bias` (False drops both). Default true.
    pub bias: bool,
    /// The LM head reuses the token embedding `wte` (GPT-2 weight tying). Default true.
    pub tie_embeddings: bool,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            vocab_size: 96,
            n_ctx: 64,
            n_layer: 2,
            n_head: 2,
            d_model: 32,
            d_ff: 128,
            bias: true,
            tie_embeddings: true,
        }
    }
}

/// Named presets, smallest first: (name, what it is for). Look them up with [`ModelConfig::preset`].
pub const PRESETS: &[(&str, &str)] = &[
    ("tiny", "~30k parameters: trains in seconds, even on a software GPU"),
    ("small", "~0.2M parameters: the smallest model that learns real structure in text"),
    ("medium", "~1.2M parameters: a minute or two on a laptop GPU"),
    ("large", "~10M parameters: a real GPU for several minutes"),
];

/// Largest sizes [`ModelConfig::validate`] accepts. They bound memory in a browser tab, not what the maths allows.
pub const MAX_N_CTX: usize = 4096;
pub const MAX_D_MODEL: usize = 4096;
pub const MAX_D_FF: usize = 16384;
pub const MAX_N_LAYER: usize = 64;
pub const MAX_VOCAB: usize = 65536;

impl ModelConfig {
    /// A named preset (see [`PRESETS`]) with the default vocabulary; `None` for an unknown name.
    pub fn preset(name: &str) -> Option<ModelConfig> {
        let (n_ctx, n_layer, n_head, d_model) = match name {
            "tiny" => (64, 2, 2, 32),
            "small" => (128, 4, 4, 64),
            "medium" => (128, 6, 4, 128),
            "large" => (256, 8, 5, 320),
            _ => return None,
        };
        Some(ModelConfig { n_ctx, n_layer, n_head, d_model, d_ff: 4 * d_model, ..ModelConfig::default() })
    }

    /// Head size hs = C / NH (meaningful only for a valid config).
    pub fn head_size(&self) -> usize {
        self.d_model / self.n_head.max(1)
    }

    /// Checks every size, returning the first problem found, worded so a person can fix it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let sizes = [
            ("vocab_size", self.vocab_size, MAX_VOCAB),
            ("n_ctx", self.n_ctx, MAX_N_CTX),
            ("n_layer", self.n_layer, MAX_N_LAYER),
            ("n_head", self.n_head, MAX_D_MODEL),
            ("d_model", self.d_model, MAX_D_MODEL),
            ("d_ff", self.d_ff, MAX_D_FF),
        ];
        for (field, value, max) in sizes {
            if value == 0 {
                return Err(ConfigError::Zero { field });
            }
            if value > max {
                return Err(ConfigError::TooLarge { field, value, max });
            }
        }
        if !self.d_model.is_multiple_of(self.n_head) {
            return Err(ConfigError::HeadsDontDivide { d_model: self.d_model, n_head: self.n_head });
        }
        Ok(())
    }

    /// Exact number of trainable parameters (a tied `wte` counted once), equal to `ParamLayout::new(self).total()`.
    pub fn param_count(&self) -> u64 {
        let (v, t, c) = (self.vocab_size as u64, self.n_ctx as u64, self.d_model as u64);
        let head = if self.tie_embeddings { 0 } else { v * c };
        v * c + t * c + self.n_layer as u64 * self.block_params() + self.layernorm_params() + head
    }

    /// Kaplan et al.'s N: every parameter except the vocabulary and position embeddings ("excluding all vocabulary and
    /// positional embeddings", arXiv:2001.08361 Sec 1.2). LayerNorm gains and all biases are included (they are real
    /// per-token work, and it makes N = `param_count` minus embeddings, which nanoGPT's `get_num_params` also
    /// approximates). An untied LM head is a vocabulary embedding too, so it is excluded as well.
    pub fn non_embedding_params(&self) -> u64 {
        self.n_layer as u64 * self.block_params() + self.layernorm_params()
    }

    /// Kaplan's approximation N ≈ 2·d_model·n_layer·(2·d_model + d_ff): weight matrices only, no biases or LayerNorms;
    /// it reduces to the familiar 12·n_layer·d_model² when d_ff = 4·d_model (arXiv:2001.08361 Table 1).
    pub fn kaplan_approx_params(&self) -> u64 {
        let (l, c, f) = (self.n_layer as u64, self.d_model as u64, self.d_ff as u64);
        2 * c * l * (2 * c + f)
    }

    /// Training FLOPs per token, C ≈ 6·N + 6·n_layer·n_ctx·d_model: forward 2N + 2·n_layer·n_ctx·d_attn (the second
    /// term is attention over a full context), backward twice the forward (Kaplan et al. 2020, arXiv:2001.08361,
    /// Sec 2.1 and Table 1), with N = [`Self::non_embedding_params`] and d_attn = d_model.
    pub fn train_flops_per_token(&self) -> u64 {
        6 * self.non_embedding_params() + 6 * (self.n_layer * self.n_ctx * self.d_model) as u64
    }

    /// Parameters in one transformer block: two LayerNorms, attention (c_attn, c_proj) and MLP (c_fc, c_proj).
    fn block_params(&self) -> u64 {
        let (c, f) = (self.d_model as u64, self.d_ff as u64);
        let weights = 3 * c * c + c * c + f * c + c * f;
        let biases = if self.bias { 3 * c + c + f + c } else { 0 };
        2 * self.layernorm_params() + weights + biases
    }

    /// Parameters in one LayerNorm: weight, plus bias when `bias`.
    fn layernorm_params(&self) -> u64 {
        let c = self.d_model as u64;
        if self.bias {
            2 * c
        } else {
            c
        }
    }
}

/// Reads settings (a [`ModelConfig`], a `TrainConfig`) from JSON a person wrote: only an object, and only fields the
/// type has, so a misspelt or unsupported one (`"dropout"`) is refused by name instead of silently ignored; missing
/// fields keep their defaults. `what` names the object in messages ("the model config").
pub fn from_json_strict<T>(value: &serde_json::Value, what: &str) -> Result<T, String>
where
    T: Serialize + serde::de::DeserializeOwned + Default,
{
    let serde_json::Value::Object(fields) = value else {
        return Err(format!("{what} must be a JSON object of named fields, not {}", json_kind(value)));
    };
    let known = serde_json::to_value(T::default()).map_err(|e| e.to_string())?;
    let known: Vec<&String> = known.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    if let Some(unknown) = fields.keys().find(|k| !known.contains(k)) {
        let names: Vec<&str> = known.iter().map(|k| k.as_str()).collect();
        return Err(format!(
            "{what} has a field `{unknown}` this lab does not support; its fields are {}",
            names.join(", ")
        ));
    }
    serde_json::from_value(value.clone()).map_err(|e| format!("{what}: {e}"))
}

/// "an array", "a number", … for messages.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// What is wrong with a [`ModelConfig`], in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A size is zero.
    Zero { field: &'static str },
    /// A size is beyond what this lab supports.
    TooLarge { field: &'static str, value: usize, max: usize },
    /// Attention heads must split the residual width evenly.
    HeadsDontDivide { d_model: usize, n_head: usize },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::Zero { field } => write!(f, "{field} is 0; it must be at least 1"),
            ConfigError::TooLarge { field, value, max } => {
                write!(f, "{field} = {value} is larger than this lab supports (at most {max})")
            }
            ConfigError::HeadsDontDivide { d_model, n_head } => {
                let heads = divisors_near(d_model, n_head);
                let below = d_model - d_model % n_head;
                let above = below + n_head;
                write!(f, "d_model = {d_model} is not divisible by n_head = {n_head}: use n_head ")?;
                write!(f, "{heads} (which divide {d_model}), or d_model ")?;
                if below > 0 {
                    write!(f, "{below} or ")?;
                }
                write!(f, "{above} (multiples of {n_head})")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Up to three divisors of `n` closest to `near`, listed in increasing order: "2, 4 or 8".
fn divisors_near(n: usize, near: usize) -> String {
    let mut divs: Vec<usize> = (1..=n).filter(|d| n.is_multiple_of(*d)).collect();
    divs.sort_by_key(|d| (d.abs_diff(near), std::cmp::Reverse(*d)));
    divs.truncate(3);
    divs.sort_unstable();
    let words: Vec<String> = divs.iter().map(|d| d.to_string()).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// V=10, n_ctx=4, L=1, NH=2, C=4, F=8, counted by hand, tensor by tensor.
    #[test]
    fn param_count_matches_a_hand_count() {
        let cfg =
            ModelConfig { vocab_size: 10, n_ctx: 4, n_layer: 1, n_head: 2, d_model: 4, d_ff: 8, ..Default::default() };
        // wte 10*4=40, wpe 4*4=16; ln_1 4+4; c_attn 12*4+12=60; attn c_proj 16+4=20; ln_2 8; c_fc 32+8=40;
        // mlp c_proj 32+4=36; ln_f 8.
        let block = 8 + 60 + 20 + 8 + 40 + 36;
        assert_eq!(cfg.param_count(), 40 + 16 + block + 8);
        assert_eq!(cfg.non_embedding_params(), block + 8);
        let untied = ModelConfig { tie_embeddings: false, ..cfg.clone() };
        assert_eq!(untied.param_count(), cfg.param_count() + 40);
        let nobias = ModelConfig { bias: false, ..cfg };
        // Drops 4 + 12 + 4 + 4 + 8 + 4 in the block, 4 in ln_f.
        assert_eq!(nobias.param_count(), 40 + 16 + (block - 36) + 4);
    }

    /// GPT-2 small as nanoGPT builds it (V=50257, n_ctx=1024, L=12, C=768): 124,439,808 parameters, of which nanoGPT's
    /// `get_num_params()` reports 123.65M after subtracting wpe (its tied wte counts as the LM head).
    #[test]
    fn param_count_matches_nanogpt_gpt2() {
        let cfg = ModelConfig {
            vocab_size: 50257,
            n_ctx: 1024,
            n_layer: 12,
            n_head: 12,
            d_model: 768,
            d_ff: 3072,
            bias: true,
            tie_embeddings: true,
        };
        assert_eq!(cfg.param_count(), 124_439_808);
        assert_eq!(cfg.param_count() - 1024 * 768, 123_653_376);
        // 12·L·C² plus the small terms Kaplan drops.
        assert_eq!(cfg.kaplan_approx_params(), 12 * 12 * 768 * 768);
        // What Kaplan drops: per block 4 LayerNorm vectors (4·768) and the biases (3·768 + 768 + 3072 + 768), plus ln_f.
        assert_eq!(cfg.non_embedding_params() - cfg.kaplan_approx_params(), 12 * (4 * 768 + 9 * 768) + 2 * 768);
    }

    #[test]
    fn flops_per_token_is_six_n_plus_attention() {
        let cfg = ModelConfig::preset("small").unwrap();
        let n = cfg.non_embedding_params();
        assert_eq!(cfg.train_flops_per_token(), 6 * n + 6 * 4 * 128 * 64);
    }

    #[test]
    fn presets_are_valid_and_sized_as_described() {
        let want = [("tiny", 10_000, 50_000), ("small", 150_000, 300_000), ("medium", 800_000, 1_500_000)];
        for (name, lo, hi) in want {
            let n = ModelConfig::preset(name).unwrap().param_count();
            assert!((lo..hi).contains(&n), "{name}: {n} parameters");
        }
        let large = ModelConfig::preset("large").unwrap().param_count();
        assert!((8_000_000..12_000_000).contains(&large), "large: {large}");
        for (name, _) in PRESETS {
            ModelConfig::preset(name).unwrap().validate().unwrap();
        }
        assert_eq!(ModelConfig::preset("huge"), None);
        ModelConfig::default().validate().unwrap();
    }

    #[test]
    fn indivisible_heads_suggest_fixes() {
        let cfg = ModelConfig { d_model: 100, n_head: 3, ..Default::default() };
        let msg = cfg.validate().unwrap_err().to_string();
        assert_eq!(msg, "d_model = 100 is not divisible by n_head = 3: use n_head 2, 4 or 5 (which divide 100), or d_model 99 or 102 (multiples of 3)");
    }
}
