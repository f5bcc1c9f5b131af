//! Synthetic languages with an exactly computed entropy rate: a variable-order Markov chain over invented words.
//!
//! # Design
//!
//! A [`SyntheticSource`] emits words of lowercase letters, each followed by one space, so samples are readable and
//! every token of the character alphabet (`' '` and `a`–`z`, 27 symbols) is printable. It has three layers of
//! structure, each of which a model can only learn gradually:
//!
//! 1. **Spelling.** A lexicon of `words` distinct words built from a syllable grammar (onset, vowel, optional coda),
//!    frequent words short and rare ones long, as in natural languages. A model first learns which letters follow
//!    which, then memorises whole words, the frequent ones first.
//! 2. **Word frequencies.** A base distribution `P0` over the lexicon, Zipf–Mandelbrot: `P0(r) ∝ (r + 2.7)^-zipf`.
//!    The tail is long, so more data and more parameters keep finding new words worth memorising.
//! 3. **Variable-order contexts.** A set `S` of word contexts (suffixes of the history, one to `max_depth` words)
//!    closed under taking prefixes and suffixes. Every word is a context of depth 1; deeper contexts are added one
//!    depth at a time, choosing the candidate n-grams that are most probable under the chain built so far, so the
//!    stationary frequencies of contexts are heavy-tailed (a few very common, many rare). Each context `a` favours
//!    `favored` words drawn from `P0^0.5` (so rarer words get favoured too) with weights `∝ 1/rank`, and predicts
//!
//!    `P(w | a) = λ·G_a(w) + (1 − λ)·P(w | a without its oldest word)`,   with `P(w | ε) = P0(w)`,
//!
//!    which is interpolated smoothing in the style of Kneser–Ney / context-tree sources: each extra word of context
//!    sharpens the prediction. Learning the bigram contexts needs a model to tie one word to the next; the deeper ones
//!    need several words of attention (a context of 4 words spans about 25–35 characters), and they are many and
//!    rare, so the floor is approached only as model and data grow.
//!
//! # The exact entropy rate
//!
//! The state of the chain after a history `h` is `σ(h)`, the longest suffix of `h` that is a context in `S`; because
//! `S` is closed under prefixes, after emitting `w` the new state is the longest `u·w ∈ S` with `u` on the suffix
//! chain of the old state. The next word depends on the history only through this state, and the state is a function
//! of the state and the word (a unifilar finite-state source), so the entropy rate per word is exactly
//!
//!    `H_word = Σ_s π(s) · H(P(·|s))`,
//!
//! with `π` the stationary distribution of the state chain (irreducible and aperiodic: every state can emit every
//! word through `P0`). `π` is computed by power iteration to an L1 change below 1e-13; each step costs
//! `O(words + Σ_s |E_s|)` because `P(·|s)` is `c_s·P0` plus a few explicit words `E_s` (the favoured words along its
//! suffix chain), so the dense part of every row is one rank-one term. `H(P(·|s))` is summed the same way, exactly.
//!
//! Characters: the text is the words, each followed by a space, a one-to-one (self-delimiting) encoding of the word
//! sequence. By the chain rule, the log-probability of a text under the true character-level model equals the sum
//! of its words' log-probabilities, so the entropy rate per character is `H_word / E_π[len(w) + 1]`, where the mean
//! word length (plus its space) is taken under the stationary word frequencies `f(w) = Σ_{s ends in w} π(s)`. That
//! is the floor returned as [`SyntheticSource::entropy_per_char`], in nats per character: the best possible expected
//! cross-entropy of any model that sees the whole past. A model with a finite context window sees less, so its
//! floor is a little higher; with 32 characters or more the difference is small because the deepest context spans
//! at most `max_depth` words.

mod entropy;
mod lexicon;
mod presets;

pub use presets::{preset, SyntheticPreset, PRESETS};

use super::rng::{sample_cdf, Rng};
use lexicon::make_lexicon;

/// The character alphabet of every synthetic language, in token order.
pub const ALPHABET: &str = " abcdefghijklmnopqrstuvwxyz";

/// One context of the chain, a state. Node 0 is the empty context, nodes 1..=words are the single words.
#[derive(Clone, Debug)]
struct Node {
    /// The context without its oldest word (the next shorter context used for smoothing).
    suffix: u32,
    /// The context without its newest word.
    prefix: u32,
    /// The newest word.
    word: u32,
    depth: u32,
    /// G_a: favoured words and their weights (summing to 1).
    favored: Vec<(u32, f64)>,
}

