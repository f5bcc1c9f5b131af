//! Parameter layout: every named GPT tensor (nanoGPT's state_dict names and nn.Linear [out, in] shapes) at its offset in
//! one flat f32 buffer, shared by parameters, gradients and optimizer state on CPU and GPU; plus nanoGPT's initialisation.

use crate::config::ModelConfig;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// How a tensor starts, as in nanoGPT's `_init_weights` and its scaled `c_proj` init.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Normal(0, std).
    Normal(f32),
    Zeros,
    Ones,
}

/// One named tensor: `buffer[offset..offset + len]`, row-major with `shape`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// nanoGPT's state_dict key, e.g. `transformer.h.0.attn.c_attn.weight`.
    pub name: String,
    /// PyTorch shape; Linear weights are [out, in].
    pub shape: Vec<usize>,
    /// Index of the first element in the flat buffer.
    pub offset: usize,
    /// Number of elements (product of `shape`).
    pub len: usize,
    /// Gets AdamW weight decay: true only for 2-D matmul weights, never for biases, LayerNorms or embeddings.
    pub decay: bool,
    /// Initial values.
    pub init: Init,
}

impl Tensor {
    /// The range of this tensor in the flat buffer.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len
    }
}

/// Offsets of one transformer block's tensors; biases are `None` when the config has `bias: false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerOffsets {
    pub ln_1_weight: usize,            // (C)
    pub ln_1_bias: Option<usize>,      // (C)
    pub c_attn_weight: usize,          // (3C, C)
    pub c_attn_bias: Option<usize>,    // (3C)
    pub attn_proj_weight: usize,       // (C, C)  attn.c_proj
    pub attn_proj_bias: Option<usize>, // (C)
    pub ln_2_weight: usize,            // (C)
    pub ln_2_bias: Option<usize>,      // (C)
    pub c_fc_weight: usize,            // (F, C)
    pub c_fc_bias: Option<usize>,      // (F)
    pub mlp_proj_weight: usize,        // (C, F)  mlp.c_proj
    pub mlp_proj_bias: Option<usize>,  // (C)
}

/// The ordered list of a model's tensors in one flat buffer, in nanoGPT's state_dict order.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamLayout {
    tensors: Vec<Tensor>,
    layers: Vec<LayerOffsets>,
    wte: usize,               // (V, C)
    wpe: usize,               // (n_ctx, C)
    ln_f_weight: usize,       // (C)
    ln_f_bias: Option<usize>, // (C)
    lm_head: usize,           // (V, C): wte's offset when tied
    total: usize,
}

/// Appends tensors one after another, handing out offsets.
struct Builder {
    tensors: Vec<Tensor>,
    next: usize,
}

impl Builder {
    fn push(&mut self, name: String, shape: Vec<usize>, decay: bool, init: Init) -> usize {
        let len = shape.iter().product();
        let offset = self.next;
        self.tensors.push(Tensor { name, shape, offset, len, decay, init });
        self.next += len;
        offset
    }

    /// A matmul weight: decayed, Normal(0, std).
    fn weight(&mut self, name: String, shape: Vec<usize>, std: f32) -> usize {
        self.push(name, shape, true, Init::Normal(std))
    }

    /// A zero-initialised bias, present only when `bias`.
    fn bias(&mut self, bias: bool, name: String, len: usize) -> Option<usize> {
        bias.then(|| self.push(name, vec![len], false, Init::Zeros))
    }

    /// A LayerNorm: weight of ones, plus a bias of zeros when `bias`.
    fn layernorm(&mut self, bias: bool, prefix: &str, c: usize) -> (usize, Option<usize>) {
        let w = self.push(format!("{prefix}.weight"), vec![c], false, Init::Ones);
        (w, self.bias(bias, format!("{prefix}.bias"), c))
    }
}

