// Causal multi-head self-attention as tiled flash attention (FlashAttention-2's schedule), forward and backward.
//
// nanoGPT's fused qkv (B, T, 3C): q = channels [0, C), k = [C, 2C), v = [2C, 3C); head h owns h·hs .. (h+1)·hs.
// The forward saves each row's log-sum-exp (B, NH, T), never the (T, T) matrix; the backward recomputes it.
//
// Rows and keys go in blocks of BLK = 32, one workgroup of 128 threads (ty 0..16 × tx 0..8) per (batch, head,
// block); blocks above the diagonal are skipped, diagonal ones masked. A 32 × 32 score tile is a small GEMM:
// q and k are staged in workgroup memory DC = 8 channels at a time and each thread keeps a 2 × 4 micro-tile
// (rows ty, ty+16; columns tx + 8b) in registers. Probabilities go through workgroup memory once; a thread's
// (2 rows × channels tx + 8u) accumulators stay in registers while the rows they multiply (v, k, q or dout)
// are staged whole, RC1 or RC2 at a time. One thread per row walking earlier rows in global memory, as before,
// was latency-bound (~1% of an H200's FP32 rate).
// - forward: per query block, loop over key blocks j ≤ i with an online softmax (running max m, sum l).
// - backward_dq: per query block, delta_i = dout_i · out_i (written for dkv), then over key blocks j ≤ i:
//   dq_i += scale · Σ_j p_ij (dout_i · v_j − delta_i) k_j.
// - backward_dkv: per key block, over query blocks i ≥ j: dv_j += Σ_i p_ij dout_i, dk_j += scale · Σ_i p_ij
//   (dout_i · v_j − delta_i) q_i.
// Every gradient has one writer (no atomics: the same bits every run), at the price of recomputing the scores
// and dP in dq (7 products against FlashAttention-2's 5). Workgroup memory: one 4096-float array (16 KiB, the
// WebGPU default limit): staging at [0, 2048), 32 × 32 tiles at T1 and T2, swizzled (column c ^ row) so that
// reads along a row or a column hit distinct banks.

// The head size, fixed when the pipeline is made (attention.rs builds one set per head size); HS <= 128.
override HS: u32;
// Accumulator channels per thread (tx + 8u, u < U).
override U: u32 = (HS + 7u) / 8u;
// Whole rows staged at once: RC1 · HS <= 2048 (one matrix), RC2 · HS <= 1024 (two); powers of two from attention.rs.
override RC1: u32 = 32u;
override RC2: u32 = 32u;

const BLK: u32 = 32u;
const WG: u32 = 128u;
const DC: u32 = 8u;
const CS: u32 = 9u;       // row stride of a staged chunk: DC + 1, so the 8 rows a warp reads sit in distinct banks
const CHUNK: u32 = 288u;  // BLK · CS
const T1: u32 = 2048u;    // probabilities (forward, dkv) or score gradients (dq)
const T2: u32 = 3072u;    // score gradients (dkv); row maxima (forward) and delta sums (dq)
const NEG: f32 = -3.0e38; // a finite -∞: exp(NEG - NEG) = 1 keeps padding rows free of NaN
const COLS = vec4(0u, 8u, 16u, 24u);

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

var<workgroup> sm: array<f32, 4096>;

struct Head { b: u32, h: u32 }

// Index of channel d of part (0 = q, 1 = k, 2 = v) of head h at (b, t) in qkv, and in a (B, T, C) tensor.
fn at(part: u32, hd: Head, t: u32, d: u32) -> u32 { return (hd.b * p.t + t) * 3u * p.c + part * p.c + hd.h * HS + d; }
fn at_c(hd: Head, t: u32, d: u32) -> u32 { return (hd.b * p.t + t) * p.c + hd.h * HS + d; }

// Index of row r, column c of a 32 × 32 tile, swizzled.
fn sw(r: u32, c: u32) -> u32 { return r * BLK + (c ^ r); }

// Stages channels d0 .. d0+DC of rows row0 .. row0+BLK of a qkv part (or dout) at sm[dst], zero past T and HS.
fn chunk_qkv(dst: u32, part: u32, hd: Head, row0: u32, d0: u32, tid: u32) {
    for (var k = 0u; k < BLK * DC / WG; k++) { // constant trip counts: unrolled, all loads in flight at once
        let e = tid + k * WG;
        let t = row0 + e / DC;
        let d = d0 + e % DC;
        sm[dst + (e / DC) * CS + e % DC] = select(0.0, qkv[at(part, hd, min(t, p.t - 1u), d)], t < p.t && d < HS);
    }
}
fn chunk_dout(dst: u32, hd: Head, row0: u32, d0: u32, tid: u32) {
    for (var k = 0u; k < BLK * DC / WG; k++) {
        let e = tid + k * WG;
        let t = row0 + e / DC;
        let d = d0 + e % DC;
        sm[dst + (e / DC) * CS + e % DC] = select(0.0, dout[at_c(hd, min(t, p.t - 1u), d)], t < p.t && d < HS);
    }
}

