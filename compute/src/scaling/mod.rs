//! Scaling laws: the published laws, compute-optimal allocation, and fitting them to your own runs.
//!
//! Everything here is plain arithmetic on `f64` (no files, no threads), so the page can call it in wasm. Every published
//! constant carries its source in a doc comment, and every law or fit a `source` string the page shows beside the number.
//!
//! - [`kaplan`]: Kaplan et al. 2020 — L(N), L(D), L(N,D), L(C_min), L(N,S), B_crit(L), the LR rule, Table 6.
//! - [`chinchilla`]: Hoffmann et al. 2022 parametric loss (rounded and unrounded) and Epoch's refit (Besiroglu et al. 2024).
//! - [`allocation`]: one calculator over all fits: compute-optimal N and D for a budget, and what follows from them.
//! - [`hardware`]: FLOPs from device-hours and back.
//! - [`known_models`]: parameters and training tokens of well-known models.
//! - [`observations`]: (N, D, loss) points parsed from CSV or JSON text.
//! - [`fit_approach3`], [`fit_approach2`], [`power_law`]: fits with goodness of fit and bootstrap intervals.

pub mod allocation;
pub mod chinchilla;
pub mod fit_approach2;
pub mod fit_approach3;
pub mod hardware;
pub mod kaplan;
pub mod known_models;
pub mod observations;
mod optimize;
pub mod power_law;
pub(crate) mod stats;

pub use allocation::{
    compute_optimal, evaluate, optimal_for_params, optimal_for_tokens, Allocation, Evaluation, LawId,
};
pub use chinchilla::{Fit, ParametricLoss, EPOCH, HOFFMANN, HOFFMANN_ROUNDED};
pub use fit_approach2::{fit_approach2, Approach2Fit, Approach2Options};
pub use fit_approach3::{fit_approach3, Approach3Fit, Approach3Options, Starts};
pub use observations::{parse_observations, Observation};
pub use power_law::{fit_power_law, PowerLawFit};
pub use stats::{Estimate, Goodness};

use std::fmt;

/// Largest parameter count accepted as input: far beyond any model trained so far (~1e12), small enough to stay finite.
pub const MAX_PARAMS: f64 = 1e18;
/// Largest token count accepted as input.
pub const MAX_TOKENS: f64 = 1e22;
/// Largest compute budget accepted as input, in FLOPs (the largest training runs so far are ~1e26).
pub const MAX_FLOPS: f64 = 1e40;

/// Why a scaling computation refused its input or could not produce a result.
#[derive(Clone, Debug, PartialEq)]
pub enum ScalingError {
    /// An input number is NaN, infinite, not positive, or absurdly large.
    Invalid { name: &'static str, value: f64, why: String },
    /// A row of a CSV file could not be read (1-based line number).
    Parse { line: usize, message: String },
    /// A record of a JSON file could not be read (1-based position in its array).
    Record { index: usize, message: String },
    /// Too few points, or points that cannot determine a fit.
    NotEnoughData(String),
    /// The optimiser found no finite solution.
    FitFailed(String),
}

impl fmt::Display for ScalingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalingError::Invalid { name, value, why } => {
                // Plain for everyday magnitudes (-1, 0.5, 40), scientific for the rest (1e300, 2.5e-9).
                if *value == 0.0 || !value.is_finite() || (1e-3..1e6).contains(&value.abs()) {
                    write!(f, "{name} = {value}: {why}")
                } else {
                    write!(f, "{name} = {value:e}: {why}")
                }
            }
            ScalingError::Parse { line, message } => write!(f, "line {line}: {message}"),
            ScalingError::Record { index, message } => write!(f, "record {index}: {message}"),
            ScalingError::NotEnoughData(message) => write!(f, "not enough data: {message}"),
            ScalingError::FitFailed(message) => write!(f, "fit failed: {message}"),
        }
    }
}

impl std::error::Error for ScalingError {}

/// Checks that `value` is a finite number in (0, max]; the error names the quantity and says what is wrong.
pub fn check_positive(name: &'static str, value: f64, max: f64) -> Result<f64, ScalingError> {
    let why = if value.is_nan() {
        "is not a number".to_string()
    } else if value.is_infinite() {
        "must be finite".to_string()
    } else if value <= 0.0 {
        "must be greater than zero".to_string()
    } else if value > max {
        format!("is absurdly large (the limit is {max:e})")
    } else {
        return Ok(value);
    };
    Err(ScalingError::Invalid { name, value, why })
}

/// Checks that a computed quantity came out finite and positive (it cannot for valid inputs; this keeps NaN out of output).
pub(crate) fn check_output(name: &'static str, value: f64) -> Result<f64, ScalingError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ScalingError::Invalid { name, value, why: "is out of the range this law can represent".to_string() })
    }
}
