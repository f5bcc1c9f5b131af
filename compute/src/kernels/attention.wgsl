// Causal multi-head self-attention as tiled flash attention (FlashAttention-2's schedule), forward and backward.
//
// Layout: nanoGPT's fused qkv (B, T, 3C), q = channels [0, C), k = [C, 2C), v = [2C, 3C); head h owns channels
// h·hs .. (h+1)·hs. The forward saves only each row's log-sum-exp (B, NH, T), never the (T, T) attention matrix;
// the backward recomputes the probabilities from q, k and it.
//
// Schedule: rows and keys go in blocks of BLK = 32, one workgroup of 128 threads (16 × 8) per (batch, head,
// block). A 32 × 32 score tile is a small GEMM over the head dimension: q and k rows are staged in workgroup
// memory DC = 8 channels at a time, and each thread keeps a 2 × 4 micro-tile of scores in registers (rows ty,
// ty+16; columns tx, tx+8, tx+16, tx+24), so each value read from workgroup memory feeds 2 or 4 FMAs. The
// probabilities go through workgroup memory once; the (rows × hs) accumulators stay in registers, a thread
// owning rows ty, ty+16 and channels tx, tx+8, ...; the rows they multiply (v, k, q or dout) are staged RC1 or
// RC2 whole rows at a time. Blocks above the diagonal are skipped; only diagonal blocks need the mask.
// - forward: per query block, loop over key blocks j ≤ i with an online softmax (running max m, sum l).
// - backward_dq: per query block: delta_i = dout_i · out_i first (its own rows), then loop over key blocks
//   j ≤ i: dq_i += scale · Σ_j p_ij (dout_i · v_j − delta_i) k_j. Writes delta for the next pass.
// - backward_dkv: per key block, loop over query blocks i ≥ j: dv_j += Σ_i p_ij dout_i and
//   dk_j += scale · Σ_i p_ij (dout_i · v_j − delta_i) q_i.
// So every gradient element has exactly one writer: no atomics, the same bits every run. The two backward
// passes recompute the scores (7 products of the 5 of FlashAttention-2, whose dq uses atomics).
// Workgroup memory: one 4096-float array (16 KiB, WebGPU's default limit): staging at [0, 2048), the tiles of
// probabilities or their gradients at [2048, 3072) and [3072, 4096), rows swizzled (column c ^ row) so that
// both a row's and a column's reads hit 32 distinct banks.

const MAX_HS: u32 = 128u;
// The head size, fixed when the pipeline is made (attention.rs builds one set per head size): every loop then
// has a constant trip count, so a compiler can unroll it and keep the per-thread arrays in registers.
override HS: u32;
// Channels per thread of a row's accumulator (tx, tx+8, ...) and its bound.
override U: u32 = (HS + 7u) / 8u;
const MAX_U: u32 = MAX_HS / 8u;
// Whole rows staged at once for the accumulating products: RC1 · HS ≤ 2048 (one matrix), RC2 · HS ≤ 1024 (two).
// Powers of two dividing BLK, set by attention.rs.
override RC1: u32 = 32u;
override RC2: u32 = 32u;

const BLK: u32 = 32u;
const WG: u32 = 128u;
const DC: u32 = 8u;
const CS: u32 = 9u;       // row stride of a staged chunk: DC + 1, so the 8 rows a warp reads sit in distinct banks
const CHUNK: u32 = 288u;  // BLK · CS
const T1: u32 = 2048u;    // probabilities (forward, dkv) or score gradients (dq)
const T2: u32 = 3072u;    // score gradients (dkv)
const NEG: f32 = -3.0e38; // a finite -∞: exp(NEG - NEG) = 1 keeps padding rows free of NaN

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

// Index of channel d of part (0 = q, 1 = k, 2 = v) of head h at (b, t) in qkv.
fn at(part: u32, hd: Head, t: u32, d: u32) -> u32 {
    return (hd.b * p.t + t) * 3u * p.c + part * p.c + hd.h * HS + d;
}

// Index of channel d of head h at (b, t) in a (B, T, C) tensor.
fn at_c(hd: Head, t: u32, d: u32) -> u32 {
    return (hd.b * p.t + t) * p.c + hd.h * HS + d;
}

// Index of row r, column c of a 32 × 32 tile, swizzled.
fn sw(r: u32, c: u32) -> u32 {
    return r * BLK + (c ^ r);
}

