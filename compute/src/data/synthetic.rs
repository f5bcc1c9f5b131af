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

use super::rng::{sample_cdf, Rng};
use serde::Serialize;

/// The character alphabet of every synthetic language, in token order.
pub const ALPHABET: &str = " abcdefghijklmnopqrstuvwxyz";

/// A named size of synthetic language: the knobs of the construction described in the module documentation.
#[derive(Clone, Debug, Serialize)]
pub struct SyntheticPreset {
    /// Name used in `synthetic:NAME`.
    pub name: &'static str,
    /// One line for the page and the README.
    pub summary: &'static str,
    /// Lexicon size.
    pub words: usize,
    /// Exponent of the Zipf–Mandelbrot base distribution.
    pub zipf: f64,
    /// Number of contexts at depths 2, 3, ... (depth 1 is every word).
    pub contexts: &'static [usize],
    /// Favoured words per context.
    pub favored: usize,
    /// Weight of a context's own favoured words against the shorter context's prediction.
    pub lambda: f64,
    /// Seed that fixes the language itself (its lexicon and contexts), not the samples drawn from it.
    pub seed: u64,
    /// The entropy rate this preset builds to, nats per character, so a page can show it without building; a test
    /// checks it against the computation.
    pub entropy_per_char: f64,
}

/// The built-in synthetic languages, from easy to hard.
pub const PRESETS: &[SyntheticPreset] = &[
    SyntheticPreset {
        name: "tiny",
        summary: "64 words, bigram contexts only: for tests and quick demos",
        words: 64,
        zipf: 1.0,
        contexts: &[],
        favored: 4,
        lambda: 0.6,
        seed: 11,
        entropy_per_char: 0.520562546270,
    },
    SyntheticPreset {
        name: "easy",
        summary: "300 words, contexts up to 3 words",
        words: 300,
        zipf: 1.0,
        contexts: &[1500, 1000],
        favored: 6,
        lambda: 0.6,
        seed: 12,
        entropy_per_char: 0.526528786131,
    },
    SyntheticPreset {
        name: "medium",
        summary: "1,200 words, contexts up to 4 words",
        words: 1200,
        zipf: 1.05,
        contexts: &[8000, 6000, 3000],
        favored: 8,
        lambda: 0.6,
        seed: 13,
        entropy_per_char: 0.517074415655,
    },
    SyntheticPreset {
        name: "hard",
        summary: "4,000 words, contexts up to 4 words",
        words: 4000,
        zipf: 1.1,
        contexts: &[30000, 24000, 12000],
        favored: 8,
        lambda: 0.6,
        seed: 14,
        entropy_per_char: 0.459442640471,
    },
];

/// Looks a preset up by name.
pub fn preset(name: &str) -> Option<&'static SyntheticPreset> {
    PRESETS.iter().find(|p| p.name == name)
}

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

/// Sparse rows of the transition matrix: for each state, the words with explicit probabilities and their next states.
struct Transitions {
    start: Vec<usize>, // (states + 1)
    target: Vec<u32>,  // (entries,) next state; its newest word is the emitted word
    prob: Vec<f64>,    // (entries,) P(word | state)
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

    /// Weight of P0 in the row of `state`: (1 − λ)^depth.
    fn base_weight(&self, state: u32) -> f64 {
        (1.0 - self.preset.lambda).powi(self.nodes[state as usize].depth as i32)
    }

    /// The explicit part of every row: the favoured words along each state's suffix chain. Every other word w has
    /// probability base_weight·P0(w) and leads to the single-word context (w).
    fn transitions(&self) -> Transitions {
        let mut t = Transitions { start: vec![0], target: Vec::new(), prob: Vec::new() };
        let mut words: Vec<u32> = Vec::new();
        for s in 0..self.nodes.len() as u32 {
            words.clear();
            let mut a = s;
            while a != 0 {
                words.extend(self.nodes[a as usize].favored.iter().map(|&(w, _)| w));
                words.extend(self.extensions(a).map(|(w, _)| w));
                a = self.nodes[a as usize].suffix;
            }
            words.sort_unstable();
            words.dedup();
            for &w in &words {
                t.target.push(self.next_state(s, w));
                t.prob.push(self.prob(s, w));
            }
            t.start.push(t.target.len());
        }
        t
    }

