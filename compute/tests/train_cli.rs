//! `lab train` from the outside: a run stopped with `--stop-after` and continued with `--resume` writes the same
//! record as the run trained straight through, and a damaged state beside the checkpoint is refused with its reason.

use compute::train::RunRecord;
use std::path::Path;
use std::process::Command;

fn lab(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lab")).current_dir(dir).args(args).output().expect("run lab");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Losses of every reading and evaluation, bit for bit.
fn losses(path: &Path) -> Vec<(usize, f64)> {
    let r = RunRecord::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    r.train_series
        .iter()
        .map(|p| (p.step, p.train_loss))
        .chain(r.eval_series.iter().map(|p| (p.step, p.val_loss)))
        .collect()
}

#[test]
fn stop_after_then_resume_is_the_straight_run() {
    let dir = std::env::temp_dir().join(format!("lab-train-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = ["train", "--backend", "cpu", "--steps", "24", "--batch", "4", "--log-every", "5", "--eval-every", "10"];
    let (ok, err) = lab(&dir, &[&run[..], &["--quiet", "--out", "straight.json"]].concat());
    assert!(ok, "{err}");
    let (ok, err) = lab(&dir, &[&run[..], &["--quiet", "--stop-after", "13", "--save", "ck.safetensors"]].concat());
    assert!(ok && err.contains("stopped at step 13: continue with --resume ck.safetensors"), "{err}");
    let (ok, err) =
        lab(&dir, &["train", "--backend", "cpu", "--resume", "ck.safetensors", "--quiet", "--out", "split.json"]);
    assert!(ok, "{err}");
    assert_eq!(losses(&dir.join("split.json")), losses(&dir.join("straight.json")));
    std::fs::write(dir.join("ck.safetensors.state"), b"not a state").unwrap();
    let (ok, err) = lab(&dir, &["train", "--resume", "ck.safetensors"]);
    assert!(!ok && err.contains("ck.safetensors.state is not a trainer state"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
