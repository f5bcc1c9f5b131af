//! Times the matmul's tile variants and split-K plans on the products of the bench models (2048 rows), next to the
//! planner's choice: `cargo run --release -p compute --example bench_matmul -- [reps]`.

use compute::gpu::Gpu;
use compute::kernels::matmul::{Activation, Matmul, MatmulSpec, Operand};
use compute::kernels::matmul_plan::{Plan, TILES};
use compute::kernels::Dispatch;
use std::time::Instant;

/// Mean wall time of one run of `launches`, from `reps` runs recorded into one pass.
fn time(gpu: &Gpu, launches: &[Dispatch], reps: usize) -> f64 {
    let submit = |reps: usize| {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            for _ in 0..reps {
                launches.iter().for_each(|d| d.record(&mut pass));
            }
        }
        gpu.queue.submit(Some(encoder.finish()));
        let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
    };
    submit(2);
    let start = Instant::now();
    submit(reps);
    start.elapsed().as_secs_f64() / reps as f64
}

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let gpu = pollster::block_on(Gpu::request()).expect("a GPU adapter");
    let mm = Matmul::new(&gpu);
    println!("{} — µs per product (GFLOP/s); `auto` is the planner's choice", gpu.report.name);
    let rows = 2048;
    let big = gpu.storage_zeroed("operands", 8 << 20);
    let (x, y) = (gpu.storage_zeroed("x", rows * 3 * 1280), gpu.storage_zeroed("y", rows * 3 * 1280));
    let scratch = gpu.storage_zeroed("scratch", compute::kernels::matmul_plan::MAX_SCRATCH);
    let mut total_auto = 0.0;
    for (c, f) in [(128, 512), (320, 1280)] {
        for (inp, out) in [(c, 3 * c), (c, c), (c, f), (f, c), (c, 96)] {
            // x·Wᵀ, dy·W, dyᵀ·x as the model lays them out (W at an aligned offset inside the parameters).
            let fwd =
                MatmulSpec::new(rows, out, inp, Operand::rows(&x, 0, inp), Operand::transposed(&big, 64, inp), &y);
            let dx = MatmulSpec::new(rows, inp, out, Operand::rows(&x, 0, out), Operand::rows(&big, 64, inp), &y);
            let dw = MatmulSpec::new(out, inp, rows, Operand::transposed(&x, 0, out), Operand::rows(&y, 0, inp), &big);
            for (name, spec) in [("fwd", fwd), ("dx", dx), ("dW", MatmulSpec { accumulate: true, ..dw })] {
                let spec = MatmulSpec { scratch: Some(&scratch), ..spec };
                let flops = 2.0 * (spec.m * spec.n * spec.k) as f64;
                let mut line = format!("{name:>3} {:>4}x{:<4}k{:<5}", spec.m, spec.n, spec.k);
                let auto = spec.plan();
                let t = time(&gpu, &mm.prepare(&gpu, &spec), reps);
                total_auto += t;
                line += &format!(" auto(t{} s{}) {:7.1} ({:5.0}) |", auto.tile, auto.splits, t * 1e6, flops / t * 1e-9);
                for tile in 0..TILES.len() {
                    for splits in [1, 2, 4, 8, 16] {
                        if splits > 1 && spec.k < 128 * splits {
                            continue;
                        }
                        let plan = Plan::new(tile, splits, spec.k);
                        let t = time(&gpu, &mm.prepare_with(&gpu, &spec, plan), reps);
                        line += &format!(" t{tile}s{splits} {:.1}", t * 1e6);
                    }
                }
                println!("{line}");
            }
        }
    }
    println!("sum of auto: {:.1} µs", total_auto * 1e6);
    // The fused GELU epilogues: c_fc's forward (writes fch and gelu(fch)) and dhid = dres·W_proj ⊙ gelu'(fch).
    let pre = gpu.storage_zeroed("pre", rows * 1280);
    for (c, f) in [(128, 512), (320, 1280)] {
        let mut fwd = MatmulSpec::new(rows, f, c, Operand::rows(&x, 0, c), Operand::transposed(&big, 64, c), &y);
        fwd.activation = Activation::Gelu(&pre, 0);
        let mut back = MatmulSpec::new(rows, f, c, Operand::rows(&x, 0, c), Operand::rows(&big, 64, f), &y);
        back.activation = Activation::GeluBackward(&pre, 0);
        for (name, spec) in [("gelu fwd", fwd), ("gelu back", back)] {
            let spec = MatmulSpec { scratch: Some(&scratch), ..spec };
            let mut line = format!("{name:>9} {}x{} k{}:", spec.m, spec.n, spec.k);
            line += &format!(" auto {:.1}", time(&gpu, &mm.prepare(&gpu, &spec), reps) * 1e6);
            for tile in 0..TILES.len() {
                let t = time(&gpu, &mm.prepare_with(&gpu, &spec, Plan::new(tile, 1, spec.k)), reps);
                line += &format!(" t{tile} {:.1}", t * 1e6);
            }
            println!("{line}");
        }
    }
}
