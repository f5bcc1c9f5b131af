// Tiled, register-blocked matrix multiply: C[b] (=|+=) A[b] · B[b] (+ bias) (+ addend), for every batch b.
// (The bias gradient, a column sum, is in colsum.wgsl.)
//
// A, B and C are addressed through row/column strides and element offsets, so one kernel covers
// A·B, A·Bᵀ and Aᵀ·B (nn.Linear's forward, input gradient and weight gradient) without copies,
// and works on slices of larger buffers (one layer's weights inside the parameter buffer).
// The optional addend fuses the residual connection into the projection that feeds it.
// Each workgroup computes a 64×64 tile of C; each of its 16×16 threads a 4×4 block. Sizes that are
// not multiples of the tile are handled by zero-padding the loads and guarding the stores.

struct Params {
    m: u32, n: u32, k: u32, accumulate: u32,   // C is m×n, inner dimension k; accumulate: 1 adds into C
    a_off: u32, a_row: u32, a_col: u32, a_batch: u32,
    b_off: u32, b_row: u32, b_col: u32, b_batch: u32,
    c_off: u32, c_batch: u32, bias_off: u32, has_bias: u32,
    addend_off: u32, has_addend: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // (n,), read only when has_bias = 1
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var<storage, read> addend: array<f32>;   // laid out as C, read only when has_addend = 1

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> a_tile: array<f32, 1024>; // (TK, TM): a_tile[kk * TM + row]
var<workgroup> b_tile: array<f32, 1024>; // (TK, TN): b_tile[kk * TN + col]

@compute @workgroup_size(16, 16, 1)
fn matmul(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let batch = wg.z;
    let row0 = wg.y * TM;
    let col0 = wg.x * TN;
    let a_base = p.a_off + batch * p.a_batch;
    let b_base = p.b_off + batch * p.b_batch;

    // Four rows of four columns each, as vectors: fully unrolled, no dynamically indexed private array,
    // which compilers for CPUs (lavapipe, SwiftShader) would otherwise keep in memory instead of registers.
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var t = 0u; t < p.k; t += TK) {
        for (var i = 0u; i < 4u; i++) {
            let idx = li + i * 256u;
            // Consecutive threads walk the operand's contiguous dimension, so loads coalesce either way.
            var r = idx / TK;
            var kk = idx % TK;
            if (p.a_col != 1u) { kk = idx / TM; r = idx % TM; }
            var av = 0.0;
            if (row0 + r < p.m && t + kk < p.k) {
                av = a[a_base + (row0 + r) * p.a_row + (t + kk) * p.a_col];
            }
            a_tile[kk * TM + r] = av;

            var kb = idx / TN;
            var cc = idx % TN;
            if (p.b_col != 1u) { cc = idx / TK; kb = idx % TK; }
            var bv = 0.0;
            if (t + kb < p.k && col0 + cc < p.n) {
                bv = b[b_base + (t + kb) * p.b_row + (col0 + cc) * p.b_col];
            }
            b_tile[kb * TN + cc] = bv;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk++) {
            let ao = kk * TM + lid.y;
            let bo = kk * TN + lid.x;
            let av = vec4<f32>(a_tile[ao], a_tile[ao + 16u], a_tile[ao + 32u], a_tile[ao + 48u]);
            let bv = vec4<f32>(b_tile[bo], b_tile[bo + 16u], b_tile[bo + 32u], b_tile[bo + 48u]);
            acc0 = fma(vec4<f32>(av.x), bv, acc0);
            acc1 = fma(vec4<f32>(av.y), bv, acc1);
            acc2 = fma(vec4<f32>(av.z), bv, acc2);
            acc3 = fma(vec4<f32>(av.w), bv, acc3);
        }
        workgroupBarrier();
    }

    let c_base = p.c_off + batch * p.c_batch;
    store_row(c_base, row0 + lid.y, col0 + lid.x, batch, acc0);
    store_row(c_base, row0 + lid.y + 16u, col0 + lid.x, batch, acc1);
    store_row(c_base, row0 + lid.y + 32u, col0 + lid.x, batch, acc2);
    store_row(c_base, row0 + lid.y + 48u, col0 + lid.x, batch, acc3);
}

// Writes one thread's four values of a row (columns col, col + 16, col + 32, col + 48) with the epilogue:
// bias, fused residual (addend) and accumulation.
fn store_row(c_base: u32, row: u32, col: u32, batch: u32, v: vec4<f32>) {
    if (row >= p.m) { return; }
    for (var j = 0u; j < 4u; j++) {
        let cj = col + j * 16u;
        if (cj < p.n) {
            var x = v[j];
            if (p.has_bias == 1u) {
                x += bias[p.bias_off + cj];
            }
            let at = c_base + row * p.n + cj;
            if (p.has_addend == 1u) {
                x += addend[p.addend_off + batch * p.c_batch + row * p.n + cj];
            }
            if (p.accumulate == 1u) {
                x += c[at];
            }
            c[at] = x;
        }
    }
}
