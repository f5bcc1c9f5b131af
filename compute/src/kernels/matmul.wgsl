// Tiled matrix multiply C[b] (=|+=) A[b]·B[b] with a fused epilogue and a split-K summing pass.
// (The bias gradient, a column sum, is in colsum.wgsl.)
//
// A, B and C are addressed through row/column strides and element offsets, so one kernel covers
// A·B, A·Bᵀ and Aᵀ·B (nn.Linear's forward, input gradient and weight gradient) without copies,
// and works on slices of larger buffers (one layer's weights inside the parameter buffer).
// This file is a template: matmul.rs prepends the tile shape (WX×WY threads, each owning an RM×RN block of C,
// TK deep) and expands the `// @...` lines into unrolled code, one module per tile variant, so every
// accumulator is a named vec4 (no private arrays, which CPU and some GPU compilers keep in memory).
// Per K step each thread loads one or more vec4s of each operand tile into registers (a single vec4 load where
// the operand's contiguous dimension is 4-aligned, four guarded scalar loads elsewhere), multiplies the tile
// already in workgroup memory, then stores its registers into the other half of the double-buffered tiles:
// global latency overlaps the arithmetic, and one barrier per step suffices.
// Epilogue: bias, residual addend, accumulation, and exact GELU (forward writes both C and gelu(C); backward
// multiplies by gelu'(pre)). With splits > 1, each split writes its raw partial sum to scratch (C's binding) and
// `split_sum` adds them in a fixed order and runs the epilogue: deterministic, no atomics.

struct Params {
    m: u32, n: u32, k: u32, accumulate: u32,   // C is m×n, inner dimension k; accumulate: 1 adds into C
    a_off: u32, a_row: u32, a_col: u32, a_batch: u32,
    b_off: u32, b_row: u32, b_col: u32, b_batch: u32,
    c_off: u32, c_batch: u32, bias_off: u32, has_bias: u32,
    addend_off: u32, has_addend: u32, act: u32, c2_off: u32, // act: 0 none, 1 GELU forward, 2 GELU backward
    splits: u32, k_chunk: u32, a_vec: u32, b_vec: u32,       // a_vec/b_vec: 1 when vec4 loads are in bounds
    batches: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;        // split_sum: the partial sums
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // (n,), read only when has_bias = 1
@group(0) @binding(4) var<storage, read_write> c: array<f32>;  // with splits > 1: the scratch for partial sums
@group(0) @binding(5) var<storage, read> addend: array<f32>;   // laid out as C: the addend, or GELU's input (act 2)
@group(0) @binding(8) var<storage, read> a4: array<vec4<f32>>; // A again, for vec4 loads (a dummy when a_vec = 0)
@group(0) @binding(9) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> c2: array<f32>; // laid out as C: gelu(C) when act = 1

const TM: u32 = WY * RM;
const TN: u32 = WX * RN;
const NT: u32 = WX * WY;
const A_SLOTS: u32 = TK * TM / 4u; // vec4s in one A tile, (TK, TM/4): slot kk * TM/4 + row/4 holds 4 rows
const B_SLOTS: u32 = TK * TN / 4u;

var<workgroup> a_tile: array<vec4<f32>, 2u * A_SLOTS>; // two buffers: one is read while the next is written
var<workgroup> b_tile: array<vec4<f32>, 2u * B_SLOTS>;

// Slot s of the A tile whose k range starts at t, read along A's contiguous dimension; zero outside the matrix.
fn load_a(base: u32, row0: u32, t: u32, kend: u32, s: u32) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if (p.a_col == 1u) { // along k: one row, four k
        let r = row0 + s / (TK / 4u);
        let kk = t + (s % (TK / 4u)) * 4u;
        let at = base + r * p.a_row + kk;
        if (r < p.m && kk < kend) {
            if (p.a_vec == 1u) {
                v = a4[at / 4u];
            } else {
                for (var q = 0u; q < 4u; q++) { if (kk + q < kend) { v[q] = a[at + q]; } }
            }
        }
    } else { // along m: four rows, one k
        let kk = t + s / (TM / 4u);
        let r = row0 + (s % (TM / 4u)) * 4u;
        let at = base + r * p.a_row + kk * p.a_col;
        if (r < p.m && kk < kend) {
            if (p.a_vec == 1u) {
                v = a4[at / 4u];
            } else {
                for (var q = 0u; q < 4u; q++) { if (r + q < p.m) { v[q] = a[at + q * p.a_row]; } }
            }
        }
    }
    return v;
}

fn store_a(buf: u32, s: u32, v: vec4<f32>) {
    if (p.a_col == 1u) { // transpose four k of one row into four slots
        let r = s / (TK / 4u);
        let at = buf * A_SLOTS + (s % (TK / 4u)) * TM + r / 4u; // slot of (kk, r): kk * TM/4 + r/4, kk = 4·(s % TK/4)
        let q = r % 4u;
        a_tile[at][q] = v.x;
        a_tile[at + TM / 4u][q] = v.y;
        a_tile[at + TM / 2u][q] = v.z;
        a_tile[at + 3u * TM / 4u][q] = v.w;
    } else {
        a_tile[buf * A_SLOTS + s] = v;
    }
}

