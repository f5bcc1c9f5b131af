//! Builds a model's launches once: the forward (ending in the training cross-entropy), the evaluation
//! cross-entropy, and the backward, all reading and writing the buffers of [`Buffers`].

use super::buffers::Buffers;
use super::Kernels;
use crate::config::ModelConfig;
use crate::gpu::Gpu;
use crate::kernels::attention::AttentionShape;
use crate::kernels::encoder::EncoderShape;
use crate::kernels::layernorm::{LayerNormBuffers, LayerNormShape};
use crate::kernels::matmul::{Activation, MatmulSpec, Operand};
use crate::kernels::matmul_plan::Plan;
use crate::kernels::Dispatch;
use crate::params::ParamLayout;

/// The launches of one training step: forward (ending with the loss that leaves dlogits), the evaluation loss
/// that keeps the logits instead, and the backward.
pub(super) struct Launches {
    pub forward: Vec<Dispatch>,
    pub forward_eval: Dispatch,
    pub backward: Vec<Dispatch>,
}

/// Floats of split-K scratch the model's products need: the largest over every linear's three products.
pub(super) fn split_scratch_len(config: &ModelConfig, bt: usize) -> usize {
    let (c, f, v) = (config.d_model, config.d_ff, config.vocab_size);
    let linears = [(c, 3 * c), (c, c), (c, f), (f, c), (c, v)];
    let need = |m, n, k| Plan::choose(m, n, k, 1, true).scratch_len(m, n, 1);
    linears
        .iter()
        .map(|&(inp, out)| need(bt, out, inp).max(need(bt, inp, out)).max(need(out, inp, bt)))
        .max()
        .unwrap_or(0)
}

