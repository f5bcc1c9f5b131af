//! The whole GPT on the CPU: parameters and gradients in one flat buffer each (the [`ParamLayout`]), forward to the
//! mean loss and backward into the gradients.

use super::attention::{attention_backward, attention_forward};
use super::crossentropy::{crossentropy_backward, crossentropy_forward};
use super::encoder::{encoder_backward, encoder_forward};
use super::gelu::{gelu_backward, gelu_forward};
use super::layernorm::{layernorm_backward, layernorm_forward};
use super::matmul::{matmul_backward, matmul_forward};
use super::residual::{residual_backward, residual_forward};
use super::Real;
use crate::config::ModelConfig;
use crate::params::{init_params, ParamLayout};

/// A GPT with its parameters, gradients and the activations of the last forward pass.
pub struct CpuModel<F: Real = f32> {
    pub config: ModelConfig,
    pub layout: ParamLayout,
    /// Every parameter, laid out by `layout`: (layout.total()).
    pub params: Vec<F>,
    /// Gradients in the same layout; `backward` adds into them, `zero_grad` clears them.
    pub grads: Vec<F>,
    acts: Activations<F>,
    /// Gradients of the activations, kept between steps so a training step allocates nothing.
    dacts: Activations<F>,
    dacts_shape: (usize, usize), // (B, T) that `dacts` is sized for
    tokens: Vec<u32>,            // (B, T)
    targets: Vec<u32>,           // (B, T), meaningful when `has_targets`
    has_targets: bool,
    batch: usize,
    t: usize,
    loss: Option<F>,
}

/// What one transformer block keeps from the forward pass for the backward pass (and, with `d` in front, their
/// gradients). `residual` into block l is the previous block's `residual3`, or the embedding for block 0.
#[derive(Clone)]
struct LayerActs<F> {
    ln1: Vec<F>,       // (B, T, C)
    ln1_mean: Vec<F>,  // (B, T)
    ln1_rstd: Vec<F>,  // (B, T)
    qkv: Vec<F>,       // (B, T, 3C)
    att: Vec<F>,       // (B, NH, T, T)
    atty: Vec<F>,      // (B, T, C)
    attproj: Vec<F>,   // (B, T, C)
    residual2: Vec<F>, // (B, T, C)
    ln2: Vec<F>,       // (B, T, C)
    ln2_mean: Vec<F>,  // (B, T)
    ln2_rstd: Vec<F>,  // (B, T)
    fch: Vec<F>,       // (B, T, F)
    fch_gelu: Vec<F>,  // (B, T, F)
    fcproj: Vec<F>,    // (B, T, C)
    residual3: Vec<F>, // (B, T, C)
}

/// Every activation of a forward pass over a (B, T) batch.
#[derive(Clone)]
struct Activations<F> {
    encoded: Vec<F>, // (B, T, C)
    layers: Vec<LayerActs<F>>,
    lnf: Vec<F>,      // (B, T, C)
    lnf_mean: Vec<F>, // (B, T)
    lnf_rstd: Vec<F>, // (B, T)
    logits: Vec<F>,   // (B, T, V)
    probs: Vec<F>,    // (B, T, V)
    losses: Vec<F>,   // (B, T)
}

impl<F: Real> Activations<F> {
    fn zeros(cfg: &ModelConfig, b: usize, t: usize) -> Self {
        let (n, c, v) = (b * t, cfg.d_model, cfg.vocab_size);
        let z = |len: usize| vec![F::zero(); len];
        let layer = LayerActs {
            ln1: z(n * c),
            ln1_mean: z(n),
            ln1_rstd: z(n),
            qkv: z(n * 3 * c),
            att: z(b * cfg.n_head * t * t),
            atty: z(n * c),
            attproj: z(n * c),
            residual2: z(n * c),
            ln2: z(n * c),
            ln2_mean: z(n),
            ln2_rstd: z(n),
            fch: z(n * cfg.d_ff),
            fch_gelu: z(n * cfg.d_ff),
            fcproj: z(n * c),
            residual3: z(n * c),
        };
        Activations {
            encoded: z(n * c),
            layers: vec![layer; cfg.n_layer],
            lnf: z(n * c),
            lnf_mean: z(n),
            lnf_rstd: z(n),
            logits: z(n * v),
            probs: z(n * v),
            losses: z(n),
        }
    }
}

