//! Every WGSL kernel, forward and backward, against the CPU reference on random inputs with awkward sizes
//! (not multiples of any tile or workgroup), on a real wgpu adapter (lavapipe on CI).

mod common;

use common::{check_close, gpu, random};
use compute::cpu;
use compute::gpu::read_f32;
use compute::kernels::attention::{Attention, AttentionShape};
use compute::kernels::colsum::ColSum;
use compute::kernels::crossentropy::CrossEntropy;
use compute::kernels::encoder::{bucket_by_token, Encoder, EncoderShape};
use compute::kernels::layernorm::{LayerNorm, LayerNormBuffers, LayerNormShape};
use compute::kernels::matmul::{Activation, Matmul, MatmulSpec, Operand};
use compute::kernels::{submit, Dispatch};

fn tokens(n: usize, vocab: usize, seed: u64) -> Vec<u32> {
    random(n, seed, 1.0).iter().map(|x| (((x + 1.0) / 2.0 * vocab as f32) as u32).min(vocab as u32 - 1)).collect()
}

fn run(dispatches: &[&Dispatch]) {
    submit(gpu(), "test", dispatches);
}

fn read(buffer: &wgpu::Buffer, len: usize) -> Vec<f32> {
    pollster::block_on(read_f32(gpu(), buffer, 0, len)).expect("readback")
}

fn u32_buffer(data: &[u32]) -> wgpu::Buffer {
    use wgpu::util::DeviceExt;
    gpu().device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("u32 input"),
        contents: bytemuck::cast_slice(data),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
    })
}

#[test]
fn encoder_forward_and_backward_match_cpu() {
    let (b, t, c, v, n_ctx) = (3, 5, 10, 7, 6);
    let g = gpu();
    let toks = tokens(b * t, v, 1);
    // Parameters: 3 values of padding, then wte (V, C), then wpe (n_ctx, C), as inside a real parameter buffer.
    let params = random(3 + v * c + n_ctx * c, 2, 1.0);
    let (wte, wpe) = (3, 3 + v * c);
    let dout = random(b * t * c, 3, 1.0);
    let shape = EncoderShape { bt: b * t, t, c, vocab: v, wte_offset: wte, wpe_offset: wpe };
    let (order, starts) = bucket_by_token(&toks, v);
    let (tok_buf, order_buf, starts_buf) = (u32_buffer(&toks), u32_buffer(&order), u32_buffer(&starts));
    let p = g.storage_from("params", &params);
    let out = g.storage_zeroed("out", b * t * c);
    let d = g.storage_from("dout", &dout);
    let grads = g.storage_from("grads", &vec![0.5; params.len()]); // backward must add, not overwrite
    let enc = Encoder::new(g);
    let fwd = enc.forward(g, &shape, &tok_buf, &p, &out);
    let [bw1, bw2] = enc.backward(g, &shape, &d, &grads, &order_buf, &starts_buf);
    run(&[&fwd, &bw1, &bw2]);

    let mut want = vec![0.0; b * t * c];
    cpu::encoder::encoder_forward(&mut want, &toks, &params[wte..wpe], &params[wpe..], b, t, c);
    check_close(&read(&out, b * t * c), &want, 1e-6, "encoder forward");
    let mut want_grads = vec![0.5; params.len()];
    let (head, rest) = want_grads.split_at_mut(wpe);
    cpu::encoder::encoder_backward(&mut head[wte..], rest, &dout, &toks, b, t, c);
    check_close(&read(&grads, params.len()), &want_grads, 1e-5, "encoder backward (wte, wpe)");
}

