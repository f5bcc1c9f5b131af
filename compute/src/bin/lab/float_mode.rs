//! Flush subnormal floats to zero for this process's CPU arithmetic.
//!
//! A run whose rate is too high drifts into weights and gradients around 1e-38 and below; x86 cores take a slow
//! microcode assist on subnormal operands, so such a run trained 3–12× slower than its neighbours in the
//! learning-rate sweeps (the 8× run at 100k parameters: 1883 s against ~150 s; `perf` put 75% of it in the matmul
//! kernel). WGSL allows a GPU to flush subnormals, so the GPU backend may already do the same. Values that small
//! carry nothing a 32-bit training run can use.

/// Sets flush-to-zero and denormals-are-zero for the calling thread and the threads it starts afterwards
/// (they inherit the floating-point control register). A no-op on other architectures.
pub fn flush_subnormals() {
    #[cfg(target_arch = "x86_64")]
    {
        const FLUSH_TO_ZERO: u32 = 1 << 15;
        const DENORMALS_ARE_ZERO: u32 = 1 << 6;
        let mut csr: u32 = 0;
        // SAFETY: stmxcsr/ldmxcsr read and write the SSE control register through a valid pointer to a local;
        // the two bits set change only how subnormal values round, no memory or exception state.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack));
            csr |= FLUSH_TO_ZERO | DENORMALS_ARE_ZERO;
            std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly));
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        const FLUSH_TO_ZERO: u64 = 1 << 24;
        // SAFETY: reads and writes FPCR; the FZ bit only changes how subnormal values are treated.
        unsafe {
            let mut fpcr: u64;
            std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack));
            fpcr |= FLUSH_TO_ZERO;
            std::arch::asm!("msr fpcr, {}", in(reg) fpcr, options(nomem, nostack));
        }
    }
}

#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
mod tests {
    use std::hint::black_box;

    #[test]
    fn subnormal_results_flush_to_zero_in_this_thread_and_its_children() {
        let half_of_smallest_normal = || black_box(f32::MIN_POSITIVE) * black_box(0.5);
        assert!(half_of_smallest_normal() > 0.0, "without the flag the product is a subnormal");
        super::flush_subnormals();
        assert_eq!(half_of_smallest_normal(), 0.0);
        assert_eq!(std::thread::spawn(half_of_smallest_normal).join().unwrap(), 0.0);
        // Normal arithmetic is untouched.
        assert_eq!(black_box(f32::MIN_POSITIVE) * black_box(2.0), f32::MIN_POSITIVE * 2.0);
    }
}
