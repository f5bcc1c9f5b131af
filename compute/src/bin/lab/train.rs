//! `lab train`: trains a model natively on the GPU or the CPU, with a progress line, a run record and a checkpoint;
//! a run stopped early (`--stop-after`) leaves its trainer state beside the checkpoint and `--resume` continues it.

use compute::config::ModelConfig;
use compute::data::{DataSpec, Dataset, TokenizerSpec};
use compute::gpu::Gpu;
use compute::train::{native_clock, BackendChoice, MetricEvent, RunStatus, TrainConfig, Trainer, TrainerState};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Model preset (tiny, small, medium, large); default: the default config (~30k parameters).
    #[arg(long, conflicts_with = "config")]
    preset: Option<String>,
    /// JSON file with `model` and/or `train` objects (a run record works), or a bare model config.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Optimiser steps.
    #[arg(long, conflicts_with = "tokens")]
    steps: Option<usize>,
    /// Token budget instead of steps.
    #[arg(long)]
    tokens: Option<u64>,
    /// gpu, cpu, or auto (the GPU when there is one).
    #[arg(long, default_value = "auto")]
    backend: String,
    #[arg(long)]
    seed: Option<u64>,
    /// Data: synthetic:NAME, brown or file:PATH.
    #[arg(long, default_value = "synthetic:tiny")]
    data: String,
    /// Tokenizer: char, byte or bpe:SIZE.
    #[arg(long, default_value = "char")]
    tokenizer: String,
    #[arg(long)]
    batch: Option<usize>,
    /// Context length per sequence (default: the model's n_ctx).
    #[arg(long)]
    context: Option<usize>,
    #[arg(long)]
    lr: Option<f64>,
    #[arg(long)]
    warmup: Option<usize>,
    #[arg(long)]
    eval_every: Option<usize>,
    #[arg(long)]
    log_every: Option<usize>,
    /// Tokens to sample at the end (0: none).
    #[arg(long)]
    sample_tokens: Option<usize>,
    /// Write the run record (JSON) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Save a checkpoint (safetensors, with a .json beside it) here.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Stop after this many steps; with --save the run's trainer state goes beside the checkpoint (.state).
    #[arg(long)]
    stop_after: Option<usize>,
    /// Continue the run stopped in this checkpoint exactly, from the .state beside it (model, settings and data
    /// come from the state; --backend picks where it goes on).
    #[arg(long, conflicts_with_all = ["preset", "config", "steps", "tokens", "seed"])]
    resume: Option<PathBuf>,
    /// No progress line.
    #[arg(long)]
    quiet: bool,
}

/// The model and training settings the arguments describe.
fn configs(args: &TrainArgs) -> Result<(ModelConfig, TrainConfig), String> {
    let (mut model, mut train) = match (&args.preset, &args.config) {
        (Some(name), _) => {
            let names: Vec<&str> = compute::config::PRESETS.iter().map(|p| p.0).collect();
            let m = ModelConfig::preset(name)
                .ok_or_else(|| format!("no preset `{name}`; choose one of {}", names.join(", ")))?;
            (m, TrainConfig::default())
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            let bad = |e: serde_json::Error| format!("{}: {e}", path.display());
            if v.get("model").is_some() || v.get("train").is_some() {
                let m = v.get("model").map(|m| serde_json::from_value(m.clone()).map_err(bad)).transpose()?;
                let t = v.get("train").map(|t| serde_json::from_value(t.clone()).map_err(bad)).transpose()?;
                (m.unwrap_or_default(), t.unwrap_or_default())
            } else {
                (serde_json::from_value(v).map_err(bad)?, TrainConfig::default())
            }
        }
        (None, None) => (ModelConfig::default(), TrainConfig::default()),
    };
    if let Some(s) = args.steps {
        train.steps = s;
        train.tokens = None;
    }
    macro_rules! set {
        ($($field:ident <- $arg:expr),*) => { $(if let Some(v) = $arg { train.$field = v; })* };
    }
    set!(seed <- args.seed, batch <- args.batch, t <- args.context, lr <- args.lr, warmup <- args.warmup,
         eval_every <- args.eval_every, log_every <- args.log_every, sample_tokens <- args.sample_tokens);
    if args.tokens.is_some() {
        train.tokens = args.tokens;
    }
    model.vocab_size = 0; // set from the tokenizer below
    Ok((model, train))
}

/// The backend named on the command line; `auto` falls back to the CPU, saying why.
pub fn choose_backend(name: &str) -> Result<BackendChoice, String> {
    match name {
        "cpu" => Ok(BackendChoice::Cpu),
        "gpu" => Ok(BackendChoice::Gpu(Arc::new(pollster::block_on(Gpu::request()).map_err(|e| e.to_string())?))),
        "auto" => match pollster::block_on(Gpu::request()) {
            Ok(gpu) if gpu.report.device_type == "Cpu" => {
                eprintln!(
                    "the only GPU adapter, {}, is a software renderer and slower than the CPU backend: training on the \
                     CPU (--backend gpu to use it anyway)",
                    gpu.report.name
                );
                Ok(BackendChoice::Cpu)
            }
            Ok(gpu) => Ok(BackendChoice::Gpu(Arc::new(gpu))),
            Err(e) => {
                eprintln!("no GPU ({e}); training on the CPU");
                Ok(BackendChoice::Cpu)
            }
        },
        other => Err(format!("backend `{other}`: use gpu, cpu or auto")),
    }
}