fn layernorm_case(rows: usize, c: usize, bias: bool) {
    let g = gpu();
    let inp = random(rows * c, 4, 2.0);
    let params = random(1 + 2 * c, 5, 1.0);
    let (w, bo) = (1, 1 + c);
    let dout = random(rows * c, 6, 1.0);
    let dinp0 = random(rows * c, 7, 1.0); // the backward accumulates into dinp
    let shape = LayerNormShape { rows, c, weight_offset: w, bias_offset: bias.then_some(bo) };
    let (i, p, d) = (g.storage_from("inp", &inp), g.storage_from("params", &params), g.storage_from("dout", &dout));
    let (out, mean, rstd) =
        (g.storage_zeroed("out", rows * c), g.storage_zeroed("mean", rows), g.storage_zeroed("rstd", rows));
    let dinp = g.storage_from("dinp", &dinp0);
    let grads = g.storage_zeroed("grads", params.len());
    let ln = LayerNorm::new(g);
    let bufs = LayerNormBuffers { inp: &i, out: &out, mean: &mean, rstd: &rstd };
    let fwd = ln.forward(g, &shape, &bufs, &p);
    let [b1, b2] = ln.backward(g, &shape, &bufs, &p, &d, &dinp, &grads);
    run(&[&fwd, &b1, &b2]);

    let (mut want, mut wmean, mut wrstd) = (vec![0.0; rows * c], vec![0.0; rows], vec![0.0; rows]);
    let bias_slice = bias.then(|| &params[bo..bo + c]);
    cpu::layernorm::layernorm_forward(&mut want, &mut wmean, &mut wrstd, &inp, &params[w..w + c], bias_slice, rows, c);
    let label = format!("layernorm {rows}x{c} bias={bias}");
    check_close(&read(&out, rows * c), &want, 1e-5, &format!("{label} forward"));
    check_close(&read(&rstd, rows), &wrstd, 1e-5, &format!("{label} rstd"));
    let mut wdinp = dinp0.clone();
    let mut wgrads = vec![0.0; params.len()];
    let (dw, db) = wgrads[w..].split_at_mut(c);
    let db = bias.then_some(&mut db[..c]);
    cpu::layernorm::layernorm_backward(&mut wdinp, dw, db, &dout, &inp, &params[w..w + c], &wmean, &wrstd, rows, c);
    check_close(&read(&dinp, rows * c), &wdinp, 1e-4, &format!("{label} dinp"));
    check_close(&read(&grads, params.len()), &wgrads, 1e-4, &format!("{label} dweight/dbias"));
}

#[test]
fn layernorm_forward_and_backward_match_cpu() {
    layernorm_case(37, 19, true);
    layernorm_case(130, 64, false);
    layernorm_case(5, 3, true); // fewer rows than the column sums' 32 lanes, fewer channels than a workgroup's 8
}

fn linear_case(n: usize, c: usize, oc: usize, bias: bool) {
    let g = gpu();
    let inp = random(n * c, 8, 1.0);
    let params = random(2 + oc * c + oc, 9, 0.5); // weight (OC, C) at 2, bias (OC) after it
    let (w, bo) = (2, 2 + oc * c);
    let dout = random(n * oc, 10, 1.0);
    let (x, p, dy) = (g.storage_from("x", &inp), g.storage_from("params", &params), g.storage_from("dy", &dout));
    let y = g.storage_zeroed("y", n * oc);
    let dx = g.storage_from("dx", &vec![9.0; n * c]); // overwritten
    let grads = g.storage_from("grads", &vec![0.25; params.len()]); // accumulated into
    let mm = Matmul::new(g);
    let mut fwd = MatmulSpec::new(n, oc, c, Operand::rows(&x, 0, c), Operand::transposed(&p, w, c), &y);
    fwd.bias = bias.then_some((&p, bo));
    let fwd = mm.prepare(g, &fwd);
    let back_x = mm.prepare(g, &MatmulSpec::new(n, c, oc, Operand::rows(&dy, 0, oc), Operand::rows(&p, w, c), &dx));
    let back_w = mm.prepare(
        g,
        &MatmulSpec {
            c_offset: w,
            accumulate: true,
            ..MatmulSpec::new(oc, c, n, Operand::transposed(&dy, 0, oc), Operand::rows(&x, 0, c), &grads)
        },
    );
    let back_b = ColSum::new(g).bias_backward(g, &dy, 0, n, oc, &grads, bo);
    let mut launches: Vec<&Dispatch> = fwd.iter().chain(&back_x).chain(&back_w).collect();
    if bias {
        launches.push(&back_b);
    }
    run(&launches);

    let label = format!("linear {n}x{c}->{oc} bias={bias}");
    let mut want = vec![0.0; n * oc];
    cpu::matmul::matmul_forward(&mut want, &inp, &params[w..bo], bias.then(|| &params[bo..]), n, c, oc);
    check_close(&read(&y, n * oc), &want, 1e-5, &format!("{label} forward"));
    let mut wdx = vec![0.0; n * c];
    let mut wgrads = vec![0.25; params.len()];
    let (dw, db) = wgrads[w..].split_at_mut(oc * c);
    cpu::matmul::matmul_backward(&mut wdx, dw, bias.then_some(db), &dout, &inp, &params[w..bo], n, c, oc);
    check_close(&read(&dx, n * c), &wdx, 1e-5, &format!("{label} dinp"));
    check_close(&read(&grads, params.len()), &wgrads, 1e-4, &format!("{label} dweight/dbias"));
}

