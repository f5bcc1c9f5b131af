// LayerNorm over the last dimension (eps 1e-5, as torch.nn.LayerNorm): forward and the input gradient.
//
// One workgroup of RED_WG threads per row: the threads stride over the row's C values and the row's sums are
// block reductions (prelude reduce_subgroup.wgsl or reduce_workgroup.wgsl, prepended by reduce.rs), so a row costs
// C / RED_WG loads per thread plus two barriers per reduction instead of one thread walking C values three times.
// Forward takes the mean and then the variance around it (two passes, as the CPU reference) and saves mean and
// 1/std per row for the backward. The weight and bias gradients sum over rows: colsum.wgsl, with the bias sums.

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
@group(0) @binding(9) var<storage, read> saved_mean: array<f32>;   // (rows), forward's mean
@group(0) @binding(10) var<storage, read> saved_rstd: array<f32>;  // (rows), forward's rstd

const RED_WG: u32 = 128u; // ROW_THREADS in layernorm.rs

@compute @workgroup_size(RED_WG)
fn layernorm_forward(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
    let row = wg.y * n.x + wg.x;
    if (row >= p.rows) { return; } // the whole workgroup: barriers stay in uniform control flow
    let base = row * p.c;
    var s = 0.0;
    for (var i = lane.index; i < p.c; i += RED_WG) { s += inp[base + i]; }
    let m = block_sum(lane, s) / f32(p.c);
    var v = 0.0;
    for (var i = lane.index; i < p.c; i += RED_WG) { let d = inp[base + i] - m; v += d * d; }
    let r = 1.0 / sqrt(block_sum(lane, v) / f32(p.c) + 1e-5);
    for (var i = lane.index; i < p.c; i += RED_WG) {
        var y = (inp[base + i] - m) * r * params[p.w_off + i];
        if (p.has_bias == 1u) { y += params[p.b_off + i]; }
        out[base + i] = y;
    }
    if (lane.index == 0u) {
        mean[row] = m;
        rstd[row] = r;
    }
}

// dinp += rstd · (dnorm − mean(dnorm) − norm · mean(dnorm · norm)), dnorm = dout · weight: both means in one
// two-component reduction.
@compute @workgroup_size(RED_WG)
fn layernorm_backward_input(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>,
                            @builtin(num_workgroups) n: vec3<u32>) {
    let row = wg.y * n.x + wg.x;
    if (row >= p.rows) { return; }
    let base = row * p.c;
    let m = saved_mean[row];
    let r = saved_rstd[row];
    var acc = vec2<f32>(0.0);
    for (var i = lane.index; i < p.c; i += RED_WG) {
        let norm = (inp[base + i] - m) * r;
        let dnorm = dout[base + i] * params[p.w_off + i];
        acc += vec2<f32>(dnorm, dnorm * norm);
    }
    let means = block_sum2(lane, acc) / f32(p.c);
    for (var i = lane.index; i < p.c; i += RED_WG) {
        let norm = (inp[base + i] - m) * r;
        let dnorm = dout[base + i] * params[p.w_off + i];
        dinp[base + i] += (dnorm - means.x - norm * means.y) * r;
    }
}
