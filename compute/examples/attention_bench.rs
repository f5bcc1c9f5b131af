//! Times the attention kernels alone, many launches per submission so that submit and wait costs vanish:
//! `cargo run --release -p compute --example attention_bench -- [repeats]` (bench shapes of the presets).

use compute::gpu::Gpu;
use compute::kernels::attention::{Attention, AttentionShape};
use compute::kernels::{submit, Dispatch};
use std::time::Instant;

fn main() {
    let repeats: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let gpu = pollster::block_on(Gpu::request()).expect("a GPU adapter");
    let att = Attention::new(&gpu);
    println!("attention on {}, {repeats} launches per timing", gpu.report.name);
    // (B, T, C, NH): large (hs 64), small (hs 16), medium (hs 32).
    for (b, t, c, nh) in [(8, 256, 320, 5), (16, 128, 64, 4), (16, 128, 128, 4)] {
        let values = |n: usize| (0..n).map(|i| (i * 7919 % 1000) as f32 / 500.0 - 1.0).collect::<Vec<f32>>();
        let qkv = gpu.storage_from("qkv", &values(b * t * 3 * c));
        let dout = gpu.storage_from("dout", &values(b * t * c));
        let (out, dqkv) = (gpu.storage_zeroed("out", b * t * c), gpu.storage_zeroed("dqkv", b * t * 3 * c));
        let (lse, delta) = (gpu.storage_zeroed("lse", b * nh * t), gpu.storage_zeroed("delta", b * nh * t));
        let s = AttentionShape { b, t, c, n_head: nh };
        let fwd = att.forward(&gpu, &s, &qkv, &out, &lse);
        let [dq, dkv] = att.backward(&gpu, &s, &qkv, &out, &lse, &dout, &delta, &dqkv);
        submit(&gpu, "warm-up", &[&fwd, &dq, &dkv]);
        let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
        for d in [&fwd, &dq, &dkv] {
            let launches: Vec<&Dispatch> = vec![d; repeats];
            let start = Instant::now();
            submit(&gpu, d.label, &launches);
            let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
            let us = start.elapsed().as_secs_f64() * 1e6 / repeats as f64;
            let tflops = d.cost.flops / us / 1e6;
            println!("B={b:<2} T={t:<3} C={c:<3} NH={nh} {:>24} {us:8.1} us  {tflops:6.2} TFLOP/s", d.label);
        }
    }
}
