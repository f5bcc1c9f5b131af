// Fused softmax + cross-entropy over the vocabulary, one thread per position.
//
// losses[i] = logsumexp(logits[i]) − logits[i, target]. With write_grad = 1 the logits are replaced
// in place by their gradient, (softmax − onehot) / rows, which is what the LM head's backward reads
// (llm.c's fused classifier): the full probability matrix is never stored separately.

struct Params {
    rows: u32, v: u32, write_grad: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;  // (rows, V)
@group(0) @binding(2) var<storage, read> targets: array<u32>;       // (rows)
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;  // (rows)

@compute @workgroup_size(64)
fn crossentropy_forward_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>,
                                 @builtin(local_invocation_index) lid: u32) {
    let row = (wg.y * n.x + wg.x) * 64u + lid;
    if (row >= p.rows) { return; }
    let base = row * p.v;
    var m = logits[base];
    for (var i = 1u; i < p.v; i++) { m = max(m, logits[base + i]); }
    var sum = 0.0;
    for (var i = 0u; i < p.v; i++) { sum += exp(logits[base + i] - m); }
    let tgt = targets[row];
    losses[row] = log(sum) + m - logits[base + tgt];
    if (p.write_grad == 1u) {
        let scale = 1.0 / f32(p.rows);
        for (var i = 0u; i < p.v; i++) {
            let prob = exp(logits[base + i] - m) / sum;
            logits[base + i] = (prob - select(0.0, 1.0, i == tgt)) * scale;
        }
    }
}