pub(super) fn build(
    gpu: &Gpu,
    k: &Kernels,
    config: &ModelConfig,
    layout: &ParamLayout,
    batch: usize,
    t: usize,
    bufs: &Buffers,
) -> Launches {
    let (bt, c, f, v, nh) = (batch * t, config.d_model, config.d_ff, config.vocab_size, config.n_head);
    let (p, g, grads) = (&bufs.params, &bufs.g, &bufs.grads);
    let scratch = Some(&bufs.split_scratch);
    let ln_shape = |w: usize, b: Option<usize>| LayerNormShape { rows: bt, c, weight_offset: w, bias_offset: b };
    let att_shape = AttentionShape { b: batch, t, c, n_head: nh };
    let enc_shape = EncoderShape { bt, t, c, vocab: v, wte_offset: layout.wte(), wpe_offset: layout.wpe() };
    // y (rows, out) = x (rows, inp) · Wᵀ + bias (+ addend) (→ act), W stored (out, inp) at w in the parameter buffer.
    let linear = |x: &wgpu::Buffer,
                  inp: usize,
                  w: usize,
                  bias: Option<usize>,
                  y: &wgpu::Buffer,
                  out: usize,
                  addend: Option<&wgpu::Buffer>,
                  activation: Activation| {
        let mut spec = MatmulSpec::new(bt, out, inp, Operand::rows(x, 0, inp), Operand::transposed(p, w, inp), y);
        spec.bias = bias.map(|b| (p, b));
        spec.addend = addend.map(|a| (a, 0));
        spec.activation = activation;
        spec.scratch = scratch;
        k.matmul.prepare(gpu, &spec)
    };
    // Backward of that linear: dx (overwritten) = dy · W (→ act), dW += dyᵀ · x, dbias += Σ_rows dy.
    let linear_back = |dy: &wgpu::Buffer,
                       out: usize,
                       x: &wgpu::Buffer,
                       inp: usize,
                       w: usize,
                       bias: Option<usize>,
                       dx: &wgpu::Buffer,
                       activation: Activation| {
        let mut dx_spec = MatmulSpec::new(bt, inp, out, Operand::rows(dy, 0, out), Operand::rows(p, w, inp), dx);
        dx_spec.activation = activation;
        dx_spec.scratch = scratch;
        let mut launches = k.matmul.prepare(gpu, &dx_spec);
        let dw = MatmulSpec::new(out, inp, bt, Operand::transposed(dy, 0, out), Operand::rows(x, 0, inp), grads);
        launches.extend(k.matmul.prepare(gpu, &MatmulSpec { c_offset: w, accumulate: true, scratch, ..dw }));
        if let Some(b) = bias {
            launches.push(k.colsum.bias_backward(gpu, dy, 0, bt, out, grads, b));
        }
        launches
    };
    let none = Activation::None;

    let mut forward = vec![k.encoder.forward(gpu, &enc_shape, &bufs.tokens, p, &bufs.encoded)];
    for (l, a) in bufs.blocks.iter().enumerate() {
        let o = layout.layer(l);
        let residual = if l == 0 { &bufs.encoded } else { &bufs.blocks[l - 1].res3 };
        let ln1 = LayerNormBuffers { inp: residual, out: &a.ln1, mean: &a.ln1_mean, rstd: &a.ln1_rstd };
        let ln2 = LayerNormBuffers { inp: &a.res2, out: &a.ln2, mean: &a.ln2_mean, rstd: &a.ln2_rstd };
        forward.push(k.layernorm.forward(gpu, &ln_shape(o.ln_1_weight, o.ln_1_bias), &ln1, p));
        forward.extend(linear(&a.ln1, c, o.c_attn_weight, o.c_attn_bias, &a.qkv, 3 * c, None, none));
        forward.push(k.attention.forward(gpu, &att_shape, &a.qkv, &a.atty, &a.lse));
        let proj = (o.attn_proj_weight, o.attn_proj_bias);
        forward.extend(linear(&a.atty, c, proj.0, proj.1, &a.res2, c, Some(residual), none));
        forward.push(k.layernorm.forward(gpu, &ln_shape(o.ln_2_weight, o.ln_2_bias), &ln2, p));
        // fch = ln2 · W_fcᵀ + b, and gelu(fch) from the same epilogue: the backward needs both.
        let gelu = Activation::Gelu(&a.fch_gelu, 0);
        forward.extend(linear(&a.ln2, c, o.c_fc_weight, o.c_fc_bias, &a.fch, f, None, gelu));
        let mlp = (o.mlp_proj_weight, o.mlp_proj_bias);
        forward.extend(linear(&a.fch_gelu, f, mlp.0, mlp.1, &a.res3, c, Some(&a.res2), none));
    }
    let last = bufs.blocks.last().map_or(&bufs.encoded, |a| &a.res3);
    let lnf_bufs = LayerNormBuffers { inp: last, out: &bufs.lnf, mean: &bufs.lnf_mean, rstd: &bufs.lnf_rstd };
    let lnf_shape = ln_shape(layout.ln_f_weight(), layout.ln_f_bias());
    forward.push(k.layernorm.forward(gpu, &lnf_shape, &lnf_bufs, p));
    forward.extend(linear(&bufs.lnf, c, layout.lm_head(), None, &bufs.logits, v, None, none));
    let (logits, targets, losses) = (&bufs.logits, &bufs.targets, &bufs.losses);
    let forward_eval = k.crossentropy.prepare(gpu, bt, v, logits, targets, losses, false);
    forward.push(k.crossentropy.prepare(gpu, bt, v, logits, targets, losses, true));

    // Backward, in reverse. The LM head reads dlogits left in `logits` by the training cross-entropy.
    let mut backward = linear_back(logits, v, &bufs.lnf, c, layout.lm_head(), None, &g.dln, none);
    backward.extend(k.layernorm.backward(gpu, &lnf_shape, &lnf_bufs, p, &g.dln, &g.dres, grads));
    for (l, a) in bufs.blocks.iter().enumerate().rev() {
        let o = layout.layer(l);
        let residual = if l == 0 { &bufs.encoded } else { &bufs.blocks[l - 1].res3 };
        let ln1 = LayerNormBuffers { inp: residual, out: &a.ln1, mean: &a.ln1_mean, rstd: &a.ln1_rstd };
        let ln2 = LayerNormBuffers { inp: &a.res2, out: &a.ln2, mean: &a.ln2_mean, rstd: &a.ln2_rstd };
        // res3 = res2 + mlp(ln2(res2)): dres flows to res2 unchanged and into the MLP, whose dhid = dres · W_proj
        // goes straight through GELU's backward in the same epilogue (dfch = dhid ⊙ gelu'(fch)).
        let gelu_back = Activation::GeluBackward(&a.fch, 0);
        let mlp = (o.mlp_proj_weight, o.mlp_proj_bias);
        backward.extend(linear_back(&g.dres, c, &a.fch_gelu, f, mlp.0, mlp.1, &g.dfch, gelu_back));
        backward.extend(linear_back(&g.dfch, f, &a.ln2, c, o.c_fc_weight, o.c_fc_bias, &g.dln, none));
        let ln2_shape = ln_shape(o.ln_2_weight, o.ln_2_bias);
        backward.extend(k.layernorm.backward(gpu, &ln2_shape, &ln2, p, &g.dln, &g.dres, grads));
        // res2 = residual + proj(attention(ln1(residual))).
        let proj = (o.attn_proj_weight, o.attn_proj_bias);
        backward.extend(linear_back(&g.dres, c, &a.atty, c, proj.0, proj.1, &g.datty, none));
        backward.extend(k.attention.backward(gpu, &att_shape, &a.qkv, &a.atty, &a.lse, &g.datty, &g.delta, &g.dqkv));
        backward.extend(linear_back(&g.dqkv, 3 * c, &a.ln1, c, o.c_attn_weight, o.c_attn_bias, &g.dln, none));
        let ln1_shape = ln_shape(o.ln_1_weight, o.ln_1_bias);
        backward.extend(k.layernorm.backward(gpu, &ln1_shape, &ln1, p, &g.dln, &g.dres, grads));
    }
    backward.extend(k.encoder.backward(gpu, &enc_shape, &g.dres, grads, &bufs.order, &bufs.starts));
    Launches { forward, forward_eval, backward }
}
