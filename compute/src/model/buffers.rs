//! The GPU buffers of a model: parameters, gradients, batch, every block's saved activations and gradient scratch.

use crate::config::ModelConfig;
use crate::gpu::Gpu;

/// One block's saved activations (BT = batch · t rows).
pub(super) struct BlockActs {
    pub ln1: wgpu::Buffer,      // (BT, C)
    pub ln1_mean: wgpu::Buffer, // (BT)
    pub ln1_rstd: wgpu::Buffer, // (BT)
    pub qkv: wgpu::Buffer,      // (BT, 3C)
    pub atty: wgpu::Buffer,     // (BT, C) attention output before its projection
    pub lse: wgpu::Buffer,      // (B, NH, T) attention log-sum-exp
    pub res2: wgpu::Buffer,     // (BT, C) residual after attention
    pub ln2: wgpu::Buffer,      // (BT, C)
    pub ln2_mean: wgpu::Buffer, // (BT)
    pub ln2_rstd: wgpu::Buffer, // (BT)
    pub fch: wgpu::Buffer,      // (BT, F) MLP hidden before GELU, kept for GELU's backward
    pub fch_gelu: wgpu::Buffer, // (BT, F) written by the c_fc product's epilogue
    pub res3: wgpu::Buffer,     // (BT, C) residual after the MLP: the block's output
}

/// Gradient scratch shared by all blocks (the backward visits one block at a time).
pub(super) struct GradScratch {
    pub dres: wgpu::Buffer,  // (BT, C) gradient of the residual stream, accumulated
    pub dln: wgpu::Buffer,   // (BT, C) gradient of a LayerNorm's output
    pub dfch: wgpu::Buffer,  // (BT, F) gradient of the GELU input (dhid ⊙ gelu', fused into dhid's product)
    pub datty: wgpu::Buffer, // (BT, C)
    pub dqkv: wgpu::Buffer,  // (BT, 3C)
    pub delta: wgpu::Buffer, // (B, NH, T) attention backward scratch
}

/// Every buffer of a model for batches of `batch` × `t` tokens.
pub(super) struct Buffers {
    pub params: wgpu::Buffer,   // (P) flat, in ParamLayout order
    pub grads: wgpu::Buffer,    // (P) same layout
    pub tokens: wgpu::Buffer,   // (BT) u32
    pub targets: wgpu::Buffer,  // (BT) u32
    pub order: wgpu::Buffer,    // (BT) u32 positions sorted by token
    pub starts: wgpu::Buffer,   // (V+1) u32
    pub encoded: wgpu::Buffer,  // (BT, C) token + position embeddings
    pub blocks: Vec<BlockActs>, // one per layer
    pub lnf: wgpu::Buffer,      // (BT, C)
    pub lnf_mean: wgpu::Buffer, // (BT)
    pub lnf_rstd: wgpu::Buffer, // (BT)
    pub logits: wgpu::Buffer,   // (BT, V); dlogits after a training forward
    pub losses: wgpu::Buffer,   // (BT)
    pub g: GradScratch,
    /// Split-K partial sums, shared by every split matmul (they run one after another).
    pub split_scratch: wgpu::Buffer,
}

impl Buffers {
    /// Allocates zeroed buffers (parameters from `params`); `split_scratch` floats for split-K matmuls.
    pub fn new(
        gpu: &Gpu,
        config: &ModelConfig,
        batch: usize,
        t: usize,
        params: &[f32],
        split_scratch: usize,
    ) -> Buffers {
        let (bt, c, f, v, nh) = (batch * t, config.d_model, config.d_ff, config.vocab_size, config.n_head);
        let buf = |label: &str, len: usize| gpu.storage_zeroed(label, len);
        Buffers {
            params: gpu.storage_from("params", params),
            grads: buf("grads", params.len()),
            tokens: buf("tokens", bt),
            targets: buf("targets", bt),
            order: buf("token order", bt),
            starts: buf("token starts", v + 1),
            encoded: buf("encoded", bt * c),
            blocks: (0..config.n_layer)
                .map(|_| BlockActs {
                    ln1: buf("ln1", bt * c),
                    ln1_mean: buf("ln1 mean", bt),
                    ln1_rstd: buf("ln1 rstd", bt),
                    qkv: buf("qkv", bt * 3 * c),
                    atty: buf("atty", bt * c),
                    lse: buf("attention lse", batch * nh * t),
                    res2: buf("res2", bt * c),
                    ln2: buf("ln2", bt * c),
                    ln2_mean: buf("ln2 mean", bt),
                    ln2_rstd: buf("ln2 rstd", bt),
                    fch: buf("fch", bt * f),
                    fch_gelu: buf("fch gelu", bt * f),
                    res3: buf("res3", bt * c),
                })
                .collect(),
            lnf: buf("lnf", bt * c),
            lnf_mean: buf("lnf mean", bt),
            lnf_rstd: buf("lnf rstd", bt),
            logits: buf("logits", bt * v),
            losses: buf("losses", bt),
            g: GradScratch {
                dres: buf("dres", bt * c),
                dln: buf("dln", bt * c),
                dfch: buf("dfch", bt * f),
                datty: buf("datty", bt * c),
                dqkv: buf("dqkv", bt * 3 * c),
                delta: buf("attention delta", batch * nh * t),
            },
            split_scratch: buf("matmul split-K scratch", split_scratch.max(4)),
        }
    }
}