/// A synthetic language: lexicon, contexts, stationary distribution and exact entropy rate. See the module docs.
pub struct SyntheticSource {
    preset: SyntheticPreset,
    lexicon: Vec<String>,
    p0: Vec<f64>,
    p0_cdf: Vec<f64>,
    nodes: Vec<Node>,
    /// (prefix node << 32 | word) → node, sorted: the forward extensions of every context.
    ext: Vec<(u64, u32)>,
    pi: Vec<f64>,
    pi_cdf: Vec<f64>,
    entropy_per_word: f64,
    chars_per_word: f64,
}

impl SyntheticSource {
    /// Builds the named preset (`tiny`, `easy`, `medium`, `hard`).
    pub fn by_name(name: &str) -> Option<Self> {
        preset(name).map(|p| Self::new(p.clone()))
    }

    /// Builds a language from its knobs; deterministic in `preset.seed`.
    pub fn new(preset: SyntheticPreset) -> Self {
        let mut rng = Rng::new(preset.seed);
        let lexicon = make_lexicon(preset.words, &mut rng);
        // libm, not the platform's pow: a pure-Rust pow gives the same bits natively and in wasm, so the language
        // (whose construction sorts by these numbers) is identical everywhere.
        let raw: Vec<f64> = (0..preset.words).map(|r| libm::pow(r as f64 + 2.7, -preset.zipf)).collect();
        let total: f64 = raw.iter().sum();
        let p0: Vec<f64> = raw.iter().map(|x| x / total).collect();
        let p0_cdf = running_sum(&p0);
        // Favoured words are drawn from P0^0.5: flatter than P0, so contexts also point at rare words.
        let flat_cdf = running_sum(&p0.iter().map(|p| p.sqrt()).collect::<Vec<_>>());

        let mut nodes = vec![Node { suffix: 0, prefix: 0, word: u32::MAX, depth: 0, favored: Vec::new() }];
        for w in 0..preset.words as u32 {
            let favored = draw_favored(preset.favored, &flat_cdf, &mut rng);
            nodes.push(Node { suffix: 0, prefix: 0, word: w, depth: 1, favored });
        }
        let mut source = SyntheticSource {
            preset,
            lexicon,
            p0,
            p0_cdf,
            nodes,
            ext: Vec::new(),
            pi: Vec::new(),
            pi_cdf: Vec::new(),
            entropy_per_word: 0.0,
            chars_per_word: 0.0,
        };
        source.rebuild_ext();

        for depth in 2..=source.preset.contexts.len() as u32 + 1 {
            let wanted = source.preset.contexts[depth as usize - 2];
            let transitions = source.transitions();
            let pi = source.stationary(&transitions);
            // Candidates q·w: q at the deepest level, and w continuing q's suffix at this depth already, so S stays
            // closed under prefixes and suffixes. Score = probability of the n-gram q·w under the current chain.
            let mut candidates: Vec<(f64, u32, u32, u32)> = Vec::new(); // (score, prefix q, word w, suffix node)
            for q in 0..source.nodes.len() as u32 {
                if source.nodes[q as usize].depth != depth - 1 || pi[q as usize] == 0.0 {
                    continue;
                }
                let shorter = source.nodes[q as usize].suffix;
                let words: Vec<u32> = if depth == 2 {
                    source.nodes[q as usize].favored.iter().map(|&(w, _)| w).collect()
                } else {
                    source.extensions(shorter).map(|(w, _)| w).collect()
                };
                for w in words {
                    let suffix = source.child(shorter, w).expect("suffix context exists");
                    candidates.push((pi[q as usize] * source.prob(q, w), q, w, suffix));
                }
            }
            // Equal scores are common (words favoured with the same weight); break ties by index so the order is total.
            candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            candidates.truncate(wanted);
            for (_, q, w, suffix) in candidates {
                let favored = draw_favored(source.preset.favored, &flat_cdf, &mut rng);
                source.nodes.push(Node { suffix, prefix: q, word: w, depth, favored });
            }
            source.rebuild_ext();
        }

        let transitions = source.transitions();
        source.pi = source.stationary(&transitions);
        source.pi_cdf = running_sum(&source.pi);
        source.entropy_per_word = source.entropy(&transitions);
        let mut chars = 0.0;
        for (node, p) in source.nodes.iter().zip(&source.pi).skip(1) {
            chars += p * (source.lexicon[node.word as usize].len() + 1) as f64;
        }
        source.chars_per_word = chars;
        source
    }

