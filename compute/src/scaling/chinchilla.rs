//! Chinchilla's parametric loss L(N,D) = E + A/N^α + B/D^β: Hoffmann et al. 2022 and Epoch's refit, with the closed form.

use super::{check_output, check_positive, ScalingError, MAX_FLOPS, MAX_PARAMS, MAX_TOKENS};
use serde::Serialize;

/// The five numbers of L(N,D) = E + A/N^α + B/D^β (N parameters, D training tokens, loss in nats per token).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ParametricLoss {
    /// Irreducible loss E.
    #[serde(rename = "E")]
    pub e: f64,
    /// Coefficient A of the parameter term.
    #[serde(rename = "A")]
    pub a: f64,
    /// Coefficient B of the data term.
    #[serde(rename = "B")]
    pub b: f64,
    /// Exponent α of the parameter term.
    pub alpha: f64,
    /// Exponent β of the data term.
    pub beta: f64,
}

impl ParametricLoss {
    /// Checks that the law has a compute-optimal form: all five numbers finite, A, B, α, β > 0, E ≥ 0.
    pub fn validate(&self) -> Result<(), ScalingError> {
        for (name, value) in [("A", self.a), ("B", self.b), ("alpha", self.alpha), ("beta", self.beta)] {
            check_positive(name, value, 1e30)?;
        }
        if !self.e.is_finite() || self.e < 0.0 {
            return Err(ScalingError::Invalid { name: "E", value: self.e, why: "must be finite and ≥ 0".into() });
        }
        Ok(())
    }

    /// Predicted loss; no input checks (see [`ParametricLoss::predict`] for the checked form).
    pub fn loss(&self, n: f64, d: f64) -> f64 {
        self.e + self.a / n.powf(self.alpha) + self.b / d.powf(self.beta)
    }

    /// Predicted loss at N parameters and D tokens, with both inputs validated.
    pub fn predict(&self, n: f64, d: f64) -> Result<f64, ScalingError> {
        let n = check_positive("params", n, MAX_PARAMS)?;
        let d = check_positive("tokens", d, MAX_TOKENS)?;
        check_output("loss", self.loss(n, d))
    }

    /// Allocation exponents under C = 6ND: N_opt ∝ C^a with a = β/(α+β), D_opt ∝ C^b with b = α/(α+β)
    /// (Hoffmann et al. 2022, Eq. 4).
    pub fn exponents(&self) -> (f64, f64) {
        let s = self.alpha + self.beta;
        (self.beta / s, self.alpha / s)
    }

    /// G = (αA/(βB))^(1/(α+β)) of the closed form (Hoffmann et al. 2022, Eq. 4).
    pub fn g(&self) -> f64 {
        (self.alpha * self.a / (self.beta * self.b)).powf(1.0 / (self.alpha + self.beta))
    }

    /// Compute-optimal (N, D) for a budget of `flops` under C = 6ND: N_opt = G·(C/6)^a, D_opt = G⁻¹·(C/6)^b
    /// (Hoffmann et al. 2022, Eq. 4). The law must be valid ([`ParametricLoss::validate`]).
    pub fn optimal(&self, flops: f64) -> Result<(f64, f64), ScalingError> {
        let c = check_positive("flops", flops, MAX_FLOPS)?;
        self.validate()?;
        let (a, b) = self.exponents();
        let g = self.g();
        // In logs, so a huge budget cannot overflow an intermediate power.
        let lc = (c / 6.0).ln();
        let n = (g.ln() + a * lc).exp();
        let d = (b * lc - g.ln()).exp();
        Ok((check_output("n_opt", n)?, check_output("d_opt", d)?))
    }
}

/// A published parametric fit: the law plus the name and citation the page shows beside it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// Short id used on the command line and in URLs.
    pub id: &'static str,
    /// Human name.
    pub name: &'static str,
    /// Paper, equation or table the numbers come from.
    pub source: &'static str,
    /// The fitted law.
    pub law: ParametricLoss,
}

/// Hoffmann et al. 2022, Approach 3, unrounded: ln A = 6.0073404, ln B = 6.0179186, ln E = 0.5267228, α = 0.33917084,
/// β = 0.2849083 (Hoffmann et al. 2022, Approach 3, Sec. 3.3, unrounded estimates; A, B, E are the exponentials of those
/// logs, checked in a test to 1e-12).
pub const HOFFMANN: Fit = Fit {
    id: "hoffmann",
    name: "Hoffmann 2022 (unrounded)",
    source: "Hoffmann et al. 2022, Approach 3, Sec. 3.3 (unrounded estimates behind Eq. 10)",
    law: ParametricLoss {
        e: 1.6933736809989528,
        a: 406.4010175194737,
        b: 410.7228269450398,
        alpha: 0.33917084,
        beta: 0.2849083,
    },
};

