//! Assembles the reduction kernels for a device from two preludes: subgroups, or workgroup memory.
//!
//! Each kernel (LayerNorm, cross-entropy, column sums, gradient norm) is one WGSL source, prepended with one of two
//! preludes defining the same block-reduction functions.
//!
//! With wgpu's `Features::SUBGROUP` (native Vulkan on NVIDIA, AMD, Intel, lavapipe) the prelude is
//! reduce_subgroup.wgsl: subgroupAdd/subgroupMax within each subgroup, then one value per subgroup through
//! workgroup memory. Without it (the browser, or a device opened with `GpuOptions { subgroups: false, .. }`) it is
//! reduce_workgroup.wgsl: a tree in workgroup memory. Two modules rather than one with `override` switches, because a
//! module that so much as names a subgroup built-in fails validation on a device without the feature. The kernels
//! themselves are written once, against the shared interface (`Lane`, `block_sum`, `block_sum2`, `block_max`,
//! `col_sum2`); tests run both variants on lavapipe.

use super::module;
use crate::gpu::Gpu;

/// Which block reductions a device's kernels use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// subgroupAdd / subgroupMax, combined across subgroups in workgroup memory.
    Subgroups,
    /// A tree in workgroup memory (what WebGPU's defaults allow).
    Workgroup,
}

impl Reduction {
    /// The variant the kernels built for `gpu` use: subgroups exactly when the device was opened with them.
    pub fn for_device(gpu: &Gpu) -> Reduction {
        if gpu.has_subgroups() {
            Reduction::Subgroups
        } else {
            Reduction::Workgroup
        }
    }

    /// The WGSL that defines the reduction interface in this variant (tests assemble probe kernels with it).
    pub fn prelude(self) -> &'static str {
        match self {
            Reduction::Subgroups => include_str!("reduce_subgroup.wgsl"),
            Reduction::Workgroup => include_str!("reduce_workgroup.wgsl"),
        }
    }
}

/// A shader module of `source` (a kernel written against the reduction interface) with the device's prelude.
pub(crate) fn reduction_module(gpu: &Gpu, label: &str, source: &str) -> wgpu::ShaderModule {
    let prelude = Reduction::for_device(gpu).prelude();
    module(gpu, label, &format!("{prelude}\n{source}"))
}
