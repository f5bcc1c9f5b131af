//! Tokenizers: characters (vocabulary from the training text plus an unknown token), bytes, and byte-level BPE.
//!
//! BPE is the Hugging Face `tokenizers` crate (GPT-2 style byte-level pre-tokenizer and decoder) rather than a
//! trainer of our own: it is well tested, deterministic, runs in wasm, and the `tokenizer.json` it writes loads
//! unchanged in Python's `tokenizers`/`transformers`, which fits the promise that a model trained in the tab loads into
//! nanoGPT with its vocabulary beside it.

use super::DataError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which tokenizer to build, as written on the command line and in the page's URL: `char`, `byte` or `bpe:SIZE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TokenizerSpec {
    Char,
    Byte,
    /// Byte-level BPE with this total vocabulary size (256 byte tokens plus merges).
    Bpe(usize),
}

impl TokenizerSpec {
    /// Smallest and largest BPE vocabulary offered: above the 256 bytes, and small enough to train in a tab.
    pub const BPE_SIZES: std::ops::RangeInclusive<usize> = 257..=16_384;
}

impl FromStr for TokenizerSpec {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, DataError> {
        let bad =
            |why: String| DataError::Spec(format!("tokenizer `{s}`: {why}; expected `char`, `byte` or `bpe:SIZE`"));
        match s.trim() {
            "char" => Ok(TokenizerSpec::Char),
            "byte" => Ok(TokenizerSpec::Byte),
            other => match other.split_once(':') {
                Some(("bpe", size)) => {
                    let size: usize =
                        size.trim().parse().map_err(|_| bad(format!("`{size}` is not a whole number")))?;
                    let range = Self::BPE_SIZES;
                    if !range.contains(&size) {
                        return Err(bad(format!(
                            "BPE vocabulary {size} is outside {}..={}",
                            range.start(),
                            range.end()
                        )));
                    }
                    Ok(TokenizerSpec::Bpe(size))
                }
                _ => Err(bad("unknown tokenizer".into())),
            },
        }
    }
}

impl fmt::Display for TokenizerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenizerSpec::Char => write!(f, "char"),
            TokenizerSpec::Byte => write!(f, "byte"),
            TokenizerSpec::Bpe(n) => write!(f, "bpe:{n}"),
        }
    }
}

impl TryFrom<String> for TokenizerSpec {
    type Error = DataError;
    fn try_from(s: String) -> Result<Self, DataError> {
        s.parse()
    }
}

impl From<TokenizerSpec> for String {
    fn from(spec: TokenizerSpec) -> String {
        spec.to_string()
    }
}

/// A trained tokenizer. Serialised as JSON (`{"kind": "char" | "byte" | "bpe", ...}`) beside checkpoints and in runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Tokenizer {
    Char(CharTokenizer),
    Byte,
    Bpe(BpeTokenizer),
}

/// Characters seen in the training text, sorted, one id each; id `chars.len()` is the unknown token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharTokenizer {
    chars: Vec<char>,
}

/// Byte-level BPE; `tokenizer` is exactly Hugging Face's `tokenizer.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BpeTokenizer {
    tokenizer: Box<tokenizers::Tokenizer>, // boxed: it is large, the other tokenizers are small
}

/// What the unknown token decodes to: the Unicode replacement character.
pub const UNKNOWN_CHAR: char = '\u{FFFD}';

/// BPE is trained on at most this many bytes of the training text (its start): enough for a vocabulary of a few
/// thousand, and it keeps training to seconds in a tab.
pub const BPE_TRAIN_BYTES: usize = 8 << 20;

impl CharTokenizer {
    /// The vocabulary of `text`: every distinct character, sorted.
    pub fn from_text(text: &str) -> Self {
        let mut chars: Vec<char> = text.chars().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        chars.sort_unstable();
        CharTokenizer { chars }
    }

    /// The vocabulary given explicitly (sorted and deduplicated here).
    pub fn from_chars(chars: impl IntoIterator<Item = char>) -> Self {
        let mut chars: Vec<char> = chars.into_iter().collect();
        chars.sort_unstable();
        chars.dedup();
        CharTokenizer { chars }
    }

    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    pub fn unknown_id(&self) -> u32 {
        self.chars.len() as u32
    }
}

impl BpeTokenizer {
    /// Trains byte-level BPE on `text` (its first [`BPE_TRAIN_BYTES`]) to `vocab_size` tokens.
    pub fn train(text: &str, vocab_size: usize) -> Result<Self, DataError> {
        use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
        use tokenizers::models::TrainerWrapper;
        use tokenizers::pre_tokenizers::byte_level::ByteLevel;
        // No threads in a tab: rayon would try to spawn them.
        #[cfg(target_arch = "wasm32")]
        tokenizers::parallelism::set_parallelism(false);
        let mut tokenizer = tokenizers::Tokenizer::new(BPE::default());
        tokenizer.with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)));
        tokenizer.with_decoder(Some(ByteLevel::default()));
        let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
            .vocab_size(vocab_size)
            .min_frequency(2)
            .show_progress(false)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build()
            .into();
        let sample = &text[..floor_char_boundary(text, BPE_TRAIN_BYTES)];
        tokenizer
            .train(&mut trainer, split_for_bpe(sample, 1 << 16).into_iter())
            .map_err(|e| DataError::Tokenizer(format!("BPE training failed: {e}")))?;
        Ok(BpeTokenizer { tokenizer: Box::new(tokenizer) })
    }

    /// The Hugging Face `tokenizer.json` text, for Python.
    pub fn hf_json(&self) -> String {
        self.tokenizer.to_string(false).expect("a trained tokenizer serialises")
    }
}

