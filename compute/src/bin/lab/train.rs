//! `lab train`: trains a model natively on the GPU or the CPU, with a progress line, a run record and a checkpoint;
//! a run stopped early (`--stop-after`, Ctrl-C) leaves its trainer state beside the checkpoint and `--resume`
//! continues it. Every output path is checked before training, and every file is written atomically.

use crate::guard::{interrupted, MemoryArgs};
use compute::checkpoint::{legacy_path, sidecar_path, state_path};
use compute::config::{from_json_strict, json_kind, ModelConfig};
use compute::data::{DataSpec, Dataset, TokenizerSpec};
use compute::files::{check_paths, read_text_limited, write_atomic, Named, MAX_RECORD_BYTES};
use compute::gpu::Gpu;
use compute::train::{native_clock, BackendChoice, MetricEvent, RunStatus, TrainConfig, Trainer, TrainerState};
use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// Save a checkpoint (safetensors) here, and its JSON beside it under the same name plus .json
    /// (ckpt.safetensors.json).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Stop after this many steps; with --save the run's trainer state goes beside the checkpoint under its name
    /// plus .state (ckpt.safetensors.state), as on Ctrl-C.
    #[arg(long)]
    stop_after: Option<usize>,
    /// Continue the run stopped in this checkpoint exactly, from the trainer state beside it (model, settings and
    /// data come from the state, so none may be given; --backend picks where it goes on).
    #[arg(long, conflicts_with_all = ["preset", "config", "steps", "tokens", "seed", "data", "tokenizer", "batch",
        "context", "lr", "warmup", "eval_every", "log_every", "sample_tokens"])]
    resume: Option<PathBuf>,
    #[command(flatten)]
    memory: MemoryArgs,
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
            let text = read_text_limited(path, MAX_RECORD_BYTES, "a config")?;
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            let name = path.display();
            let Some(fields) = v.as_object() else {
                return Err(format!("{name} holds {}; a config is a JSON object", json_kind(&v)));
            };
            let is_record = v.get("format").and_then(|f| f.as_str()).is_some_and(|f| f.starts_with("scaling-lab-run/"));
            if is_record || fields.contains_key("model") || fields.contains_key("train") {
                if let Some(k) = fields.keys().find(|k| !is_record && *k != "model" && *k != "train") {
                    return Err(format!(
                        "{name} has a field `{k}` beside `model` and `train`; only those two are read"
                    ));
                }
                let m = v.get("model").map(|m| from_json_strict(m, &format!("{name}: `model`"))).transpose()?;
                let t = v.get("train").map(|t| from_json_strict(t, &format!("{name}: `train`")));
                (m.unwrap_or_default(), t.transpose()?.unwrap_or_default())
            } else {
                (from_json_strict(&v, &format!("{name}: the model config"))?, TrainConfig::default())
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

/// The checkpoint at `path` and the trainer state beside it (its new name, else the name older builds wrote).
pub fn saved_run(path: &Path) -> Result<(Vec<f32>, TrainerState), String> {
    let ck = compute::checkpoint::load(path).map_err(|e| e.to_string())?;
    let new = state_path(path);
    let state_path = match legacy_path(path, "state") {
        Some(old) if !new.exists() && old.exists() => old,
        _ => new,
    };
    let what = "a trainer state (written beside the checkpoint of a run stopped by --stop-after or Ctrl-C)";
    let bytes = compute::checkpoint::read_safetensors(&state_path, what)?;
    let state = TrainerState::from_bytes(&bytes).map_err(|e| format!("{}: {e}", state_path.display()))?;
    Ok((ck.params, state))
}

/// Refuses, before anything is loaded or trained, outputs that cannot be written, that collide, or that would
/// overwrite an input.
fn check_files(args: &TrainArgs) -> Result<(), String> {
    let mut outputs = Vec::new();
    outputs.extend(args.out.iter().map(|p| Named::new("--out", p)));
    if let Some(p) = &args.save {
        outputs.push(Named::new("--save", p));
        outputs.push(Named::new("the checkpoint's JSON", sidecar_path(p)));
        outputs.push(Named::new("the trainer state", state_path(p)));
    }
    let mut inputs = Vec::new();
    inputs.extend(args.config.iter().map(|p| Named::new("--config", p)));
    if let Ok(DataSpec::File(p)) = args.data.parse::<DataSpec>() {
        inputs.push(Named::new("--data", p));
    }
    if let Some(p) = &args.resume {
        inputs.push(Named::new("--resume", p));
        inputs.push(Named::new("the JSON of --resume", sidecar_path(p)));
        inputs.push(Named::new("the trainer state of --resume", state_path(p)));
        let old = ["json", "state"].into_iter().filter_map(|ext| legacy_path(p, ext)).filter(|o| o.exists());
        inputs.extend(old.map(|o| Named::new("a file beside --resume", o)));
    }
    check_paths(&outputs, &inputs)
}

/// Writes the record and the checkpoint (with the trainer state when the run stopped early); returns the
/// checkpoint's path when a resumable state went with it.
fn save(args: &TrainArgs, trainer: &mut Trainer, model: &ModelConfig) -> Result<Option<PathBuf>, String> {
    if let Some(path) = &args.out {
        write_atomic(path, trainer.record().to_json().as_bytes())?;
    }
    let Some(path) = &args.save else { return Ok(None) };
    Ok(save_checkpoint(path, trainer, model)?.then(|| path.clone()))
}

/// Writes `trainer`'s checkpoint at `path` and, for a run stopped early, its trainer state beside it
/// ([`state_path`]), each atomically; true when a state was written.
pub fn save_checkpoint(path: &Path, trainer: &mut Trainer, model: &ModelConfig) -> Result<bool, String> {
    let (params, state) = if trainer.record().status == RunStatus::Stopped {
        let (params, state) = pollster::block_on(trainer.snapshot()).map_err(|e| e.to_string())?;
        (params, Some(state))
    } else {
        (pollster::block_on(trainer.params()).map_err(|e| e.to_string())?, None)
    };
    compute::checkpoint::save(path, model, &params, Some(trainer.tokenizer())).map_err(|e| e.to_string())?;
    let Some(state) = state else { return Ok(false) };
    write_atomic(&state_path(path), &state.to_bytes()?)?;
    Ok(true)
}

pub fn run(args: TrainArgs) -> Result<(), String> {
    args.memory.apply();
    check_files(&args)?;
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
    let first = trainer.steps_done();
    let (mut loss, mut val) = (f64::NAN, f64::NAN);
    while !trainer.is_done() {
        if interrupted() && trainer.steps_done() == first {
            return Err(format!("interrupted before step {} was trained; nothing was written", first + 1));
        }
        let stop = interrupted() || args.stop_after.is_some_and(|n| trainer.steps_done() >= n);
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
    let resumable = save(&args, &mut trainer, &model)?;
    let record = trainer.record().clone();
    if interrupted() {
        let kept = match (&args.out, &resumable) {
            (_, Some(ck)) => format!("`lab train --resume {}` continues it", ck.display()),
            (Some(out), None) => {
                format!("the record so far is in {} (with --save CKPT it could be resumed)", out.display())
            }
            (None, None) => "nothing was saved (give --out and --save to keep an interrupted run)".into(),
        };
        return Err(format!("interrupted at step {} of {}: {kept}", record.steps, record.total_steps));
    }
    if let Some(ck) = &resumable {
        eprintln!("stopped at step {}: continue with --resume {}", record.steps, ck.display());
    }
    let status = match &record.status {
        RunStatus::Diverged { step } => format!("diverged at step {step}"),
        s => format!("{s:?}").to_lowercase(),
    };
    let losses: Vec<String> = [("train loss", record.final_train_loss), ("val loss", record.final_val_loss)]
        .into_iter()
        .filter_map(|(name, loss)| loss.filter(|l| l.is_finite()).map(|l| format!("{name} {l:.4}")))
        .collect();
    println!(
        "{status}: {} steps, {} tokens in {:.1} s ({:.0} tokens/s){}",
        record.steps,
        record.tokens_seen,
        record.seconds,
        record.tokens_seen as f64 / record.seconds.max(1e-9),
        if losses.is_empty() { String::new() } else { format!("; {} nats/token", losses.join(", ")) }
    );
    if let Some(floor) = data.entropy_floor {
        println!("the language's entropy floor is {floor:.4} nats/token");
    }
    if matches!(record.status, RunStatus::Diverged { .. }) {
        return Err("the run diverged (try a lower --lr)".into());
    }
    Ok(())
}

/// " name value", or nothing before the value is known (no "val NaN" until the first evaluation).
fn known(name: &str, value: f64) -> String {
    if value.is_finite() {
        format!(" {name} {value:.4}")
    } else {
        String::new()
    }
}

/// One overwritten line: step, tokens/s, losses, ETA.
fn progress(trainer: &Trainer, loss: f64, val: f64) {
    let r = trainer.record();
    let (done, total) = (trainer.steps_done(), trainer.total_steps());
    let rate = r.tokens_seen as f64 / r.seconds.max(1e-9);
    let eta = r.seconds / done.max(1) as f64 * (total - done) as f64;
    let bar: String = (0..20).map(|i| if i * total < 20 * done { '#' } else { '.' }).collect();
    eprint!("\r[{bar}] {done}/{total} {rate:.0} tok/s{}{} eta {eta:.0}s   ", known("loss", loss), known("val", val));
    let _ = std::io::stderr().flush();
}
