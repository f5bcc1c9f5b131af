//! The f32 exp and erf the CPU layers call per element, written as plain arithmetic so that the compiler can
//! vectorise the loops around them: glibc's expf and libm's erff are function calls, one element at a time, and they
//! were a third of a small model's training step (`perf record` on a running sweep). Both stay within 3 ulp.

/// e^x with a relative error below 3e-7 (Cephes' expf: x = k·ln 2 + r, |r| ≤ ½ln 2, a degree-7 polynomial in r,
/// scaled by 2^k through the exponent bits). Saturates to ~1.2e-38 below −87.3 (true e^x is subnormal or 0 there;
/// every caller adds it to something of order 1) and to ~2.4e38 above 88.37; NaN stays NaN. No calls, saturating
/// float-to-int casts or integer clamps: with those the loops around it stayed scalar.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LO: f32 = -87.336_55; // ln of the smallest normal f32: k ≥ −126
    const HI: f32 = 88.37; // just under 127.5·ln 2: k ≤ 127
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that k·LN2_HI is exact for |k| < 2^9.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5·2^23 rounds to an integer held in the low mantissa bits: k is those bits minus ROUND's.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(LO, HI); // NaN stays NaN
    let shifted = x * LOG2E + ROUND;
    let k = shifted - ROUND;
    let r = x - k * LN2_HI - k * LN2_LO;
    let p = 1.987_569_2e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 0.166_666_65;
    let p = p * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    // 2^k: k + 127 (in 1..=254 here) is the biased exponent.
    let two_k = f32::from_bits(shifted.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127) << 23);
    e_r * two_k
}

/// erf(x) from Numerical Recipes' erfc (a Chebyshev fit with fractional error < 1.2e-7), as kernels/matmul.wgsl
/// computes it: one exp where libm's erff takes two.
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_2
        + t * (1.000_023_7
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_204 + t * (1.488_515_9 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * exp_f32(-z * z + poly);
    if x >= 0.0 {
        1.0 - erfc
    } else {
        erfc - 1.0
    }
}