// Stages `rows` whole rows (HS channels each, packed) of a qkv part (or dout) from row0 at sm[dst], zero past T.
fn rows_qkv(dst: u32, part: u32, hd: Head, row0: u32, rows: u32, tid: u32) {
    for (var k = 0u; k < (rows * HS + WG - 1u) / WG; k++) {
        let e = tid + k * WG;
        let t = row0 + e / HS;
        if (e < rows * HS) { sm[dst + e] = select(0.0, qkv[at(part, hd, min(t, p.t - 1u), e % HS)], t < p.t); }
    }
}
fn rows_dout(dst: u32, hd: Head, row0: u32, rows: u32, tid: u32) {
    for (var k = 0u; k < (rows * HS + WG - 1u) / WG; k++) {
        let e = tid + k * WG;
        let t = row0 + e / HS;
        if (e < rows * HS) { sm[dst + e] = select(0.0, dout[at_c(hd, min(t, p.t - 1u), e % HS)], t < p.t); }
    }
}

// A row's accumulator: channels tx + 8u, u = 4k + j, at [k][j]. Indexed only with constants (the U guards fold
// away), so it stays in registers even where a driver does not unroll the loops around it.
alias Acc = array<vec4<f32>, 4>;

// Channels tx + 8(4k + j), j = 0..3, of the row staged at sm[base] (past HS: other values, never stored).
fn row4(base: u32, k: u32, tx: u32) -> vec4<f32> {
    let o = base + 32u * k + tx;
    return vec4(sm[o], sm[o + 8u], sm[o + 16u], sm[o + 24u]);
}

// Channel dd of rows tx, tx+8, tx+16, tx+24 of a chunk staged at sm[base].
fn col4(base: u32, dd: u32, tx: u32) -> vec4<f32> {
    let o = base + tx * CS + dd;
    return vec4(sm[o], sm[o + 8u * CS], sm[o + 16u * CS], sm[o + 24u * CS]);
}

// Columns tx, tx+8, tx+16, tx+24 of row r of the tile at sm[base] = v.
fn put_tile(base: u32, r: u32, tx: u32, v: vec4<f32>) {
    sm[base + sw(r, tx)] = v.x; sm[base + sw(r, tx + 8u)] = v.y;
    sm[base + sw(r, tx + 16u)] = v.z; sm[base + sw(r, tx + 24u)] = v.w;
}

// a0 += w0 · row, a1 += w1 · row, for the row staged at sm[base].
fn axpy2(a0: ptr<function, Acc>, a1: ptr<function, Acc>, w0: f32, w1: f32, base: u32, tx: u32) {
    let r = row4(base, 0u, tx); (*a0)[0] += w0 * r; (*a1)[0] += w1 * r;
    if (U > 4u) { let r = row4(base, 1u, tx); (*a0)[1] += w0 * r; (*a1)[1] += w1 * r; }
    if (U > 8u) { let r = row4(base, 2u, tx); (*a0)[2] += w0 * r; (*a1)[2] += w1 * r; }
    if (U > 12u) { let r = row4(base, 3u, tx); (*a0)[3] += w0 * r; (*a1)[3] += w1 * r; }
}

fn scale_acc(a: ptr<function, Acc>, f: f32) {
    (*a)[0] *= f;
    if (U > 4u) { (*a)[1] *= f; } if (U > 8u) { (*a)[2] *= f; } if (U > 12u) { (*a)[3] *= f; }
}

