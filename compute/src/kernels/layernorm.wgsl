// LayerNorm over the last dimension (eps 1e-5, as torch.nn.LayerNorm), forward and backward.
//
// Forward saves each row's mean and 1/std for the backward. The backward is split in two so no two
// threads ever write the same value: one thread per row for the input gradient, one workgroup per
// eight channels (summing over rows) for the weight and bias gradients.

struct Params {
    rows: u32, c: u32, w_off: u32, b_off: u32,
    has_bias: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (rows, C)
@group(0) @binding(2) var<storage, read> params: array<f32>;       // weight (C), bias (C) at offsets
@group(0) @binding(3) var<storage, read_write> out: array<f32>;    // (rows, C)
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;   // (rows)
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;   // (rows)
@group(0) @binding(6) var<storage, read> dout: array<f32>;         // (rows, C)
@group(0) @binding(7) var<storage, read_write> dinp: array<f32>;   // (rows, C), accumulated into
@group(0) @binding(8) var<storage, read_write> grads: array<f32>;  // same layout as params
@group(0) @binding(9) var<storage, read> saved_mean: array<f32>;   // (rows), forward's mean
@group(0) @binding(10) var<storage, read> saved_rstd: array<f32>;  // (rows), forward's rstd

fn flat(wg: vec3<u32>, n: vec3<u32>, lid: u32) -> u32 {
    return (wg.y * n.x + wg.x) * 64u + lid;
}

@compute @workgroup_size(64)
fn layernorm_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let row = flat(wg, n, lid);
    if (row >= p.rows) { return; }
    let base = row * p.c;
    var m = 0.0;
    for (var i = 0u; i < p.c; i++) { m += inp[base + i]; }
    m = m / f32(p.c);
    var v = 0.0;
    for (var i = 0u; i < p.c; i++) { let d = inp[base + i] - m; v += d * d; }
    let s = 1.0 / sqrt(v / f32(p.c) + 1e-5);
    for (var i = 0u; i < p.c; i++) {
        var y = (inp[base + i] - m) * s * params[p.w_off + i];
        if (p.has_bias == 1u) { y += params[p.b_off + i]; }
        out[base + i] = y;
    }
    mean[row] = m;
    rstd[row] = s;
}

// dinp += rstd · (dnorm − mean(dnorm) − norm · mean(dnorm · norm)), dnorm = dout · weight.
@compute @workgroup_size(64)
fn layernorm_backward_input(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>,
                            @builtin(local_invocation_index) lid: u32) {
    let row = flat(wg, n, lid);
    if (row >= p.rows) { return; }
    let base = row * p.c;
    let m = saved_mean[row];
    let s = saved_rstd[row];
    var dnorm_mean = 0.0;
    var dnorm_norm_mean = 0.0;
    for (var i = 0u; i < p.c; i++) {
        let norm = (inp[base + i] - m) * s;
        let dnorm = dout[base + i] * params[p.w_off + i];
        dnorm_mean += dnorm;
        dnorm_norm_mean += dnorm * norm;
    }
    dnorm_mean = dnorm_mean / f32(p.c);
    dnorm_norm_mean = dnorm_norm_mean / f32(p.c);
    for (var i = 0u; i < p.c; i++) {
        let norm = (inp[base + i] - m) * s;
        let dnorm = dout[base + i] * params[p.w_off + i];
        dinp[base + i] += (dnorm - dnorm_mean - norm * dnorm_norm_mean) * s;
    }
}

// dweight[c] += Σ_rows dout · norm; dbias[c] += Σ_rows dout. A workgroup owns 8 channels and splits their rows
// among 32 lanes (consecutive threads read consecutive channels), then adds the lanes up in workgroup memory,
// so no thread walks all B·T rows alone.
const SUM_COLS: u32 = 8u; // SUM_COLS in kernels/mod.rs, which sizes the dispatch
const SUM_LANES: u32 = 32u;
var<workgroup> dw_partial: array<f32, 256>; // (SUM_LANES, SUM_COLS)
var<workgroup> db_partial: array<f32, 256>;

@compute @workgroup_size(8, 32, 1)
fn layernorm_backward_params(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let ch = (wg.y * groups.x + wg.x) * SUM_COLS + lid.x;
    var dw = 0.0;
    var db = 0.0;
    if (ch < p.c) {
        for (var row = lid.y; row < p.rows; row += SUM_LANES) {
            let d = dout[row * p.c + ch];
            dw += d * (inp[row * p.c + ch] - saved_mean[row]) * saved_rstd[row];
            db += d;
        }
    }
    let at = lid.y * SUM_COLS + lid.x;
    dw_partial[at] = dw;
    db_partial[at] = db;
    workgroupBarrier();
    for (var span = SUM_LANES / 2u; span > 0u; span /= 2u) {
        if (lid.y < span) {
            dw_partial[at] += dw_partial[at + span * SUM_COLS];
            db_partial[at] += db_partial[at + span * SUM_COLS];
        }
        workgroupBarrier();
    }
    if (lid.y == 0u && ch < p.c) {
        grads[p.w_off + ch] += dw_partial[lid.x];
        if (p.has_bias == 1u) { grads[p.b_off + ch] += db_partial[lid.x]; }
    }
}
