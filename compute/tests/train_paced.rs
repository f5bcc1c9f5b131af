//! A paced CPU trainer (the page's, with pauses between chunks of sequences) trains the same run as an unpaced one:
//! the gradient of equal chunks, averaged, is the batch's gradient, so losses agree up to float rounding; and the
//! pause really is awaited between chunks.

use compute::config::ModelConfig;
use compute::data::{Dataset, TokenizerSpec};
use compute::train::{native_clock, BackendChoice, RunRecord, TrainConfig, Trainer};
use std::cell::Cell;
use std::rc::Rc;

fn train(pauses: Option<Rc<Cell<usize>>>) -> (RunRecord, Vec<f32>) {
    let data = Dataset::synthetic("tiny", TokenizerSpec::Char).unwrap();
    let model = ModelConfig {
        vocab_size: data.vocab_size(),
        n_ctx: 16,
        n_layer: 2,
        n_head: 2,
        d_model: 16,
        d_ff: 64,
        ..Default::default()
    };
    let cfg =
        TrainConfig { batch: 8, t: 16, steps: 12, eval_every: 6, eval_batches: 2, lr: 3e-3, ..Default::default() };
    let mut trainer = Trainer::new(BackendChoice::Cpu, &model, &cfg, &data, "test".into(), native_clock()).unwrap();
    if let Some(count) = pauses {
        // A limit of zero seconds: one sequence per chunk, the most pauses.
        trainer.set_pause(
            Box::new(move || {
                count.set(count.get() + 1);
                Box::pin(async {})
            }),
            0.0,
        );
    }
    while !trainer.is_done() {
        pollster::block_on(trainer.step()).unwrap();
    }
    let params = pollster::block_on(trainer.params()).unwrap();
    (trainer.record().clone(), params)
}

#[test]
fn chunked_steps_train_the_same_run_and_pause_between_chunks() {
    let (plain, plain_params) = train(None);
    let pauses = Rc::new(Cell::new(0));
    let (paced, paced_params) = train(Some(pauses.clone()));
    // 12 steps of 8 one-row chunks pause 7 times each; 2 evaluations of 2 batches of 8 rows pause after every row.
    assert!(pauses.get() >= 12 * 7 + 2 * 2 * 8, "paused {} times", pauses.get());
    assert_eq!(plain.train_series.len(), paced.train_series.len());
    for (a, b) in plain.train_series.iter().zip(&paced.train_series) {
        assert!((a.train_loss - b.train_loss).abs() < 1e-4, "step {}: {} vs {}", a.step, a.train_loss, b.train_loss);
        let rel = (a.grad_norm - b.grad_norm).abs() / a.grad_norm;
        assert!(rel < 1e-3, "step {}: gradient norm {} vs {}", a.step, a.grad_norm, b.grad_norm);
    }
    assert_eq!(plain.eval_series.len(), 2);
    for (a, b) in plain.eval_series.iter().zip(&paced.eval_series) {
        assert!((a.val_loss - b.val_loss).abs() < 1e-4, "eval at {}: {} vs {}", a.step, a.val_loss, b.val_loss);
    }
    let max_diff = plain_params.iter().zip(&paced_params).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(max_diff < 1e-4, "parameters differ by {max_diff}");
    assert!(plain.train_series.last().unwrap().train_loss < plain.train_series[0].train_loss, "it learned");
}
