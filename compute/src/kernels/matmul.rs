//! Wrapper for matmul.wgsl: C (=|+=) A·B (+ bias) (+ addend) (→ GELU) with strided operands, batched over z.
//!
//! One kernel with strided operands serves every product of the model (x·Wᵀ, dy·W, dyᵀ·x on slices of the flat
//! parameter buffer), compiled once per tile variant (matmul_plan.rs); each launch picks its variant and split-K
//! from its shape. Fusing the epilogue (bias, residual, accumulation, GELU forward and backward) saves the
//! elementwise launches and their trips through memory.

use super::matmul_plan::{source, Plan, TILES};
use super::{grid, launch, module, pipeline, Cost, Dispatch};
use crate::gpu::Gpu;

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

    /// Whether the kernel may read this operand as aligned vec4s along the dimension its loads walk:
    /// k when `along_k` (that stride is 1), else the other one (`extent` long, its stride 1).
    fn vec4_ok(&self, along_k: bool, k: usize, extent: usize) -> bool {
        let (unit, other, len) =
            if along_k { (self.col_stride, self.row_stride, k) } else { (self.row_stride, self.col_stride, extent) };
        unit == 1 && [other, self.offset, self.batch_stride, len].iter().all(|x| x % 4 == 0)
    }
}

/// An elementwise function applied in the epilogue, after bias, addend and accumulation.
#[derive(Clone, Copy)]
pub enum Activation<'a> {
    None,
    /// C keeps the pre-activation and gelu(C) goes to (buffer, element offset), laid out as C.
    Gelu(&'a wgpu::Buffer, usize),
    /// C = (A·B + bias) ⊙ gelu'(pre), pre at (buffer, element offset) laid out as C: GELU's backward fused into
    /// the product that makes its incoming gradient. Takes the addend's binding, so no addend with it.
    GeluBackward(&'a wgpu::Buffer, usize),
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
    pub activation: Activation<'a>,
    /// Scratch for split-K partial sums, at least [`MatmulSpec::scratch_len`] floats; None never splits.
    pub scratch: Option<&'a wgpu::Buffer>,
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
            activation: Activation::None,
            scratch: None,
        }
    }

    /// The plan [`Matmul::prepare`] follows for this shape (split-K only with a scratch buffer).
    pub fn plan(&self) -> Plan {
        Plan::choose(self.m, self.n, self.k, self.batches, self.scratch.is_some())
    }

    /// Floats of scratch this multiply would use with a scratch buffer given: size one buffer for many.
    pub fn scratch_len(&self) -> usize {
        Plan::choose(self.m, self.n, self.k, self.batches, true).scratch_len(self.m, self.n, self.batches.max(1))
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
    act: u32,
    c2_off: u32,
    splits: u32,
    k_chunk: u32,
    a_vec: u32,
    b_vec: u32,
    batches: u32,
    _pad: [u32; 3],
}

/// The compiled pipelines of matmul.wgsl (one `matmul` per tile variant); build once per device.
pub struct Matmul {
    tiles: Vec<wgpu::ComputePipeline>,
    split_sum: wgpu::ComputePipeline,
    /// Bound where a vec4 view is unused (16 bytes, read-only).
    unused_read: wgpu::Buffer,
}

impl Matmul {
    pub fn new(gpu: &Gpu) -> Matmul {
        let modules: Vec<_> = TILES.iter().map(|t| module(gpu, t.label, &source(t))).collect();
        Matmul {
            tiles: modules.iter().map(|m| pipeline(gpu, m, "matmul")).collect(),
            split_sum: pipeline(gpu, &modules[0], "split_sum"),
            unused_read: gpu.storage_zeroed("matmul unused", 4),
        }
    }

    /// Prepares one multiply (two launches when K is split); record them into as many steps as you like.
    pub fn prepare(&self, gpu: &Gpu, spec: &MatmulSpec<'_>) -> Vec<Dispatch> {
        self.prepare_with(gpu, spec, spec.plan())
    }

