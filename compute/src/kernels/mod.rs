//! WGSL kernels, one file per layer holding its forward and backward entry points, each with a thin
//! Rust wrapper that builds the pipelines once and prepares bind groups ("launches") for a model.

pub mod adamw;
pub mod attention;
pub mod colsum;
pub mod crossentropy;
pub mod encoder;
pub mod layernorm;
pub mod matmul;
pub mod matmul_check;
pub mod matmul_plan;
pub mod profile;
pub mod reduce;

use crate::gpu::Gpu;

/// Creates a compute pipeline for one entry point of a WGSL module, with the layout derived from the
/// bindings that entry point uses.
pub(crate) fn pipeline(gpu: &Gpu, module: &wgpu::ShaderModule, entry: &str) -> wgpu::ComputePipeline {
    pipeline_with(gpu, module, entry, &[])
}

/// [`pipeline`] with values for the module's `override` constants.
pub(crate) fn pipeline_with(
    gpu: &Gpu,
    module: &wgpu::ShaderModule,
    entry: &str,
    constants: &[(&str, f64)],
) -> wgpu::ComputePipeline {
    gpu.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: None,
        module,
        entry_point: Some(entry),
        compilation_options: wgpu::PipelineCompilationOptions { constants, ..Default::default() },
        cache: None,
    })
}

/// Compiles a WGSL module with bounds checks but without naga's forced loop bounding: the extra counter it adds to
/// every loop kept NVIDIA's compiler from unrolling them, and the tiled attention ran 2-9x slower for it on an H200
/// (examples/attention_bench.rs). Browsers ignore the setting and check in their own way.
pub(crate) fn module(gpu: &Gpu, label: &str, source: &str) -> wgpu::ShaderModule {
    let desc = wgpu::ShaderModuleDescriptor { label: Some(label), source: wgpu::ShaderSource::Wgsl(source.into()) };
    let checks = wgpu::ShaderRuntimeChecks { force_loop_bounding: false, ..wgpu::ShaderRuntimeChecks::checked() };
    // SAFETY: every loop in this crate's kernels ends: its bound is a constant, an override, or a count from the
    // launch's uniform parameters (or, in the embedding backward, from the host's token buckets), and its counter
    // only grows towards it.
    unsafe { gpu.device.create_shader_module_trusted(desc, checks) }
}

/// The work one launch does, for the profiler's rates: floating-point operations (an FMA counts 2) and the
/// bytes it must move to and from memory at least (each input read once, each output written once).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    pub flops: f64,
    pub bytes: f64,
}

impl Cost {
    /// `flops` operations over `floats` f32 values read or written.
    pub fn new(flops: f64, floats: f64) -> Cost {
        Cost { flops, bytes: 4.0 * floats }
    }
}

/// A prepared kernel launch: pipeline, bound buffers and workgroup counts, ready to record into any pass.
pub struct Dispatch {
    pub label: &'static str,
    /// What the launch computes and moves (zero where its wrapper has not said).
    pub cost: Cost,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: [u32; 3],
    /// The launch's parameters; kept alive for the bind group's sake.
    _uniform: wgpu::Buffer,
}

impl Dispatch {
    /// The same launch with its cost stated.
    pub fn with_cost(self, cost: Cost) -> Dispatch {
        Dispatch { cost, ..self }
    }

    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(self.workgroups[0], self.workgroups[1], self.workgroups[2]);
    }
}

/// Prepares a launch: `params` goes to binding 0 as a uniform, `buffers` to their binding numbers.
pub(crate) fn launch<T: bytemuck::Pod>(
    gpu: &Gpu,
    label: &'static str,
    pipeline: &wgpu::ComputePipeline,
    params: &T,
    buffers: &[(u32, &wgpu::Buffer)],
    workgroups: [u32; 3],
) -> Dispatch {
    use wgpu::util::DeviceExt;
    let uniform = gpu.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::bytes_of(params),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let mut entries = vec![wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() }];
    entries.extend(
        buffers
            .iter()
            .map(|(binding, buffer)| wgpu::BindGroupEntry { binding: *binding, resource: buffer.as_entire_binding() }),
    );
    let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    });
    Dispatch { label, cost: Cost::default(), pipeline: pipeline.clone(), bind_group, workgroups, _uniform: uniform }
}

/// Workgroup counts for `threads` threads in groups of `size`, folded into a second dimension past
/// the 65535-per-dimension limit (kernels using it rebuild the flat index from num_workgroups).
pub(crate) fn grid(threads: usize, size: usize) -> [u32; 3] {
    let groups = threads.div_ceil(size).max(1);
    if groups <= 65535 {
        [groups as u32, 1, 1]
    } else {
        [65535, groups.div_ceil(65535) as u32, 1]
    }
}

/// Submits the given launches as one command buffer holding one compute pass.
pub fn submit(gpu: &Gpu, label: &str, dispatches: &[&Dispatch]) {
    let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
    {
        let mut pass =
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes: None });
        for d in dispatches {
            d.record(&mut pass);
        }
    }
    gpu.queue.submit(Some(encoder.finish()));
}
