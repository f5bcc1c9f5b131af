//! `lab` keeps what the user asked to keep: outputs never collide or overwrite inputs, bad paths are refused before
//! training, Ctrl-C saves a run that --resume finishes, and oversized or endless inputs end in one clear line.

use compute::experiments::SweepRecord;
use compute::train::{RunRecord, RunStatus};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lab-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `lab` in `dir` (killed after 60 s): its exit code (None when killed by a signal) and stderr.
fn lab(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lab");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(60), "lab {args:?} hung");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "lab {args:?} panicked: {err}");
    (out.status.code(), err)
}

const TINY: [&str; 6] = ["train", "--preset", "tiny", "--backend", "cpu", "--quiet"];

fn train(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    lab(dir, &[&TINY[..], &["--steps", "4", "--batch", "2"], extra].concat())
}

#[test]
fn outputs_never_overwrite_each_other_or_the_inputs() {
    let d = folder("collide");
    // The issue's case: the checkpoint's JSON used to overwrite the run record.
    let (code, err) = train(&d, &["--out", "run.json", "--save", "run.safetensors"]);
    assert_eq!(code, Some(0), "{err}");
    RunRecord::from_json(&std::fs::read_to_string(d.join("run.json")).unwrap()).expect("the record is whole");
    let sidecar = std::fs::read_to_string(d.join("run.safetensors.json")).unwrap();
    assert!(sidecar.contains("nanogpt_config"), "the README's sidecar name");
    compute::checkpoint::load(&d.join("run.safetensors")).unwrap();
    // A checkpoint named like a record or a state keeps its weights.
    let (code, err) = train(&d, &["--save", "foo.json"]);
    assert_eq!(code, Some(0), "{err}");
    compute::checkpoint::load(&d.join("foo.json")).unwrap();
    let (code, err) = lab(&d, &[&TINY[..], &["--steps", "6", "--save", "st.state", "--stop-after", "3"]].concat());
    assert_eq!(code, Some(0), "{err}");
    compute::checkpoint::load(&d.join("st.state")).unwrap();
    assert!(d.join("st.state.state").is_file());
    // Outputs that are one file, or an input, are refused before anything is written.
    std::fs::write(d.join("c.json"), "{}").unwrap();
    let refused = [
        (vec!["--out", "x.bin", "--save", "x.bin"], "are the same file"),
        (vec!["--out", "run.safetensors.json", "--save", "run.safetensors"], "the checkpoint's JSON"),
        (vec!["--out", "c.json", "--config", "c.json"], "would overwrite --config"),
        (vec!["--save", "c.json", "--config", "c.json"], "would overwrite --config"),
    ];
    for (args, why) in refused {
        let with_config = args.contains(&"--config");
        let base: Vec<&str> = if with_config {
            vec!["train", "--backend", "cpu", "--quiet", "--steps", "2", "--batch", "2"]
        } else {
            [&TINY[..], &["--steps", "2"]].concat()
        };
        let (code, err) = lab(&d, &[&base[..], &args[..]].concat());
        assert!(code == Some(1) && err.contains(why), "{args:?}: {err}");
    }
    assert!(!d.join("x.bin").exists());
    assert_eq!(std::fs::read_to_string(d.join("c.json")).unwrap(), "{}");
    let (code, err) = lab(&d, &["train", "--resume", "st.state", "--save", "st.state"]);
    assert!(code == Some(1) && err.contains("would overwrite --resume"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_bad_output_path_is_refused_before_training() {
    let d = folder("paths");
    let (code, err) = train(&d, &["--out", "missing/run.json"]);
    assert!(code == Some(1) && err.contains("the folder missing does not exist"), "{err}");
    assert!(!err.contains("training "), "refused only after training: {err}");
    let (code, err) = train(&d, &["--save", "."]);
    assert!(code == Some(1) && err.contains("is a folder"), "{err}");
    let (code, err) = lab(&d, &["sweep", "isoflop", "--budget", "tiny", "--backend", "cpu", "--out", "no/s.json"]);
    assert!(code == Some(1) && err.contains("does not exist") && !err.contains("runs to train"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

/// Starts `lab` in `dir`, waits for a stderr line containing `ready` and a little more, sends SIGINT: (exit code,
/// everything it wrote to stderr).
#[cfg(unix)]
fn interrupt(dir: &Path, args: &[&str], ready: &str) -> (Option<i32>, String) {
    let mut child =
        Command::new(env!("CARGO_BIN_EXE_lab")).current_dir(dir).args(args).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (mut line, mut all) = (String::new(), String::new());
    while !line.contains(ready) {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "lab ended before `{ready}`: {all}");
        all.push_str(&line);
    }
    std::thread::sleep(Duration::from_millis(700));
    // SAFETY: kill() with a child's pid and SIGINT has no memory effects.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    std::io::Read::read_to_string(&mut stderr, &mut all).unwrap();
    (child.wait().unwrap().code(), all)
}

#[cfg(unix)]
#[test]
fn ctrl_c_saves_a_run_that_resume_finishes() {
    let d = folder("sigint");
    let args = [&TINY[..], &["--steps", "2000", "--context", "16", "--out", "run.json", "--save", "ck.safetensors"]];
    let (code, err) = interrupt(&d, &args.concat(), "training ");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted at step") && err.contains("--resume ck.safetensors` continues it"), "{err}");
    let record = RunRecord::from_json(&std::fs::read_to_string(d.join("run.json")).unwrap()).unwrap();
    assert!(record.status == RunStatus::Stopped && record.steps > 0 && record.steps < 2000, "{:?}", record.status);
    let (code, err) =
        lab(&d, &["train", "--backend", "cpu", "--quiet", "--resume", "ck.safetensors", "--out", "all.json"]);
    assert_eq!(code, Some(0), "{err}");
    let all = RunRecord::from_json(&std::fs::read_to_string(d.join("all.json")).unwrap()).unwrap();
    assert_eq!((all.status, all.steps), (RunStatus::Finished, 2000));
    assert!(all.notes.iter().any(|n| n.contains(&format!("resumed at step {}", record.steps))), "{:?}", all.notes);
    std::fs::remove_dir_all(&d).ok();
}

#[cfg(unix)]
#[test]
fn ctrl_c_in_a_sweep_keeps_the_run_in_progress_for_resume() {
    let d = folder("sigint-sweep");
    let sweep = ["sweep", "isoflop", "--budget", "tiny", "--seeds", "1", "--backend", "cpu", "--out", "s.json"];
    let (code, err) = interrupt(&d, &sweep, "runs to train");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("was saved at step") && err.contains("0 of 9 runs finished are in s.json"), "{err}");
    SweepRecord::from_json(&std::fs::read_to_string(d.join("s.json")).unwrap()).expect("the record is written");
    assert!(d.join("s.json.interrupted.safetensors.state").is_file());
    // --resume continues that run from its step instead of starting it again.
    let (code, err) = interrupt(&d, &[&sweep[..], &["--resume"]].concat(), "continuing isoflop-");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("from step") && !err.contains("from step 0"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn sizes_that_cannot_fit_are_refused_before_allocating() {
    let d = folder("sizes");
    let (code, err) = lab(&d, &[&TINY[..], &["--steps", "4", "--batch", "1000000000"]].concat());
    assert!(code == Some(1) && err.contains("needs") && err.contains("over the cap"), "{err}");
    let (code, err) = train(&d, &["--max-memory", "1M"]);
    assert!(code == Some(1) && err.contains("over the cap of 1.0 MiB (set with --max-memory)"), "{err}");
    for field in ["vocab_size", "n_ctx", "n_layer", "n_head", "d_model", "d_ff"] {
        std::fs::write(d.join("c.json"), format!("{{\"{field}\": {}}}", u64::MAX)).unwrap();
        let (code, err) = lab(&d, &["train", "--config", "c.json", "--backend", "cpu", "--steps", "1"]);
        let named = err.contains("larger than this lab supports") || field == "vocab_size";
        assert!(named && (code == Some(1) || field == "vocab_size"), "{field}: {err}");
    }
    std::fs::write(d.join("c.json"), r#"{"d_model": 1000000}"#).unwrap();
    let (code, err) = lab(&d, &["train", "--config", "c.json", "--backend", "cpu"]);
    assert!(code == Some(1) && err.contains("at most 4096"), "{err}");
    let points = compute::repository_dir().join("compute/tests/fixtures/scaling_isoflop.csv");
    let (code, err) = lab(&d, &["fit", points.to_str().unwrap(), "--bootstrap", &u64::MAX.to_string()]);
    assert!(code == Some(1) && err.contains("--bootstrap 18446744073709551615 is more than"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn endless_files_end_in_a_message_naming_the_limit() {
    let d = folder("zero");
    let plan =
        compute::experiments::plan(compute::experiments::SweepKind::IsoFlop, compute::experiments::Budget::Tiny, 1);
    let record = compute::experiments::SweepRecord::new(plan, Vec::new(), "now".into(), "CPU".into(), "x".into());
    std::fs::write(d.join("a.json"), record.to_json()).unwrap();
    let cases: [&[&str]; 5] = [
        &[&TINY[..], &["--data", "file:/dev/zero"]].concat(),
        &["fit", "/dev/zero"],
        &["sweep", "isoflop", "--budget", "tiny", "--seeds", "1", "--merge", "a.json", "/dev/zero", "--out", "m.json"],
        &["eval", "--checkpoint", "/dev/zero", "--text", "a.json"],
        &["train", "--resume", "/dev/zero"],
    ];
    for args in cases {
        let start = Instant::now();
        let (code, err) = lab(&d, args);
        assert!(code == Some(1) && err.contains("/dev/zero"), "{args:?}: {err}");
        assert!(err.contains("the limit") || err.contains("is not a"), "{args:?}: {err}");
        assert!(start.elapsed() < Duration::from_secs(20), "{args:?} took {:?}", start.elapsed());
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn resume_refuses_the_settings_it_would_ignore() {
    let d = folder("resume-flags");
    for flag in ["--data", "--tokenizer", "--batch", "--context", "--lr", "--warmup", "--seed"] {
        let value = if flag == "--data" {
            "brown"
        } else if flag == "--tokenizer" {
            "byte"
        } else {
            "3"
        };
        let (code, err) = lab(&d, &["train", "--resume", "ck.safetensors", flag, value]);
        assert!(code == Some(2) && err.contains("cannot be used with"), "{flag}: {err}");
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn damaged_weights_and_moments_are_refused() {
    let d = folder("damaged");
    let (code, err) =
        lab(&d, &[&TINY[..], &["--steps", "6", "--stop-after", "3", "--save", "ck.safetensors"]].concat());
    assert_eq!(code, Some(0), "{err}");
    // Non-finite weights: eval says so and fails instead of printing {"loss": null}.
    let ck = compute::checkpoint::load(&d.join("ck.safetensors")).unwrap();
    let mut params = ck.params.clone();
    params[7] = f32::NAN;
    compute::checkpoint::save(&d.join("nan.safetensors"), &ck.config, &params, ck.tokenizer.as_ref()).unwrap();
    std::fs::write(d.join("text.txt"), "the cat sat on the mat and the dog sat on the log").unwrap();
    let (code, err) = lab(&d, &["eval", "--checkpoint", "nan.safetensors", "--text", "text.txt"]);
    assert!(code == Some(1) && err.contains("non-finite weights"), "{err}");
    // AdamW moments altered in place (a plausible value, so only the checksum can tell).
    let state = d.join("ck.safetensors.state");
    let mut bytes = std::fs::read(&state).unwrap();
    let end = bytes.len();
    bytes[end - 4..].copy_from_slice(&0.25f32.to_le_bytes());
    std::fs::write(&state, bytes).unwrap();
    let (code, err) = lab(&d, &["train", "--backend", "cpu", "--resume", "ck.safetensors"]);
    assert!(code == Some(1) && err.contains("do not match the checksum"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn config_fields_the_lab_does_not_know_are_refused() {
    let d = folder("config");
    let cases = [
        (r#"{"dropout": 0.5}"#, "field `dropout`"),
        (r#"[64, 2, 2, 32]"#, "holds an array"),
        (r#"{"model": {"n_layer": 1}, "train": {"dropout": 0.1}}"#, "`train` has a field `dropout`"),
        (r#"{"model": {}, "extra": 1}"#, "field `extra` beside"),
    ];
    for (json, why) in cases {
        std::fs::write(d.join("c.json"), json).unwrap();
        let (code, err) = lab(&d, &["train", "--config", "c.json", "--backend", "cpu", "--steps", "1"]);
        assert!(code == Some(1) && err.contains(why), "{json}: {err}");
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn fit_reads_the_records_lab_train_writes() {
    let d = folder("fit-records");
    let (code, err) = train(&d, &["--out", "run.json"]);
    assert_eq!(code, Some(0), "{err}");
    let one = std::fs::read_to_string(d.join("run.json")).unwrap();
    let points = compute::scaling::parse_observations(&one).unwrap();
    let r = RunRecord::from_json(&one).unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!((points[0].n, points[0].d), (r.non_embedding_params as f64, r.tokens_seen as f64));
    let many = format!("[{one},{one}]");
    assert_eq!(compute::scaling::parse_observations(&many).unwrap().len(), 2);
    let (code, err) = lab(&d, &["fit", "run.json"]);
    assert!(code == Some(1) && !err.contains("missing field"), "{err}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_fit_of_1e5_points_takes_seconds_and_says_it_sampled() {
    let d = folder("big-fit");
    let mut rng = compute::data::rng::Rng::new(5);
    let mut csv = String::from("N,D,loss\n");
    for _ in 0..100_000 {
        let (n, tokens) = (10f64.powf(4.0 + 3.0 * rng.next_f64()), 10f64.powf(6.0 + 3.0 * rng.next_f64()));
        let loss = (1.7 + 400.0 / n.powf(0.34) + 410.0 / tokens.powf(0.28)) * (1.0 + 0.01 * (rng.next_f64() - 0.5));
        csv.push_str(&format!("{n},{tokens},{loss}\n"));
    }
    std::fs::write(d.join("big.csv"), csv).unwrap();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_lab")).current_dir(&d).args(["fit", "big.csv"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(30), "took {:?}", start.elapsed());
    assert!(stderr.contains("fitting 100000 points"), "{stderr}");
    assert!(
        stdout.contains("100000 points: the grid search and each bootstrap replicate used 2000 points"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&d).ok();
}