/// ln A, ln B, ln E of the unrounded Hoffmann fit, as published (Hoffmann et al. 2022, Approach 3, unrounded).
pub const HOFFMANN_LOGS: [f64; 3] = [6.0073404, 6.0179186, 0.5267228];

/// Hoffmann et al. 2022, Approach 3, as printed in Eq. 10: E = 1.69, A = 406.4, B = 410.7, α = 0.34, β = 0.28.
pub const HOFFMANN_ROUNDED: Fit = Fit {
    id: "hoffmann-rounded",
    name: "Hoffmann 2022 (Eq. 10)",
    source: "Hoffmann et al. 2022, Approach 3, Eq. 10 / Sec. 3.3 (rounded)",
    law: ParametricLoss { e: 1.69, a: 406.4, b: 410.7, alpha: 0.34, beta: 0.28 },
};

/// Epoch's refit on 240 points read off Chinchilla's Fig. 4: A = 482.01, B = 2085.43, E = 1.8169, α = 0.3478,
/// β = 0.3658 (Besiroglu et al. 2024, arXiv:2404.10102, refit of Approach 3).
pub const EPOCH: Fit = Fit {
    id: "epoch",
    name: "Epoch 2024 refit",
    source: "Besiroglu et al. 2024 (Epoch AI, arXiv:2404.10102), refit of Approach 3",
    law: ParametricLoss { e: 1.8169, a: 482.01, b: 2085.43, alpha: 0.3478, beta: 0.3658 },
};

/// Standard errors of Epoch's refit, in the order A, B, E, α, β (Besiroglu et al. 2024).
pub const EPOCH_STD_ERRORS: ParametricLoss =
    ParametricLoss { a: 124.52, b: 1293.28, e: 0.0257, alpha: 0.0154, beta: 0.0206 };

/// Allocation exponent a of N_opt ∝ C^a implied by Epoch's refit, as the paper states it (Besiroglu et al. 2024).
pub const EPOCH_A: f64 = 0.513;

/// The parametric fits shipped with the lab, in display order.
pub const FITS: [Fit; 3] = [HOFFMANN, HOFFMANN_ROUNDED, EPOCH];

/// N_opt ∝ C^a, D_opt ∝ C^b as one method estimated them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AllocationExponents {
    /// Method name.
    pub method: &'static str,
    /// Exponent of N_opt.
    pub a: f64,
    /// Exponent of D_opt.
    pub b: f64,
    /// Citation.
    pub source: &'static str,
}

/// Table 2 of Hoffmann et al. 2022: the allocation exponents of Approaches 1–3 and of Kaplan et al. 2020.
pub const TABLE_2: [AllocationExponents; 4] = [
    AllocationExponents {
        method: "Approach 1 (minimum over training curves)",
        a: 0.50,
        b: 0.50,
        source: TABLE_2_SOURCE,
    },
    AllocationExponents { method: "Approach 2 (IsoFLOP profiles)", a: 0.49, b: 0.51, source: TABLE_2_SOURCE },
    AllocationExponents { method: "Approach 3 (parametric loss)", a: 0.46, b: 0.54, source: TABLE_2_SOURCE },
    AllocationExponents { method: "Kaplan et al. 2020", a: 0.73, b: 0.27, source: TABLE_2_SOURCE },
];
const TABLE_2_SOURCE: &str = "Hoffmann et al. 2022, Table 2";

/// Chinchilla's parameters: 70B (Hoffmann et al. 2022, Table 1).
pub const CHINCHILLA_PARAMS: f64 = 70e9;
/// Chinchilla's training tokens: 1.4T (Hoffmann et al. 2022, Table 1).
pub const CHINCHILLA_TOKENS: f64 = 1.4e12;
/// Gopher's training budget, which Chinchilla matched: 5.76e23 FLOPs (Hoffmann et al. 2022, Sec. 4).
pub const GOPHER_FLOPS: f64 = 5.76e23;

/// Approach 3's search grid for α and β: {0, 0.5, …, 2} (Hoffmann et al. 2022, Sec. 3.3, fitting details in the appendix).
pub const GRID_ALPHA_BETA: [f64; 5] = [0.0, 0.5, 1.0, 1.5, 2.0];
/// Approach 3's search grid for e = ln E: {−1, −0.5, …, 1} (Hoffmann et al. 2022, Sec. 3.3, fitting details in the appendix).
pub const GRID_E: [f64; 5] = [-1.0, -0.5, 0.0, 0.5, 1.0];
/// Approach 3's search grid for a = ln A and b = ln B: {0, 5, …, 25} (Hoffmann et al. 2022, Sec. 3.3, fitting details in the appendix).
pub const GRID_A_B: [f64; 6] = [0.0, 5.0, 10.0, 15.0, 20.0, 25.0];
/// Approach 3's Huber δ on log loss (Hoffmann et al. 2022, Sec. 3.3).
pub const HUBER_DELTA: f64 = 1e-3;