// Stages channels d0 .. d0+DC of rows row0 .. row0+BLK of a qkv part at sm[dst], zero past T and HS.
fn chunk_qkv(dst: u32, part: u32, hd: Head, row0: u32, d0: u32, tid: u32) {
    for (var k = 0u; k < BLK * DC / WG; k++) {
        let e = tid + k * WG;
        let t = row0 + e / DC;
        let d = d0 + e % DC;
        var v = 0.0;
        if (t < p.t && d < HS) { v = qkv[at(part, hd, t, d)]; }
        sm[dst + (e / DC) * CS + e % DC] = v;
    }
}

// chunk_qkv for dout.
fn chunk_dout(dst: u32, hd: Head, row0: u32, d0: u32, tid: u32) {
    for (var k = 0u; k < BLK * DC / WG; k++) {
        let e = tid + k * WG;
        let t = row0 + e / DC;
        let d = d0 + e % DC;
        var v = 0.0;
        if (t < p.t && d < HS) { v = dout[at_c(hd, t, d)]; }
        sm[dst + (e / DC) * CS + e % DC] = v;
    }
}

// Stages `rows` whole rows (HS channels each, packed) of a qkv part from row0 at sm[dst], zero past T.
fn rows_qkv(dst: u32, part: u32, hd: Head, row0: u32, rows: u32, tid: u32) {
    for (var k = 0u; k < (rows * HS + WG - 1u) / WG; k++) {
        let e = tid + k * WG;
        let t = row0 + e / HS;
        if (e < rows * HS) {
            var v = 0.0;
            if (t < p.t) { v = qkv[at(part, hd, t, e % HS)]; }
            sm[dst + e] = v;
        }
    }
}

