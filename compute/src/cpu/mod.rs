//! The plain-Rust reference GPT: one file per layer with its forward and backward side by side, and the whole model.
//!
//! Layers are generic over [`Real`] (f32 for the fallback backend, f64 for gradient checks). Every backward takes the
//! forward's arguments with a `d` prefix and *adds* into its gradients, as in llm.c.

pub mod attention;
pub mod crossentropy;
pub mod encoder;
pub mod gelu;
pub mod gemm;
pub mod layernorm;
pub mod matmul;
pub mod model;
pub mod residual;

pub use model::CpuModel;

use std::fmt::Debug;
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// A floating-point type the CPU layers run in: f32 or f64.
pub trait Real:
    num_traits::Float + AddAssign + SubAssign + MulAssign + DivAssign + Sum + Default + Debug + Send + Sync + 'static
{
    /// Converts from f64 (rounding for f32).
    fn of(x: f64) -> Self;
    /// The error function: libm's in f64 (a few ulp); in f32 the GPU kernel's (absolute error < 1.2e-7).
    fn erf(self) -> Self;
    /// `c = a·b + beta·c` on strided matrices through `matrixmultiply`; see [`gemm::gemm`] for the safe entry point.
    ///
    /// # Safety
    /// Every index reached through the given sizes and strides must lie inside the pointed-to buffers, and `c` must
    /// not overlap `a` or `b`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
}

impl Real for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
    /// Numerical Recipes' erfc (a Chebyshev fit with fractional error < 1.2e-7), as kernels/gelu.wgsl computes it:
    /// one exp where libm's erff takes two, and in a small model libm's erf was a quarter of a CPU training step.
    fn erf(self) -> Self {
        let z = self.abs();
        let t = 1.0 / (1.0 + 0.5 * z);
        let poly = -1.265_512_2
            + t * (1.000_023_7
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_9 + t * (1.488_515_9 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
        let erfc = t * (-z * z + poly).exp();
        if self >= 0.0 {
            1.0 - erfc
        } else {
            erfc - 1.0
        }
    }
    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const f32,
        rsa: isize,
        csa: isize,
        b: *const f32,
        rsb: isize,
        csb: isize,
        beta: f32,
        c: *mut f32,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: the caller guarantees the bounds and non-overlap matrixmultiply requires.
        unsafe { matrixmultiply::sgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
    }
}

impl Real for f64 {
    fn of(x: f64) -> Self {
        x
    }
    fn erf(self) -> Self {
        libm::erf(self)
    }
    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const f64,
        rsa: isize,
        csa: isize,
        b: *const f64,
        rsb: isize,
        csb: isize,
        beta: f64,
        c: *mut f64,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: the caller guarantees the bounds and non-overlap matrixmultiply requires.
        unsafe { matrixmultiply::dgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
    }
}
