//! The reduction kernels (LayerNorm, softmax + cross-entropy, column sums, gradient norm with the clip fused into
//! AdamW) against the CPU reference on awkward sizes, in both variants: the default device (subgroups where the
//! adapter has them, as lavapipe does) and a device opened without subgroups (the workgroup-memory fallback that the
//! browser runs). Each also runs twice and must give identical bits.

mod common;

use common::{check_close, gpu, gpu_fallback, random};
use compute::cpu;
use compute::gpu::{read_f32, Gpu};
use compute::kernels::adamw::{AdamW, AdamWStep, OptimizerBuffers};
use compute::kernels::colsum::ColSum;
use compute::kernels::crossentropy::CrossEntropy;
use compute::kernels::layernorm::{LayerNorm, LayerNormBuffers, LayerNormShape};
use compute::kernels::reduce::Reduction;
use compute::kernels::{submit, Dispatch};
use compute::train::{adamw_step, clip_scale, global_norm, AdamWState, TrainConfig};

fn read(g: &Gpu, buffer: &wgpu::Buffer, len: usize) -> Vec<f32> {
    pollster::block_on(read_f32(g, buffer, 0, len)).expect("readback")
}

fn u32_buffer(g: &Gpu, data: &[u32]) -> wgpu::Buffer {
    use wgpu::util::DeviceExt;
    g.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("u32 input"),
        contents: bytemuck::cast_slice(data),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
    })
}

/// Both variants, named for failure messages.
fn devices() -> [(&'static Gpu, &'static str); 2] {
    [(gpu(), "default device"), (gpu_fallback(), "device without subgroups")]
}

#[test]
fn the_two_devices_use_the_two_variants() {
    let (g, f) = (gpu(), gpu_fallback());
    let r = &g.report;
    println!(
        "{} ({}): subgroups {} (sizes {}..{}), kernels use {:?}",
        r.name,
        r.backend,
        g.has_subgroups(),
        r.subgroup_min_size,
        r.subgroup_max_size,
        Reduction::for_device(g)
    );
    assert_eq!(Reduction::for_device(g), if g.has_subgroups() { Reduction::Subgroups } else { Reduction::Workgroup });
    assert!(!f.has_subgroups(), "a device opened with subgroups: false must not have them");
    assert_eq!(Reduction::for_device(f), Reduction::Workgroup);
}

/// LayerNorm forward, input gradient and parameter gradients; returns everything the GPU wrote.
fn layernorm_case(g: &Gpu, rows: usize, c: usize, bias: bool, label: &str) -> Vec<f32> {
    let inp = random(rows * c, 4, 2.0);
    let params = random(3 + 2 * c, 5, 1.0);
    let (w, bo) = (3, 3 + c);
    let dout = random(rows * c, 6, 1.0);
    let dinp0 = random(rows * c, 7, 1.0); // the backward accumulates into dinp
    let grads0 = random(params.len(), 8, 0.5); // and into the parameter gradients
    let shape = LayerNormShape { rows, c, weight_offset: w, bias_offset: bias.then_some(bo) };
    let (i, p, d) = (g.storage_from("inp", &inp), g.storage_from("params", &params), g.storage_from("dout", &dout));
    let (out, mean, rstd) =
        (g.storage_zeroed("out", rows * c), g.storage_zeroed("mean", rows), g.storage_zeroed("rstd", rows));
    let (dinp, grads) = (g.storage_from("dinp", &dinp0), g.storage_from("grads", &grads0));
    let ln = LayerNorm::new(g);
    let bufs = LayerNormBuffers { inp: &i, out: &out, mean: &mean, rstd: &rstd };
    let fwd = ln.forward(g, &shape, &bufs, &p);
    let [b1, b2] = ln.backward(g, &shape, &bufs, &p, &d, &dinp, &grads);
    submit(g, "layernorm", &[&fwd, &b1, &b2]);

    let (mut want, mut wmean, mut wrstd) = (vec![0.0; rows * c], vec![0.0; rows], vec![0.0; rows]);
    let bias_slice = bias.then(|| &params[bo..bo + c]);
    cpu::layernorm::layernorm_forward(&mut want, &mut wmean, &mut wrstd, &inp, &params[w..w + c], bias_slice, rows, c);
    let label = format!("{label}: layernorm {rows}x{c} bias={bias}");
    let got = [read(g, &out, rows * c), read(g, &mean, rows), read(g, &rstd, rows)];
    check_close(&got[0], &want, 1e-5, &format!("{label} forward"));
    check_close(&got[1], &wmean, 1e-5, &format!("{label} mean"));
    check_close(&got[2], &wrstd, 1e-5, &format!("{label} rstd"));
    let mut wdinp = dinp0.clone();
    let mut wgrads = grads0.clone();
    let (dw, db) = wgrads[w..].split_at_mut(c);
    let db = bias.then_some(&mut db[..c]);
    cpu::layernorm::layernorm_backward(&mut wdinp, dw, db, &dout, &inp, &params[w..w + c], &wmean, &wrstd, rows, c);
    let (gd, gg) = (read(g, &dinp, rows * c), read(g, &grads, params.len()));
    check_close(&gd, &wdinp, 1e-4, &format!("{label} dinp"));
    check_close(&gg, &wgrads, 1e-4, &format!("{label} dweight/dbias"));
    got.into_iter().flatten().chain(gd).chain(gg).collect()
}

