//! Every matmul tile variant, unsplit and split-K, run on an awkward shape and compared with the CPU: the check the
//! "Your GPU" view runs in the visitor's browser, since a model's own products use only the variants its shapes pick.

use super::matmul::{multiply_cpu, Matmul, MatmulSpec, Operand};
use super::matmul_plan::{Plan, TILES};
use crate::gpu::{read_f32, Gpu, GpuError};

/// One variant's outcome: its tile label, how many K chunks, and the largest |GPU − CPU| over C.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantCheck {
    pub label: &'static str,
    pub splits: usize,
    pub max_error: f32,
}

impl VariantCheck {
    /// Within float32 rounding for sums of K = 300 products of values below 1.
    pub fn passes(&self) -> bool {
        self.max_error <= 1e-4
    }
}

/// C (67, 45) = A (67, 300) · B (300, 45): no dimension a multiple of any tile, long enough K to split in three.
const SHAPE: (usize, usize, usize) = (67, 45, 300);

/// Runs every tile variant unsplit and split in three.
pub async fn check_matmul_variants(gpu: &Gpu) -> Result<Vec<VariantCheck>, GpuError> {
    let (m, n, k) = SHAPE;
    let a: Vec<f32> = (0..m * k).map(|i| ((i * 7 % 19) as f32 - 9.0) / 10.0).collect();
    let b: Vec<f32> = (0..k * n).map(|i| ((i * 5 % 17) as f32 - 8.0) / 10.0).collect();
    let want = multiply_cpu(&a, &b, m, k, n);
    let (a_buf, b_buf) = (gpu.storage_from("check A", &a), gpu.storage_from("check B", &b));
    let c = gpu.storage_zeroed("check C", m * n);
    let scratch = gpu.storage_zeroed("check scratch", 3 * m * n);
    let matmul = Matmul::new(gpu);
    let mut out = Vec::new();
    for (tile, variant) in TILES.iter().enumerate() {
        for splits in [1, 3] {
            let mut spec = MatmulSpec::new(m, n, k, Operand::rows(&a_buf, 0, k), Operand::rows(&b_buf, 0, n), &c);
            spec.scratch = Some(&scratch);
            let plan = Plan::new(tile, splits, k);
            let launches = matmul.prepare_with(gpu, &spec, plan);
            super::submit(gpu, "matmul check", &launches.iter().collect::<Vec<_>>());
            let got = read_f32(gpu, &c, 0, m * n).await?;
            // NaN counts as the largest error, not as none (f32::max would skip it).
            let max_error = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, |e, d| {
                if d.is_nan() {
                    f32::INFINITY
                } else {
                    e.max(d)
                }
            });
            out.push(VariantCheck { label: variant.label, splits: plan.splits, max_error });
        }
    }
    Ok(out)
}