    pub fn preset(&self) -> &SyntheticPreset {
        &self.preset
    }

    /// Entropy rate in nats per character (per token of the 27-symbol alphabet): the floor of any model's loss.
    pub fn entropy_per_char(&self) -> f64 {
        self.entropy_per_word / self.chars_per_word
    }

    /// Entropy rate in nats per word.
    pub fn entropy_per_word(&self) -> f64 {
        self.entropy_per_word
    }

    /// Mean characters per word including its trailing space, under the stationary word frequencies.
    pub fn chars_per_word(&self) -> f64 {
        self.chars_per_word
    }

    /// Stationary word frequencies f(w) = Σ over states ending in w of π(state), in lexicon order.
    pub fn word_frequencies(&self) -> Vec<f64> {
        let mut f = vec![0.0; self.lexicon.len()];
        for (node, p) in self.nodes.iter().zip(&self.pi).skip(1) {
            f[node.word as usize] += p;
        }
        f
    }

    /// Nats per character of the best model that knows every word and its frequency but ignores context:
    /// H(f) / chars per word. The gap down to [`Self::entropy_per_char`] is what context is worth.
    pub fn unigram_entropy_per_char(&self) -> f64 {
        let h: f64 = self.word_frequencies().iter().filter(|&&p| p > 0.0).map(|p| -p * p.ln()).sum();
        h / self.chars_per_word
    }

    /// Number of states (contexts, including the empty one used only at the start).
    pub fn num_states(&self) -> usize {
        self.nodes.len()
    }

    /// The lexicon, most frequent word first.
    pub fn lexicon(&self) -> &[String] {
        &self.lexicon
    }

    /// Number of contexts at each depth 1, 2, ...
    pub fn contexts_per_depth(&self) -> Vec<usize> {
        let max = self.nodes.iter().map(|n| n.depth).max().unwrap_or(0) as usize;
        let mut counts = vec![0; max];
        for n in &self.nodes[1..] {
            counts[n.depth as usize - 1] += 1;
        }
        counts
    }

    /// P(word | state), computed from the smoothing recursion (independently of how sampling draws it).
    pub fn prob(&self, state: u32, word: u32) -> f64 {
        let lambda = self.preset.lambda;
        let (mut p, mut weight, mut a) = (0.0, 1.0, state);
        while a != 0 {
            let node = &self.nodes[a as usize];
            if let Some(&(_, g)) = node.favored.iter().find(|&&(w, _)| w == word) {
                p += weight * lambda * g;
            }
            weight *= 1.0 - lambda;
            a = node.suffix;
        }
        p + weight * self.p0[word as usize]
    }

    /// The state after emitting `word` in `state`: the longest context `u·word` with `u` on the suffix chain.
    pub fn next_state(&self, state: u32, word: u32) -> u32 {
        let mut u = state;
        loop {
            if let Some(child) = self.child(u, word) {
                return child;
            }
            u = self.nodes[u as usize].suffix; // the empty context extends by every word, so this ends
        }
    }

    /// A state drawn from the stationary distribution, so a sample starts in the chain's steady state.
    pub fn stationary_state(&self, rng: &mut Rng) -> u32 {
        sample_cdf(&self.pi_cdf, rng.next_f64()) as u32
    }

    /// Draws the next word in `state` by walking the mixture: own favoured words with probability λ, else shorter.
    pub fn sample_word(&self, state: u32, rng: &mut Rng) -> u32 {
        let mut a = state;
        while a != 0 {
            let node = &self.nodes[a as usize];
            if rng.next_f64() < self.preset.lambda {
                let mut u = rng.next_f64();
                for &(w, g) in &node.favored {
                    if u < g {
                        return w;
                    }
                    u -= g;
                }
                return node.favored[node.favored.len() - 1].0;
            }
            a = node.suffix;
        }
        sample_cdf(&self.p0_cdf, rng.next_f64()) as u32
    }

    /// A position in an endless sample, starting in a stationary state; owned, so a batcher can keep one.
    pub fn cursor(&self, seed: u64) -> Cursor {
        let mut rng = Rng::new(seed);
        let state = self.stationary_state(&mut rng);
        Cursor { rng, state }
    }