// Writes the channels of acc[k] (tx + 8(4k + j)) that exist into out or dqkv from index o.
fn out4(o: u32, v: vec4<f32>, k: u32, tx: u32) {
    for (var j = 0u; j < 4u; j++) { if (tx + 32u * k + 8u * j < HS) { out[o + tx + 32u * k + 8u * j] = v[j]; } }
}
fn dqkv4(o: u32, v: vec4<f32>, k: u32, tx: u32) {
    for (var j = 0u; j < 4u; j++) { if (tx + 32u * k + 8u * j < HS) { dqkv[o + tx + 32u * k + 8u * j] = v[j]; } }
}
fn put_out(o: u32, a: ptr<function, Acc>, f: f32, tx: u32) {
    out4(o, (*a)[0] * f, 0u, tx);
    if (U > 4u) { out4(o, (*a)[1] * f, 1u, tx); } if (U > 8u) { out4(o, (*a)[2] * f, 2u, tx); }
    if (U > 12u) { out4(o, (*a)[3] * f, 3u, tx); }
}
fn put_dqkv(o: u32, a: ptr<function, Acc>, tx: u32) {
    dqkv4(o, (*a)[0], 0u, tx);
    if (U > 4u) { dqkv4(o, (*a)[1], 1u, tx); } if (U > 8u) { dqkv4(o, (*a)[2], 2u, tx); }
    if (U > 12u) { dqkv4(o, (*a)[3], 3u, tx); }
}

// Causal mask: keys at or before their query, queries inside T.
fn causal(query: vec4<u32>, key: vec4<u32>) -> vec4<bool> { return (key <= query) & (query < vec4(p.t)); }

fn max4(v: vec4<f32>) -> f32 { return max(max(v.x, v.y), max(v.z, v.w)); }

@compute @workgroup_size(128)
fn attention_forward(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) tid: u32,
) {
    let hd = Head(wid.x / p.nh, wid.x % p.nh);
    let blk = nwg.y - 1u - wid.y; // the longest rows first
    let i0 = blk * BLK;
    let tx = tid % 8u;
    let ty = tid / 8u;
    let r0 = i0 + ty;
    let r1 = r0 + 16u;
    var acc0: Acc;
    var acc1: Acc;
    var m0 = NEG; var m1 = NEG; // running max and sum of each row
    var l0 = 0.0; var l1 = 0.0;
    for (var jb = 0u; jb <= blk; jb++) {
        let j0 = jb * BLK;
        var s0 = vec4(0.0); var s1 = vec4(0.0);
        for (var d0 = 0u; d0 < HS; d0 += DC) {
            chunk_qkv(0u, 0u, hd, i0, d0, tid);
            chunk_qkv(CHUNK, 1u, hd, j0, d0, tid);
            workgroupBarrier();
            for (var dd = 0u; dd < DC; dd++) {
                let k = col4(CHUNK, dd, tx);
                s0 += sm[ty * CS + dd] * k;
                s1 += sm[(ty + 16u) * CS + dd] * k;
            }
            workgroupBarrier();
        }
        let keys = j0 + tx + COLS;
        let ok0 = causal(vec4(r0), keys);
        let ok1 = causal(vec4(r1), keys);
        s0 = select(vec4(NEG), s0 * p.scale, ok0);
        s1 = select(vec4(NEG), s1 * p.scale, ok1);
        // Online softmax: the row's new max from the 8 threads that share it.
        sm[T2 + ty * 8u + tx] = max4(s0);
        sm[T2 + (ty + 16u) * 8u + tx] = max4(s1);
        workgroupBarrier();
        var mt0 = m0;
        var mt1 = m1;
        for (var x = 0u; x < 8u; x++) {
            mt0 = max(mt0, sm[T2 + ty * 8u + x]);
            mt1 = max(mt1, sm[T2 + (ty + 16u) * 8u + x]);
        }
        let c0 = exp(m0 - mt0);
        let c1 = exp(m1 - mt1);
        l0 *= c0; l1 *= c1; m0 = mt0; m1 = mt1;
        scale_acc(&acc0, c0);
        scale_acc(&acc1, c1);
        put_tile(T1, ty, tx, select(vec4(0.0), exp(s0 - m0), ok0));
        put_tile(T1, ty + 16u, tx, select(vec4(0.0), exp(s1 - m1), ok1));
        // acc += P · V, V staged RC1 rows at a time (the barrier after staging also publishes P).
        for (var c0 = 0u; c0 < BLK; c0 += RC1) {
            rows_qkv(0u, 2u, hd, j0 + c0, RC1, tid);
            workgroupBarrier();
            for (var c = 0u; c < RC1; c++) {
                let w0 = sm[T1 + sw(ty, c0 + c)];
                let w1 = sm[T1 + sw(ty + 16u, c0 + c)];
                l0 += w0; l1 += w1;
                axpy2(&acc0, &acc1, w0, w1, c * HS, tx);
            }
            workgroupBarrier();
        }
    }
    let rows = (hd.b * p.nh + hd.h) * p.t;
    if (r0 < p.t) {
        put_out(at_c(hd, r0, 0u), &acc0, 1.0 / l0, tx);
        if (tx == 0u) { lse[rows + r0] = m0 + log(l0); }
    }
    if (r1 < p.t) {
        put_out(at_c(hd, r1, 0u), &acc1, 1.0 / l1, tx);
        if (tx == 0u) { lse[rows + r1] = m1 + log(l1); }
    }
}

