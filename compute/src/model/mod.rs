//! The whole GPT on the GPU: forward, backward and (with the trainer) the update, each step recorded
//! into one command buffer from launches prepared once.

pub mod plan;

use crate::config::ModelConfig;
use crate::gpu::{read_f32, Gpu, GpuError};
use crate::kernels::attention::{Attention, AttentionShape};
use crate::kernels::colsum::ColSum;
use crate::kernels::crossentropy::CrossEntropy;
use crate::kernels::encoder::{bucket_by_token, Encoder, EncoderShape};
use crate::kernels::gelu::Gelu;
use crate::kernels::layernorm::{LayerNorm, LayerNormBuffers, LayerNormShape};
use crate::kernels::matmul::{Matmul, MatmulSpec, Operand};
use crate::kernels::Dispatch;
use crate::params::ParamLayout;
pub use plan::{check_fits, FitError};
use std::fmt;

/// Why a model could not be built or run on the GPU.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    Config(crate::config::ConfigError),
    Fit(FitError),
    /// Wrong number of tokens, or a token id outside the vocabulary.
    Batch(String),
    Gpu(GpuError),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Config(e) => write!(f, "invalid model: {e}"),
            ModelError::Fit(e) => write!(f, "does not fit this GPU: {e}"),
            ModelError::Batch(e) => write!(f, "invalid batch: {e}"),
            ModelError::Gpu(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ModelError {}

impl From<GpuError> for ModelError {
    fn from(e: GpuError) -> Self {
        ModelError::Gpu(e)
    }
}

/// The pipelines of every layer, compiled once per device.
pub struct Kernels {
    pub matmul: Matmul,
    pub encoder: Encoder,
    pub layernorm: LayerNorm,
    pub gelu: Gelu,
    pub attention: Attention,
    pub crossentropy: CrossEntropy,
    pub colsum: ColSum,
}

impl Kernels {
    pub fn new(gpu: &Gpu) -> Kernels {
        Kernels {
            matmul: Matmul::new(gpu),
            encoder: Encoder::new(gpu),
            layernorm: LayerNorm::new(gpu),
            gelu: Gelu::new(gpu),
            attention: Attention::new(gpu),
            crossentropy: CrossEntropy::new(gpu),
            colsum: ColSum::new(gpu),
        }
    }
}

/// One block's saved activations (BT = batch · t rows).
struct BlockActs {
    ln1: wgpu::Buffer,      // (BT, C)
    ln1_mean: wgpu::Buffer, // (BT)
    ln1_rstd: wgpu::Buffer, // (BT)
    qkv: wgpu::Buffer,      // (BT, 3C)
    atty: wgpu::Buffer,     // (BT, C) attention output before its projection
    lse: wgpu::Buffer,      // (B, NH, T) attention log-sum-exp
    res2: wgpu::Buffer,     // (BT, C) residual after attention
    ln2: wgpu::Buffer,      // (BT, C)
    ln2_mean: wgpu::Buffer, // (BT)
    ln2_rstd: wgpu::Buffer, // (BT)
    fch: wgpu::Buffer,      // (BT, F) MLP hidden before GELU
    fch_gelu: wgpu::Buffer, // (BT, F)
    res3: wgpu::Buffer,     // (BT, C) residual after the MLP: the block's output
}

/// Gradient scratch shared by all blocks (the backward visits one block at a time).
struct GradScratch {
    dres: wgpu::Buffer,  // (BT, C) gradient of the residual stream, accumulated
    dln: wgpu::Buffer,   // (BT, C) gradient of a LayerNorm's output
    dhid: wgpu::Buffer,  // (BT, F) gradient of the GELU output
    dfch: wgpu::Buffer,  // (BT, F) gradient of the GELU input
    datty: wgpu::Buffer, // (BT, C)
    dqkv: wgpu::Buffer,  // (BT, 3C)
    delta: wgpu::Buffer, // (B, NH, T) attention backward scratch
}

/// A GPT with its parameters, gradients and activations on the GPU, for batches of `batch` × `t` tokens.
pub struct GpuModel {
    pub config: ModelConfig,
    pub layout: ParamLayout,
    pub batch: usize,
    pub t: usize,
    pub params: wgpu::Buffer, // (P) flat, in `layout` order
    pub grads: wgpu::Buffer,  // (P) same layout
    tokens: wgpu::Buffer,     // (BT) u32
    targets: wgpu::Buffer,    // (BT) u32
    order: wgpu::Buffer,      // (BT) u32 positions sorted by token
    starts: wgpu::Buffer,     // (V+1) u32
    logits: wgpu::Buffer,     // (BT, V); dlogits after a training forward
    losses: wgpu::Buffer,     // (BT)
    dres: wgpu::Buffer,       // kept to clear before each backward
    forward: Vec<Dispatch>,   // ends with the cross-entropy that leaves dlogits
    forward_eval: Dispatch,   // the cross-entropy that keeps the logits
    backward: Vec<Dispatch>,
}

impl GpuModel {
    /// Allocates the model on `gpu` with the given parameters (in `ParamLayout` order) and prepares every launch.
    pub fn new(
        gpu: &Gpu,
        kernels: &Kernels,
        config: &ModelConfig,
        batch: usize,
        t: usize,
        params: &[f32],
    ) -> Result<GpuModel, ModelError> {
        config.validate().map_err(ModelError::Config)?;
        check_fits(config, batch, t, &gpu.report).map_err(ModelError::Fit)?;
        let layout = ParamLayout::new(config);
        if params.len() != layout.total() {
            return Err(ModelError::Batch(format!(
                "{} parameters given, the model has {}",
                params.len(),
                layout.total()
            )));
        }
        let (bt, c, f, v, nh) = (batch * t, config.d_model, config.d_ff, config.vocab_size, config.n_head);
        let buf = |label: &str, len: usize| gpu.storage_zeroed(label, len);
        let params_buf = gpu.storage_from("params", params);
        let grads = buf("grads", layout.total());
        let tokens = buf("tokens", bt);
        let targets = buf("targets", bt);
        let order = buf("token order", bt);
        let starts = buf("token starts", v + 1);
        let encoded = buf("encoded", bt * c);
        let blocks: Vec<BlockActs> = (0..config.n_layer)
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
            .collect();
        let lnf = buf("lnf", bt * c);
        let lnf_mean = buf("lnf mean", bt);
        let lnf_rstd = buf("lnf rstd", bt);
        let logits = buf("logits", bt * v);
        let losses = buf("losses", bt);
        let g = GradScratch {
            dres: buf("dres", bt * c),
            dln: buf("dln", bt * c),
            dhid: buf("dhid", bt * f),
            dfch: buf("dfch", bt * f),
            datty: buf("datty", bt * c),
            dqkv: buf("dqkv", bt * 3 * c),
            delta: buf("attention delta", batch * nh * t),
        };

        let k = kernels;
        let p = &params_buf;
        let ln_shape = |w: usize, b: Option<usize>| LayerNormShape { rows: bt, c, weight_offset: w, bias_offset: b };
        let att_shape = AttentionShape { b: batch, t, c, n_head: nh };
        let enc_shape = EncoderShape { bt, t, c, vocab: v, wte_offset: layout.wte(), wpe_offset: layout.wpe() };
        // y (rows, out) = x (rows, inp) · Wᵀ + bias (+ addend), W stored (out, inp) at w in the parameter buffer.
        let linear = |x: &wgpu::Buffer,
                      inp: usize,
                      w: usize,
                      bias: Option<usize>,
                      y: &wgpu::Buffer,
                      out: usize,
                      addend: Option<&wgpu::Buffer>| {
            let mut spec = MatmulSpec::new(bt, out, inp, Operand::rows(x, 0, inp), Operand::transposed(p, w, inp), y);
            spec.bias = bias.map(|b| (p, b));
            spec.addend = addend.map(|a| (a, 0));
            k.matmul.prepare(gpu, &spec)
        };
        // Backward of that linear: dx (overwritten) = dy · W, dW += dyᵀ · x, dbias += Σ_rows dy.
        let linear_back = |dy: &wgpu::Buffer,
                           out: usize,
                           x: &wgpu::Buffer,
                           inp: usize,
                           w: usize,
                           bias: Option<usize>,
                           dx: &wgpu::Buffer| {
            let mut launches = vec![
                k.matmul.prepare(
                    gpu,
                    &MatmulSpec::new(bt, inp, out, Operand::rows(dy, 0, out), Operand::rows(p, w, inp), dx),
                ),
                k.matmul.prepare(
                    gpu,
                    &MatmulSpec {
                        c_offset: w,
                        accumulate: true,
                        ..MatmulSpec::new(
                            out,
                            inp,
                            bt,
                            Operand::transposed(dy, 0, out),
                            Operand::rows(x, 0, inp),
                            &grads,
                        )
                    },
                ),
            ];
            if let Some(b) = bias {
                launches.push(k.colsum.bias_backward(gpu, dy, 0, bt, out, &grads, b));
            }
            launches
        };

        let mut forward = vec![k.encoder.forward(gpu, &enc_shape, &tokens, p, &encoded)];
        for (l, a) in blocks.iter().enumerate() {
            let o = layout.layer(l);
            let residual = if l == 0 { &encoded } else { &blocks[l - 1].res3 };
            let ln1 = LayerNormBuffers { inp: residual, out: &a.ln1, mean: &a.ln1_mean, rstd: &a.ln1_rstd };
            let ln2 = LayerNormBuffers { inp: &a.res2, out: &a.ln2, mean: &a.ln2_mean, rstd: &a.ln2_rstd };
            forward.push(k.layernorm.forward(gpu, &ln_shape(o.ln_1_weight, o.ln_1_bias), &ln1, p));
            forward.push(linear(&a.ln1, c, o.c_attn_weight, o.c_attn_bias, &a.qkv, 3 * c, None));
            forward.push(k.attention.forward(gpu, &att_shape, &a.qkv, &a.atty, &a.lse));
            forward.push(linear(&a.atty, c, o.attn_proj_weight, o.attn_proj_bias, &a.res2, c, Some(residual)));
            forward.push(k.layernorm.forward(gpu, &ln_shape(o.ln_2_weight, o.ln_2_bias), &ln2, p));
            forward.push(linear(&a.ln2, c, o.c_fc_weight, o.c_fc_bias, &a.fch, f, None));
            forward.push(k.gelu.forward(gpu, bt * f, &a.fch, &a.fch_gelu));
            forward.push(linear(&a.fch_gelu, f, o.mlp_proj_weight, o.mlp_proj_bias, &a.res3, c, Some(&a.res2)));
        }
        let last = blocks.last().map_or(&encoded, |a| &a.res3);
        let lnf_bufs = LayerNormBuffers { inp: last, out: &lnf, mean: &lnf_mean, rstd: &lnf_rstd };
        let lnf_shape = ln_shape(layout.ln_f_weight(), layout.ln_f_bias());
        forward.push(k.layernorm.forward(gpu, &lnf_shape, &lnf_bufs, p));
        forward.push(k.matmul.prepare(
            gpu,
            &MatmulSpec::new(bt, v, c, Operand::rows(&lnf, 0, c), Operand::transposed(p, layout.lm_head(), c), &logits),
        ));
        let forward_eval = k.crossentropy.prepare(gpu, bt, v, &logits, &targets, &losses, false);
        forward.push(k.crossentropy.prepare(gpu, bt, v, &logits, &targets, &losses, true));

        // Backward, in reverse. The LM head reads dlogits left in `logits` by the training cross-entropy.
        let mut backward = linear_back(&logits, v, &lnf, c, layout.lm_head(), None, &g.dln);
        backward.extend(k.layernorm.backward(gpu, &lnf_shape, &lnf_bufs, p, &g.dln, &g.dres, &grads));
        for (l, a) in blocks.iter().enumerate().rev() {
            let o = layout.layer(l);
            let residual = if l == 0 { &encoded } else { &blocks[l - 1].res3 };
            let ln1 = LayerNormBuffers { inp: residual, out: &a.ln1, mean: &a.ln1_mean, rstd: &a.ln1_rstd };
            let ln2 = LayerNormBuffers { inp: &a.res2, out: &a.ln2, mean: &a.ln2_mean, rstd: &a.ln2_rstd };
            // res3 = res2 + mlp(ln2(res2)): dres flows to res2 unchanged and into the MLP.
            backward.extend(linear_back(&g.dres, c, &a.fch_gelu, f, o.mlp_proj_weight, o.mlp_proj_bias, &g.dhid));
            backward.push(k.gelu.backward(gpu, bt * f, &a.fch, &g.dhid, &g.dfch));
            backward.extend(linear_back(&g.dfch, f, &a.ln2, c, o.c_fc_weight, o.c_fc_bias, &g.dln));
            backward.extend(k.layernorm.backward(
                gpu,
                &ln_shape(o.ln_2_weight, o.ln_2_bias),
                &ln2,
                p,
                &g.dln,
                &g.dres,
                &grads,
            ));
            // res2 = residual + proj(attention(ln1(residual))).
            backward.extend(linear_back(&g.dres, c, &a.atty, c, o.attn_proj_weight, o.attn_proj_bias, &g.datty));
            backward
                .extend(k.attention.backward(gpu, &att_shape, &a.qkv, &a.atty, &a.lse, &g.datty, &g.delta, &g.dqkv));
            backward.extend(linear_back(&g.dqkv, 3 * c, &a.ln1, c, o.c_attn_weight, o.c_attn_bias, &g.dln));
            backward.extend(k.layernorm.backward(
                gpu,
                &ln_shape(o.ln_1_weight, o.ln_1_bias),
                &ln1,
                p,
                &g.dln,
                &g.dres,
                &grads,
            ));
        }
        backward.extend(k.encoder.backward(gpu, &enc_shape, &g.dres, &grads, &order, &starts));

        Ok(GpuModel {
            config: config.clone(),
            layout,
            batch,
            t,
            params: params_buf,
            grads,
            tokens,
            targets,
            order,
            starts,
            logits,
            losses,
            dres: g.dres,
            forward,
            forward_eval,
            backward,
        })
    }

    /// Writes a batch of token ids and next-token targets, (batch, t) each, row-major.
    pub fn upload_batch(&self, gpu: &Gpu, tokens: &[u32], targets: &[u32]) -> Result<(), ModelError> {
        let bt = self.batch * self.t;
        let v = self.config.vocab_size;
        if tokens.len() != bt || targets.len() != bt {
            return Err(ModelError::Batch(format!(
                "expected {bt} tokens and targets ({} × {}), got {} and {}",
                self.batch,
                self.t,
                tokens.len(),
                targets.len()
            )));
        }
        if let Some(bad) = tokens.iter().chain(targets).find(|&&x| x as usize >= v) {
            return Err(ModelError::Batch(format!("token id {bad} is outside the vocabulary of {v}")));
        }
        let (order, starts) = bucket_by_token(tokens, v);
        gpu.queue.write_buffer(&self.tokens, 0, bytemuck::cast_slice(tokens));
        gpu.queue.write_buffer(&self.targets, 0, bytemuck::cast_slice(targets));
        gpu.queue.write_buffer(&self.order, 0, bytemuck::cast_slice(&order));
        gpu.queue.write_buffer(&self.starts, 0, bytemuck::cast_slice(&starts));
        Ok(())
    }

    /// Records forward + backward of the uploaded batch: gradients are cleared, then accumulated.
    pub fn record_forward_backward(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.clear_buffer(&self.grads, 0, None);
        encoder.clear_buffer(&self.dres, 0, None);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("forward + backward"),
            timestamp_writes: None,
        });
        for d in self.forward.iter().chain(&self.backward) {
            d.record(&mut pass);
        }
    }

    /// Records the forward only, keeping the logits (evaluation and sampling).
    pub fn record_forward(&self, encoder: &mut wgpu::CommandEncoder) {
        let mut pass =
            encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("forward"), timestamp_writes: None });
        for d in &self.forward[..self.forward.len() - 1] {
            d.record(&mut pass);
        }
        self.forward_eval.record(&mut pass);
    }

    /// Runs forward + backward on the uploaded batch as one submission.
    pub fn forward_backward(&self, gpu: &Gpu) {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        self.record_forward_backward(&mut encoder);
        gpu.queue.submit(Some(encoder.finish()));
    }

    /// Runs the forward only on the uploaded batch as one submission.
    pub fn forward_only(&self, gpu: &Gpu) {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        self.record_forward(&mut encoder);
        gpu.queue.submit(Some(encoder.finish()));
    }

    /// Per-position losses of the last forward, (batch · t): for kernels that read them on the GPU.
    pub fn losses_buffer(&self) -> &wgpu::Buffer {
        &self.losses
    }

    /// Every launch of one forward + backward, in order (for the profiler).
    pub fn launches(&self) -> Vec<&Dispatch> {
        self.forward.iter().chain(&self.backward).collect()
    }

    /// Kernel launches in one forward + backward.
    pub fn dispatches_per_step(&self) -> usize {
        self.forward.len() + self.backward.len()
    }

    /// Mean loss of the last forward.
    pub async fn read_loss(&self, gpu: &Gpu) -> Result<f32, GpuError> {
        let losses = read_f32(gpu, &self.losses, 0, self.batch * self.t).await?;
        Ok(losses.iter().map(|&x| x as f64).sum::<f64>() as f32 / losses.len() as f32)
    }

    /// Per-position losses of the last forward, (batch · t).
    pub async fn read_losses(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.losses, 0, self.batch * self.t).await
    }

    /// Logits of the last `forward_only`, (batch · t, V).
    pub async fn read_logits(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.logits, 0, self.batch * self.t * self.config.vocab_size).await
    }

    pub async fn read_grads(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.grads, 0, self.layout.total()).await
    }

    pub async fn read_params(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        read_f32(gpu, &self.params, 0, self.layout.total()).await
    }

    /// Replaces all parameters (e.g. after loading a checkpoint).
    pub fn write_params(&self, gpu: &Gpu, params: &[f32]) {
        gpu.queue.write_buffer(&self.params, 0, bytemuck::cast_slice(params));
    }
}
