// The optimiser step on the GPU: the global gradient norm (partial sums, then one final reduce that also turns it
// into the clip factor and records the step's mean loss), then AdamW over every parameter in one dispatch.

struct NormParams {
    n: u32,          // parameters P
    n_partials: u32, // workgroups of grad_norm_partial
    n_losses: u32,   // positions BT whose mean loss is recorded
    clip: f32,       // max global norm; 0 = no clipping
}

// Per step, written with queue.write_buffer before the step's submission.
struct StepParams {
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    bias_correction1: f32,      // 1 - beta1^t
    bias_correction2_sqrt: f32, // sqrt(1 - beta2^t)
    n: u32,                     // parameters P
}

@group(0) @binding(0) var<uniform> np: NormParams;
@group(0) @binding(1) var<storage, read> grads: array<f32>;          // (P)
@group(0) @binding(2) var<storage, read_write> partials: array<f32>; // (n_partials)
@group(0) @binding(3) var<storage, read> losses: array<f32>;         // (BT)
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;    // (4) norm, clip factor, loss, Σ loss

const WG: u32 = 256u;
var<workgroup> sums: array<f32, 256>;

// Tree reduction of `sums` within the workgroup; the total ends in sums[0].
fn reduce(lid: u32) {
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        workgroupBarrier();
        if (lid < s) { sums[lid] += sums[lid + s]; }
    }
    workgroupBarrier();
}

// partials[w] = Σ g² over a grid-stride slice of the gradients.
@compute @workgroup_size(256)
fn grad_norm_partial(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    var acc = 0.0;
    for (var i = wg.x * WG + lid; i < np.n; i += np.n_partials * WG) {
        let g = grads[i];
        acc += g * g;
    }
    sums[lid] = acc;
    reduce(lid);
    if (lid == 0u) { partials[wg.x] = sums[0]; }
}

// One workgroup: norm = sqrt(Σ partials), clip factor as torch's clip_grad_norm_, mean loss of the step.
@compute @workgroup_size(256)
fn grad_norm_final(@builtin(local_invocation_index) lid: u32) {
    var acc = 0.0;
    for (var i = lid; i < np.n_partials; i += WG) { acc += partials[i]; }
    sums[lid] = acc;
    reduce(lid);
    let norm = sqrt(sums[0]);
    workgroupBarrier();
    var lacc = 0.0;
    for (var i = lid; i < np.n_losses; i += WG) { lacc += losses[i]; }
    sums[lid] = lacc;
    reduce(lid);
    if (lid == 0u) {
        let loss = sums[0] / f32(np.n_losses);
        stats[0] = norm;
        stats[1] = select(1.0, min(1.0, np.clip / (norm + 1e-6)), np.clip > 0.0);
        stats[2] = loss;
        stats[3] += loss; // summed until the trainer reads it back and clears it
    }
}

@group(0) @binding(10) var<uniform> sp: StepParams;
@group(0) @binding(5) var<storage, read_write> params: array<f32>; // (P)
@group(0) @binding(6) var<storage, read_write> m: array<f32>;      // (P) first moment
@group(0) @binding(7) var<storage, read_write> v: array<f32>;      // (P) second moment
@group(0) @binding(8) var<storage, read> mask: array<f32>;         // (P) 1 = weight decay applies
@group(0) @binding(9) var<storage, read> clip: array<f32>;         // (4) stats; [1] is the clip factor

// torch.optim.AdamW: decoupled decay, then the bias-corrected Adam step, on the clipped gradient.
@compute @workgroup_size(256)
fn adamw_update(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
    let i = (wg.y * nwg.x + wg.x) * WG + lid;
    if (i >= sp.n) { return; }
    let g = grads[i] * clip[1];
    var p = params[i] * (1.0 - sp.lr * sp.weight_decay * mask[i]);
    let mi = sp.beta1 * m[i] + (1.0 - sp.beta1) * g;
    let vi = sp.beta2 * v[i] + (1.0 - sp.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    p -= (sp.lr / sp.bias_correction1) * mi / (sqrt(vi) / sp.bias_correction2_sqrt + sp.eps);
    params[i] = p;
}
