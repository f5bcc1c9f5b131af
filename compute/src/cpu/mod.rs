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
pub mod math;
pub mod matmul;
pub mod model;
pub mod plan;
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
    /// The error function: libm's in f64 (a few ulp); in f32 the GPU kernel's (absolute error < 4e-7).
    fn erf(self) -> Self;
    /// e^x for the per-element loops: std's in f64; in f32 a polynomial the compiler can vectorise (relative error
    /// < 3e-7, see [`math::exp_f32`]).
    fn fast_exp(self) -> Self;
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
    #[inline(always)]
    fn erf(self) -> Self {
        math::erf_f32(self)
    }
    #[inline(always)]
    fn fast_exp(self) -> Self {
        math::exp_f32(self)
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
    fn fast_exp(self) -> Self {
        self.exp()
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