impl Tokenizer {
    /// Builds the tokenizer `spec` asks for from the training text.
    pub fn train(spec: TokenizerSpec, train_text: &str) -> Result<Self, DataError> {
        Ok(match spec {
            TokenizerSpec::Char => Tokenizer::Char(CharTokenizer::from_text(train_text)),
            TokenizerSpec::Byte => Tokenizer::Byte,
            TokenizerSpec::Bpe(size) => Tokenizer::Bpe(BpeTokenizer::train(train_text, size)?),
        })
    }

    /// Number of distinct token ids (the model's vocabulary), unknown token included.
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Char(c) => c.chars.len() + 1,
            Tokenizer::Byte => 256,
            Tokenizer::Bpe(b) => b.tokenizer.get_vocab_size(true),
        }
    }

    /// The spec this tokenizer answers (BPE with its actual size, which can be below the size asked for).
    pub fn spec(&self) -> TokenizerSpec {
        match self {
            Tokenizer::Char(_) => TokenizerSpec::Char,
            Tokenizer::Byte => TokenizerSpec::Byte,
            Tokenizer::Bpe(_) => TokenizerSpec::Bpe(self.vocab_size()),
        }
    }

    /// Token ids of `text`. Characters outside a char vocabulary become the unknown token.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        match self {
            Tokenizer::Char(c) => {
                text.chars().map(|ch| c.chars.binary_search(&ch).map_or(c.unknown_id(), |i| i as u32)).collect()
            }
            Tokenizer::Byte => text.bytes().map(u32::from).collect(),
            Tokenizer::Bpe(b) => {
                #[cfg(target_arch = "wasm32")]
                tokenizers::parallelism::set_parallelism(false);
                // Encoded in pieces cut before a space that follows a non-space, where the GPT-2 pre-tokenizer cuts
                // anyway: the ids are those of the whole text, without holding one Encoding for megabytes.
                let mut ids = Vec::with_capacity(text.len() / 3);
                for piece in split_for_bpe(text, 1 << 16) {
                    let encoding = b.tokenizer.encode(piece, false).expect("byte-level BPE encodes any text");
                    ids.extend_from_slice(encoding.get_ids());
                }
                ids
            }
        }
    }

    /// Bytes as token ids (for text that is not UTF-8, which only the byte tokenizer takes).
    pub fn encode_bytes(&self, bytes: &[u8]) -> Result<Vec<u32>, DataError> {
        match self {
            Tokenizer::Byte => Ok(bytes.iter().map(|&b| u32::from(b)).collect()),
            _ => Err(DataError::Tokenizer("only the byte tokenizer takes text that is not UTF-8".into())),
        }
    }

    /// Text of token ids; invalid UTF-8 (a byte token cut mid-character) shows as U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> String {
        match self {
            Tokenizer::Char(c) => {
                ids.iter().map(|&i| c.chars.get(i as usize).copied().unwrap_or(UNKNOWN_CHAR)).collect()
            }
            Tokenizer::Byte => {
                let bytes: Vec<u8> = ids.iter().map(|&i| i.min(255) as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Tokenizer::Bpe(b) => b.tokenizer.decode(ids, false).unwrap_or_else(|_| UNKNOWN_CHAR.to_string()),
        }
    }

    /// The text of each token, for showing a vocabulary (byte tokens above 127 as `<xHH>`).
    pub fn token_text(&self, id: u32) -> String {
        match self {
            Tokenizer::Byte if id >= 128 => format!("<x{id:02X}>"),
            _ => self.decode(&[id]),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("tokenizers serialise")
    }

    pub fn from_json(json: &str) -> Result<Self, DataError> {
        serde_json::from_str(json).map_err(|e| DataError::Tokenizer(format!("cannot read tokenizer JSON: {e}")))
    }
}

/// The largest char boundary at or below `at`.
pub(crate) fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Pieces of about `target` bytes, each cut just before a space that follows a non-whitespace character.
fn split_for_bpe(text: &str, target: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut cut = start + target;
        let space_after_word = |i: usize| bytes[i] == b' ' && !bytes[i - 1].is_ascii_whitespace();
        while cut < text.len() && !space_after_word(cut) {
            cut += 1;
        }
        let cut = cut.min(text.len());
        pieces.push(&text[start..cut]);
        start = cut;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_text_and_cut_before_spaces() {
        let text = "a b  c\n d e";
        let pieces = split_for_bpe(text, 1);
        assert_eq!(pieces.concat(), text);
        assert_eq!(pieces, ["a", " b", "  c\n d", " e"]);
    }
}