impl<F: Real> Activations<F> {
    /// Sets every buffer to zero (the backward adds into them).
    fn fill_zero(&mut self) {
        let z = F::zero();
        for la in &mut self.layers {
            for buf in [
                &mut la.ln1,
                &mut la.ln1_mean,
                &mut la.ln1_rstd,
                &mut la.qkv,
                &mut la.att,
                &mut la.atty,
                &mut la.attproj,
                &mut la.residual2,
                &mut la.ln2,
                &mut la.ln2_mean,
                &mut la.ln2_rstd,
                &mut la.fch,
                &mut la.fch_gelu,
                &mut la.fcproj,
                &mut la.residual3,
            ] {
                buf.fill(z);
            }
        }
        for buf in [&mut self.encoded, &mut self.lnf, &mut self.lnf_mean, &mut self.lnf_rstd, &mut self.logits] {
            buf.fill(z);
        }
        self.probs.fill(z);
        self.losses.fill(z);
    }
}

impl CpuModel<f32> {
    /// A freshly initialised f32 model (nanoGPT's init, see [`init_params`]). Panics on an invalid config; call
    /// [`ModelConfig::validate`] first to get the reason as a value.
    pub fn new(config: &ModelConfig, seed: u64) -> CpuModel<f32> {
        CpuModel::from_params(config, init_params(config, seed))
    }
}

impl<F: Real> CpuModel<F> {
    /// A model with the given parameters (in `ParamLayout::new(config)` order) and zero gradients.
    pub fn from_params(config: &ModelConfig, params: Vec<F>) -> CpuModel<F> {
        if let Err(e) = config.validate() {
            panic!("invalid model config: {e}");
        }
        let layout = ParamLayout::new(config);
        assert_eq!(params.len(), layout.total(), "parameter buffer length does not match the config's layout");
        CpuModel {
            config: config.clone(),
            grads: vec![F::zero(); layout.total()],
            layout,
            params,
            acts: Activations::zeros(config, 0, 0),
            dacts: Activations::zeros(config, 0, 0),
            dacts_shape: (0, 0),
            tokens: Vec::new(),
            targets: Vec::new(),
            has_targets: false,
            batch: 0,
            t: 0,
            loss: None,
        }
    }