// Pass 1, per query block: delta_i = dout_i · out_i; dq_i = scale · Σ_j p_ij (dout_i · v_j − delta_i) k_j.
@compute @workgroup_size(128)
fn attention_backward_dq(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) tid: u32,
) {
    let hd = Head(wid.x / p.nh, wid.x % p.nh);
    let blk = nwg.y - 1u - wid.y;
    let i0 = blk * BLK;
    let tx = tid % 8u;
    let ty = tid / 8u;
    let r0 = i0 + ty;
    let r1 = r0 + 16u;
    let rows = (hd.b * p.nh + hd.h) * p.t;
    // delta: each thread sums its channels of its two rows, then every thread of a row adds the 8 partial sums.
    var part0 = 0.0; var part1 = 0.0;
    for (var u = 0u; u < U; u++) {
        let d = tx + 8u * u;
        if (d < HS && r0 < p.t) { part0 += dout[at_c(hd, r0, d)] * saved_out[at_c(hd, r0, d)]; }
        if (d < HS && r1 < p.t) { part1 += dout[at_c(hd, r1, d)] * saved_out[at_c(hd, r1, d)]; }
    }
    sm[T2 + ty * 8u + tx] = part0;
    sm[T2 + (ty + 16u) * 8u + tx] = part1;
    workgroupBarrier();
    var dl0 = 0.0; var dl1 = 0.0;
    for (var x = 0u; x < 8u; x++) {
        dl0 += sm[T2 + ty * 8u + x];
        dl1 += sm[T2 + (ty + 16u) * 8u + x];
    }
    var ls0 = 0.0; var ls1 = 0.0;
    if (r0 < p.t) {
        ls0 = saved_lse[rows + r0];
        if (tx == 0u) { delta[rows + r0] = dl0; }
    }
    if (r1 < p.t) {
        ls1 = saved_lse[rows + r1];
        if (tx == 0u) { delta[rows + r1] = dl1; }
    }
    var dq0: Acc;
    var dq1: Acc;
    for (var jb = 0u; jb <= blk; jb++) {
        let j0 = jb * BLK;
        var s0 = vec4(0.0); var s1 = vec4(0.0); // scores
        var g0 = vec4(0.0); var g1 = vec4(0.0); // dP = dout · v
        for (var d0 = 0u; d0 < HS; d0 += DC) {
            chunk_qkv(0u, 0u, hd, i0, d0, tid);
            chunk_qkv(CHUNK, 1u, hd, j0, d0, tid);
            chunk_dout(2u * CHUNK, hd, i0, d0, tid);
            chunk_qkv(3u * CHUNK, 2u, hd, j0, d0, tid);
            workgroupBarrier();
            for (var dd = 0u; dd < DC; dd++) {
                let k = col4(CHUNK, dd, tx);
                let v = col4(3u * CHUNK, dd, tx);
                s0 += sm[ty * CS + dd] * k;
                s1 += sm[(ty + 16u) * CS + dd] * k;
                g0 += sm[2u * CHUNK + ty * CS + dd] * v;
                g1 += sm[2u * CHUNK + (ty + 16u) * CS + dd] * v;
            }
            workgroupBarrier();
        }
        let keys = j0 + tx + COLS;
        let p0 = select(vec4(0.0), exp(s0 * p.scale - ls0), causal(vec4(r0), keys));
        let p1 = select(vec4(0.0), exp(s1 * p.scale - ls1), causal(vec4(r1), keys));
        put_tile(T1, ty, tx, p0 * (g0 - dl0) * p.scale);
        put_tile(T1, ty + 16u, tx, p1 * (g1 - dl1) * p.scale);
        // dq += dS · K, K staged RC1 rows at a time.
        for (var c0 = 0u; c0 < BLK; c0 += RC1) {
            rows_qkv(0u, 1u, hd, j0 + c0, RC1, tid);
            workgroupBarrier();
            for (var c = 0u; c < RC1; c++) {
                axpy2(&dq0, &dq1, sm[T1 + sw(ty, c0 + c)], sm[T1 + sw(ty + 16u, c0 + c)], c * HS, tx);
            }
            workgroupBarrier();
        }
    }
    if (r0 < p.t) { put_dqkv(at(0u, hd, r0, 0u), &dq0, tx); }
    if (r1 < p.t) { put_dqkv(at(0u, hd, r1, 0u), &dq1, tx); }
}