/// Now as an ISO 8601 UTC timestamp, e.g. 2025-01-31T12:00:00Z.
pub fn now_iso8601() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// The checkpoint at `path` and the trainer state beside it.
fn saved_run(path: &std::path::Path) -> Result<(Vec<f32>, TrainerState), String> {
    let ck = compute::checkpoint::load(path).map_err(|e| e.to_string())?;
    let state_path = path.with_extension("state");
    let bytes = std::fs::read(&state_path).map_err(|e| {
        format!(
            "cannot read {} (written beside a checkpoint of a run stopped with --stop-after): {e}",
            state_path.display()
        )
    })?;
    let state = TrainerState::from_bytes(&bytes).map_err(|e| format!("{}: {e}", state_path.display()))?;
    Ok((ck.params, state))
}

pub fn run(args: TrainArgs) -> Result<(), String> {
    let resumed = args.resume.as_deref().map(saved_run).transpose()?;
    let (mut model, train, data_spec, tok) = match &resumed {
        Some((_, state)) => {
            let d = state.record.data.clone().ok_or("the saved state does not name its data")?;
            (state.record.model.clone(), state.record.train.clone(), d.data, d.tokenizer)
        }
        None => {
            let (model, train) = configs(&args)?;
            let data: DataSpec = args.data.parse().map_err(|e: compute::data::DataError| e.to_string())?;
            let tok: TokenizerSpec = args.tokenizer.parse().map_err(|e: compute::data::DataError| e.to_string())?;
            (model, train, data, tok)
        }
    };
    let data = Dataset::load(&data_spec, tok).map_err(|e| e.to_string())?;
    for w in &data.warnings {
        eprintln!("warning: {w}");
    }
    model.vocab_size = data.vocab_size();
    let choice = choose_backend(&args.backend)?;
    let mut trainer = match resumed {
        Some((params, state)) => Trainer::resume(choice, &data, params, &state, native_clock()),
        None => Trainer::new(choice, &model, &train, &data, now_iso8601(), native_clock()),
    }
    .map_err(|e| e.to_string())?;
    let rec = trainer.record().clone();
    let device = rec.adapter.as_ref().map_or("CPU".to_string(), |a| format!("{} ({})", a.name, a.backend));
    eprintln!(
        "training {} parameters ({} non-embedding) on {} for {} steps of {} tokens on {device}",
        rec.params,
        rec.non_embedding_params,
        data.spec,
        rec.total_steps,
        train.tokens_per_step(&model)
    );
    let (mut loss, mut val) = (f64::NAN, f64::NAN);
    while !trainer.is_done() {
        let stop = args.stop_after.is_some_and(|n| trainer.steps_done() >= n);
        let events = if stop { pollster::block_on(trainer.stop()) } else { pollster::block_on(trainer.step()) };
        for event in events.map_err(|e| e.to_string())? {
            match event {
                MetricEvent::Train(p) => loss = p.train_loss,
                MetricEvent::Eval(p) => val = p.val_loss,
                MetricEvent::Sample(s) => eprintln!("\nsample at step {}: {:?}", s.step, s.text),
                MetricEvent::Status(_) => {}
            }
        }
        if !args.quiet {
            progress(&trainer, loss, val);
        }
    }
    eprintln!();
    let record = trainer.record().clone();
    if let Some(path) = &args.out {
        std::fs::write(path, record.to_json()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = &args.save {
        let (params, state) = if record.status == RunStatus::Stopped {
            let (params, state) = pollster::block_on(trainer.snapshot()).map_err(|e| e.to_string())?;
            (params, Some(state))
        } else {
            (pollster::block_on(trainer.params()).map_err(|e| e.to_string())?, None)
        };
        compute::checkpoint::save(path, &model, &params, Some(trainer.tokenizer())).map_err(|e| e.to_string())?;
        if let Some(state) = state {
            let state_path = path.with_extension("state");
            std::fs::write(&state_path, state.to_bytes()?)
                .map_err(|e| format!("cannot write {}: {e}", state_path.display()))?;
            eprintln!("stopped at step {}: continue with --resume {}", record.steps, path.display());
        }
    }
    let status = match &record.status {
        RunStatus::Diverged { step } => format!("diverged at step {step}"),
        s => format!("{s:?}").to_lowercase(),
    };
    println!(
        "{status}: {} steps, {} tokens in {:.1} s ({:.0} tokens/s); train loss {:.4}, val loss {:.4} nats/token",
        record.steps,
        record.tokens_seen,
        record.seconds,
        record.tokens_seen as f64 / record.seconds.max(1e-9),
        record.final_train_loss.unwrap_or(f64::NAN),
        record.final_val_loss.unwrap_or(f64::NAN)
    );
    if let Some(floor) = data.entropy_floor {
        println!("the language's entropy floor is {floor:.4} nats/token");
    }
    if matches!(record.status, RunStatus::Diverged { .. }) {
        return Err("the run diverged (try a lower --lr)".into());
    }
    Ok(())
}

/// One overwritten line: step, tokens/s, losses, ETA.
fn progress(trainer: &Trainer, loss: f64, val: f64) {
    let r = trainer.record();
    let (done, total) = (trainer.steps_done(), trainer.total_steps());
    let rate = r.tokens_seen as f64 / r.seconds.max(1e-9);
    let eta = r.seconds / done.max(1) as f64 * (total - done) as f64;
    let bar: String = (0..20).map(|i| if i * total < 20 * done { '#' } else { '.' }).collect();
    eprint!("\r[{bar}] {done}/{total} {rate:.0} tok/s loss {loss:.4} val {val:.4} eta {eta:.0}s   ");
    let _ = std::io::stderr().flush();
}