    /// Runs the model on `tokens` (batch rows of t ids, positions 0..t, t <= n_ctx). With `targets` (same shape) it
    /// returns the mean cross-entropy loss and prepares `backward`; without, it returns NaN and only the logits are set.
    pub fn forward(&mut self, tokens: &[u32], targets: Option<&[u32]>, batch: usize, t: usize) -> F {
        let cfg = &self.config;
        let (b, c, v, nh) = (batch, cfg.d_model, cfg.vocab_size, cfg.n_head);
        let (n, f) = (b * t, cfg.d_ff);
        assert!(t >= 1 && t <= cfg.n_ctx, "sequence length t = {t} must be between 1 and n_ctx = {}", cfg.n_ctx);
        assert_eq!(tokens.len(), n, "tokens must hold batch * t = {batch} * {t} ids");
        if let Some(targets) = targets {
            assert_eq!(targets.len(), n, "targets must hold batch * t = {batch} * {t} ids");
        }
        if (self.batch, self.t) != (b, t) {
            self.acts = Activations::zeros(cfg, b, t);
        }
        let (lay, p, a) = (&self.layout, &self.params, &mut self.acts);
        let w = |off: usize, len: usize| &p[off..off + len];
        let wb = |off: Option<usize>, len: usize| off.map(|o| &p[o..o + len]);

        encoder_forward(&mut a.encoded, tokens, w(lay.wte(), v * c), w(lay.wpe(), cfg.n_ctx * c), b, t, c);
        for l in 0..cfg.n_layer {
            let o = lay.layer(l);
            let (prev, rest) = a.layers.split_at_mut(l);
            let residual = if l == 0 { &a.encoded } else { &prev[l - 1].residual3 };
            let la = &mut rest[0];
            let (ln1w, ln1b) = (w(o.ln_1_weight, c), wb(o.ln_1_bias, c));
            layernorm_forward(&mut la.ln1, &mut la.ln1_mean, &mut la.ln1_rstd, residual, ln1w, ln1b, n, c);
            let (qkvw, qkvb) = (w(o.c_attn_weight, 3 * c * c), wb(o.c_attn_bias, 3 * c));
            matmul_forward(&mut la.qkv, &la.ln1, qkvw, qkvb, n, c, 3 * c);
            attention_forward(&mut la.atty, &mut la.att, &la.qkv, b, t, c, nh);
            let (projw, projb) = (w(o.attn_proj_weight, c * c), wb(o.attn_proj_bias, c));
            matmul_forward(&mut la.attproj, &la.atty, projw, projb, n, c, c);
            residual_forward(&mut la.residual2, residual, &la.attproj);
            let (ln2w, ln2b) = (w(o.ln_2_weight, c), wb(o.ln_2_bias, c));
            layernorm_forward(&mut la.ln2, &mut la.ln2_mean, &mut la.ln2_rstd, &la.residual2, ln2w, ln2b, n, c);
            let (fcw, fcb) = (w(o.c_fc_weight, f * c), wb(o.c_fc_bias, f));
            matmul_forward(&mut la.fch, &la.ln2, fcw, fcb, n, c, f);
            gelu_forward(&mut la.fch_gelu, &la.fch);
            let (fcpw, fcpb) = (w(o.mlp_proj_weight, c * f), wb(o.mlp_proj_bias, c));
            matmul_forward(&mut la.fcproj, &la.fch_gelu, fcpw, fcpb, n, f, c);
            residual_forward(&mut la.residual3, &la.residual2, &la.fcproj);
        }
        let last = a.layers.last().map_or(&a.encoded, |la| &la.residual3);
        let (lnfw, lnfb) = (w(lay.ln_f_weight(), c), wb(lay.ln_f_bias(), c));
        layernorm_forward(&mut a.lnf, &mut a.lnf_mean, &mut a.lnf_rstd, last, lnfw, lnfb, n, c);
        matmul_forward(&mut a.logits, &a.lnf, w(lay.lm_head(), v * c), None, n, c, v);

        self.loss = targets.map(|targets| crossentropy_forward(&mut a.losses, &mut a.probs, &a.logits, targets, n, v));
        self.tokens.clear();
        self.tokens.extend_from_slice(tokens);
        self.targets.clear();
        self.targets.extend_from_slice(targets.unwrap_or(&[]));
        self.has_targets = targets.is_some();
        (self.batch, self.t) = (b, t);
        self.loss.unwrap_or(F::nan())
    }

    /// Attention probabilities of block `layer` in the last forward pass: (B, NH, T, T), row = query, column = key.
    /// The page draws them as one heat map per head.
    pub fn attention(&self, layer: usize) -> &[F] {
        &self.acts.layers[layer].att
    }

    /// Logits of the last forward pass: (B, T, V).
    pub fn logits(&self) -> &[F] {
        &self.acts.logits
    }

    /// Softmax probabilities of the last forward pass with targets: (B, T, V).
    pub fn probs(&self) -> &[F] {
        &self.acts.probs
    }

    /// Per-position losses of the last forward pass with targets: (B, T).
    pub fn losses(&self) -> &[F] {
        &self.acts.losses
    }

    /// Mean loss of the last forward pass, if it had targets.
    pub fn loss(&self) -> Option<F> {
        self.loss
    }

    /// Sets every gradient to zero.
    pub fn zero_grad(&mut self) {
        self.grads.fill(F::zero());
    }

