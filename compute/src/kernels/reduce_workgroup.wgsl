// Block reductions in workgroup memory: the prelude of every reduction kernel on devices without subgroups (WebGPU).
//
// Same interface as reduce_subgroup.wgsl (see there): Lane, lane_flat, block_sum / block_sum2 / block_max, col_sum2.
// Each is a tree: every invocation stores its value, then log2(RED_WG) rounds halve the live slots, with a barrier
// per round. Fixed order, so deterministic; RED_WG ≤ 256 keeps the scratch (2 KiB) within WebGPU's defaults.

struct Lane {
    @builtin(local_invocation_index) index: u32,
}

var<workgroup> red_scratch: array<vec2<f32>, RED_WG>;

fn lane_flat(lane: Lane) -> u32 {
    return lane.index;
}

// Adds the slots of red_scratch down to the first `keep` (a power of two), which end up holding the totals of
// positions congruent to them mod `keep`.
fn tree_sum(i: u32, keep: u32) {
    workgroupBarrier();
    for (var span = RED_WG / 2u; span >= keep; span /= 2u) {
        if (i < span) { red_scratch[i] += red_scratch[i + span]; }
        workgroupBarrier();
    }
}

fn block_sum2(lane: Lane, v: vec2<f32>) -> vec2<f32> {
    red_scratch[lane.index] = v;
    tree_sum(lane.index, 1u);
    let total = red_scratch[0];
    workgroupBarrier(); // red_scratch is free again
    return total;
}

fn block_sum(lane: Lane, x: f32) -> f32 {
    return block_sum2(lane, vec2<f32>(x, 0.0)).x;
}

fn block_max(lane: Lane, x: f32) -> f32 {
    let i = lane.index;
    red_scratch[i].x = x;
    workgroupBarrier();
    for (var span = RED_WG / 2u; span > 0u; span /= 2u) {
        if (i < span) { red_scratch[i].x = max(red_scratch[i].x, red_scratch[i + span].x); }
        workgroupBarrier();
    }
    let total = red_scratch[0].x;
    workgroupBarrier();
    return total;
}

fn col_sum2(lane: Lane, v: vec2<f32>, cols: u32) -> vec2<f32> {
    red_scratch[lane.index] = v;
    tree_sum(lane.index, cols);
    let total = red_scratch[min(lane.index, cols - 1u)];
    workgroupBarrier();
    return total;
}
