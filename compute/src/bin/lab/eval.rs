//! `lab eval`: the mean loss of a checkpoint on a text file, in nats per predicted token.

use compute::cpu::CpuModel;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct EvalArgs {
    /// A checkpoint written by `lab train --save` (its .json beside it, or the tokenizer in its metadata).
    #[arg(long)]
    checkpoint: PathBuf,
    /// The text to score.
    #[arg(long)]
    text: PathBuf,
}

pub fn run(args: EvalArgs) -> Result<(), String> {
    let ckpt = compute::checkpoint::load(&args.checkpoint).map_err(|e| e.to_string())?;
    let tokenizer = ckpt.tokenizer.ok_or("the checkpoint has no tokenizer; it cannot encode text")?;
    if let Some(bad) = ckpt.params.iter().position(|p| !p.is_finite()) {
        return Err(format!(
            "{} holds non-finite weights ({} of {} are NaN or infinite, the first at index {bad}): it cannot be \
             evaluated; was it saved from a run that diverged?",
            args.checkpoint.display(),
            ckpt.params.iter().filter(|p| !p.is_finite()).count(),
            ckpt.params.len()
        ));
    }
    let limit = compute::data::MAX_TEXT_BYTES as u64;
    let text = compute::files::read_text_limited(&args.text, limit, "a text to score")?;
    let ids = tokenizer.encode(&text);
    if ids.len() < 2 {
        return Err(format!("{} has {} tokens; at least 2 are needed to predict one", args.text.display(), ids.len()));
    }
    let (sum, count) = mean_loss(&mut CpuModel::from_params(&ckpt.config, ckpt.params), &ids);
    if !sum.is_finite() {
        return Err(format!(
            "the loss on {} is not a finite number ({sum}): the weights overflow",
            args.text.display()
        ));
    }
    println!("{}", serde_json::json!({ "loss": sum / count as f64, "tokens": count }));
    Ok(())
}

/// Σ loss and the number of predicted tokens over consecutive windows of at most n_ctx (one window when it fits).
pub fn mean_loss(model: &mut CpuModel<f32>, ids: &[u32]) -> (f64, usize) {
    let n_ctx = model.config.n_ctx;
    let (mut sum, mut count) = (0.0, 0);
    let mut start = 0;
    while start + 1 < ids.len() {
        let t = n_ctx.min(ids.len() - 1 - start);
        let loss = model.forward(&ids[start..start + t], Some(&ids[start + 1..start + t + 1]), 1, t);
        sum += loss as f64 * t as f64;
        count += t;
        start += t;
    }
    (sum, count)
}
