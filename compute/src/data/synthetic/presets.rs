//! The built-in synthetic languages and their knobs.

use serde::Serialize;

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