#[test]
fn linear_forward_and_backward_match_cpu() {
    linear_case(70, 33, 65, true);
    linear_case(5, 3, 2, false);
    linear_case(5, 3, 2, true); // the bias sum with fewer rows than lanes and columns than a workgroup
    linear_case(128, 64, 192, true);
}

#[test]
fn matmul_fused_residual_adds_the_addend() {
    let g = gpu();
    let (m, k, n) = (67, 20, 30);
    let (a, b, r) = (random(m * k, 11, 1.0), random(k * n, 12, 1.0), random(m * n, 13, 1.0));
    let (ab, bb, rb, cb) =
        (g.storage_from("a", &a), g.storage_from("b", &b), g.storage_from("r", &r), g.storage_zeroed("c", m * n));
    let mut spec = MatmulSpec::new(m, n, k, Operand::rows(&ab, 0, k), Operand::rows(&bb, 0, n), &cb);
    spec.addend = Some((&rb, 0));
    run(&Matmul::new(g).prepare(g, &spec).iter().collect::<Vec<_>>());
    let want: Vec<f32> =
        compute::kernels::matmul::multiply_cpu(&a, &b, m, k, n).iter().zip(&r).map(|(x, y)| x + y).collect();
    check_close(&read(&cb, m * n), &want, 1e-5, "matmul + addend");
}

/// Runs forward and backward on random inputs; returns (out, dqkv) read back, checked against the CPU reference.
fn attention_case(att: &Attention, b: usize, t: usize, c: usize, nh: usize) -> (Vec<f32>, Vec<f32>) {
    let g = gpu();
    let qkv = random(b * t * 3 * c, 14, 2.0);
    let dout = random(b * t * c, 15, 1.0);
    let (q, d) = (g.storage_from("qkv", &qkv), g.storage_from("dout", &dout));
    let (out, lse, delta) = (
        g.storage_zeroed("out", b * t * c),
        g.storage_zeroed("lse", b * nh * t),
        g.storage_zeroed("delta", b * nh * t),
    );
    let dqkv = g.storage_from("dqkv", &vec![7.0; b * t * 3 * c]); // overwritten
    let shape = AttentionShape { b, t, c, n_head: nh };
    let fwd = att.forward(g, &shape, &q, &out, &lse);
    let [b1, b2] = att.backward(g, &shape, &q, &out, &lse, &d, &delta, &dqkv);
    run(&[&fwd, &b1, &b2]);

    let label = format!("attention B={b} T={t} C={c} NH={nh}");
    let (mut want, mut probs) = (vec![0.0; b * t * c], vec![0.0; b * nh * t * t]);
    cpu::attention::attention_forward(&mut want, &mut probs, &qkv, b, t, c, nh);
    let got = read(&out, b * t * c);
    check_close(&got, &want, 1e-5, &format!("{label} forward"));
    let mut wdqkv = vec![0.0; b * t * 3 * c];
    cpu::attention::attention_backward(&mut wdqkv, &dout, &qkv, &probs, b, t, c, nh);
    let grads = read(&dqkv, b * t * 3 * c);
    check_close(&grads, &wdqkv, 1e-4, &format!("{label} dqkv"));
    (got, grads)
}

#[test]
fn attention_forward_and_backward_match_cpu() {
    // One kernel set for every case: its pipelines are compiled per head size (4, 16, 128, then 4 again).
    let att = Attention::new(gpu());
    attention_case(&att, 2, 9, 12, 3);
    attention_case(&att, 3, 17, 32, 2);
    attention_case(&att, 1, 5, 128, 1);
    attention_case(&att, 1, 1, 4, 1);
}

