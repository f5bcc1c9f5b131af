// Causal multi-head self-attention on nanoGPT's fused qkv (B, T, 3C): q = channels [0, C),
// k = [C, 2C), v = [2C, 3C); head h owns channels h·hs .. (h+1)·hs.
//
// Flash-style: the forward keeps a running (online) softmax per query row and saves only its
// log-sum-exp (B, NH, T), never the (B, NH, T, T) attention matrix; the backward recomputes the
// probabilities from q, k and the log-sum-exp. One thread per (batch, head, row). The backward runs
// in two passes, rows for dq and columns for dk and dv, so that every gradient has one writer.

const MAX_HS: u32 = 128u;
// The head size, fixed when the pipeline is made (attention.rs builds one per head size): with a constant trip
// count a compiler can unroll the loops over a row and keep the per-row arrays in registers. HS <= MAX_HS.
override HS: u32;

struct Params {
    b: u32, t: u32, c: u32, nh: u32,
    scale: f32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;          // (B, T, 3C)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;    // (B, T, C)
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;    // (B, NH, T)
@group(0) @binding(4) var<storage, read> dout: array<f32>;         // (B, T, C)
@group(0) @binding(5) var<storage, read> saved_out: array<f32>;    // (B, T, C), forward's out
@group(0) @binding(6) var<storage, read> saved_lse: array<f32>;    // (B, NH, T)
@group(0) @binding(7) var<storage, read_write> delta: array<f32>;  // (B, NH, T): Σ_d dout·out per row
@group(0) @binding(8) var<storage, read_write> dqkv: array<f32>;   // (B, T, 3C), overwritten
@group(0) @binding(9) var<storage, read> saved_delta: array<f32>;  // (B, NH, T)

struct Row { b: u32, h: u32, t: u32, valid: bool }

fn row_of(gid: vec3<u32>) -> Row {
    let i = gid.x;
    let t = i % p.t;
    let bh = i / p.t;
    return Row(bh / p.nh, bh % p.nh, t, i < p.b * p.nh * p.t);
}

// Index of channel d of part (0 = q, 1 = k, 2 = v) of head h at (b, t) in qkv.
fn at(part: u32, b: u32, t: u32, h: u32, d: u32) -> u32 {
    return (b * p.t + t) * 3u * p.c + part * p.c + h * HS + d;
}

// Copies this thread's own row (part, b, t, h) into private memory: it is read once per row of the loop over
// the other rows, and from global memory those reads are strided 3C apart across a warp's threads.
fn load_row(row: ptr<function, array<f32, MAX_HS>>, part: u32, b: u32, t: u32, h: u32) {
    let o = at(part, b, t, h, 0u);
    for (var d = 0u; d < HS; d++) { (*row)[d] = qkv[o + d]; }
}

// x · (part of head h at (b, t)): the other rows are the same for every thread of a workgroup, so these
// reads are broadcasts.
fn dot_row(x: ptr<function, array<f32, MAX_HS>>, part: u32, b: u32, t: u32, h: u32) -> f32 {
    let o = at(part, b, t, h, 0u);
    var s = 0.0;
    for (var d = 0u; d < HS; d++) { s += (*x)[d] * qkv[o + d]; }
    return s;
}

// acc = acc · keep + w · (part of head h at (b, t)).
fn axpy_row(acc: ptr<function, array<f32, MAX_HS>>, keep: f32, w: f32, part: u32, b: u32, t: u32, h: u32) {
    let o = at(part, b, t, h, 0u);
    for (var d = 0u; d < HS; d++) { (*acc)[d] = (*acc)[d] * keep + w * qkv[o + d]; }
}

@compute @workgroup_size(64)
fn attention_forward(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = row_of(gid);
    if (!r.valid) { return; }
    var q: array<f32, MAX_HS>;
    load_row(&q, 0u, r.b, r.t, r.h);
    var acc: array<f32, MAX_HS>;
    var m = -3.0e38;
    var l = 0.0;
    for (var j = 0u; j <= r.t; j++) {
        let s = dot_row(&q, 1u, r.b, j, r.h) * p.scale;
        let m_new = max(m, s);
        let correction = exp(m - m_new);
        let w = exp(s - m_new);
        l = l * correction + w;
        axpy_row(&acc, correction, w, 2u, r.b, j, r.h);
        m = m_new;
    }
    let o = (r.b * p.t + r.t) * p.c + r.h * HS;
    for (var d = 0u; d < HS; d++) { out[o + d] = acc[d] / l; }
    lse[(r.b * p.nh + r.h) * p.t + r.t] = m + log(l);
}

// Pass 1, per query row i: delta_i = dout_i · out_i; dq_i = scale · Σ_j p_ij (dout_i · v_j − delta_i) k_j.
@compute @workgroup_size(64)
fn attention_backward_dq(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = row_of(gid);
    if (!r.valid) { return; }
    let o = (r.b * p.t + r.t) * p.c + r.h * HS;
    var g: array<f32, MAX_HS>; // dout_i
    var dl = 0.0;
    for (var d = 0u; d < HS; d++) {
        g[d] = dout[o + d];
        dl += g[d] * saved_out[o + d];
    }
    let row = (r.b * p.nh + r.h) * p.t + r.t;
    delta[row] = dl;
    let lse_i = saved_lse[row];
    var q: array<f32, MAX_HS>;
    load_row(&q, 0u, r.b, r.t, r.h);
    var dq: array<f32, MAX_HS>;
    for (var j = 0u; j <= r.t; j++) {
        let prob = exp(dot_row(&q, 1u, r.b, j, r.h) * p.scale - lse_i);
        let ds = prob * (dot_row(&g, 2u, r.b, j, r.h) - dl) * p.scale;
        axpy_row(&dq, 1.0, ds, 1u, r.b, j, r.h);
    }
    for (var d = 0u; d < HS; d++) { dqkv[at(0u, r.b, r.t, r.h, d)] = dq[d]; }
}

// Pass 2, per key row j: dk_j = scale · Σ_{i≥j} p_ij (dout_i · v_j − delta_i) q_i; dv_j = Σ_{i≥j} p_ij dout_i.
@compute @workgroup_size(64)
fn attention_backward_dkv(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = row_of(gid);
    if (!r.valid) { return; }
    let j = r.t;
    var k: array<f32, MAX_HS>;
    var v: array<f32, MAX_HS>;
    load_row(&k, 1u, r.b, j, r.h);
    load_row(&v, 2u, r.b, j, r.h);
    var dk: array<f32, MAX_HS>;
    var dv: array<f32, MAX_HS>;
    for (var i = j; i < p.t; i++) {
        let row = (r.b * p.nh + r.h) * p.t + i;
        let prob = exp(dot_row(&k, 0u, r.b, i, r.h) * p.scale - saved_lse[row]);
        let o = (r.b * p.t + i) * p.c + r.h * HS;
        var dp = 0.0;
        for (var d = 0u; d < HS; d++) { dp += dout[o + d] * v[d]; }
        let ds = prob * (dp - saved_delta[row]) * p.scale;
        axpy_row(&dk, 1.0, ds, 0u, r.b, i, r.h);
        for (var d = 0u; d < HS; d++) { dv[d] += prob * dout[o + d]; }
    }
    for (var d = 0u; d < HS; d++) {
        dqkv[at(1u, r.b, j, r.h, d)] = dk[d];
        dqkv[at(2u, r.b, j, r.h, d)] = dv[d];
    }
}