#[test]
fn layernorm_matches_cpu_in_both_variants_and_repeats_exactly() {
    for (g, name) in devices() {
        for (rows, c, bias) in [(37, 36, true), (37, 45, false), (5, 3, true), (70, 300, true), (300, 20, false)] {
            let first = layernorm_case(g, rows, c, bias, name);
            assert_eq!(
                first,
                layernorm_case(g, rows, c, bias, name),
                "{name}: layernorm {rows}x{c} differs between runs"
            );
        }
    }
}

fn crossentropy_case(g: &Gpu, n: usize, v: usize, label: &str) -> Vec<f32> {
    let logits = random(n * v, 17, 4.0);
    let targets: Vec<u32> = (0..n).map(|i| ((i * 7919 + 3) % v) as u32).collect();
    let (lb, tb, losses) = (g.storage_from("logits", &logits), u32_buffer(g, &targets), g.storage_zeroed("losses", n));
    let ce = CrossEntropy::new(g);
    // The eval form first (logits kept), then the training form (dlogits in place), as the model records them.
    let (eval, train) = (ce.prepare(g, n, v, &lb, &tb, &losses, false), ce.prepare(g, n, v, &lb, &tb, &losses, true));
    submit(g, "crossentropy eval", &[&eval]);
    let eval_losses = read(g, &losses, n);
    submit(g, "crossentropy", &[&train]);
    let (mut wl, mut probs) = (vec![0.0; n], vec![0.0; n * v]);
    cpu::crossentropy::crossentropy_forward(&mut wl, &mut probs, &logits, &targets, n, v);
    let label = format!("{label}: cross-entropy {n}x{v}");
    check_close(&eval_losses, &wl, 1e-5, &format!("{label} losses (eval)"));
    let got_losses = read(g, &losses, n);
    check_close(&got_losses, &wl, 1e-5, &format!("{label} losses"));
    let mut wd = vec![0.0; n * v];
    cpu::crossentropy::crossentropy_backward(&mut wd, &probs, &targets, n, v);
    let dlogits = read(g, &lb, n * v);
    check_close(&dlogits, &wd, 1e-5, &format!("{label} dlogits (in place)"));
    got_losses.into_iter().chain(dlogits).collect()
}

#[test]
fn crossentropy_matches_cpu_in_both_variants_and_repeats_exactly() {
    for (g, name) in devices() {
        for (n, v) in [(37, 67), (45, 96), (5, 300), (3, 2)] {
            let first = crossentropy_case(g, n, v, name);
            assert_eq!(first, crossentropy_case(g, n, v, name), "{name}: cross-entropy {n}x{v} differs between runs");
        }
    }
}