    /// A cursor continuing a saved one (its generator's state and the chain's state); None when the chain has no
    /// such state or the generator state is impossible.
    pub fn cursor_from(&self, rng: [u64; 4], state: u32) -> Option<Cursor> {
        let rng = Rng::from_state(rng)?;
        ((state as usize) < self.nodes.len()).then_some(Cursor { rng, state })
    }

    /// Appends the next `n` words of the sample at `cursor`, each followed by a space.
    pub fn write_words(&self, cursor: &mut Cursor, out: &mut String, n: usize) {
        for _ in 0..n {
            let w = self.sample_word(cursor.state, &mut cursor.rng);
            cursor.state = self.next_state(cursor.state, w);
            out.push_str(&self.lexicon[w as usize]);
            out.push(' ');
        }
    }

    /// An endless walk from a stationary start: yields (state before the word, word).
    pub fn walk(&self, seed: u64) -> Walk<'_> {
        Walk { source: self, cursor: self.cursor(seed) }
    }

    /// The first `chars` characters of the text of the walk with this seed.
    pub fn text(&self, seed: u64, chars: usize) -> String {
        let mut out = String::with_capacity(chars + 32);
        let mut cursor = self.cursor(seed);
        while out.len() < chars {
            self.write_words(&mut cursor, &mut out, 64);
        }
        out.truncate(chars);
        out
    }

    fn child(&self, prefix: u32, word: u32) -> Option<u32> {
        let key = (prefix as u64) << 32 | word as u64;
        self.ext.binary_search_by_key(&key, |&(k, _)| k).ok().map(|i| self.ext[i].1)
    }

    /// The contexts one word longer than `prefix` on the right: (word, node).
    fn extensions(&self, prefix: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let lo = self.ext.partition_point(|&(k, _)| k < (prefix as u64) << 32);
        let hi = self.ext.partition_point(|&(k, _)| k < ((prefix as u64) + 1) << 32);
        self.ext[lo..hi].iter().map(|&(k, node)| (k as u32, node))
    }

    fn rebuild_ext(&mut self) {
        self.ext = self
            .nodes
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, n)| ((n.prefix as u64) << 32 | n.word as u64, i as u32))
            .collect();
        self.ext.sort_unstable();
    }
}

/// Where an endless sample stands: its generator and the chain's current state.
#[derive(Clone, Debug)]
pub struct Cursor {
    rng: Rng,
    state: u32,
}

impl Cursor {
    /// What [`SyntheticSource::cursor_from`] needs to continue from here.
    pub fn parts(&self) -> ([u64; 4], u32) {
        (self.rng.state(), self.state)
    }
}

/// An endless walk through a synthetic language (see [`SyntheticSource::walk`]).
pub struct Walk<'a> {
    source: &'a SyntheticSource,
    cursor: Cursor,
}

impl Iterator for Walk<'_> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        let state = self.cursor.state;
        let word = self.source.sample_word(state, &mut self.cursor.rng);
        self.cursor.state = self.source.next_state(state, word);
        Some((state, word))
    }
}

fn running_sum(weights: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

/// `k` distinct words drawn from the given weights, with weights ∝ 1/rank in draw order.
fn draw_favored(k: usize, cdf: &[f64], rng: &mut Rng) -> Vec<(u32, f64)> {
    let k = k.min(cdf.len());
    let mut picked: Vec<u32> = Vec::with_capacity(k);
    while picked.len() < k {
        let w = sample_cdf(cdf, rng.next_f64()) as u32;
        if !picked.contains(&w) {
            picked.push(w);
        }
    }
    let norm: f64 = (1..=k).map(|r| 1.0 / r as f64).sum();
    picked.into_iter().enumerate().map(|(i, w)| (w, 1.0 / ((i + 1) as f64 * norm))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_to_one_and_transitions_end_in_the_word() {
        let s = SyntheticSource::by_name("tiny").unwrap();
        for state in [0, 1, 5, s.num_states() as u32 - 1] {
            let total: f64 = (0..s.lexicon.len() as u32).map(|w| s.prob(state, w)).sum();
            assert!((total - 1.0).abs() < 1e-12, "row {state} sums to {total}");
            for w in 0..s.lexicon.len() as u32 {
                assert_eq!(s.nodes[s.next_state(state, w) as usize].word, w);
            }
        }
        assert!((s.pi.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(s.text(1, 200).bytes().all(|b| ALPHABET.as_bytes().contains(&b)));
    }
}
