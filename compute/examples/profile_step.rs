//! Prints where one training step spends its GPU time, kernel by kernel, with the FLOPs and bytes each kernel must
//! do and the GFLOP/s and GB/s it reached, on the first GPU adapter; then the whole step's time as `lab` runs it:
//! `cargo run --release -p compute --example profile_step -- [preset] [batch] [context]`.

use compute::config::ModelConfig;
use compute::gpu::Gpu;
use compute::kernels::profile::{profile, Timing};
use compute::params::init_params;
use compute::train::{GpuBackend, TrainConfig};
use std::sync::Arc;

fn main() {
    if let Err(e) = run() {
        eprintln!("profile_step: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preset = args.first().map_or("small", String::as_str);
    let batch: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    let config = ModelConfig {
        vocab_size: 96,
        ..ModelConfig::preset(preset).ok_or(format!("no preset `{preset}`: tiny, small, medium, large"))?
    };
    let t: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(config.n_ctx);
    let gpu = Arc::new(pollster::block_on(Gpu::request()).map_err(|e| e.to_string())?);
    let train = TrainConfig { batch, t, ..Default::default() };
    let mut backend =
        GpuBackend::new(gpu.clone(), &config, &train, t, &init_params(&config, 1)).map_err(|e| e.to_string())?;
    let tokens: Vec<u32> = (0..batch * t).map(|i| (i * 7 % 96) as u32).collect();
    let step = |backend: &mut GpuBackend, n: usize| -> Result<f64, String> {
        let start = std::time::Instant::now();
        for i in 0..n {
            backend.train_step(&tokens, &tokens, 1e-3, i + 1 == n).map_err(|e| e.to_string())?;
        }
        pollster::block_on(backend.readings(true)).map_err(|e| e.to_string())?;
        Ok(start.elapsed().as_secs_f64() * 1e3 / n as f64)
    };
    step(&mut backend, 3)?; // warm-up: pipelines compile lazily on some drivers
    let launches = backend.launches();
    pollster::block_on(profile(&gpu, &launches)).map_err(|e| e.to_string())?; // warm-up of the profiled path
    let (timing, rows) = pollster::block_on(profile(&gpu, &launches)).map_err(|e| e.to_string())?;
    println!(
        "{preset} on {} ({}, {}): {} params, batch {batch} x {t}, {} launches per step, {}",
        gpu.report.name,
        gpu.report.backend,
        gpu.report.driver,
        config.param_count(),
        launches.len(),
        match timing {
            Timing::Timestamps => "GPU timestamps per launch",
            Timing::WallClock => "wall time per launch submitted alone (no timestamp queries: small kernels look slow)",
        }
    );
    println!(
        "{:>26} {:>5} {:>9} {:>6} {:>9} {:>9} {:>9} {:>8}",
        "kernel", "runs", "ms", "%", "GFLOP", "MB", "GFLOP/s", "GB/s"
    );
    let total: f64 = rows.iter().map(|r| r.ms).sum();
    for r in &rows {
        println!(
            "{:>26} {:>5} {:>9.3} {:>5.1}% {:>9.3} {:>9.2} {:>9.1} {:>8.1}",
            r.label,
            r.launches,
            r.ms,
            100.0 * r.ms / total,
            r.cost.flops / 1e9,
            r.cost.bytes / 1e6,
            r.gflops(),
            r.gbytes_per_s()
        );
    }
    let flops: f64 = rows.iter().map(|r| r.cost.flops).sum();
    println!("{:>26} {:>5} {total:>9.3} {:>6} {:>9.3}", "sum of kernels", launches.len(), "", flops / 1e9);
    drop(launches);
    let ms = step(&mut backend, 20)?;
    let step_flops = config.train_flops_per_token() as f64 * (batch * t) as f64;
    println!(
        "whole step, one submission as `lab` trains (20 steps): {ms:.3} ms, {:.1} GFLOP/s by 6N + 6·L·T·C per token",
        step_flops / (ms * 1e6)
    );
    Ok(())
}