fn bias_case(g: &Gpu, rows: usize, n: usize, label: &str) -> Vec<f32> {
    let dout = random(5 + rows * n, 9, 1.0); // dout starts at element 5
    let grads0 = random(2 + n + 3, 10, 0.5); // dbias at element 2, accumulated into
    let (d, grads) = (g.storage_from("dout", &dout), g.storage_from("grads", &grads0));
    submit(g, "bias", &[&ColSum::new(g).bias_backward(g, &d, 5, rows, n, &grads, 2)]);
    let mut want = grads0.clone();
    for r in 0..rows {
        for (col, w) in want[2..2 + n].iter_mut().enumerate() {
            *w += dout[5 + r * n + col];
        }
    }
    let got = read(g, &grads, grads0.len());
    check_close(&got, &want, 1e-5, &format!("{label}: bias gradient {rows}x{n}"));
    got
}

#[test]
fn column_sums_match_cpu_in_both_variants_and_repeat_exactly() {
    for (g, name) in devices() {
        for (rows, n) in [(37, 45), (5, 3), (300, 20), (2048, 9), (1, 1)] {
            let first = bias_case(g, rows, n, name);
            assert_eq!(first, bias_case(g, rows, n, name), "{name}: bias gradient {rows}x{n} differs between runs");
        }
    }
}

/// One optimiser step (norm partials, then the update that clips) against the CPU's global_norm, clip_scale and
/// adamw_step; returns params, m, v and stats as the GPU left them.
fn optimizer_case(g: &Gpu, p: usize, n_losses: usize, clip_of_norm: f64, label: &str) -> Vec<f32> {
    let (params0, grads) = (random(p, 11, 1.0), random(p, 12, 0.1));
    let (m0, v0) = (random(p, 13, 0.01), random(p, 14, 0.01).iter().map(|x| x.abs()).collect::<Vec<f32>>());
    let mask: Vec<f32> = (0..p).map(|i| (i % 3 != 0) as u8 as f32).collect();
    let losses = random(n_losses, 15, 1.0).iter().map(|x| 3.0 + x).collect::<Vec<f32>>();
    let norm = global_norm(&grads);
    let clip = (clip_of_norm * norm) as f32;
    let cfg = TrainConfig::default();
    let (lr, t) = (1e-3, 3);
    let step = AdamWStep {
        lr: lr as f32,
        beta1: cfg.beta1 as f32,
        beta2: cfg.beta2 as f32,
        eps: cfg.eps as f32,
        weight_decay: cfg.weight_decay as f32,
        bias_correction1: (1.0 - cfg.beta1.powi(t)) as f32,
        bias_correction2_sqrt: (1.0 - cfg.beta2.powi(t)).sqrt() as f32,
        n: p as u32,
    };
    let bufs = [&params0, &grads, &m0, &v0, &mask, &losses].map(|x| g.storage_from("opt", x));
    let stats = g.storage_from("stats", &[0.0, 0.0, 0.0, 0.5]); // Σ loss accumulates onto 0.5
    let (partials, step_buffer) = (AdamW::partials_buffer(g), AdamW::step_buffer(g));
    let b = OptimizerBuffers {
        params: &bufs[0],
        grads: &bufs[1],
        m: &bufs[2],
        v: &bufs[3],
        mask: &bufs[4],
        losses: &bufs[5],
        stats: &stats,
        partials: &partials,
    };
    let launches = AdamW::new(g).prepare(g, p, n_losses, clip, &b, &step_buffer);
    assert_eq!(launches.len(), 2, "norm partials and the update that finishes the norm");
    AdamW::write_step(g, &step_buffer, &step);
    submit(g, "optimizer", &launches.iter().collect::<Vec<&Dispatch>>());

    let label = format!("{label}: optimizer P={p} clip={clip_of_norm}·norm");
    let got_stats = read(g, &stats, 4);
    let mean_loss = losses.iter().map(|&l| l as f64).sum::<f64>() / n_losses as f64;
    let scale = clip_scale(norm, clip as f64);
    let want_stats = [norm as f32, scale as f32, mean_loss as f32, (0.5 + mean_loss) as f32];
    check_close(&got_stats, &want_stats, 1e-5, &format!("{label} stats (norm, clip factor, loss, Σ loss)"));
    let mut state = AdamWState { m: m0, v: v0, decay: mask, t: t as u64 - 1 };
    let mut want = params0;
    let cfg = TrainConfig { lr, ..cfg };
    adamw_step(&mut want, &grads, &mut state, &cfg, lr, scale);
    let got = [read(g, &bufs[0], p), read(g, &bufs[2], p), read(g, &bufs[3], p)];
    check_close(&got[0], &want, 1e-5, &format!("{label} params"));
    check_close(&got[1], &state.m, 1e-5, &format!("{label} m"));
    check_close(&got[2], &state.v, 1e-5, &format!("{label} v"));
    got.into_iter().flatten().chain(got_stats).collect()
}

