//! Wrapper for matmul.wgsl: C (=|+=) A·B (+ bias) with strided operands, batched over z.

use super::{pipeline, uniform, Dispatch};
use crate::gpu::Gpu;

const TILE: u32 = 64;

/// One operand of a matrix multiply: a matrix stored somewhere inside a buffer.
/// Element (r, c) of batch z lives at `offset + z * batch_stride + r * row_stride + c * col_stride`.
#[derive(Clone, Copy)]
pub struct Operand<'a> {
    pub buffer: &'a wgpu::Buffer,
    pub offset: u32,
    pub row_stride: u32,
    pub col_stride: u32,
    pub batch_stride: u32,
}

impl<'a> Operand<'a> {
    /// A row-major matrix with `cols` columns starting at `offset`.
    pub fn rows(buffer: &'a wgpu::Buffer, offset: u32, cols: u32) -> Self {
        Operand { buffer, offset, row_stride: cols, col_stride: 1, batch_stride: 0 }
    }
    /// The transpose of a row-major matrix that has `stored_cols` columns (so Wᵀ for nn.Linear's (out, in) W).
    pub fn transposed(buffer: &'a wgpu::Buffer, offset: u32, stored_cols: u32) -> Self {
        Operand { buffer, offset, row_stride: 1, col_stride: stored_cols, batch_stride: 0 }
    }
    pub fn batched(self, batch_stride: u32) -> Self {
        Operand { batch_stride, ..self }
    }
}

/// Shape and output of one multiply: C is (m, n) row-major per batch, the inner dimension is k.
pub struct MatmulSpec<'a> {
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub batches: u32,
    pub a: Operand<'a>,
    pub b: Operand<'a>,
    /// (buffer, element offset) of an (n,) bias added to every row.
    pub bias: Option<(&'a wgpu::Buffer, u32)>,
    pub c: &'a wgpu::Buffer,
    pub c_offset: u32,
    pub c_batch_stride: u32,
    /// Add into C instead of overwriting it (gradient accumulation).
    pub accumulate: bool,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    m: u32,
    n: u32,
    k: u32,
    accumulate: u32,
    a_off: u32,
    a_row: u32,
    a_col: u32,
    a_batch: u32,
    b_off: u32,
    b_row: u32,
    b_col: u32,
    b_batch: u32,
    c_off: u32,
    c_batch: u32,
    bias_off: u32,
    has_bias: u32,
}

/// The compiled matmul pipeline; build once per device.
pub struct Matmul {
    pipeline: wgpu::ComputePipeline,
}

impl Matmul {
    pub fn new(gpu: &Gpu) -> Matmul {
        Matmul { pipeline: pipeline(&gpu.device, "matmul", include_str!("matmul.wgsl"), "matmul") }
    }

    /// Prepares one launch (bind group and parameters); record it into as many steps as you like.
    pub fn prepare(&self, gpu: &Gpu, spec: &MatmulSpec<'_>) -> Dispatch {
        let params = Params {
            m: spec.m,
            n: spec.n,
            k: spec.k,
            accumulate: spec.accumulate as u32,
            a_off: spec.a.offset,
            a_row: spec.a.row_stride,
            a_col: spec.a.col_stride,
            a_batch: spec.a.batch_stride,
            b_off: spec.b.offset,
            b_row: spec.b.row_stride,
            b_col: spec.b.col_stride,
            b_batch: spec.b.batch_stride,
            c_off: spec.c_offset,
            c_batch: spec.c_batch_stride,
            bias_off: spec.bias.map_or(0, |(_, off)| off),
            has_bias: spec.bias.is_some() as u32,
        };
        let uniform = uniform(&gpu.device, "matmul params", &params);
        // Without a bias any buffer will do for binding 3; the kernel never reads it.
        let bias = spec.bias.map_or(spec.a.buffer, |(buffer, _)| buffer);
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("matmul bindings"),
            layout: &self.pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: spec.a.buffer.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 2, resource: spec.b.buffer.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 3, resource: bias.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 4, resource: spec.c.as_entire_binding() },
            ],
        });
        Dispatch {
            label: "matmul",
            pipeline: self.pipeline.clone(),
            bind_group,
            workgroups: [spec.n.div_ceil(TILE), spec.m.div_ceil(TILE), spec.batches.max(1)],
            _uniform: uniform,
        }
    }
}

/// Multiplies row-major A (m, k) by row-major B (k, n) on the GPU and reads C (m, n) back.
pub async fn multiply(
    gpu: &Gpu,
    a: &[f32],
    b: &[f32],
    m: u32,
    k: u32,
    n: u32,
) -> Result<Vec<f32>, crate::gpu::GpuError> {
    let a_buf = gpu.storage_from("A", a);
    let b_buf = gpu.storage_from("B", b);
    let c_buf = gpu.storage_zeroed("C", (m * n) as usize);
    let dispatch = Matmul::new(gpu).prepare(
        gpu,
        &MatmulSpec {
            m,
            n,
            k,
            batches: 1,
            a: Operand::rows(&a_buf, 0, k),
            b: Operand::rows(&b_buf, 0, n),
            bias: None,
            c: &c_buf,
            c_offset: 0,
            c_batch_stride: 0,
            accumulate: false,
        },
    );
    super::submit(gpu, "matmul", &[&dispatch]);
    crate::gpu::read_f32(gpu, &c_buf, 0, (m * n) as usize).await
}

/// The plain CPU product the GPU result is checked against.
pub fn multiply_cpu(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c = vec![0.0f32; m * n];
    for i in 0..m {
        for p in 0..k {
            let aip = a[i * k + p];
            for j in 0..n {
                c[i * n + j] += aip * b[p * n + j];
            }
        }
    }
    c
}

/// Deterministic demo inputs that the page and its browser test both know: small exact binary fractions.
pub fn demo_inputs(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    let a = (0..m * k).map(|i| ((i % 13) as f32 - 6.0) / 8.0).collect();
    let b = (0..k * n).map(|i| ((i % 7) as f32 - 3.0) / 4.0).collect();
    (a, b)
}
