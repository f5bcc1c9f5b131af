//! `lab bench`: tokens/s, ms/step, dispatches/step and GFLOP/s of training at about 0.2M, 1M and 10M parameters, and
//! the same model, batch and optimiser in PyTorch as its users run it (tests/reference/bench_pytorch.py: SDPA
//! attention, fused AdamW; eager, and torch.compile as a second column) when torch is installed.

use crate::train::choose_backend;
use compute::config::ModelConfig;
use compute::params::init_params;
use compute::train::{Backend, BackendChoice, TrainConfig};
use serde::Serialize;
use std::path::PathBuf;
use std::process::Command;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// gpu or cpu (PyTorch runs on the CPU for cpu, and as --device says for gpu).
    #[arg(long, default_value = "gpu")]
    backend: String,
    /// Sizes to run, comma-separated, from 0.2M, 1M, 10M.
    #[arg(long, default_value = "0.2M,1M,10M")]
    sizes: String,
    /// Timed steps per size (after 2 warm-up steps).
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// PyTorch device: auto (CUDA when available, for the gpu backend), cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: String,
    /// The PyTorch script (default: the one in this repository).
    #[arg(long)]
    pytorch_script: Option<PathBuf>,
    /// Skip the torch.compile column (it compiles for a minute or so per size).
    #[arg(long)]
    no_compile: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// One size: the model (a preset with a 96-token vocabulary) and the batch it trains with.
fn size(name: &str) -> Option<(ModelConfig, usize, usize)> {
    match name {
        "0.2M" => Some((ModelConfig::preset("small")?, 16, 128)),
        "1M" => Some((ModelConfig::preset("medium")?, 16, 128)),
        "10M" => Some((ModelConfig::preset("large")?, 8, 256)),
        _ => None,
    }
}

#[derive(Serialize)]
struct Row {
    size: String,
    params: u64,
    batch: usize,
    t: usize,
    tokens_per_s: f64,
    ms_per_step: f64,
    dispatches_per_step: Option<usize>,
    gflops: f64,
    /// PyTorch eager (SDPA attention, fused AdamW).
    pytorch: Option<serde_json::Value>,
    /// lab tokens/s ÷ PyTorch eager tokens/s.
    ratio: Option<f64>,
    /// The same model under torch.compile.
    pytorch_compiled: Option<serde_json::Value>,
    /// lab tokens/s ÷ PyTorch compiled tokens/s.
    ratio_compiled: Option<f64>,
}

#[derive(Serialize)]
struct Report {
    backend: String,
    adapter: Option<String>,
    rows: Vec<Row>,
    pytorch_note: Option<String>,
}

const WARMUP: usize = 2;

pub fn run(args: BenchArgs) -> Result<(), String> {
    let choice = choose_backend(&args.backend)?;
    let adapter = match &choice {
        BackendChoice::Gpu(g) => Some(format!("{} ({}, {})", g.report.name, g.report.backend, g.report.device_type)),
        BackendChoice::Cpu => None,
    };
    let device = if matches!(choice, BackendChoice::Cpu) { "cpu".to_string() } else { args.device.clone() };
    let script = args
        .pytorch_script
        .clone()
        .unwrap_or_else(|| compute::repository_dir().join("tests/reference/bench_pytorch.py"));
    let mut note = None;
    let mut rows = Vec::new();
    for name in args.sizes.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (model, batch, t) = size(name).ok_or_else(|| format!("size `{name}`: choose from 0.2M, 1M, 10M"))?;
        let (secs, dispatches) = time_lab(&choice, &model, batch, t, args.steps)?;
        let tokens = (args.steps * batch * t) as f64;
        let tokens_per_s = tokens / secs;
        let mut peer = |compile: bool| match pytorch(&script, &model, batch, t, args.steps, &device, compile) {
            Ok(v) => Some(v),
            Err(e) => {
                let mode = if compile { "torch.compile" } else { "eager" };
                note = Some(format!("{mode}: {e}"));
                None
            }
        };
        let pytorch = peer(false);
        let pytorch_compiled = if args.no_compile || pytorch.is_none() { None } else { peer(true) };
        let ratio_of = |p: &Option<serde_json::Value>| {
            p.as_ref().and_then(|p| p["tokens_per_s"].as_f64()).map(|p| tokens_per_s / p)
        };
        let (ratio, ratio_compiled) = (ratio_of(&pytorch), ratio_of(&pytorch_compiled));
        let row = Row {
            size: name.into(),
            params: model.param_count(),
            batch,
            t,
            tokens_per_s,
            ms_per_step: 1000.0 * secs / args.steps as f64,
            dispatches_per_step: dispatches,
            gflops: tokens_per_s * model.train_flops_per_token() as f64 / 1e9,
            pytorch,
            ratio,
            pytorch_compiled,
            ratio_compiled,
        };
        if !args.json {
            print_row(&row);
        }
        rows.push(row);
    }
    let report = Report { backend: args.backend.clone(), adapter, rows, pytorch_note: note.clone() };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        if let Some(a) = &report.adapter {
            println!("lab on {a}");
        }
        if let Some(p) = report.rows.iter().find_map(|r| r.pytorch.as_ref()) {
            println!(
                "PyTorch {} on {} (SDPA attention, {} AdamW, float32 without TF32): eager, and torch.compile",
                p["torch"].as_str().unwrap_or("?"),
                p["device"].as_str().unwrap_or("?"),
                if p["device"].as_str() == Some("cpu") { "foreach" } else { "fused" }
            );
        }
        if let Some(n) = note {
            println!("PyTorch: {n}");
        }
    }
    Ok(())
}