impl ParamLayout {
    /// Lays out every tensor of `config` (assumed valid) in nanoGPT's state_dict order.
    pub fn new(config: &ModelConfig) -> ParamLayout {
        let (v, c, f, b) = (config.vocab_size, config.d_model, config.d_ff, config.bias);
        let std = 0.02;
        // GPT-2's scaled init for projections that write into the residual stream: one per attention and MLP per layer.
        let proj_std = 0.02 / (2.0 * config.n_layer as f32).sqrt();
        let mut t = Builder { tensors: Vec::new(), next: 0 };
        // Embeddings are Normal(0, 0.02) like the weights but never decayed.
        let wte = t.push("transformer.wte.weight".into(), vec![v, c], false, Init::Normal(std));
        let wpe = t.push("transformer.wpe.weight".into(), vec![config.n_ctx, c], false, Init::Normal(std));
        let layers = (0..config.n_layer)
            .map(|l| {
                let p = format!("transformer.h.{l}");
                let (ln_1_weight, ln_1_bias) = t.layernorm(b, &format!("{p}.ln_1"), c);
                let c_attn_weight = t.weight(format!("{p}.attn.c_attn.weight"), vec![3 * c, c], std);
                let c_attn_bias = t.bias(b, format!("{p}.attn.c_attn.bias"), 3 * c);
                let attn_proj_weight = t.weight(format!("{p}.attn.c_proj.weight"), vec![c, c], proj_std);
                let attn_proj_bias = t.bias(b, format!("{p}.attn.c_proj.bias"), c);
                let (ln_2_weight, ln_2_bias) = t.layernorm(b, &format!("{p}.ln_2"), c);
                let c_fc_weight = t.weight(format!("{p}.mlp.c_fc.weight"), vec![f, c], std);
                let c_fc_bias = t.bias(b, format!("{p}.mlp.c_fc.bias"), f);
                let mlp_proj_weight = t.weight(format!("{p}.mlp.c_proj.weight"), vec![c, f], proj_std);
                let mlp_proj_bias = t.bias(b, format!("{p}.mlp.c_proj.bias"), c);
                LayerOffsets {
                    ln_1_weight,
                    ln_1_bias,
                    c_attn_weight,
                    c_attn_bias,
                    attn_proj_weight,
                    attn_proj_bias,
                    ln_2_weight,
                    ln_2_bias,
                    c_fc_weight,
                    c_fc_bias,
                    mlp_proj_weight,
                    mlp_proj_bias,
                }
            })
            .collect();
        let (ln_f_weight, ln_f_bias) = t.layernorm(b, "transformer.ln_f", c);
        let lm_head = if config.tie_embeddings { wte } else { t.weight("lm_head.weight".into(), vec![v, c], std) };
        ParamLayout { total: t.next, tensors: t.tensors, layers, wte, wpe, ln_f_weight, ln_f_bias, lm_head }
    }

    /// Number of f32 values in the flat buffer (= `ModelConfig::param_count`).
    pub fn total(&self) -> usize {
        self.total
    }

    /// The tensor called `name` (nanoGPT's key), if this model has it. `lm_head.weight` exists only when untied.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Every tensor, in buffer order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tensor> {
        self.tensors.iter()
    }

    /// Every tensor, in buffer order.
    pub fn tensors(&self) -> &[Tensor] {
        &self.tensors
    }

    /// Offsets of block `l`'s tensors. Panics when `l >= n_layer`.
    pub fn layer(&self, l: usize) -> &LayerOffsets {
        &self.layers[l]
    }

    /// Number of transformer blocks.
    pub fn n_layer(&self) -> usize {
        self.layers.len()
    }

    /// Token embedding `transformer.wte.weight`, (V, C).
    pub fn wte(&self) -> usize {
        self.wte
    }

    /// Position embedding `transformer.wpe.weight`, (n_ctx, C).
    pub fn wpe(&self) -> usize {
        self.wpe
    }

    /// Final LayerNorm weight, (C).
    pub fn ln_f_weight(&self) -> usize {
        self.ln_f_weight
    }

    /// Final LayerNorm bias, (C), when the config has biases.
    pub fn ln_f_bias(&self) -> Option<usize> {
        self.ln_f_bias
    }

    /// The LM head's (V, C) weight: `lm_head.weight` when untied, else the same offset as [`Self::wte`].
    pub fn lm_head(&self) -> usize {
        self.lm_head
    }

    /// Whether the LM head shares `wte` (its gradient then adds into wte's).
    pub fn tied(&self) -> bool {
        self.lm_head == self.wte
    }
}

impl<'a> IntoIterator for &'a ParamLayout {
    type Item = &'a Tensor;
    type IntoIter = std::slice::Iter<'a, Tensor>;
    fn into_iter(self) -> Self::IntoIter {
        self.tensors.iter()
    }
}

