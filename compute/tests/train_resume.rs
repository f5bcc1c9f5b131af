//! Exact resume: k steps, a snapshot written to bytes and read back, then k more steps on a new trainer give the same
//! run as 2k steps straight: bit for bit on the CPU backend (fresh synthetic text and a fixed text, after a pause or a
//! stop), within rounding on the GPU (lavapipe), and across backends (a GPU state restored on the CPU and back). A
//! damaged, foreign or mismatched state is refused with a sentence, and never panics.

mod common;
mod train_common;

use common::check_close;
use compute::data::{check_bytes, file_info, DataSpec, Dataset, TokenizerSpec};
use compute::train::{BackendChoice, RunRecord, TrainConfig, Trainer, TrainerState};
use train_common::gpu;

/// Steps straight; the split runs stop halfway (not at a loss reading: `log_every` 5 leaves a window open).
const STEPS: usize = 22;
const HALF: usize = 11;

fn model(data: &Dataset) -> compute::config::ModelConfig {
    compute::config::ModelConfig {
        vocab_size: data.vocab_size(),
        n_ctx: 16,
        n_layer: 1,
        n_head: 2,
        d_model: 16,
        d_ff: 64,
        ..Default::default()
    }
}

fn settings() -> TrainConfig {
    TrainConfig {
        batch: 4,
        steps: STEPS,
        lr: 3e-3,
        warmup: 4,
        log_every: 5,
        eval_every: 8,
        eval_batches: 2,
        sample_every: 7,
        sample_tokens: 6,
        ..Default::default()
    }
}

fn synthetic() -> Dataset {
    Dataset::synthetic("tiny", TokenizerSpec::Char).unwrap()
}

fn fixed_text() -> Dataset {
    let text = "the cat sat on the mat and the dog sat on the log; ".repeat(60);
    let checked = check_bytes(text.as_bytes()).unwrap();
    Dataset::from_text(
        DataSpec::File("cats.txt".into()),
        file_info("cats.txt", text.len()),
        checked,
        TokenizerSpec::Char,
    )
    .unwrap()
}

fn clock() -> compute::train::Clock {
    compute::train::native_clock()
}

fn new_trainer(choice: BackendChoice, data: &Dataset) -> Trainer {
    Trainer::new(choice, &model(data), &settings(), data, "2026-01-01T00:00:00Z".into(), clock()).unwrap()
}

/// Steps `trainer` until it has done `until` steps or is done.
fn run_to(trainer: &mut Trainer, until: usize) {
    while !trainer.is_done() && trainer.steps_done() < until {
        pollster::block_on(trainer.step()).unwrap();
    }
}

/// Trains `HALF` steps on `first` (optionally stopping there), saves, reads the bytes back and finishes on `second`.
fn split(first: BackendChoice, second: BackendChoice, data: &Dataset, stop: bool) -> (RunRecord, Vec<f32>) {
    let mut a = new_trainer(first, data);
    run_to(&mut a, HALF);
    if stop {
        pollster::block_on(a.stop()).unwrap();
    }
    let (params, state) = pollster::block_on(a.snapshot()).unwrap();
    drop(a);
    let state = TrainerState::from_bytes(&state.to_bytes().unwrap()).unwrap();
    assert_eq!(state.step, HALF);
    let mut b = Trainer::resume(second, data, params, &state, clock()).unwrap();
    assert_eq!(b.steps_done(), HALF);
    run_to(&mut b, STEPS);
    let params = pollster::block_on(b.params()).unwrap();
    (b.record().clone(), params)
}

fn straight(choice: BackendChoice, data: &Dataset) -> (RunRecord, Vec<f32>) {
    let mut t = new_trainer(choice, data);
    run_to(&mut t, STEPS);
    let params = pollster::block_on(t.params()).unwrap();
    (t.record().clone(), params)
}

