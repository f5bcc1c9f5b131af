// Exact GELU, as PyTorch's nn.GELU(): x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), forward and backward.

struct Params {
    n: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> inp: array<f32>;          // (N)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;    // (N)
@group(0) @binding(3) var<storage, read> dout: array<f32>;         // (N)
@group(0) @binding(4) var<storage, read_write> dinp: array<f32>;   // (N), overwritten

// erf with |error| < 1.2e-7: Numerical Recipes' erfc Chebyshev fit (erfcc), exact enough for 1e-5 GELU.
fn erf(x: f32) -> f32 {
    let z = abs(x);
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return select(r - 1.0, 1.0 - r, x >= 0.0);
}

fn flat(wg: vec3<u32>, n: vec3<u32>, lid: u32) -> u32 {
    return (wg.y * n.x + wg.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn gelu_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, n, lid);
    if (i >= p.n) { return; }
    let x = inp[i];
    out[i] = 0.5 * x * (1.0 + erf(x * 0.70710678118654752));
}

// d/dx [x Φ(x)] = Φ(x) + x φ(x).
@compute @workgroup_size(256)
fn gelu_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let i = flat(wg, n, lid);
    if (i >= p.n) { return; }
    let x = inp[i];
    let cdf = 0.5 * (1.0 + erf(x * 0.70710678118654752));
    let pdf = exp(-0.5 * x * x) * 0.39894228040143268;
    dinp[i] = dout[i] * (cdf + x * pdf);
}
