// Fused softmax + cross-entropy over the vocabulary, one workgroup per position.
//
// losses[i] = logsumexp(logits[i]) − logits[i, target]. With write_grad = 1 the logits are replaced in place by
// their gradient, (softmax − onehot) / rows, which is what the LM head's backward reads (llm.c's fused classifier):
// the full probability matrix is never stored separately. The RED_WG threads of a row stride over its V logits;
// the row's maximum and Σ exp are block reductions (prelude from reduce.rs: subgroups or workgroup memory).

struct Params {
    rows: u32, v: u32, write_grad: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;  // (rows, V)
@group(0) @binding(2) var<storage, read> targets: array<u32>;       // (rows)
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;  // (rows)

const RED_WG: u32 = 128u; // ROW_THREADS in crossentropy.rs

@compute @workgroup_size(RED_WG)
fn crossentropy_forward_backward(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>,
                                 @builtin(num_workgroups) n: vec3<u32>) {
    let row = wg.y * n.x + wg.x;
    if (row >= p.rows) { return; } // the whole workgroup: barriers stay in uniform control flow
    let base = row * p.v;
    let tgt = targets[row];
    // Read before the reductions' barriers: past them other threads overwrite the logits with gradients.
    let target_logit = logits[base + tgt];
    var mx = target_logit;
    for (var i = lane.index; i < p.v; i += RED_WG) { mx = max(mx, logits[base + i]); }
    let m = block_max(lane, mx);
    var s = 0.0;
    for (var i = lane.index; i < p.v; i += RED_WG) { s += exp(logits[base + i] - m); }
    let sum = block_sum(lane, s);
    if (lane.index == 0u) { losses[row] = log(sum) + m - target_logit; }
    if (p.write_grad == 1u) {
        let scale = 1.0 / f32(p.rows);
        for (var i = lane.index; i < p.v; i += RED_WG) {
            let prob = exp(logits[base + i] - m) / sum;
            logits[base + i] = (prob - select(0.0, 1.0, i == tgt)) * scale;
        }
    }
}
