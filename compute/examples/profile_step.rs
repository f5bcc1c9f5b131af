//! Prints where one forward + backward spends its time, kernel by kernel, on the first GPU adapter:
//! `cargo run --release -p compute --example profile_step -- [preset] [batch] [context]`.

use compute::config::ModelConfig;
use compute::gpu::Gpu;
use compute::model::{GpuModel, Kernels};
use compute::params::init_params;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preset = args.first().map_or("small", String::as_str);
    let batch: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    let config = ModelConfig { vocab_size: 96, ..ModelConfig::preset(preset).expect("a preset name") };
    let t: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(config.n_ctx);
    let gpu = pollster::block_on(Gpu::request()).expect("a GPU adapter");
    let model = GpuModel::new(&gpu, &Kernels::new(&gpu), &config, batch, t, &init_params(&config, 1)).expect("fits");
    let tokens: Vec<u32> = (0..batch * t).map(|i| (i % 96) as u32).collect();
    model.upload_batch(&gpu, &tokens, &tokens).expect("batch");
    model.profile(&gpu); // warm-up: pipelines compile lazily on some drivers
    println!("{} on {} ({} params, batch {batch} x {t})", preset, gpu.report.name, config.param_count());
    let rows = model.profile(&gpu);
    let total: f64 = rows.iter().map(|r| r.2).sum();
    for (name, count, ms) in rows {
        println!("{name:>28} x{count:<3} {ms:9.2} ms  {:5.1}%", 100.0 * ms / total);
    }
    println!("{:>28}      {total:9.2} ms", "total");
}