#[test]
fn clipped_adamw_matches_cpu_in_both_variants_and_repeats_exactly() {
    for (g, name) in devices() {
        // 70001 parameters: more than one grid stride of the partial sums (256 · 256) and a ragged last workgroup.
        for (p, n_losses, clip) in [(70001, 37, 0.5), (70001, 300, 0.0), (5, 1, 2.0), (1029, 2048, 0.9)] {
            let first = optimizer_case(g, p, n_losses, clip, name);
            assert_eq!(
                first,
                optimizer_case(g, p, n_losses, clip, name),
                "{name}: optimizer P={p} differs between runs"
            );
        }
    }
}

/// A probe kernel: workgroup k reduces the same 256 values with col_sum2 over 2^k columns (k = 0..8: shuffle
/// offsets when columns < subgroup size, none when columns ≥ it), block_sum2 and block_max. The values are small
/// integers, so every order of addition gives the exact total.
const PROBE: &str = "
@group(0) @binding(0) var<storage, read> x: array<f32>;        // (RED_WG)
@group(0) @binding(1) var<storage, read_write> y: array<f32>;  // (9, RED_WG + 3)
const RED_WG: u32 = 256u;
@compute @workgroup_size(RED_WG)
fn probe(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>) {
    let f = lane_flat(lane);
    let v = x[f];
    let cols = 1u << wg.x;
    let base = wg.x * (RED_WG + 3u);
    let c = col_sum2(lane, vec2<f32>(v, 2.0 * v), cols);
    if (f < cols) { y[base + f] = c.x + c.y; }
    let s = block_sum2(lane, vec2<f32>(v, -v));
    let m = block_max(lane, v);
    if (lane.index == 0u) { y[base + RED_WG] = s.x; y[base + RED_WG + 1u] = s.y; y[base + RED_WG + 2u] = m; }
}
";

fn probe(g: &Gpu) -> Vec<f32> {
    let source = format!("{}\n{PROBE}", Reduction::for_device(g).prelude());
    let module = g.device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("reduction probe"),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline = g.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("probe"),
        layout: None,
        module: &module,
        entry_point: Some("probe"),
        compilation_options: Default::default(),
        cache: None,
    });
    let x: Vec<f32> = (0..256).map(|i| ((i * 37 + 11) % 19) as f32 - 9.0).collect();
    let (xb, yb) = (g.storage_from("x", &x), g.storage_zeroed("y", 9 * 259));
    let bind_group = g.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("probe"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry { binding: 0, resource: xb.as_entire_binding() },
            wgpu::BindGroupEntry { binding: 1, resource: yb.as_entire_binding() },
        ],
    });
    let mut encoder = g.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(9, 1, 1);
    }
    g.queue.submit(Some(encoder.finish()));
    let got = read(g, &yb, 9 * 259);
    let mut want = vec![0.0f32; 9 * 259];
    for k in 0..9 {
        let (cols, base) = (1 << k, k * 259);
        for (i, v) in x.iter().enumerate() {
            want[base + i % cols] += 3.0 * v;
        }
        want[base + 256] = x.iter().sum();
        want[base + 257] = -x.iter().sum::<f32>();
        want[base + 258] = x.iter().cloned().fold(f32::MIN, f32::max);
    }
    assert_eq!(got, want, "{:?}: reduction probe (rows: 1, 2, ..., 256 columns)", Reduction::for_device(g));
    got
}

#[test]
fn every_branch_of_the_block_reductions_is_exact_for_any_column_count() {
    for (g, _) in devices() {
        probe(g);
    }
}
