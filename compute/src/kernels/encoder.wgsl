// Token + position embedding, forward and backward.
//
// Forward: out[b,t,:] = wte[tokens[b,t], :] + wpe[t, :].
// Backward is a scatter-add into wte, which races when a token repeats. Instead of atomics, the
// host uploads the batch's positions bucketed by token id (order, starts), so one thread per
// (token, channel) sums its own bucket: deterministic and O(B·T·C).

struct Params {
    bt: u32, t: u32, c: u32, vocab: u32,
    wte_off: u32, wpe_off: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;       // (B*T)
@group(0) @binding(2) var<storage, read> params: array<f32>;       // wte (V, C), wpe (n_ctx, C) at offsets
@group(0) @binding(3) var<storage, read_write> out: array<f32>;    // (B*T, C)
@group(0) @binding(4) var<storage, read> dout: array<f32>;         // (B*T, C)
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;  // same layout as params
@group(0) @binding(6) var<storage, read> order: array<u32>;        // (B*T) positions sorted by token
@group(0) @binding(7) var<storage, read> starts: array<u32>;       // (V+1) bucket starts into order

fn flat(wg: vec3<u32>, n: vec3<u32>, lid: u32) -> u32 {
    return (wg.y * n.x + wg.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn encoder_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, n, lid);
    if (i >= p.bt * p.c) { return; }
    let row = i / p.c;
    let ch = i % p.c;
    let pos = row % p.t;
    out[i] = params[p.wte_off + tokens[row] * p.c + ch] + params[p.wpe_off + pos * p.c + ch];
}

// One thread per (token v = workgroup y, channel): sums the rows of dout whose token is v.
@compute @workgroup_size(64)
fn encoder_backward_wte(@builtin(global_invocation_id) gid: vec3<u32>) {
    let ch = gid.x;
    let v = gid.y;
    if (ch >= p.c || v >= p.vocab) { return; }
    let begin = starts[v];
    let end = starts[v + 1u];
    if (begin == end) { return; }
    var sum = 0.0;
    for (var j = begin; j < end; j++) {
        sum += dout[order[j] * p.c + ch];
    }
    grads[p.wte_off + v * p.c + ch] += sum;
}

// One thread per (position, channel): sums over the batch.
@compute @workgroup_size(256)
fn encoder_backward_wpe(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, n, lid);
    if (i >= p.t * p.c) { return; }
    let pos = i / p.c;
    let ch = i % p.c;
    var sum = 0.0;
    for (var row = pos; row < p.bt; row += p.t) {
        sum += dout[row * p.c + ch];
    }
    grads[p.wpe_off + pos * p.c + ch] += sum;
}