/// nanoGPT's initialisation of every parameter, deterministic from `seed` (ChaCha8, tensors filled in layout order):
/// Linear and embedding weights Normal(0, 0.02), residual projections (`attn.c_proj.weight`, `mlp.c_proj.weight`)
/// Normal(0, 0.02/sqrt(2·n_layer)), biases 0, LayerNorm weights 1 and biases 0.
pub fn init_params(config: &ModelConfig, seed: u64) -> Vec<f32> {
    let layout = ParamLayout::new(config);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut params = vec![0.0f32; layout.total()];
    for t in &layout {
        let slice = &mut params[t.range()];
        match t.init {
            Init::Normal(std) => {
                let normal = Normal::new(0.0f32, std).expect("init std is finite and positive");
                slice.iter_mut().for_each(|x| *x = normal.sample(&mut rng));
            }
            Init::Zeros => slice.fill(0.0),
            Init::Ones => slice.fill(1.0),
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(bias: bool, tie_embeddings: bool) -> ModelConfig {
        ModelConfig { vocab_size: 13, n_ctx: 8, n_layer: 2, n_head: 2, d_model: 16, d_ff: 48, bias, tie_embeddings }
    }

    #[test]
    fn layout_is_contiguous_and_matches_param_count() {
        for (bias, tied) in [(true, true), (true, false), (false, true), (false, false)] {
            let config = cfg(bias, tied);
            let layout = ParamLayout::new(&config);
            assert_eq!(layout.total() as u64, config.param_count());
            let mut next = 0;
            for t in &layout {
                assert_eq!(t.offset, next, "{} is not right after its predecessor", t.name);
                assert_eq!(t.len, t.shape.iter().product::<usize>());
                next += t.len;
            }
            assert_eq!(next, layout.total());
            assert_eq!(layout.get("lm_head.weight").is_some(), !tied);
            assert_eq!(layout.tied(), tied);
            assert_eq!(layout.get("transformer.h.1.ln_2.bias").is_some(), bias);
            assert_eq!(layout.get("transformer.ln_f.bias").map(|t| t.offset), layout.ln_f_bias());
        }
    }

    #[test]
    fn names_shapes_and_offsets_follow_nanogpt() {
        let layout = ParamLayout::new(&cfg(true, false));
        let names: Vec<&str> = layout.iter().take(8).map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "transformer.wte.weight",
                "transformer.wpe.weight",
                "transformer.h.0.ln_1.weight",
                "transformer.h.0.ln_1.bias",
                "transformer.h.0.attn.c_attn.weight",
                "transformer.h.0.attn.c_attn.bias",
                "transformer.h.0.attn.c_proj.weight",
                "transformer.h.0.attn.c_proj.bias",
            ]
        );
        let fc = layout.get("transformer.h.1.mlp.c_fc.weight").unwrap();
        assert_eq!(fc.shape, [48, 16]);
        assert_eq!(fc.offset, layout.layer(1).c_fc_weight);
        assert_eq!(layout.get("transformer.h.1.mlp.c_proj.weight").unwrap().shape, [16, 48]);
        assert_eq!(layout.get("lm_head.weight").unwrap().offset, layout.lm_head());
        assert_eq!(layout.tensors().last().unwrap().name, "lm_head.weight");
        let decayed: Vec<bool> = layout.iter().map(|t| t.decay).collect();
        let want: Vec<bool> = layout
            .iter()
            .map(|t| t.shape.len() == 2 && !t.name.contains(".wte.") && !t.name.contains(".wpe."))
            .collect();
        assert_eq!(decayed, want);
    }

    #[test]
    fn init_is_deterministic_and_scaled() {
        let config = ModelConfig { n_layer: 8, ..ModelConfig::preset("small").unwrap() };
        let a = init_params(&config, 7);
        assert_eq!(a, init_params(&config, 7));
        assert_ne!(a, init_params(&config, 8));
        let layout = ParamLayout::new(&config);
        let std = |name: &str| {
            let x = &a[layout.get(name).unwrap().range()];
            (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
        };
        assert!((std("transformer.h.0.mlp.c_fc.weight") - 0.02).abs() < 0.001);
        assert!((std("transformer.h.3.mlp.c_proj.weight") - 0.005).abs() < 0.0005);
        assert_eq!(std("transformer.h.3.ln_1.weight"), 1.0);
        assert_eq!(std("transformer.h.3.attn.c_attn.bias"), 0.0);
    }
}