/// Every number of a run's curves (not the wall-clock seconds), its samples and where it ended.
#[derive(Debug, PartialEq)]
struct Curves {
    train: Vec<(usize, u64, f64, f64, f64)>,
    eval: Vec<(usize, f64)>,
    samples: Vec<String>,
    end: String,
}

fn curves(r: &RunRecord) -> Curves {
    Curves {
        train: r.train_series.iter().map(|p| (p.step, p.tokens, p.train_loss, p.lr, p.grad_norm)).collect(),
        eval: r.eval_series.iter().map(|p| (p.step, p.val_loss)).collect(),
        samples: r.samples.iter().map(|s| format!("{}: {}", s.step, s.text)).collect(),
        end: format!("{:?} after {} steps, {} tokens", r.status, r.steps, r.tokens_seen),
    }
}

/// Training and validation losses of two records, within `tol` relative.
fn check_losses(got: &RunRecord, want: &RunRecord, tol: f64, label: &str) {
    let losses = |r: &RunRecord| -> Vec<f64> {
        r.train_series.iter().map(|p| p.train_loss).chain(r.eval_series.iter().map(|p| p.val_loss)).collect()
    };
    common::check_close_f64(&losses(got), &losses(want), tol, &format!("{label}: losses"));
    let steps = |r: &RunRecord| r.train_series.iter().map(|p| p.step).collect::<Vec<_>>();
    assert_eq!(steps(got), steps(want), "{label}: reading steps");
    assert_eq!((got.steps, got.tokens_seen), (want.steps, want.tokens_seen), "{label}: steps and tokens");
}

#[test]
fn cpu_split_run_is_the_straight_run_bit_for_bit() {
    for (name, data, stop) in [("synthetic", synthetic(), false), ("fixed text", fixed_text(), true)] {
        let (want, want_params) = straight(BackendChoice::Cpu, &data);
        let (got, got_params) = split(BackendChoice::Cpu, BackendChoice::Cpu, &data, stop);
        assert_eq!(want.train_series.len(), 7, "{name}: readings every 5 steps, at each evaluation and the last");
        assert_eq!(curves(&got), curves(&want), "{name}: the resumed run differs");
        assert!(got_params == want_params, "{name}: the final weights differ");
        assert!(got.notes.iter().any(|n| n.contains("resumed at step 11 on the CPU backend")), "{:?}", got.notes);
        assert_eq!(got.created, want.created, "{name}: the same run");
    }
}

#[test]
fn gpu_split_run_follows_the_straight_run() {
    let data = synthetic();
    let (want, want_params) = straight(BackendChoice::Gpu(gpu()), &data);
    let (got, got_params) = split(BackendChoice::Gpu(gpu()), BackendChoice::Gpu(gpu()), &data, false);
    check_losses(&got, &want, 1e-5, "GPU split");
    check_close(&got_params, &want_params, 1e-5, "GPU split: final weights");
    assert_eq!(curves(&got).samples, curves(&want).samples, "GPU split: the same samples");
}

#[test]
fn a_state_moves_between_gpu_and_cpu() {
    let data = synthetic();
    let (cpu, cpu_params) = straight(BackendChoice::Cpu, &data);
    let (gpu_then_cpu, p1) = split(BackendChoice::Gpu(gpu()), BackendChoice::Cpu, &data, false);
    let (cpu_then_gpu, p2) = split(BackendChoice::Cpu, BackendChoice::Gpu(gpu()), &data, true);
    // The backends round differently (about 1e-6 per step), so the curves agree to rounding, not bits.
    check_losses(&gpu_then_cpu, &cpu, 1e-3, "GPU then CPU");
    check_losses(&cpu_then_gpu, &cpu, 1e-3, "CPU then GPU");
    check_close(&p1, &cpu_params, 1e-3, "GPU then CPU: final weights");
    check_close(&p2, &cpu_params, 1e-3, "CPU then GPU: final weights");
    assert_eq!(cpu_then_gpu.backend, compute::train::BackendKind::Gpu, "the record names the backend now training");
}