// rows_qkv for dout.
fn rows_dout(dst: u32, hd: Head, row0: u32, rows: u32, tid: u32) {
    for (var k = 0u; k < (rows * HS + WG - 1u) / WG; k++) {
        let e = tid + k * WG;
        let t = row0 + e / HS;
        if (e < rows * HS) {
            var v = 0.0;
            if (t < p.t) { v = dout[at_c(hd, t, e % HS)]; }
            sm[dst + e] = v;
        }
    }
}

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
    var acc: array<array<f32, MAX_U>, 2>;
    var m = array<f32, 2>(NEG, NEG);
    var l = array<f32, 2>(0.0, 0.0);
    for (var jb = 0u; jb <= blk; jb++) {
        let j0 = jb * BLK;
        var s: array<array<f32, 4>, 2>;
        for (var d0 = 0u; d0 < HS; d0 += DC) {
            chunk_qkv(0u, 0u, hd, i0, d0, tid);
            chunk_qkv(CHUNK, 1u, hd, j0, d0, tid);
            workgroupBarrier();
            for (var dd = 0u; dd < DC; dd++) {
                let q0 = sm[ty * CS + dd];
                let q1 = sm[(ty + 16u) * CS + dd];
                for (var b = 0u; b < 4u; b++) {
                    let kv = sm[CHUNK + (tx + 8u * b) * CS + dd];
                    s[0][b] += q0 * kv;
                    s[1][b] += q1 * kv;
                }
            }
            workgroupBarrier();
        }
        for (var a = 0u; a < 2u; a++) {
            let r = i0 + ty + 16u * a;
            for (var b = 0u; b < 4u; b++) {
                let x = select(NEG, s[a][b] * p.scale, j0 + tx + 8u * b <= r && r < p.t);
                s[a][b] = x;
                sm[T1 + sw(ty + 16u * a, tx + 8u * b)] = x;
            }
        }
        workgroupBarrier();
        // Online softmax: every thread of a row reads the whole row's scores for the new running max.
        for (var a = 0u; a < 2u; a++) {
            var mt = NEG;
            for (var c = 0u; c < BLK; c++) { mt = max(mt, sm[T1 + sw(ty + 16u * a, c)]); }
            let mn = max(m[a], mt);
            let corr = exp(m[a] - mn);
            l[a] *= corr;
            for (var u = 0u; u < U; u++) { acc[a][u] *= corr; }
            m[a] = mn;
        }
        workgroupBarrier();
        for (var a = 0u; a < 2u; a++) {
            let r = i0 + ty + 16u * a;
            for (var b = 0u; b < 4u; b++) {
                let valid = j0 + tx + 8u * b <= r && r < p.t;
                sm[T1 + sw(ty + 16u * a, tx + 8u * b)] = select(0.0, exp(s[a][b] - m[a]), valid);
            }
        }
        // acc += P · V, V staged RC1 rows at a time (the barrier after staging also publishes P).
        for (var c0 = 0u; c0 < BLK; c0 += RC1) {
            rows_qkv(0u, 2u, hd, j0 + c0, RC1, tid);
            workgroupBarrier();
            for (var c = 0u; c < RC1; c++) {
                for (var a = 0u; a < 2u; a++) {
                    let w = sm[T1 + sw(ty + 16u * a, c0 + c)];
                    l[a] += w;
                    for (var u = 0u; u < U; u++) { acc[a][u] += w * sm[c * HS + tx + 8u * u]; }
                }
            }
            workgroupBarrier();
        }
    }
    for (var a = 0u; a < 2u; a++) {
        let r = i0 + ty + 16u * a;
        if (r < p.t) {
            for (var u = 0u; u < U; u++) {
                let d = tx + 8u * u;
                if (d < HS) { out[at_c(hd, r, d)] = acc[a][u] / l[a]; }
            }
            if (tx == 0u) { lse[(hd.b * p.nh + hd.h) * p.t + r] = m[a] + log(l[a]); }
        }
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
    let rows = (hd.b * p.nh + hd.h) * p.t;
    // delta: each thread sums its channels of its two rows, then every thread of a row adds the 8 partial sums.
    for (var a = 0u; a < 2u; a++) {
        let r = i0 + ty + 16u * a;
        var part = 0.0;
        if (r < p.t) {
            for (var u = 0u; u < U; u++) {
                let d = tx + 8u * u;
                if (d < HS) { part += dout[at_c(hd, r, d)] * saved_out[at_c(hd, r, d)]; }
            }
        }
        sm[(ty + 16u * a) * 8u + tx] = part;
    }
    workgroupBarrier();
    var dl: array<f32, 2>;
    var ls: array<f32, 2>;
    for (var a = 0u; a < 2u; a++) {
        let r = i0 + ty + 16u * a;
        for (var x = 0u; x < 8u; x++) { dl[a] += sm[(ty + 16u * a) * 8u + x]; }
        if (r < p.t) {
            ls[a] = saved_lse[rows + r];
            if (tx == 0u) { delta[rows + r] = dl[a]; }
        }
    }
    workgroupBarrier();
    var dq: array<array<f32, MAX_U>, 2>;
    for (var jb = 0u; jb <= blk; jb++) {
        let j0 = jb * BLK;
        var s: array<array<f32, 4>, 2>;
        var dp: array<array<f32, 4>, 2>;
        for (var d0 = 0u; d0 < HS; d0 += DC) {
            chunk_qkv(0u, 0u, hd, i0, d0, tid);
            chunk_qkv(CHUNK, 1u, hd, j0, d0, tid);
            chunk_dout(2u * CHUNK, hd, i0, d0, tid);
            chunk_qkv(3u * CHUNK, 2u, hd, j0, d0, tid);
            workgroupBarrier();
            for (var dd = 0u; dd < DC; dd++) {
                let q0 = sm[ty * CS + dd];
                let q1 = sm[(ty + 16u) * CS + dd];
                let g0 = sm[2u * CHUNK + ty * CS + dd];
                let g1 = sm[2u * CHUNK + (ty + 16u) * CS + dd];
                for (var b = 0u; b < 4u; b++) {
                    let kv = sm[CHUNK + (tx + 8u * b) * CS + dd];
                    let vv = sm[3u * CHUNK + (tx + 8u * b) * CS + dd];
                    s[0][b] += q0 * kv;
                    s[1][b] += q1 * kv;
                    dp[0][b] += g0 * vv;
                    dp[1][b] += g1 * vv;
                }
            }
            workgroupBarrier();
        }
        for (var a = 0u; a < 2u; a++) {
            let r = i0 + ty + 16u * a;
            for (var b = 0u; b < 4u; b++) {
                let valid = j0 + tx + 8u * b <= r && r < p.t;
                let prob = select(0.0, exp(s[a][b] * p.scale - ls[a]), valid);
                sm[T1 + sw(ty + 16u * a, tx + 8u * b)] = prob * (dp[a][b] - dl[a]) * p.scale;
            }
        }
        // dq += dS · K, K staged RC1 rows at a time.
        for (var c0 = 0u; c0 < BLK; c0 += RC1) {
            rows_qkv(0u, 1u, hd, j0 + c0, RC1, tid);
            workgroupBarrier();
            for (var c = 0u; c < RC1; c++) {
                for (var a = 0u; a < 2u; a++) {
                    let w = sm[T1 + sw(ty + 16u * a, c0 + c)];
                    for (var u = 0u; u < U; u++) { dq[a][u] += w * sm[c * HS + tx + 8u * u]; }
                }
            }
            workgroupBarrier();
        }
    }
    for (var a = 0u; a < 2u; a++) {
        let r = i0 + ty + 16u * a;
        for (var u = 0u; u < U; u++) {
            let d = tx + 8u * u;
            if (r < p.t && d < HS) { dqkv[at(0u, hd, r, d)] = dq[a][u]; }
        }
    }
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
    let rows = (hd.b * p.nh + hd.h) * p.t;
    var dk: array<array<f32, MAX_U>, 2>;
    var dv: array<array<f32, MAX_U>, 2>;
    for (var ib = jb; ib < nwg.y; ib++) {
        let i0 = ib * BLK;
        var s: array<array<f32, 4>, 2>;
        var dp: array<array<f32, 4>, 2>;
        for (var d0 = 0u; d0 < HS; d0 += DC) {
            chunk_qkv(0u, 1u, hd, j0, d0, tid);
            chunk_qkv(CHUNK, 0u, hd, i0, d0, tid);
            chunk_qkv(2u * CHUNK, 2u, hd, j0, d0, tid);
            chunk_dout(3u * CHUNK, hd, i0, d0, tid);
            workgroupBarrier();
            for (var dd = 0u; dd < DC; dd++) {
                let k0 = sm[ty * CS + dd];
                let k1 = sm[(ty + 16u) * CS + dd];
                let v0 = sm[2u * CHUNK + ty * CS + dd];
                let v1 = sm[2u * CHUNK + (ty + 16u) * CS + dd];
                for (var b = 0u; b < 4u; b++) {
                    let qv = sm[CHUNK + (tx + 8u * b) * CS + dd];
                    let gv = sm[3u * CHUNK + (tx + 8u * b) * CS + dd];
                    s[0][b] += k0 * qv;
                    s[1][b] += k1 * qv;
                    dp[0][b] += v0 * gv;
                    dp[1][b] += v1 * gv;
                }
            }
            workgroupBarrier();
        }
        for (var a = 0u; a < 2u; a++) {
            let c = j0 + ty + 16u * a;
            for (var b = 0u; b < 4u; b++) {
                let r = i0 + tx + 8u * b;
                var prob = 0.0;
                var ds = 0.0;
                if (c <= r && r < p.t) {
                    prob = exp(s[a][b] * p.scale - saved_lse[rows + r]);
                    ds = prob * (dp[a][b] - saved_delta[rows + r]) * p.scale;
                }
                sm[T1 + sw(ty + 16u * a, tx + 8u * b)] = prob;
                sm[T2 + sw(ty + 16u * a, tx + 8u * b)] = ds;
            }
        }
        // dv += Pᵀ · dout and dk += dSᵀ · Q, dout and Q staged RC2 rows at a time.
        for (var r0 = 0u; r0 < BLK; r0 += RC2) {
            rows_dout(0u, hd, i0 + r0, RC2, tid);
            rows_qkv(1024u, 0u, hd, i0 + r0, RC2, tid);
            workgroupBarrier();
            for (var r = 0u; r < RC2; r++) {
                for (var a = 0u; a < 2u; a++) {
                    let pw = sm[T1 + sw(ty + 16u * a, r0 + r)];
                    let dw = sm[T2 + sw(ty + 16u * a, r0 + r)];
                    for (var u = 0u; u < U; u++) {
                        dv[a][u] += pw * sm[r * HS + tx + 8u * u];
                        dk[a][u] += dw * sm[1024u + r * HS + tx + 8u * u];
                    }
                }
            }
            workgroupBarrier();
        }
    }
    for (var a = 0u; a < 2u; a++) {
        let c = j0 + ty + 16u * a;
        for (var u = 0u; u < U; u++) {
            let d = tx + 8u * u;
            if (c < p.t && d < HS) {
                dqkv[at(1u, hd, c, d)] = dk[a][u];
                dqkv[at(2u, hd, c, d)] = dv[a][u];
            }
        }
    }
}