    /// [`Matmul::prepare`] with a given plan (benchmarks and tests of every variant).
    pub fn prepare_with(&self, gpu: &Gpu, spec: &MatmulSpec<'_>, plan: Plan) -> Vec<Dispatch> {
        let u = |x: usize| x as u32;
        let (m, n, k, batches) = (spec.m, spec.n, spec.k, spec.batches.max(1));
        let tile = TILES[plan.tile];
        let (a_vec, b_vec) =
            (spec.a.vec4_ok(spec.a.col_stride == 1, k, m), spec.b.vec4_ok(spec.b.col_stride != 1, k, n));
        // An unused GELU output still needs a writable binding: one of its own, since sharing one buffer would
        // order every matmul after the last (wgpu puts a barrier between writers of a buffer).
        let unused_write;
        let (act, c2, c2_off, pre) = match spec.activation {
            Activation::Gelu(buffer, offset) => (1, buffer, offset, None),
            other => {
                unused_write = gpu.storage_zeroed("matmul unused", 4);
                let pre =
                    if let Activation::GeluBackward(buffer, offset) = other { Some((buffer, offset)) } else { None };
                (2 * pre.is_some() as u32, &unused_write, 0, pre)
            }
        };
        assert!(pre.is_none() || spec.addend.is_none(), "GELU's backward takes the addend's binding");
        let addend_src = pre.or(spec.addend);
        let params = Params {
            m: u(m),
            n: u(n),
            k: u(k),
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
            addend_off: u(addend_src.map_or(0, |(_, off)| off)),
            has_addend: spec.addend.is_some() as u32,
            act,
            c2_off: u(c2_off),
            splits: u(plan.splits),
            k_chunk: u(plan.k_chunk),
            a_vec: a_vec as u32,
            b_vec: b_vec as u32,
            batches: u(batches),
            _pad: [0; 3],
        };
        // Absent bias or addend: bind A in their place; the kernel never reads them.
        let bias = spec.bias.map_or(spec.a.buffer, |(buffer, _)| buffer);
        let addend = addend_src.map_or(spec.a.buffer, |(buffer, _)| buffer);
        let a4 = if a_vec { spec.a.buffer } else { &self.unused_read };
        let b4 = if b_vec { spec.b.buffer } else { &self.unused_read };
        let groups = [u(n.div_ceil(tile.tn())), u(m.div_ceil(tile.tm())), u(batches * plan.splits)];
        let floats = |x: &Operand, rows: usize, cols: usize| rows * cols * if x.batch_stride > 0 { batches } else { 1 };
        let mut epilogue = m * n * batches * (1 + spec.accumulate as usize + (act > 0) as usize);
        epilogue += spec.addend.map_or(0, |_| m * n * batches) + spec.bias.map_or(0, |_| n);
        let inputs = floats(&spec.a, m, k) + floats(&spec.b, k, n);
        let flops = (2 * m * n * k * batches) as f64;
        let pipe = &self.tiles[plan.tile];
        if plan.splits == 1 {
            let buffers = [
                (1, spec.a.buffer),
                (2, spec.b.buffer),
                (3, bias),
                (4, spec.c),
                (5, addend),
                (8, a4),
                (9, b4),
                (10, c2),
            ];
            let cost = Cost::new(flops, (inputs + epilogue) as f64);
            return vec![launch(gpu, tile.label, pipe, &params, &buffers, groups).with_cost(cost)];
        }
        let scratch = spec.scratch.expect("a split-K plan needs scratch");
        let partials = plan.scratch_len(m, n, batches);
        assert!(
            scratch.size() as usize >= 4 * partials,
            "split-K scratch holds {} bytes, needs {}",
            scratch.size(),
            4 * partials
        );
        let buffers =
            [(1, spec.a.buffer), (2, spec.b.buffer), (3, bias), (4, scratch), (5, addend), (8, a4), (9, b4), (10, c2)];
        let products = launch(gpu, tile.label, pipe, &params, &buffers, groups)
            .with_cost(Cost::new(flops, (inputs + partials) as f64));
        let bias = spec.bias.map_or(scratch, |(buffer, _)| buffer);
        let addend = addend_src.map_or(scratch, |(buffer, _)| buffer);
        let buffers = [(1, scratch), (3, bias), (4, spec.c), (5, addend), (10, c2)];
        let quads = m * n.div_ceil(4) * batches;
        let sum = launch(gpu, "matmul split-K sum", &self.split_sum, &params, &buffers, grid(quads, 256))
            .with_cost(Cost::new(partials as f64, (partials + epilogue) as f64));
        vec![products, sum]
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
    let dispatches = Matmul::new(gpu).prepare(gpu, &spec);
    super::submit(gpu, "matmul", &dispatches.iter().collect::<Vec<_>>());
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
