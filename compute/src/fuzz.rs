//! Mutations of valid files for the fuzz tests of every reader (`lab`'s in compute/tests/fuzz_files.rs, the page's
//! importers' in app/src/fuzz.rs): one definition, so both feed their parsers the same kinds of damage.

use crate::data::rng::Rng;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Longest one case may take: over this it counts as a hang.
pub const CASE_LIMIT: Duration = Duration::from_secs(20);

/// Reads a count or seed from the environment (`FUZZ_CASES`, `FUZZ_SEED`), else `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs `f`, counting a panic (its message goes to stderr) and a call over [`CASE_LIMIT`] as problems. Native
/// tests only: std has no clock on wasm32.
pub fn guarded(what: &str, problems: &mut Vec<String>, f: impl FnOnce()) {
    let start = Instant::now();
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        problems.push(format!("{what}: panicked"));
    }
    if start.elapsed() > CASE_LIMIT {
        problems.push(format!("{what}: took {:?}", start.elapsed()));
    }
}

/// Mutates `bytes`: bit flips, a cut, an inserted or deleted range, an 8-byte word set to an extreme, floats set to
/// NaN or infinity, or (for JSON) a number replaced by a hostile token.
pub fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let at = |rng: &mut Rng, len: usize| rng.below(len.max(1) as u64) as usize;
    for _ in 0..1 + rng.below(3) {
        let len = b.len();
        match rng.below(7) {
            0 => {
                for _ in 0..1 + rng.below(8) {
                    let i = at(rng, len);
                    if i < b.len() {
                        b[i] ^= 1 << rng.below(8);
                    }
                }
            }
            1 => b.truncate(at(rng, len)),
            2 => {
                let i = at(rng, len);
                let junk: Vec<u8> = (0..rng.below(64)).map(|_| rng.below(256) as u8).collect();
                b.splice(i.min(b.len())..i.min(b.len()), junk);
            }
            3 => {
                let i = at(rng, len).min(b.len());
                let j = (i + rng.below(256) as usize).min(b.len());
                b.drain(i..j);
            }
            4 => {
                let words = [u64::MAX, 0, 1 << 40, u32::MAX as u64];
                let i = at(rng, len.saturating_sub(8));
                if i + 8 <= b.len() {
                    b[i..i + 8].copy_from_slice(&words[rng.below(4) as usize].to_le_bytes());
                }
            }
            5 => {
                // Weights or moments near the end of a safetensors file become NaN or infinite.
                let bad = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e38][rng.below(4) as usize];
                let i = len.saturating_sub(4 * (1 + rng.below(64) as usize)) & !3;
                if i + 4 <= b.len() {
                    b[i..i + 4].copy_from_slice(&bad.to_le_bytes());
                }
            }
            _ => b = mutate_json_number(&b, rng),
        }
    }
    b
}

/// Replaces one number in JSON text (or in a safetensors header) with a hostile token.
pub fn mutate_json_number(b: &[u8], rng: &mut Rng) -> Vec<u8> {
    let starts: Vec<usize> = (0..b.len())
        .filter(|&i| b[i].is_ascii_digit() && (i == 0 || matches!(b[i - 1], b' ' | b':' | b'[' | b',')))
        .collect();
    if starts.is_empty() {
        return b.to_vec();
    }
    let i = starts[rng.below(starts.len() as u64) as usize];
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], b'.' | b'e' | b'E' | b'-' | b'+')) {
        j += 1;
    }
    let tokens = ["1e999", "-1", "18446744073709551615", "99999999999999999999", "0", "null", "[]", "\"x\"", "1e-320"];
    let token = tokens[rng.below(tokens.len() as u64) as usize];
    [&b[..i], token.as_bytes(), &b[j..]].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_seeded_and_change_the_input() {
        let text = br#"{"steps": 12, "loss": [1.5, 2.25], "name": "x"}"#;
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..20).map(|_| mutate(text, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert!(run(7).iter().any(|m| m != text));
    }
}
