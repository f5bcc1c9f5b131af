//! Fuzzes every file `lab` and the page read: checkpoints, trainer states, run records and sweep records, mutated
//! from valid ones with a fixed seed, go to the parsers the page's importers call and to `lab` itself. Passes with
//! zero panics, zero hangs over 20 s and zero exit-0 evaluations of non-finite weights. A short run by default;
//! `FUZZ_CASES=2000 FUZZ_SEED=7 cargo test -p compute --test fuzz_files` runs longer.

use compute::data::rng::Rng;
use compute::experiments::{plan, Budget, RunResult, SweepKind, SweepRecord};
use compute::train::{RunRecord, TrainerState};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Mutates `bytes`: bit flips, a cut, an inserted or deleted range, an 8-byte word set to an extreme, floats set to
/// NaN or infinity, or (for JSON) a number replaced by a hostile token.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
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
fn mutate_json_number(b: &[u8], rng: &mut Rng) -> Vec<u8> {
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

/// The checkpoint with its first weight set to NaN (written properly, so only the value is wrong).
fn nan_weights(bytes: &[u8]) -> Vec<u8> {
    let mut ck = compute::checkpoint::from_bytes(bytes, None).unwrap();
    ck.params[0] = f32::NAN;
    compute::checkpoint::to_bytes(&ck.config, &ck.params, ck.tokenizer.as_ref()).unwrap()
}

/// Runs `f`, counting a panic (its message goes to stderr) and a call over 20 s.
fn guarded(what: &str, problems: &mut Vec<String>, f: impl FnOnce()) {
    let start = Instant::now();
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        problems.push(format!("{what}: panicked"));
    }
    if start.elapsed() > Duration::from_secs(20) {
        problems.push(format!("{what}: took {:?}", start.elapsed()));
    }
}

/// Runs `lab` in `dir`, killed after 20 s: (exit code, stdout), or a problem (panic, signal, hang).
fn lab(dir: &Path, args: &[&str]) -> Result<(Option<i32>, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lab");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("lab {args:?} hung"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("panicked") || out.status.code().is_none() || out.status.code() == Some(101) {
        return Err(format!("lab {args:?} crashed ({:?}): {err}", out.status.code()));
    }
    Ok((out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Valid files to start from: a stopped run's checkpoint and state and its record (trained by `lab`), and a sweep
/// record with a loss for every run.
fn seeds(dir: &Path) -> [(&'static str, PathBuf); 4] {
    let args = ["train", "--preset", "tiny", "--backend", "cpu", "--quiet", "--steps", "4", "--batch", "2"];
    let more = ["--context", "16", "--stop-after", "2", "--save", "ck.safetensors", "--out", "run.json"];
    let (code, _) = lab(dir, &[&args[..], &more[..]].concat()).unwrap();
    assert_eq!(code, Some(0));
    let plan = plan(SweepKind::IsoFlop, Budget::Tiny, 1);
    let runs = plan.runs.iter().enumerate().map(|(i, r)| RunResult::new(r, Some(3.0 - 0.01 * i as f64), vec![]));
    let record = SweepRecord::new(plan.clone(), runs.collect(), "now".into(), "CPU".into(), "fuzz".into());
    std::fs::write(dir.join("sweep.json"), record.to_json()).unwrap();
    std::fs::write(dir.join("text.txt"), "the cat sat on the mat and the dog sat on the log\n".repeat(4)).unwrap();
    [
        ("checkpoint", dir.join("ck.safetensors")),
        ("state", dir.join("ck.safetensors.state")),
        ("run", dir.join("run.json")),
        ("sweep", dir.join("sweep.json")),
    ]
}

#[test]
fn mutated_files_never_crash_hang_or_pass_non_finite_weights() {
    let (cases, seed) = (env_or("FUZZ_CASES", 24), env_or("FUZZ_SEED", 2026));
    let dir = std::env::temp_dir().join(format!("lab-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let seeds = seeds(&dir);
    let originals: Vec<Vec<u8>> = seeds.iter().map(|(_, p)| std::fs::read(p).unwrap()).collect();
    let mut rng = Rng::new(seed);
    let mut problems = Vec::new();
    for case in 0..cases {
        let k = (case % 4) as usize;
        let (kind, path) = &seeds[k];
        // The first case is always the issue's: a checkpoint whose weights hold a NaN.
        let bytes = if case == 0 { nan_weights(&originals[0]) } else { mutate(&originals[k], &mut rng) };
        let what = format!("case {case} ({kind}, seed {seed})");
        // The parsers the page's importers call, in process.
        guarded(&what, &mut problems, || {
            let text = String::from_utf8_lossy(&bytes);
            match *kind {
                "checkpoint" => drop(compute::checkpoint::from_bytes(&bytes, None)),
                "state" => drop(TrainerState::from_bytes(&bytes)),
                "run" => drop(RunRecord::from_json(&text).map(|r| r.model.validate())),
                _ => drop(SweepRecord::from_json(&text)),
            }
            drop(compute::scaling::parse_observations(&text));
        });
        // And `lab`, on the mutated file in place of the original (restored after).
        std::fs::write(path, &bytes).unwrap();
        let runs: Vec<Vec<&str>> = match *kind {
            "checkpoint" => vec![vec!["eval", "--checkpoint", "ck.safetensors", "--text", "text.txt"]],
            "state" => vec![vec!["train", "--backend", "cpu", "--quiet", "--resume", "ck.safetensors"]],
            "run" => vec![
                vec!["fit", "run.json"],
                vec!["train", "--config", "run.json", "--backend", "cpu", "--quiet", "--steps", "1", "--batch", "1"],
            ],
            _ => vec![
                vec!["fit", "sweep.json", "--bootstrap", "3"],
                vec![
                    "sweep",
                    "isoflop",
                    "--budget",
                    "tiny",
                    "--seeds",
                    "1",
                    "--merge",
                    "sweep.json",
                    "--out",
                    "m.json",
                ],
            ],
        };
        for args in runs {
            match lab(&dir, &args) {
                Err(problem) => problems.push(format!("{what}: {problem}")),
                Ok((Some(0), stdout)) if *kind == "checkpoint" => {
                    let finite = compute::checkpoint::from_bytes(&bytes, None)
                        .is_ok_and(|c| c.params.iter().all(|p| p.is_finite()));
                    if !finite || stdout.contains("null") {
                        problems.push(format!("{what}: eval exited 0 on non-finite weights: {stdout}"));
                    }
                }
                Ok(_) => {}
            }
        }
        std::fs::write(path, &originals[k]).unwrap();
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