    /// Stationary distribution by power iteration, the dense P0 part of all rows applied as one rank-one update.
    fn stationary(&self, t: &Transitions) -> Vec<f64> {
        let n = self.nodes.len();
        let base: Vec<f64> = (0..n as u32).map(|s| self.base_weight(s)).collect();
        let mut pi = vec![0.0; n];
        pi[1..=self.p0.len()].copy_from_slice(&self.p0);
        let mut next = vec![0.0; n];
        for _ in 0..10_000 {
            next.iter_mut().for_each(|x| *x = 0.0);
            let z: f64 = pi.iter().zip(&base).map(|(p, b)| p * b).sum();
            for (w, p) in self.p0.iter().enumerate() {
                next[w + 1] = z * p;
            }
            for s in 1..n {
                let mass = pi[s];
                if mass == 0.0 {
                    continue;
                }
                let removed = mass * base[s];
                for e in t.start[s]..t.start[s + 1] {
                    let target = t.target[e] as usize;
                    let w = self.nodes[target].word as usize;
                    next[target] += mass * t.prob[e];
                    next[w + 1] -= removed * self.p0[w];
                }
            }
            let total: f64 = next.iter().map(|x| x.max(0.0)).sum();
            let mut change = 0.0;
            for (p, x) in pi.iter_mut().zip(&next) {
                let x = x.max(0.0) / total;
                change += (x - *p).abs();
                *p = x;
            }
            if change < 1e-13 {
                break;
            }
        }
        pi
    }

    /// Σ_s π(s)·H(P(·|s)) in nats, each row's implicit part summed in closed form.
    fn entropy(&self, t: &Transitions) -> f64 {
        let p0_plogp: f64 = self.p0.iter().map(|p| p * p.ln()).sum();
        let mut h = 0.0;
        for s in 1..self.nodes.len() {
            if self.pi[s] == 0.0 {
                continue;
            }
            let c = self.base_weight(s as u32);
            let (mut explicit, mut p0_in, mut p0_plogp_in) = (0.0, 0.0, 0.0);
            for e in t.start[s]..t.start[s + 1] {
                let p = t.prob[e];
                let q = self.p0[self.nodes[t.target[e] as usize].word as usize];
                explicit -= p * p.ln();
                p0_in += q;
                p0_plogp_in += q * q.ln();
            }
            // −Σ_{w∉E} c·P0(w)·ln(c·P0(w)) = −c·ln c·(1 − ΣE P0) − c·(Σ P0 ln P0 − ΣE P0 ln P0)
            let implicit = -c * c.ln() * (1.0 - p0_in) - c * (p0_plogp - p0_plogp_in);
            h += self.pi[s] * (explicit + implicit);
        }
        h
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

/// `n` distinct pronounceable words, shortest first on average (Zipf's law of abbreviation).
fn make_lexicon(n: usize, rng: &mut Rng) -> Vec<String> {
    // (piece, weight): simple onsets and codas are common, clusters rarer, as in most languages.
    const ONSETS: &[(&str, u32)] = &[
        ("", 6),
        ("b", 4),
        ("d", 5),
        ("f", 3),
        ("g", 3),
        ("h", 3),
        ("k", 4),
        ("l", 5),
        ("m", 5),
        ("n", 5),
        ("p", 4),
        ("r", 5),
        ("s", 6),
        ("t", 6),
        ("v", 2),
        ("w", 2),
        ("z", 1),
        ("j", 1),
        ("br", 1),
        ("ch", 2),
        ("dr", 1),
        ("fl", 1),
        ("gr", 1),
        ("pl", 1),
        ("pr", 1),
        ("sh", 2),
        ("sk", 1),
        ("st", 2),
        ("th", 3),
        ("tr", 1),
    ];
    const VOWELS: &[(&str, u32)] =
        &[("a", 8), ("e", 9), ("i", 6), ("o", 6), ("u", 3), ("ai", 1), ("ea", 1), ("ee", 1), ("ou", 1), ("y", 1)];
    const CODAS: &[(&str, u32)] = &[
        ("", 14),
        ("n", 4),
        ("r", 3),
        ("s", 3),
        ("t", 3),
        ("l", 2),
        ("m", 1),
        ("nd", 1),
        ("nt", 1),
        ("st", 1),
        ("ng", 1),
        ("x", 1),
        ("ck", 1),
    ];
    fn pick(rng: &mut Rng, table: &[(&'static str, u32)]) -> &'static str {
        let total: u32 = table.iter().map(|t| t.1).sum();
        let mut u = rng.below(total as u64) as u32;
        for &(s, w) in table {
            if u < w {
                return s;
            }
            u -= w;
        }
        unreachable!()
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    for rank in 0..n {
        // Mean syllables grows with the log of the rank: about 1 for the top words, 3–3.5 deep in the tail.
        let mean = 1.0 + 0.45 * libm::log(1.0 + rank as f64 / 16.0);
        let mut tries = 0;
        loop {
            let jitter = rng.next_f64() - 0.5 + tries as f64 / 20.0;
            let syllables = (mean + jitter).round().max(1.0) as usize;
            let mut word = String::new();
            for _ in 0..syllables {
                word.push_str(pick(rng, ONSETS));
                word.push_str(pick(rng, VOWELS));
                word.push_str(pick(rng, CODAS));
            }
            if seen.insert(word.clone()) {
                out.push(word);
                break;
            }
            tries += 1;
        }
    }
    out
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
