// The optimiser step on the GPU in two launches: partial sums for the global gradient norm, then AdamW with the clip.
//
// grad_norm_partial: N_PARTIALS workgroups each add g² over a grid-stride slice of the gradients, and one more adds
// the step's per-position losses; each leaves its block sum in `partials`. adamw_update: every workgroup first
// re-adds those N_PARTIALS + 1 values itself (one per thread and a block reduction: the same values in the same
// order in every workgroup, so all agree on the norm bit for bit), derives torch's clip factor, and updates its
// RED_WG · PER_THREAD parameters; workgroup 0 also records norm, clip factor, mean loss and Σ loss in `stats` for the
// trainer's readback. The redundant re-add costs one cached 1 KiB read and two barriers per workgroup and replaces a
// one-workgroup launch (grad_norm_final) that the whole GPU waited on. No atomics: every value has one writer.

struct NormParams {
    n: u32,          // parameters P
    n_partials: u32, // workgroups of grad_norm_partial that sum g²; partials[n_partials] holds Σ loss
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
@group(0) @binding(2) var<storage, read_write> partials: array<f32>; // (n_partials + 1)
@group(0) @binding(3) var<storage, read> losses: array<f32>;         // (BT)
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;    // (4) norm, clip factor, loss, Σ loss

const RED_WG: u32 = 256u;
const PER_THREAD: u32 = 4u; // parameters per thread of adamw_update: PER_THREAD in adamw.rs

@compute @workgroup_size(RED_WG)
fn grad_norm_partial(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>) {
    var acc = 0.0;
    if (wg.x < np.n_partials) {
        for (var i = wg.x * RED_WG + lane.index; i < np.n; i += np.n_partials * RED_WG) {
            let g = grads[i];
            acc += g * g;
        }
    } else {
        for (var i = lane.index; i < np.n_losses; i += RED_WG) { acc += losses[i]; }
    }
    let total = block_sum(lane, acc);
    if (lane.index == 0u) { partials[wg.x] = total; }
}

@group(0) @binding(10) var<uniform> sp: StepParams;
@group(0) @binding(5) var<storage, read_write> params: array<f32>; // (P)
@group(0) @binding(6) var<storage, read_write> m: array<f32>;      // (P) first moment
@group(0) @binding(7) var<storage, read_write> v: array<f32>;      // (P) second moment
@group(0) @binding(8) var<storage, read> mask: array<f32>;         // (P) 1 = weight decay applies

// torch.optim.AdamW: decoupled decay, then the bias-corrected Adam step, on the clipped gradient.
@compute @workgroup_size(RED_WG)
fn adamw_update(lane: Lane, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    var acc = 0.0;
    for (var i = lane.index; i < np.n_partials; i += RED_WG) { acc += partials[i]; }
    let norm = sqrt(block_sum(lane, acc));
    let scale = select(1.0, min(1.0, np.clip / (norm + 1e-6)), np.clip > 0.0);
    let w = wg.y * nwg.x + wg.x;
    if (w == 0u && lane.index == 0u) {
        let loss = partials[np.n_partials] / f32(np.n_losses);
        stats[0] = norm;
        stats[1] = scale;
        stats[2] = loss;
        stats[3] += loss; // summed until the trainer reads it back and clears it
    }
    for (var k = 0u; k < PER_THREAD; k++) {
        let i = (w * PER_THREAD + k) * RED_WG + lane.index; // each round reads RED_WG consecutive values
        if (i >= sp.n) { break; }
        let g = grads[i] * scale;
        var p = params[i] * (1.0 - sp.lr * sp.weight_decay * mask[i]);
        let mi = sp.beta1 * m[i] + (1.0 - sp.beta1) * g;
        let vi = sp.beta2 * v[i] + (1.0 - sp.beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        p -= (sp.lr / sp.bias_correction1) * mi / (sqrt(vi) / sp.bias_correction2_sqrt + sp.eps);
        params[i] = p;
    }
}