/// A state after `HALF` CPU steps, its weights and its bytes.
fn saved(data: &Dataset) -> (Vec<f32>, TrainerState, Vec<u8>) {
    let mut t = new_trainer(BackendChoice::Cpu, data);
    run_to(&mut t, HALF);
    let (params, state) = pollster::block_on(t.snapshot()).unwrap();
    let bytes = state.to_bytes().unwrap();
    (params, state, bytes)
}

fn refused(bytes: &[u8], expect: &str) {
    match TrainerState::from_bytes(bytes) {
        Ok(_) => panic!("accepted a state that should say “{expect}”"),
        Err(e) => assert!(e.contains(expect), "message “{e}” does not say “{expect}”"),
    }
}

/// Replaces `from` by `to` (same length, so the safetensors header stays well formed) once in `bytes`.
fn patched(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes.windows(from.len()).position(|w| w == from.as_bytes()).expect("the text is in the file");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to.as_bytes());
    out
}

#[test]
fn damaged_or_foreign_files_are_refused_with_a_reason() {
    let data = synthetic();
    let (_, state, bytes) = saved(&data);
    refused(b"definitely not safetensors", "not a trainer state file");
    refused(&bytes[..bytes.len() / 2], "not a trainer state file");
    refused(
        &patched(&bytes, "trainer-state/1", "trainer-state/9"),
        "version “scaling-lab-trainer-state/9” is not known",
    );
    refused(&patched(&bytes, "trainer-state/1", "checkpointxxx/1"), "not a trainer state file");
    refused(&patched(&bytes, "\\\"adam_t\\\"", "\\\"adam_x\\\""), "header is damaged");
    let with = |f: &dyn Fn(&mut TrainerState)| {
        let mut s = state.clone();
        f(&mut s);
        s.to_bytes().unwrap()
    };
    refused(&with(&|s| s.optimizer.m.truncate(10)), "moments hold 10 and");
    refused(&with(&|s| s.optimizer.v[3] = f32::NAN), "non-finite or negative");
    refused(&with(&|s| s.optimizer.t += 1), "step counts disagree");
    refused(&with(&|s| s.sample_rng = [0; 4]), "all zeros");
    refused(&with(&|s| s.record.status = compute::train::RunStatus::Finished), "nothing to resume");
    refused(&with(&|s| s.record.model.n_head = 3), "model config is invalid");
    // Random damage anywhere: refused or read, never a panic.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..300 {
        let mut b = bytes.clone();
        for _ in 0..3 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let at = (x % b.len() as u64) as usize;
            b[at] ^= (x >> 32) as u8 | 1;
        }
        let _ = TrainerState::from_bytes(&b);
    }
}

#[test]
fn a_state_is_refused_for_other_weights_data_or_position() {
    let data = synthetic();
    let (params, state, _) = saved(&data);
    let resume = |params: Vec<f32>, state: &TrainerState, data: &Dataset| match Trainer::resume(
        BackendChoice::Cpu,
        data,
        params,
        state,
        clock(),
    ) {
        Ok(_) => "accepted".to_string(),
        Err(e) => e.to_string(),
    };
    let mut other = params.clone();
    other[0] += 1e-3;
    assert!(resume(other, &state, &data).contains("saved with other weights"));
    assert!(resume(params[1..].to_vec(), &state, &data).contains("weights were given"));
    let easy = Dataset::synthetic("easy", TokenizerSpec::Char).unwrap();
    let said = resume(params.clone(), &state, &easy);
    assert!(said.contains("it was saved on synthetic:tiny"), "{said}");
    let mut lost = state.clone();
    lost.batcher.fresh.as_mut().unwrap().cursor_state = u32::MAX;
    assert!(resume(params.clone(), &lost, &data).contains("data position"));
    let mut foreign = state.clone();
    foreign.batcher.fresh = None;
    assert!(resume(params.clone(), &foreign, &data).contains("data position"));
    assert_eq!(resume(params, &state, &data), "accepted");
}
