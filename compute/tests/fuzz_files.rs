//! Fuzzes every file `lab` and the page read: checkpoints, trainer states, run records and sweep records, mutated
//! from valid ones with a fixed seed, go to the parsers the page's importers call and to `lab` itself. Passes with
//! zero panics, zero hangs over 20 s and zero exit-0 evaluations of non-finite weights. A short run by default;
//! `FUZZ_CASES=2000 FUZZ_SEED=7 cargo test -p compute --test fuzz_files` runs longer.

use compute::data::rng::Rng;
use compute::experiments::{plan, Budget, RunResult, SweepKind, SweepRecord};
use compute::fuzz::{env_or, guarded, mutate, CASE_LIMIT};
use compute::train::{RunRecord, TrainerState};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The checkpoint with its first weight set to NaN (written properly, so only the value is wrong).
fn nan_weights(bytes: &[u8]) -> Vec<u8> {
    let mut ck = compute::checkpoint::from_bytes(bytes, None).unwrap();
    ck.params[0] = f32::NAN;
    compute::checkpoint::to_bytes(&ck.config, &ck.params, ck.tokenizer.as_ref()).unwrap()
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
        if start.elapsed() > CASE_LIMIT {
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
