//! Peak dense BF16/FP16 tensor throughput of common training accelerators, each from its vendor's datasheet.

/// One accelerator the calculator can turn GPU-hours into FLOPs for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gpu {
    /// Id used in the URL (`?gpu=h100`).
    pub id: &'static str,
    /// Name shown in the picker.
    pub name: &'static str,
    /// Peak dense (no structured sparsity) BF16 tensor FLOP/s with FP32 accumulation, FP16 where the chip has no BF16.
    pub peak_flops: f64,
    /// Where the number comes from, shown beside it.
    pub source: &'static str,
}

/// The picker's choices, most common first. Datasheets print the 2:4-sparsity figure first; the dense one is half of it.
pub const GPUS: [Gpu; 7] = [
    // H100 SXM5: BF16 Tensor Core 1,979 TFLOPS "with sparsity", so 989 dense (NVIDIA H100 Tensor Core GPU datasheet).
    Gpu {
        id: "h100",
        name: "NVIDIA H100 SXM",
        peak_flops: 989e12,
        source: "NVIDIA H100 datasheet: BF16 Tensor Core 1,979 TFLOPS with sparsity, 989 dense",
    },
    // H100 PCIe: BF16 Tensor Core 1,513 TFLOPS with sparsity, 756 dense (NVIDIA H100 Tensor Core GPU datasheet).
    Gpu {
        id: "h100-pcie",
        name: "NVIDIA H100 PCIe",
        peak_flops: 756e12,
        source: "NVIDIA H100 datasheet: BF16 Tensor Core 1,513 TFLOPS with sparsity, 756 dense",
    },
    // H200 SXM: same Hopper compute as the H100 SXM, 1,979 TFLOPS BF16 with sparsity (NVIDIA H200 datasheet).
    Gpu {
        id: "h200",
        name: "NVIDIA H200 SXM",
        peak_flops: 989e12,
        source: "NVIDIA H200 datasheet: BF16 Tensor Core 1,979 TFLOPS with sparsity, 989 dense",
    },
    // A100 SXM: BF16 Tensor Core 312 TFLOPS dense, 624 with sparsity (NVIDIA A100 Tensor Core GPU datasheet).
    Gpu {
        id: "a100",
        name: "NVIDIA A100 SXM",
        peak_flops: 312e12,
        source: "NVIDIA A100 datasheet: BF16 Tensor Core 312 TFLOPS dense (624 with sparsity)",
    },
    // V100 SXM2: 125 TFLOPS FP16 tensor (no BF16 on Volta) (NVIDIA V100 Tensor Core GPU datasheet).
    Gpu {
        id: "v100",
        name: "NVIDIA V100 SXM2",
        peak_flops: 125e12,
        source: "NVIDIA V100 datasheet: Tensor Performance 125 TFLOPS (FP16; Volta has no BF16)",
    },
    // RTX 4090: BF16/FP16 tensor with FP32 accumulate 165.2 TFLOPS dense, 330.3 with sparsity (NVIDIA Ada Lovelace
    // architecture whitepaper, Appendix A, GeForce RTX 4090).
    Gpu {
        id: "rtx4090",
        name: "NVIDIA RTX 4090",
        peak_flops: 165.2e12,
        source: "NVIDIA Ada Lovelace whitepaper: BF16/FP16 tensor, FP32 accumulate, 165.2 TFLOPS dense",
    },
    // MI300X: peak BF16 1,307.4 TFLOPS dense, 2,614.9 with sparsity (AMD Instinct MI300X datasheet).
    Gpu {
        id: "mi300x",
        name: "AMD Instinct MI300X",
        peak_flops: 1307.4e12,
        source: "AMD Instinct MI300X datasheet: peak BF16 1,307.4 TFLOPS dense",
    },
];

/// The accelerator for a URL id.
pub fn by_id(id: &str) -> Option<Gpu> {
    GPUS.iter().copied().find(|g| g.id == id)
}

/// The picker's default.
pub const DEFAULT: Gpu = GPUS[0];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_peaks_plausible() {
        for (i, g) in GPUS.iter().enumerate() {
            assert!(GPUS[i + 1..].iter().all(|o| o.id != g.id), "duplicate id {}", g.id);
            assert!((1e14..1e16).contains(&g.peak_flops), "{} peak {}", g.id, g.peak_flops);
            assert_eq!(by_id(g.id), Some(*g));
        }
        assert_eq!(by_id("nope"), None);
    }
}