// lse or delta of the four queries q (clamped into the row: masked entries ignore the value).
fn lse4(rows: u32, q: vec4<u32>) -> vec4<f32> {
    let i = rows + min(q, vec4(p.t - 1u));
    return vec4(saved_lse[i.x], saved_lse[i.y], saved_lse[i.z], saved_lse[i.w]);
}
fn delta4(rows: u32, q: vec4<u32>) -> vec4<f32> {
    let i = rows + min(q, vec4(p.t - 1u));
    return vec4(saved_delta[i.x], saved_delta[i.y], saved_delta[i.z], saved_delta[i.w]);
}

// Pass 2, per key block: dv_j = Σ_{i≥j} p_ij dout_i; dk_j = scale · Σ_{i≥j} p_ij (dout_i · v_j − delta_i) q_i.
// Here a thread's micro-tile rows are keys (ty, ty+16) and its columns queries (tx + 8b).
@compute @workgroup_size(128)
fn attention_backward_dkv(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) tid: u32,
) {
    let hd = Head(wid.x / p.nh, wid.x % p.nh);
    let jb = wid.y; // key block 0 sees every query block: the longest first
    let j0 = jb * BLK;
    let tx = tid % 8u;
    let ty = tid / 8u;
    let c0 = j0 + ty;
    let c1 = c0 + 16u;
    let rows = (hd.b * p.nh + hd.h) * p.t;
    var dk0: Acc; var dk1: Acc;
    var dv0: Acc; var dv1: Acc;
    for (var ib = jb; ib < nwg.y; ib++) {
        let i0 = ib * BLK;
        var s0 = vec4(0.0); var s1 = vec4(0.0); // scores
        var g0 = vec4(0.0); var g1 = vec4(0.0); // dP = dout · v
        for (var d0 = 0u; d0 < HS; d0 += DC) {
            chunk_qkv(0u, 1u, hd, j0, d0, tid);
            chunk_qkv(CHUNK, 0u, hd, i0, d0, tid);
            chunk_qkv(2u * CHUNK, 2u, hd, j0, d0, tid);
            chunk_dout(3u * CHUNK, hd, i0, d0, tid);
            workgroupBarrier();
            for (var dd = 0u; dd < DC; dd++) {
                let q = col4(CHUNK, dd, tx);
                let o = col4(3u * CHUNK, dd, tx);
                s0 += sm[ty * CS + dd] * q;
                s1 += sm[(ty + 16u) * CS + dd] * q;
                g0 += sm[2u * CHUNK + ty * CS + dd] * o;
                g1 += sm[2u * CHUNK + (ty + 16u) * CS + dd] * o;
            }
            workgroupBarrier();
        }
        let queries = i0 + tx + COLS;
        let ls = lse4(rows, queries);
        let dl = delta4(rows, queries);
        let p0 = select(vec4(0.0), exp(s0 * p.scale - ls), causal(queries, vec4(c0)));
        let p1 = select(vec4(0.0), exp(s1 * p.scale - ls), causal(queries, vec4(c1)));
        put_tile(T1, ty, tx, p0);
        put_tile(T1, ty + 16u, tx, p1);
        put_tile(T2, ty, tx, p0 * (g0 - dl) * p.scale);
        put_tile(T2, ty + 16u, tx, p1 * (g1 - dl) * p.scale);
        // dv += Pᵀ · dout and dk += dSᵀ · Q, dout and Q staged RC2 rows at a time.
        for (var q0 = 0u; q0 < BLK; q0 += RC2) {
            rows_dout(0u, hd, i0 + q0, RC2, tid);
            rows_qkv(1024u, 0u, hd, i0 + q0, RC2, tid);
            workgroupBarrier();
            for (var r = 0u; r < RC2; r++) {
                axpy2(&dv0, &dv1, sm[T1 + sw(ty, q0 + r)], sm[T1 + sw(ty + 16u, q0 + r)], r * HS, tx);
                axpy2(&dk0, &dk1, sm[T2 + sw(ty, q0 + r)], sm[T2 + sw(ty + 16u, q0 + r)], 1024u + r * HS, tx);
            }
            workgroupBarrier();
        }
    }
    if (c0 < p.t) {
        put_dqkv(at(1u, hd, c0, 0u), &dk0, tx);
        put_dqkv(at(2u, hd, c0, 0u), &dv0, tx);
    }
    if (c1 < p.t) {
        put_dqkv(at(1u, hd, c1, 0u), &dk1, tx);
        put_dqkv(at(2u, hd, c1, 0u), &dv1, tx);
    }
}
