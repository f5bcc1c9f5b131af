//! The self-checks the page's "Your GPU" view runs on the visitor's adapter, in one place on compute's public
//! surface: a demo matrix multiply with its CPU twin, and every matmul tile variant against the CPU.

pub use crate::kernels::matmul::{demo_inputs, multiply, multiply_cpu};
pub use crate::kernels::matmul_check::{check_matmul_variants, VariantCheck};
