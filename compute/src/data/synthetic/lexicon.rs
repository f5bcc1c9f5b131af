//! The invented words of a synthetic language: a syllable grammar, short words for the frequent ranks.

use crate::data::rng::Rng;

/// `n` distinct pronounceable words, shortest first on average (Zipf's law of abbreviation).
pub(super) fn make_lexicon(n: usize, rng: &mut Rng) -> Vec<String> {
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
