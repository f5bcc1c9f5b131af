//! Training batches: seeded random windows of a token stream, or fresh samples of a synthetic language.

use super::rng::Rng;
use super::synthetic::{Cursor, SyntheticSource};
use super::tokenizer::Tokenizer;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Hands out training batches, deterministic in its seed, and counts the tokens it has handed out.
pub struct Batcher {
    source: Source,
    rng: Rng,
    consumed: u64,
}

enum Source {
    /// Windows at uniform random offsets of a fixed stream.
    Tokens(Arc<Vec<u32>>),
    /// An endless synthetic sample, tokenised as it is generated; every token is new.
    Fresh { source: Arc<SyntheticSource>, tokenizer: Tokenizer, cursor: Cursor, buffer: Vec<u32>, at: usize },
}

impl Batcher {
    /// Random windows of `tokens`.
    pub fn windows(tokens: Arc<Vec<u32>>, seed: u64) -> Self {
        Batcher { source: Source::Tokens(tokens), rng: Rng::new(seed), consumed: 0 }
    }

    /// Fresh text from `source`, tokenised with `tokenizer`.
    pub fn fresh(source: Arc<SyntheticSource>, tokenizer: Tokenizer, seed: u64) -> Self {
        let cursor = source.cursor(seed);
        let source = Source::Fresh { source, tokenizer, cursor, buffer: Vec::new(), at: 0 };
        Batcher { source, rng: Rng::new(seed ^ 0x5EED), consumed: 0 }
    }

    /// `batch` rows of `t` tokens, row-major (B, T), and their targets, each the next token of the same stream.
    ///
    /// Panics if a fixed stream is shorter than `t + 1` tokens; [`super::Dataset::check_context`] says so kindly first.
    pub fn next_batch(&mut self, batch: usize, t: usize) -> (Vec<u32>, Vec<u32>) {
        let mut tokens = Vec::with_capacity(batch * t); // (B, T)
        let mut targets = Vec::with_capacity(batch * t); // (B, T)
        match &mut self.source {
            Source::Tokens(stream) => {
                assert!(
                    stream.len() > t,
                    "{} training tokens cannot fill a window of {t} plus its target",
                    stream.len()
                );
                for _ in 0..batch {
                    let start = self.rng.below((stream.len() - t) as u64) as usize;
                    tokens.extend_from_slice(&stream[start..start + t]);
                    targets.extend_from_slice(&stream[start + 1..start + t + 1]);
                }
            }
            Source::Fresh { source, tokenizer, cursor, buffer, at } => {
                for _ in 0..batch {
                    // Consecutive, non-overlapping windows of one endless sample.
                    while buffer.len() < *at + t + 1 {
                        buffer.drain(..*at);
                        *at = 0;
                        let mut text = String::with_capacity(4096);
                        source.write_words(cursor, &mut text, 512);
                        buffer.extend(tokenizer.encode(&text));
                    }
                    tokens.extend_from_slice(&buffer[*at..*at + t]);
                    targets.extend_from_slice(&buffer[*at + 1..*at + t + 1]);
                    *at += t + 1;
                }
            }
        }
        self.consumed += (batch * t) as u64;
        (tokens, targets)
    }

    /// Tokens handed out so far (batch × context per batch).
    pub fn tokens_consumed(&self) -> u64 {
        self.consumed
    }

    /// Distinct training tokens, or None for an endless synthetic sample.
    pub fn unique_train_tokens(&self) -> Option<u64> {
        match &self.source {
            Source::Tokens(stream) => Some(stream.len() as u64),
            Source::Fresh { .. } => None,
        }
    }

    /// Passes over the training data so far (tokens consumed / distinct training tokens); None when every token is
    /// fresh. Above 1, the model has seen its data before, which a run record should say.
    pub fn epochs(&self) -> Option<f64> {
        self.unique_train_tokens().map(|n| self.consumed as f64 / n as f64)
    }
}

/// Where a [`Batcher`] stands, so a saved run draws exactly the batches it would have drawn had it not stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatcherState {
    /// The window generator (unused by fresh text, kept so both kinds restore alike).
    pub rng: [u64; 4],
    /// Tokens handed out so far.
    pub consumed: u64,
    /// Fresh synthetic text only: where the endless sample stands.
    pub fresh: Option<FreshState>,
}

/// The position in an endless synthetic sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FreshState {
    /// The sample's generator and the chain's state.
    pub cursor_rng: [u64; 4],
    pub cursor_state: u32,
    /// Tokens generated but not yet handed out (at most one chunk of text).
    pub pending: Vec<u32>,
}

impl Batcher {
    /// The position to save.
    pub fn state(&self) -> BatcherState {
        let fresh = match &self.source {
            Source::Tokens(_) => None,
            Source::Fresh { cursor, buffer, at, .. } => {
                let (cursor_rng, cursor_state) = cursor.parts();
                Some(FreshState { cursor_rng, cursor_state, pending: buffer[*at..].to_vec() })
            }
        };
        BatcherState { rng: self.rng.state(), consumed: self.consumed, fresh }
    }

    /// Continues from a saved position; refuses one that cannot belong to this data (the other kind of source,
    /// an impossible generator state, tokens outside the vocabulary), leaving the batcher as it was.
    pub fn restore(&mut self, state: &BatcherState) -> Result<(), String> {
        let rng = Rng::from_state(state.rng).ok_or("the batch generator's state is all zeros")?;
        match (&mut self.source, &state.fresh) {
            (Source::Tokens(_), None) => {}
            (Source::Fresh { source, tokenizer, cursor, buffer, at }, Some(f)) => {
                let vocab = tokenizer.vocab_size() as u32;
                if let Some(bad) = f.pending.iter().find(|&&x| x >= vocab) {
                    return Err(format!("a pending token ({bad}) is outside the {vocab}-token vocabulary"));
                }
                *cursor = source
                    .cursor_from(f.cursor_rng, f.cursor_state)
                    .ok_or("the synthetic sample's position does not exist in this language")?;
                *buffer = f.pending.clone();
                *at = 0;
            }
            (Source::Tokens(_), Some(_)) => return Err("it was saved on fresh synthetic text, not on this text".into()),
            (Source::Fresh { .. }, None) => {
                return Err("it was saved on a fixed text, not on fresh synthetic text".into())
            }
        }
        self.rng = rng;
        self.consumed = state.consumed;
        Ok(())
    }
}

/// Fixed evaluation batches: up to `max_batches` × `batch` non-overlapping windows spread evenly over `tokens`,
/// each (tokens, targets) row-major (B, T). The last batch may have fewer rows.
pub fn eval_batches(tokens: &[u32], batch: usize, t: usize, max_batches: usize) -> Vec<(Vec<u32>, Vec<u32>)> {
    if tokens.len() <= t || batch == 0 {
        return Vec::new();
    }
    let available = (tokens.len() - 1) / t;
    let rows = available.min(batch * max_batches);
    // Evenly spread from the first to the last possible start; rows ≤ (len − 1) / t keeps them ≥ t apart.
    let last = (tokens.len() - 1 - t) as u64;
    let starts: Vec<usize> = (0..rows as u64).map(|i| (i * last / (rows as u64 - 1).max(1)) as usize).collect();
    starts
        .chunks(batch)
        .map(|chunk| {
            let mut x = Vec::with_capacity(chunk.len() * t);
            let mut y = Vec::with_capacity(chunk.len() * t);
            for &s in chunk {
                x.extend_from_slice(&tokens[s..s + t]);
                y.extend_from_slice(&tokens[s + 1..s + t + 1]);
            }
            (x, y)
        })
        .collect()
}
