// Column sums over rows: the bias gradient of a linear layer and LayerNorm's weight and bias gradients.
//
// dbias[c] += Σ_rows dout[row, c]; LayerNorm: dweight[c] += Σ_rows dout · (x − mean) · rstd, dbias[c] += Σ_rows dout.
// A workgroup of RED_WG threads owns SUM_COLS adjacent columns: thread f (lane_flat) takes column f % SUM_COLS and
// rows f / SUM_COLS, + RED_WG / SUM_COLS, ..., so neighbouring threads read neighbouring addresses (one 32-byte
// sector per row) and no thread walks all B·T rows alone; the per-column totals of its 32 row lanes then come from
// col_sum2 (subgroup shuffles, or a tree in workgroup memory: the prelude reduce.rs prepends). Each output value
// has one writer, so no atomics and the same sum order every run.

struct Params {
    rows: u32, cols: u32, src_off: u32, w_off: u32, // w_off: where dbias (bias_backward) or dweight (LayerNorm) goes
    b_off: u32, has_bias: u32, _p0: u32, _p1: u32,  // LayerNorm's dbias, when it has a bias
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // (rows, cols) from src_off
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;  // accumulated into at w_off (and b_off)
@group(0) @binding(3) var<storage, read> inp: array<f32>;          // (rows, cols) LayerNorm's input
@group(0) @binding(4) var<storage, read> saved_mean: array<f32>;   // (rows)
@group(0) @binding(5) var<storage, read> saved_rstd: array<f32>;   // (rows)

const RED_WG: u32 = 256u;
const SUM_COLS: u32 = 8u; // SUM_COLS in colsum.rs, which sizes the dispatch

@compute @workgroup_size(RED_WG)
fn bias_backward(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
    let f = lane_flat(lane);
    let col = (wg.y * n.x + wg.x) * SUM_COLS + f % SUM_COLS;
    var acc = vec2<f32>(0.0);
    if (col < p.cols) {
        for (var row = f / SUM_COLS; row < p.rows; row += RED_WG / SUM_COLS) {
            acc.x += dout[p.src_off + row * p.cols + col];
        }
    }
    let total = col_sum2(lane, acc, SUM_COLS);
    if (f < SUM_COLS && col < p.cols) { grads[p.w_off + col] += total.x; }
}

@compute @workgroup_size(RED_WG)
fn layernorm_backward_params(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>,
                             @builtin(num_workgroups) n: vec3<u32>) {
    let f = lane_flat(lane);
    let col = (wg.y * n.x + wg.x) * SUM_COLS + f % SUM_COLS;
    var acc = vec2<f32>(0.0); // (dweight, dbias)
    if (col < p.cols) {
        for (var row = f / SUM_COLS; row < p.rows; row += RED_WG / SUM_COLS) {
            let at = row * p.cols + col;
            let d = dout[p.src_off + at];
            acc += vec2<f32>(d * (inp[at] - saved_mean[row]) * saved_rstd[row], d);
        }
    }
    let total = col_sum2(lane, acc, SUM_COLS);
    if (f < SUM_COLS && col < p.cols) {
        grads[p.w_off + col] += total.x;
        if (p.has_bias == 1u) { grads[p.b_off + col] += total.y; }
    }
}
