// Block reductions with subgroup operations: the prelude of every reduction kernel on devices with SUBGROUP.
//
// Interface shared with reduce_workgroup.wgsl (reduce.rs prepends one or the other to a kernel's WGSL):
//   Lane                      entry-point argument carrying the invocation's built-ins;
//   lane_flat(lane)           the invocation's position 0..RED_WG-1 (column sums map threads to columns by it);
//   block_sum / block_sum2 / block_max   the total (or maximum) over the workgroup, returned to every invocation;
//   col_sum2(lane, v, cols)   per-column totals, a thread's column being lane_flat % cols, valid where lane_flat < cols.
// The kernel defines RED_WG, its (1-D, power-of-two) workgroup size.
//
// Each subgroup reduces in registers (subgroupAdd/subgroupMax), one value per subgroup goes through workgroup
// memory, and every subgroup re-reduces those few values itself: two barriers whatever the workgroup size, and any
// subgroup size works (32 on NVIDIA, 4 to 64 elsewhere; the loops stride by it). The position used by col_sum2 is
// built from subgroup_id, so lanes exchanged by subgroupShuffleXor always share a column even if a driver did not
// number subgroups along local_invocation_index. Sums are in a fixed order for a given device: deterministic.
// No `enable subgroups;`: naga 30 rejects that directive as unimplemented and gates these built-ins on the device
// feature instead; the browser never gets this variant (wgpu's WebGPU backend does not expose SUBGROUP).

struct Lane {
    @builtin(local_invocation_index) index: u32,
    @builtin(subgroup_size) sg_size: u32,
    @builtin(subgroup_invocation_id) sg_lane: u32,
    @builtin(subgroup_id) sg_id: u32,
    @builtin(num_subgroups) n_sg: u32,
}

var<workgroup> red_scratch: array<vec2<f32>, RED_WG>; // one slot per subgroup (col_sum2: per subgroup and column)

fn lane_flat(lane: Lane) -> u32 {
    return lane.sg_id * lane.sg_size + lane.sg_lane;
}

fn block_sum2(lane: Lane, v: vec2<f32>) -> vec2<f32> {
    let s = subgroupAdd(v);
    if (lane.sg_lane == 0u) { red_scratch[lane.sg_id] = s; }
    workgroupBarrier();
    var t = vec2<f32>(0.0);
    for (var i = lane.sg_lane; i < lane.n_sg; i += lane.sg_size) { t += red_scratch[i]; }
    let total = subgroupAdd(t);
    workgroupBarrier(); // red_scratch is free again
    return total;
}

fn block_sum(lane: Lane, x: f32) -> f32 {
    return block_sum2(lane, vec2<f32>(x, 0.0)).x;
}

fn block_max(lane: Lane, x: f32) -> f32 {
    let s = subgroupMax(x);
    if (lane.sg_lane == 0u) { red_scratch[lane.sg_id].x = s; }
    workgroupBarrier();
    var t = red_scratch[0].x;
    for (var i = lane.sg_lane; i < lane.n_sg; i += lane.sg_size) { t = max(t, red_scratch[i].x); }
    let total = subgroupMax(t);
    workgroupBarrier();
    return total;
}

// Butterfly over the lanes of one column inside each subgroup (offsets cols, 2·cols, ...: a power-of-two subgroup
// size keeps lane_flat % cols under XOR), then the first min(cols, sg_size) lanes of each subgroup leave their
// column's partial at their own position, and thread c < cols adds the partials at c, c + stride, ...
fn col_sum2(lane: Lane, v: vec2<f32>, cols: u32) -> vec2<f32> {
    var s = v;
    for (var off = cols; off < lane.sg_size; off *= 2u) { s += subgroupShuffleXor(s, off); }
    let f = lane_flat(lane);
    if (lane.sg_lane < cols) { red_scratch[f] = s; }
    workgroupBarrier();
    var t = vec2<f32>(0.0);
    if (f < cols) {
        for (var i = f; i < RED_WG; i += max(cols, lane.sg_size)) { t += red_scratch[i]; }
    }
    workgroupBarrier();
    return t;
}
