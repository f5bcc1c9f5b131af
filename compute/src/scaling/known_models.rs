//! Parameters and training tokens of well-known models, for placing a budget among them.

use serde::Serialize;

/// One published model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KnownModel {
    /// Name and size.
    pub name: &'static str,
    /// Year of release.
    pub year: u16,
    /// Parameters.
    pub params: f64,
    /// Training tokens.
    pub tokens: f64,
    /// Where the numbers come from.
    pub source: &'static str,
    /// True where the source gives only a lower bound or an approximate count of tokens ("15T+", "~15T").
    pub tokens_approximate: bool,
}

impl KnownModel {
    /// D/N.
    pub fn tokens_per_param(&self) -> f64 {
        self.tokens / self.params
    }

    /// C = 6·N·D.
    pub fn flops(&self) -> f64 {
        6.0 * self.params * self.tokens
    }
}

const CHINCHILLA_T1: &str = "Hoffmann et al. 2022, Table 1";
const fn model(name: &'static str, year: u16, params: f64, tokens: f64, source: &'static str) -> KnownModel {
    KnownModel { name, year, params, tokens, source, tokens_approximate: false }
}

/// Parameters and training tokens of well-known models (sources per row).
pub const KNOWN_MODELS: [KnownModel; 16] = [
    model("LaMDA", 2022, 137e9, 168e9, CHINCHILLA_T1),
    model("GPT-3", 2020, 175e9, 300e9, CHINCHILLA_T1),
    model("Jurassic", 2021, 178e9, 300e9, CHINCHILLA_T1),
    model("Gopher", 2021, 280e9, 300e9, CHINCHILLA_T1),
    model("MT-NLG 530B", 2022, 530e9, 270e9, CHINCHILLA_T1),
    model("Chinchilla", 2022, 70e9, 1.4e12, CHINCHILLA_T1),
    model("LLaMA 7B", 2023, 7e9, 1.0e12, "LLaMA model card"),
    model("LLaMA 13B", 2023, 13e9, 1.0e12, "LLaMA model card"),
    model("LLaMA 33B", 2023, 33e9, 1.4e12, "LLaMA model card"),
    model("LLaMA 65B", 2023, 65e9, 1.4e12, "LLaMA model card"),
    model("Llama 2 7B", 2023, 7e9, 2.0e12, "Llama 2 model card"),
    model("Llama 2 13B", 2023, 13e9, 2.0e12, "Llama 2 model card"),
    model("Llama 2 70B", 2023, 70e9, 2.0e12, "Llama 2 model card"),
    KnownModel { tokens_approximate: true, ..model("Llama 3 8B", 2024, 8e9, 15e12, "Llama 3 model card (15T+)") },
    KnownModel { tokens_approximate: true, ..model("Llama 3 70B", 2024, 70e9, 15e12, "Llama 3 model card (15T+)") },
    KnownModel {
        tokens_approximate: true,
        ..model("Llama 3.1 405B", 2024, 405e9, 15e12, "Llama 3.1 model card (~15T)")
    },
];
