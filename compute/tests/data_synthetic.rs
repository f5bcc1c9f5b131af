//! Synthetic languages: the computed entropy rate equals the true model's measured cross-entropy on a long sample,
//! generation is deterministic, the floors quoted in the presets are the ones computed, and batches are fresh.

use compute::data::synthetic::{SyntheticSource, ALPHABET, PRESETS};
use compute::data::{Dataset, TokenizerSpec};

/// −mean ln P(word | state) per character over `words` words of the walk with `seed`, and its standard error by
/// batch means (the losses of neighbouring words are correlated through the state), as a ratio estimator.
fn measured_entropy(source: &SyntheticSource, seed: u64, words: usize) -> (f64, f64) {
    const BLOCK: usize = 1000;
    let mut blocks: Vec<(f64, f64)> = Vec::new(); // (nats, chars) per block
    let (mut nats, mut chars) = (0.0, 0.0);
    for (i, (state, word)) in source.walk(seed).take(words).enumerate() {
        nats -= source.prob(state, word).ln();
        chars += (source.lexicon()[word as usize].len() + 1) as f64;
        if (i + 1) % BLOCK == 0 {
            blocks.push((nats, chars));
            (nats, chars) = (0.0, 0.0);
        }
    }
    let n = blocks.len() as f64;
    let (total_nats, total_chars) = blocks.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    let rate = total_nats / total_chars;
    let mean_chars = total_chars / n;
    let var: f64 = blocks.iter().map(|(l, c)| (l - rate * c).powi(2)).sum::<f64>() / (n - 1.0);
    (rate, (var / n).sqrt() / mean_chars)
}

#[test]
fn computed_entropy_matches_the_true_models_cross_entropy_on_a_long_sample() {
    for preset in PRESETS {
        let source = SyntheticSource::new(preset.clone());
        let floor = source.entropy_per_char();
        let (measured, se) = measured_entropy(&source, 2024, 200_000);
        println!("{}: computed {floor:.5} measured {measured:.5} ± {se:.5} nats/char", preset.name);
        assert!(
            (measured - floor).abs() < 4.0 * se,
            "{}: computed {floor} vs measured {measured} (s.e. {se})",
            preset.name
        );
        assert!(se < 0.01 * floor, "{}: the sample is too short to check anything (s.e. {se})", preset.name);
        // The preset quotes its floor for pages that do not build the language; keep the two equal.
        assert!(
            (preset.entropy_per_char - floor).abs() < 1e-9,
            "{}: preset says {} but the construction gives {floor:.12}",
            preset.name,
            preset.entropy_per_char
        );
        // Context is worth something, and the unigram level lies above the floor.
        assert!(source.unigram_entropy_per_char() > floor + 0.1);
    }
}

#[test]
fn the_same_preset_and_seed_give_the_same_text_and_other_seeds_do_not() {
    let a = SyntheticSource::by_name("easy").unwrap();
    let b = SyntheticSource::by_name("easy").unwrap();
    assert_eq!(a.entropy_per_char(), b.entropy_per_char());
    assert_eq!(a.lexicon(), b.lexicon());
    let text = a.text(7, 5000);
    assert_eq!(text, b.text(7, 5000));
    assert_ne!(text, a.text(8, 5000));
    assert!(text.chars().all(|c| ALPHABET.contains(c)), "unprintable or foreign characters in {text:?}");
    // Words of letters separated by single spaces.
    assert!(!text.contains("  ") && !text.starts_with(' '));
    assert!(text.split(' ').filter(|w| !w.is_empty()).all(|w| a.lexicon().iter().any(|l| l == w) || text.ends_with(w)));
}

#[test]
fn synthetic_datasets_carry_their_floor_and_give_fresh_deterministic_batches() {
    let data = Dataset::synthetic("tiny", TokenizerSpec::Char).unwrap();
    let floor = data.synthetic_source().unwrap().entropy_per_char();
    assert_eq!(data.entropy_floor, Some(floor), "one character is one token");
    assert_eq!(data.vocab_size(), 28, "27 letters and space, plus the unknown token");
    assert_eq!(data.unique_train_tokens(), None);
    let byte = Dataset::synthetic("tiny", TokenizerSpec::Byte).unwrap();
    assert_eq!(byte.entropy_floor, Some(floor));

    let (mut a, mut b) = (data.batcher(1), data.batcher(1));
    let (x1, y1) = a.next_batch(4, 32);
    assert_eq!((x1.len(), y1.len()), (128, 128));
    assert_eq!((x1.clone(), y1.clone()), b.next_batch(4, 32));
    assert_eq!(&x1[1..32], &y1[..31], "targets are the tokens shifted by one");
    let (x2, _) = a.next_batch(4, 32);
    assert_ne!(x1, x2, "fresh text every batch");
    assert_ne!(x1, data.batcher(2).next_batch(4, 32).0);
    assert_eq!(a.tokens_consumed(), 256);
    assert_eq!(a.epochs(), None);
    // Training text never repeats the validation sample.
    let val = data.val_tokens();
    assert!(val.len() >= 100_000);
    assert!(!val.windows(32).take(2000).any(|w| w == &x1[..32]));
}

#[test]
fn bpe_over_synthetic_text_scales_the_floor_by_characters_per_token() {
    let data = Dataset::synthetic("tiny", TokenizerSpec::Bpe(300)).unwrap();
    let per_char = data.synthetic_source().unwrap().entropy_per_char();
    assert!(data.chars_per_token > 1.5, "BPE should merge letters: {}", data.chars_per_token);
    let floor = data.entropy_floor.unwrap();
    assert!((floor - per_char * data.chars_per_token).abs() < 1e-12);
    let (x, y) = data.batcher(3).next_batch(2, 16);
    assert_eq!(&x[1..16], &y[..15]);
}