/// Seconds for `steps` training steps (after warm-up), waiting for the last one to finish.
fn time_lab(
    choice: &BackendChoice,
    model: &ModelConfig,
    batch: usize,
    t: usize,
    steps: usize,
) -> Result<(f64, Option<usize>), String> {
    let train = TrainConfig { batch, t, ..Default::default() };
    let mut backend = Backend::new(choice, model, &train, t, init_params(model, 0)).map_err(|e| e.to_string())?;
    let mut seed = 1u64;
    let mut batch_ids = || {
        let ids: Vec<u32> = (0..batch * t)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((seed >> 33) % model.vocab_size as u64) as u32
            })
            .collect();
        ids
    };
    let (x, y) = (batch_ids(), batch_ids());
    let mut run = |n: usize| -> Result<(), String> {
        for i in 0..n {
            backend.train_step(&x, &y, 1e-3, i + 1 == n).map_err(|e| e.to_string())?;
        }
        pollster::block_on(backend.readings(true)).map_err(|e| e.to_string())?;
        Ok(())
    };
    run(WARMUP)?;
    let start = std::time::Instant::now();
    run(steps)?;
    let secs = start.elapsed().as_secs_f64();
    Ok((secs, backend.dispatches_per_step()))
}

/// Runs the PyTorch script (under torch.compile with `compile`); an error says why there is no comparison.
fn pytorch(
    script: &PathBuf,
    model: &ModelConfig,
    batch: usize,
    t: usize,
    steps: usize,
    device: &str,
    compile: bool,
) -> Result<serde_json::Value, String> {
    if !script.exists() {
        return Err(format!("{} not found (pass --pytorch-script)", script.display()));
    }
    let out = Command::new("python3")
        .arg(script)
        .args(["--config", &serde_json::to_string(model).unwrap()])
        .args(["--batch", &batch.to_string(), "--t", &t.to_string()])
        .args(["--steps", &steps.to_string(), "--warmup", &WARMUP.to_string(), "--device", device])
        .args(compile.then_some("--compile"))
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("not compared ({last})"));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("unreadable PyTorch output: {e}"))
}

/// One PyTorch column: its speed and lab's ratio to it.
fn peer_column(label: &str, peer: &Option<serde_json::Value>, ratio: Option<f64>) -> String {
    match (peer, ratio) {
        (Some(p), Some(ratio)) => format!(
            " | {label} {:>9.0} tok/s {:>7.1} ms | lab/{label} {ratio:.2}",
            p["tokens_per_s"].as_f64().unwrap_or(f64::NAN),
            p["ms_per_step"].as_f64().unwrap_or(f64::NAN)
        ),
        _ => String::new(),
    }
}

fn print_row(r: &Row) {
    let torch =
        peer_column("eager", &r.pytorch, r.ratio) + &peer_column("compiled", &r.pytorch_compiled, r.ratio_compiled);
    println!(
        "{:>5} ({:>9} params, {}x{}): {:>9.0} tok/s {:>8.1} ms/step {:>4} dispatches {:>6.1} GFLOP/s{torch}",
        r.size,
        r.params,
        r.batch,
        r.t,
        r.tokens_per_s,
        r.ms_per_step,
        r.dispatches_per_step.map_or("-".into(), |d| d.to_string()),
        r.gflops
    );
}