#[test]
fn attention_tile_edges_match_cpu() {
    // T around the kernels' 32-row blocks (13 < 32, 37 = 32 + 5, 70 = 2·32 + 6), head sizes below, off and at
    // multiples of the 8-channel chunks and 8-lane accumulators, several heads, batch 3.
    let att = Attention::new(gpu());
    attention_case(&att, 3, 37, 24, 3); // hs 8
    attention_case(&att, 2, 70, 36, 3); // hs 12
    attention_case(&att, 1, 13, 128, 2); // hs 64
    attention_case(&att, 1, 70, 128, 1); // hs 128: fewer rows staged at once
                                         // Every gradient has one writer and a fixed summation order: a second run gives the same bits.
    let first = attention_case(&att, 2, 33, 20, 2);
    assert!(first == attention_case(&att, 2, 33, 20, 2), "attention differs between two runs");
}

/// GELU runs in the epilogue of the products around it: C = x · [1] (a k = 1 product) makes the epilogue's input x.
#[test]
fn gelu_epilogues_forward_and_backward_match_cpu() {
    let g = gpu();
    let n = 1000;
    let x: Vec<f32> = (0..n).map(|i| -8.0 + 16.0 * i as f32 / n as f32).collect();
    let dout = random(n, 16, 1.0);
    let (xb, db, one) = (g.storage_from("x", &x), g.storage_from("dout", &dout), g.storage_from("one", &[1.0]));
    let (pre, y, dx) = (g.storage_zeroed("pre", n), g.storage_zeroed("y", n), g.storage_zeroed("dx", n));
    let mm = Matmul::new(g);
    let mut fwd = MatmulSpec::new(n, 1, 1, Operand::rows(&xb, 0, 1), Operand::rows(&one, 0, 1), &pre);
    fwd.activation = Activation::Gelu(&y, 0);
    let mut back = MatmulSpec::new(n, 1, 1, Operand::rows(&db, 0, 1), Operand::rows(&one, 0, 1), &dx);
    back.activation = Activation::GeluBackward(&xb, 0);
    let launches: Vec<_> = mm.prepare(g, &fwd).into_iter().chain(mm.prepare(g, &back)).collect();
    run(&launches.iter().collect::<Vec<_>>());
    check_close(&read(&pre, n), &x, 0.0, "the epilogue keeps GELU's input");
    // The reference in f64, so the comparison measures the kernel's error (issue: exact GELU to 1e-5).
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut want = vec![0.0f64; n];
    cpu::gelu::gelu_forward(&mut want, &x64);
    let got: Vec<f64> = read(&y, n).iter().map(|&v| v as f64).collect();
    let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-5, "GELU differs from exact erf GELU by {worst}");
    let mut wdx = vec![0.0f64; n];
    cpu::gelu::gelu_backward(&mut wdx, &x64, &want, &dout.iter().map(|&v| v as f64).collect::<Vec<_>>());
    let wdx32: Vec<f32> = wdx.iter().map(|&v| v as f32).collect();
    check_close(&read(&dx, n), &wdx32, 1e-5, "gelu backward");
}

#[test]
fn crossentropy_losses_and_dlogits_match_cpu() {
    let g = gpu();
    let (n, v) = (45, 77);
    let logits = random(n * v, 17, 4.0);
    let targets = tokens(n, v, 18);
    let (lb, tb, losses) = (g.storage_from("logits", &logits), u32_buffer(&targets), g.storage_zeroed("losses", n));
    run(&[&CrossEntropy::new(g).prepare(g, n, v, &lb, &tb, &losses, true)]);
    let (mut wl, mut probs) = (vec![0.0; n], vec![0.0; n * v]);
    cpu::crossentropy::crossentropy_forward(&mut wl, &mut probs, &logits, &targets, n, v);
    check_close(&read(&losses, n), &wl, 1e-5, "cross-entropy losses");
    let mut wd = vec![0.0; n * v];
    cpu::crossentropy::crossentropy_backward(&mut wd, &probs, &targets, n, v);
    check_close(&read(&lb, n * v), &wd, 1e-5, "cross-entropy dlogits (in place)");
}