// Slot s of the B tile (TK, TN), mirroring load_a: along n where B's columns are contiguous, else along k.
fn load_b(base: u32, col0: u32, t: u32, kend: u32, s: u32) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if (p.b_col == 1u) { // along n: one k, four columns
        let kk = t + s / (TN / 4u);
        let cc = col0 + (s % (TN / 4u)) * 4u;
        let at = base + kk * p.b_row + cc;
        if (kk < kend && cc < p.n) {
            if (p.b_vec == 1u) {
                v = b4[at / 4u];
            } else {
                for (var q = 0u; q < 4u; q++) { if (cc + q < p.n) { v[q] = b[at + q]; } }
            }
        }
    } else { // along k: one column, four k
        let cc = col0 + s / (TK / 4u);
        let kk = t + (s % (TK / 4u)) * 4u;
        let at = base + kk * p.b_row + cc * p.b_col;
        if (kk < kend && cc < p.n) {
            if (p.b_vec == 1u) {
                v = b4[at / 4u];
            } else {
                for (var q = 0u; q < 4u; q++) { if (kk + q < kend) { v[q] = b[at + q * p.b_row]; } }
            }
        }
    }
    return v;
}

fn store_b(buf: u32, s: u32, v: vec4<f32>) {
    if (p.b_col == 1u) {
        b_tile[buf * B_SLOTS + s] = v;
    } else {
        let cc = s / (TK / 4u);
        let at = buf * B_SLOTS + (s % (TK / 4u)) * TN + cc / 4u;
        let q = cc % 4u;
        b_tile[at][q] = v.x;
        b_tile[at + TN / 4u][q] = v.y;
        b_tile[at + TN / 2u][q] = v.z;
        b_tile[at + 3u * TN / 4u][q] = v.w;
    }
}

@compute @workgroup_size(WX, WY, 1)
fn matmul(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let batch = wg.z / p.splits;
    let row0 = wg.y * TM;
    let col0 = wg.x * TN;
    let a_base = p.a_off + batch * p.a_batch;
    let b_base = p.b_off + batch * p.b_batch;
    let k0 = (wg.z % p.splits) * p.k_chunk; // this split's range of k
    let k1 = min(p.k, k0 + p.k_chunk);
    let steps = (k1 - k0 + TK - 1u) / TK;
    // @acc
    // @load k0
    // @store 0u
    workgroupBarrier();
    for (var step = 0u; step < steps; step++) {
        let cur = step % 2u;
        let more = step + 1u < steps;
        if (more) {
            let t = k0 + (step + 1u) * TK;
            // @reload t
        }
        for (var kk = 0u; kk < TK; kk++) {
            let ao = cur * A_SLOTS + kk * (TM / 4u) + lid.y;
            let bo = cur * B_SLOTS + kk * (TN / 4u) + lid.x;
            // @fma
        }
        if (more) {
            // @store 1u - cur
        }
        workgroupBarrier();
    }
    // @emit
}

// Four consecutive columns of one row: raw partial sums into scratch with splits > 1, else through the epilogue.
fn emit(z: u32, row: u32, col: u32, v: vec4<f32>) {
    if (row >= p.m || col >= p.n) { return; }
    if (p.splits > 1u) {
        let at = (z * p.m + row) * p.n + col;
        for (var j = 0u; j < min(4u, p.n - col); j++) { c[at + j] = v[j]; }
    } else {
        finish(z, row, col, v);
    }
}

// The epilogue of C[batch][row][col..col + 4] (fewer at the right edge), on vec4s so GELU's erf is inlined once
// per accumulator, not once per value: bias, addend or GELU', accumulation, then C and gelu(C).
fn finish(batch: u32, row: u32, col: u32, acc: vec4<f32>) {
    let count = min(4u, p.n - col);
    let i = batch * p.c_batch + row * p.n + col; // element of C-shaped tensors
    var x = acc;
    var other = vec4<f32>(0.0);
    for (var j = 0u; j < count; j++) {
        if (p.has_bias == 1u) { x[j] += bias[p.bias_off + col + j]; }
        if (p.act == 2u || p.has_addend == 1u) { other[j] = addend[p.addend_off + i + j]; }
    }
    if (p.act == 2u) {
        x *= gelu_grad(other);
    } else {
        x += other;
    }
    for (var j = 0u; j < count; j++) {
        if (p.accumulate == 1u) { x[j] += c[p.c_off + i + j]; }
        c[p.c_off + i + j] = x[j];
    }
    if (p.act == 1u) {
        let y = gelu(x);
        for (var j = 0u; j < count; j++) { c2[p.c2_off + i + j] = y[j]; }
    }
}

// Second pass of a split-K multiply: one thread per 4 columns of C sums the splits' partials (binding a) in order.
@compute @workgroup_size(256)
fn split_sum(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let i = (wg.y * groups.x + wg.x) * 256u + li;
    let quads = (p.n + 3u) / 4u;
    if (i >= p.batches * p.m * quads) { return; }
    let batch = i / (p.m * quads);
    let row = (i / quads) % p.m;
    let col = (i % quads) * 4u;
    var x = vec4<f32>(0.0);
    for (var s = 0u; s < p.splits; s++) {
        let at = ((batch * p.splits + s) * p.m + row) * p.n + col;
        for (var j = 0u; j < min(4u, p.n - col); j++) { x[j] += a[at + j]; }
    }
    finish(batch, row, col, x);
}

// Exact GELU, as PyTorch's nn.GELU(): x · Φ(x) = 0.5 · x · (1 + erf(x / √2)).
fn gelu(x: vec4<f32>) -> vec4<f32> {
    return 0.5 * x * (1.0 + erf(x * 0.70710678118654752));
}

// d/dx [x Φ(x)] = Φ(x) + x φ(x).
fn gelu_grad(x: vec4<f32>) -> vec4<f32> {
    let cdf = 0.5 * (1.0 + erf(x * 0.70710678118654752));
    return cdf + x * exp(-0.5 * x * x) * 0.39894228040143268;
}

// erf with |error| < 1.2e-7: Numerical Recipes' erfc Chebyshev fit (erfcc), exact enough for 1e-5 GELU.
fn erf(x: vec4<f32>) -> vec4<f32> {
    let z = abs(x);
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return select(r - 1.0, 1.0 - r, x >= vec4<f32>(0.0));
}
