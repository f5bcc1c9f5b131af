//! Training end to end on the CPU backend: a few hundred steps learn a small language well below its unigram entropy,
//! the same seed repeats the same curve, and an absurd learning rate ends as diverged with its record intact.

use compute::config::ModelConfig;
use compute::data::{Dataset, TokenizerSpec};
use compute::train::{native_clock, BackendChoice, MetricEvent, RunRecord, RunStatus, TrainConfig, Trainer};

fn tiny_model(data: &Dataset) -> ModelConfig {
    ModelConfig {
        vocab_size: data.vocab_size(),
        n_ctx: 32,
        n_layer: 2,
        n_head: 2,
        d_model: 32,
        d_ff: 128,
        ..Default::default()
    }
}

fn run(cfg: &TrainConfig) -> RunRecord {
    let data = Dataset::synthetic("tiny", TokenizerSpec::Char).unwrap();
    let model = tiny_model(&data);
    let mut trainer = Trainer::new(BackendChoice::Cpu, &model, cfg, &data, "test".into(), native_clock()).unwrap();
    let mut events = Vec::new();
    while !trainer.is_done() {
        events.extend(pollster::block_on(trainer.step()).unwrap());
    }
    let record = trainer.record().clone();
    let trains = events.iter().filter(|e| matches!(e, MetricEvent::Train(_))).count();
    assert_eq!(trains, record.train_series.len(), "the record holds every train event");
    // The record reads back as a record (floats may differ in the last digit).
    let back = RunRecord::from_json(&record.to_json()).unwrap();
    assert_eq!((back.status.clone(), back.train_series.len()), (record.status.clone(), record.train_series.len()));
    record
}

#[test]
fn a_few_hundred_steps_beat_the_unigram_entropy_and_repeat_exactly() {
    let cfg = TrainConfig {
        batch: 8,
        steps: 300,
        lr: 3e-3,
        warmup: 20,
        eval_every: 100,
        eval_batches: 4,
        sample_tokens: 40,
        ..Default::default()
    };
    let record = run(&cfg);
    let data = Dataset::synthetic("tiny", TokenizerSpec::Char).unwrap();
    // Entropy of the validation text's token frequencies: what a model that ignores context can reach.
    let mut counts = vec![0usize; data.vocab_size()];
    data.val_tokens().iter().for_each(|&x| counts[x as usize] += 1);
    let n = data.val_tokens().len() as f64;
    let unigram: f64 = counts.iter().filter(|&&c| c > 0).map(|&c| -(c as f64 / n) * (c as f64 / n).ln()).sum();
    let floor = data.entropy_floor.unwrap();
    let val = record.final_val_loss.unwrap();
    assert_eq!(record.status, RunStatus::Finished);
    assert_eq!(record.steps, 300);
    assert_eq!(record.eval_series.len(), 3);
    assert_eq!(record.samples.len(), 1);
    assert!(
        val < unigram - 0.5,
        "validation loss {val:.3} is not well below the unigram entropy {unigram:.3} (floor {floor:.3})"
    );
    let again = run(&cfg);
    let losses = |r: &RunRecord| r.train_series.iter().map(|p| p.train_loss).collect::<Vec<_>>();
    assert_eq!(losses(&record), losses(&again), "same seed, same curve");
    assert_eq!(record.samples, again.samples, "same seed, same sample");
}

#[test]
fn an_absurd_learning_rate_diverges_with_the_record_intact() {
    let cfg = TrainConfig {
        batch: 4,
        steps: 200,
        lr: 1e30,
        warmup: 0,
        grad_clip: 0.0,
        weight_decay: 0.0,
        log_every: 5,
        eval_every: 0,
        sample_tokens: 0,
        ..Default::default()
    };
    let record = run(&cfg);
    let RunStatus::Diverged { step } = record.status else { panic!("status {:?}", record.status) };
    assert!(step < 200, "diverged at step {step}");
    assert_eq!(record.steps, step, "training stops at the step that diverged");
    let last = record.train_series.last().unwrap();
    assert_eq!(last.step, step);
    assert!(!last.train_loss.is_finite());
    assert!(record.train_series[..record.train_series.len() - 1].iter().all(|p| p.train_loss.is_finite()));
}
