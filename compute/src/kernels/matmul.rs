//! Wrapper for matmul.wgsl: C (=|+=) A·B (+ bias) with strided operands, batched over z.

use super::{launch, module, pipeline, Cost, Dispatch};
use crate::gpu::Gpu;

const TILE: usize = 64;

/// One operand of a matrix multiply: a matrix stored somewhere inside a buffer.
/// Element (r, c) of batch z lives at `offset + z * batch_stride + r * row_stride + c * col_stride`.
#[derive(Clone, Copy)]
pub struct Operand<'a> {
    pub buffer: &'a wgpu::Buffer,
    pub offset: usize,
    pub row_stride: usize,
    pub col_stride: usize,
    pub batch_stride: usize,
}

impl<'a> Operand<'a> {
    /// A row-major matrix with `cols` columns starting at `offset`.
    pub fn rows(buffer: &'a wgpu::Buffer, offset: usize, cols: usize) -> Self {
        Operand { buffer, offset, row_stride: cols, col_stride: 1, batch_stride: 0 }
    }
    /// The transpose of a row-major matrix that has `stored_cols` columns (so Wᵀ for nn.Linear's (out, in) W).
    pub fn transposed(buffer: &'a wgpu::Buffer, offset: usize, stored_cols: usize) -> Self {
        Operand { buffer, offset, row_stride: 1, col_stride: stored_cols, batch_stride: 0 }
    }
    pub fn batched(self, batch_stride: usize) -> Self {
        Operand { batch_stride, ..self }
    }
}

/// Shape and output of one multiply: C is (m, n) row-major per batch, the inner dimension is k.
pub struct MatmulSpec<'a> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub batches: usize,
    pub a: Operand<'a>,
    pub b: Operand<'a>,
    /// (buffer, element offset) of an (n,) bias added to every row.
    pub bias: Option<(&'a wgpu::Buffer, usize)>,
    /// (buffer, element offset) of a tensor laid out like C, added to it (a fused residual connection).
    pub addend: Option<(&'a wgpu::Buffer, usize)>,
    pub c: &'a wgpu::Buffer,
    pub c_offset: usize,
    pub c_batch_stride: usize,
    /// Add into C instead of overwriting it (gradient accumulation).
    pub accumulate: bool,
}

impl<'a> MatmulSpec<'a> {
    /// C (m, n) = A · B for one batch, no bias, overwriting C from element 0.
    pub fn new(m: usize, n: usize, k: usize, a: Operand<'a>, b: Operand<'a>, c: &'a wgpu::Buffer) -> Self {
        MatmulSpec {
            m,
            n,
            k,
            batches: 1,
            a,
            b,
            bias: None,
            addend: None,
            c,
            c_offset: 0,
            c_batch_stride: 0,
            accumulate: false,
        }
    }
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
    addend_off: u32,
    has_addend: u32,
    _pad: [u32; 2],
}

/// The compiled pipelines of matmul.wgsl; build once per device.
pub struct Matmul {
    matmul: wgpu::ComputePipeline,
}

impl Matmul {
    pub fn new(gpu: &Gpu) -> Matmul {
        let module = module(gpu, "matmul.wgsl", include_str!("matmul.wgsl"));
        Matmul { matmul: pipeline(gpu, &module, "matmul") }
    }

    /// Prepares one multiply; record it into as many steps as you like.
    pub fn prepare(&self, gpu: &Gpu, spec: &MatmulSpec<'_>) -> Dispatch {
        let u = |x: usize| x as u32;
        let params = Params {
            m: u(spec.m),
            n: u(spec.n),
            k: u(spec.k),
            accumulate: spec.accumulate as u32,
            a_off: u(spec.a.offset),
            a_row: u(spec.a.row_stride),
            a_col: u(spec.a.col_stride),
            a_batch: u(spec.a.batch_stride),
            b_off: u(spec.b.offset),
            b_row: u(spec.b.row_stride),
            b_col: u(spec.b.col_stride),
            b_batch: u(spec.b.batch_stride),
            c_off: u(spec.c_offset),
            c_batch: u(spec.c_batch_stride),
            bias_off: u(spec.bias.map_or(0, |(_, off)| off)),
            has_bias: spec.bias.is_some() as u32,
            addend_off: u(spec.addend.map_or(0, |(_, off)| off)),
            has_addend: spec.addend.is_some() as u32,
            _pad: [0; 2],
        };
        // Absent bias or addend: bind A in their place; the kernel never reads them.
        let bias = spec.bias.map_or(spec.a.buffer, |(buffer, _)| buffer);
        let addend = spec.addend.map_or(spec.a.buffer, |(buffer, _)| buffer);
        let buffers = [(1, spec.a.buffer), (2, spec.b.buffer), (3, bias), (4, spec.c), (5, addend)];
        let groups = [u(spec.n.div_ceil(TILE)), u(spec.m.div_ceil(TILE)), u(spec.batches.max(1))];
        // 2·m·n·k per batch; at least A and B read once and C written (and read, when accumulating or adding) once.
        let (m, n, k, z) = (spec.m as f64, spec.n as f64, spec.k as f64, spec.batches.max(1) as f64);
        let c_passes = 1.0 + (spec.accumulate as u8 + spec.addend.is_some() as u8) as f64;
        let floats = z * (m * k + k * n + c_passes * m * n) + spec.bias.map_or(0.0, |_| n);
        launch(gpu, "matmul", &self.matmul, &params, &buffers, groups).with_cost(Cost::new(2.0 * m * n * k * z, floats))
    }
}

/// Multiplies row-major A (m, k) by row-major B (k, n) on the GPU and reads C (m, n) back.
pub async fn multiply(
    gpu: &Gpu,
    a: &[f32],
    b: &[f32],
    m: usize,
    k: usize,
    n: usize,
) -> Result<Vec<f32>, crate::gpu::GpuError> {
    let a_buf = gpu.storage_from("A", a);
    let b_buf = gpu.storage_from("B", b);
    let c_buf = gpu.storage_zeroed("C", m * n);
    let spec = MatmulSpec::new(m, n, k, Operand::rows(&a_buf, 0, k), Operand::rows(&b_buf, 0, n), &c_buf);
    let dispatch = Matmul::new(gpu).prepare(gpu, &spec);
    super::submit(gpu, "matmul", &[&dispatch]);
    crate::gpu::read_f32(gpu, &c_buf, 0, m * n).await
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