    /// Adds the gradient of the last forward pass's mean loss into `grads`. Panics when that pass had no targets.
    pub fn backward(&mut self) {
        assert!(self.has_targets, "backward needs a forward pass with targets first");
        let targets = &self.targets[..];
        let cfg = &self.config;
        let (b, t, c, v, nh) = (self.batch, self.t, cfg.d_model, cfg.vocab_size, cfg.n_head);
        let (n, f) = (b * t, cfg.d_ff);
        if self.dacts_shape != (b, t) {
            self.dacts = Activations::zeros(cfg, b, t);
            self.dacts_shape = (b, t);
        } else {
            self.dacts.fill_zero();
        }
        let (lay, p, g, a, d) = (&self.layout, &self.params, &mut self.grads, &self.acts, &mut self.dacts);
        let w = |off: usize, len: usize| &p[off..off + len];

        crossentropy_backward(&mut d.logits, &a.probs, targets, n, v);
        let head = lay.lm_head();
        matmul_backward(&mut d.lnf, &mut g[head..head + v * c], None, &d.logits, &a.lnf, w(head, v * c), n, c, v);
        let last = a.layers.last().map_or(&a.encoded, |la| &la.residual3);
        let dlast = match d.layers.last_mut() {
            Some(dl) => &mut dl.residual3,
            None => &mut d.encoded,
        };
        let (dw, db) = weight_and_bias(g, lay.ln_f_weight(), c, lay.ln_f_bias(), c);
        layernorm_backward(dlast, dw, db, &d.lnf, last, w(lay.ln_f_weight(), c), &a.lnf_mean, &a.lnf_rstd, n, c);

        for l in (0..cfg.n_layer).rev() {
            let o = lay.layer(l);
            let la = &a.layers[l];
            let residual = if l == 0 { &a.encoded } else { &a.layers[l - 1].residual3 };
            let (dprev, drest) = d.layers.split_at_mut(l);
            let dresidual = if l == 0 { &mut d.encoded } else { &mut dprev[l - 1].residual3 };
            let dl = &mut drest[0];

            residual_backward(&mut dl.residual2, &mut dl.fcproj, &dl.residual3);
            let (dw, db) = weight_and_bias(g, o.mlp_proj_weight, c * f, o.mlp_proj_bias, c);
            matmul_backward(&mut dl.fch_gelu, dw, db, &dl.fcproj, &la.fch_gelu, w(o.mlp_proj_weight, c * f), n, f, c);
            gelu_backward(&mut dl.fch, &la.fch, &la.fch_gelu, &dl.fch_gelu);
            let (dw, db) = weight_and_bias(g, o.c_fc_weight, f * c, o.c_fc_bias, f);
            matmul_backward(&mut dl.ln2, dw, db, &dl.fch, &la.ln2, w(o.c_fc_weight, f * c), n, c, f);
            let (dw, db) = weight_and_bias(g, o.ln_2_weight, c, o.ln_2_bias, c);
            let ln2w = w(o.ln_2_weight, c);
            layernorm_backward(
                &mut dl.residual2,
                dw,
                db,
                &dl.ln2,
                &la.residual2,
                ln2w,
                &la.ln2_mean,
                &la.ln2_rstd,
                n,
                c,
            );

            residual_backward(dresidual, &mut dl.attproj, &dl.residual2);
            let (dw, db) = weight_and_bias(g, o.attn_proj_weight, c * c, o.attn_proj_bias, c);
            matmul_backward(&mut dl.atty, dw, db, &dl.attproj, &la.atty, w(o.attn_proj_weight, c * c), n, c, c);
            attention_backward(&mut dl.qkv, &dl.atty, &la.qkv, &la.att, b, t, c, nh);
            let (dw, db) = weight_and_bias(g, o.c_attn_weight, 3 * c * c, o.c_attn_bias, 3 * c);
            matmul_backward(&mut dl.ln1, dw, db, &dl.qkv, &la.ln1, w(o.c_attn_weight, 3 * c * c), n, c, 3 * c);
            let (dw, db) = weight_and_bias(g, o.ln_1_weight, c, o.ln_1_bias, c);
            let ln1w = w(o.ln_1_weight, c);
            layernorm_backward(dresidual, dw, db, &dl.ln1, residual, ln1w, &la.ln1_mean, &la.ln1_rstd, n, c);
        }

        // wte comes first and wpe right after it in the layout; when tied, wte already holds the LM head's gradient.
        let (dwte, rest) = g.split_at_mut(lay.wpe());
        encoder_backward(&mut dwte[lay.wte()..], &mut rest[..cfg.n_ctx * c], &d.encoded, &self.tokens, b, t, c);
    }
}

/// Two disjoint gradient slices: a weight at `w` and, if present, its bias at `b` (which the layout puts after it).
fn weight_and_bias<F>(
    g: &mut [F],
    w: usize,
    wlen: usize,
    b: Option<usize>,
    blen: usize,
) -> (&mut [F], Option<&mut [F]>) {
    match b {
        Some(b) => {
            assert!(w + wlen <= b, "bias must follow its weight in the layout");
            let (head, tail) = g.split_at_mut(b);
            (&mut head[w..w + wlen], Some(&mut tail[..blen]))
        }
        None => (&mut g[w..w + wlen], None),
    }
}
