//! Model shapes for sweeps: GPTs of a given non-embedding size, found by searching integer layer counts and widths
//! that are multiples of the head size.

use super::Defaults;
use crate::config::ModelConfig;

/// Deepest model a sweep builds (validation allows 64; deeper than this is slow per FLOP and adds nothing here).
pub const MAX_LAYERS: usize = 32;
/// Widest model a sweep builds.
pub const MAX_WIDTH: usize = 1024;

/// A sweep model: the shared vocabulary and context, `n_layer` blocks of width `d_model` split into heads of about
/// `head_size` (exactly, when it divides the width; see [`heads_near`]), MLP width `ff_ratio · d_model` (rounded),
/// biases and tied embeddings as in GPT-2.
pub fn model(n_layer: usize, d_model: usize, head_size: usize, ff_ratio: f64) -> ModelConfig {
    ModelConfig {
        vocab_size: Defaults::VOCAB,
        n_ctx: Defaults::CONTEXT,
        n_layer,
        n_head: heads_near(d_model, head_size),
        d_model,
        d_ff: ((ff_ratio * d_model as f64).round() as usize).max(1),
        bias: true,
        tie_embeddings: true,
    }
}

/// The number of heads that divides `d_model` with the head size closest (in ratio) to `head_size`.
pub fn heads_near(d_model: usize, head_size: usize) -> usize {
    let off = |h: usize| ((d_model as f64 / h as f64) / head_size as f64).ln().abs();
    (1..=d_model).filter(|h| d_model.is_multiple_of(*h)).min_by(|&p, &q| off(p).total_cmp(&off(q))).unwrap_or(1)
}

/// d_model / n_layer.
pub fn aspect(model: &ModelConfig) -> f64 {
    model.d_model as f64 / model.n_layer as f64
}

/// d_ff / d_model.
pub fn ff_ratio(model: &ModelConfig) -> f64 {
    model.d_ff as f64 / model.d_model as f64
}

/// Relative miss |N/target − 1|.
pub fn miss(model: &ModelConfig, target: f64) -> f64 {
    (model.non_embedding_params() as f64 / target - 1.0).abs()
}

/// For each layer count 1..=[`MAX_LAYERS`], the width (a multiple of `width_step`) whose N is closest to `target`,
/// kept when it is within `tolerance` (relative). Heads as in [`model`]. Shallowest first.
pub fn shapes_at(target: f64, width_step: usize, head_size: usize, ff_ratio: f64, tolerance: f64) -> Vec<ModelConfig> {
    (1..=MAX_LAYERS)
        .filter_map(|n_layer| {
            // N does not depend on the head count, so search widths with one head and split into heads after.
            (1..=MAX_WIDTH / width_step)
                .map(|k| model(n_layer, k * width_step, k * width_step, ff_ratio))
                .min_by(|p, q| miss(p, target).total_cmp(&miss(q, target)))
                .filter(|m| miss(m, target) <= tolerance)
                .map(|m| ModelConfig { n_head: heads_near(m.d_model, head_size), ..m })
        })
        .collect()
}

/// Thins shapes (sorted by aspect) so neighbours differ by at least `min_ratio` in aspect, keeping the one closer to
/// the target N of any pair that is too close. Returned widest aspect first.
pub fn spread_by_aspect(mut shapes: Vec<ModelConfig>, target: f64, min_ratio: f64) -> Vec<ModelConfig> {
    shapes.sort_by(|p, q| aspect(q).total_cmp(&aspect(p)));
    let mut kept: Vec<ModelConfig> = Vec::new();
    for s in shapes {
        match kept.last_mut() {
            Some(last) if aspect(last) / aspect(&s) < min_ratio => {
                if miss(&s, target) < miss(last, target) {
                    *last = s;
                }
            }
            _ => kept.push(s),
        }
    }
    kept
}

/// The model whose N is closest to `target` in log, with the aspect ratio near `aspect_target` as a weak second
/// preference (a factor 2 in aspect weighs like 10% in N): for sweeps where only N matters.
pub fn model_near(target: f64, aspect_target: f64) -> ModelConfig {
    let hs = Defaults::HEAD_SIZE;
    let score = |m: &ModelConfig| {
        (m.non_embedding_params() as f64 / target).ln().abs() + 0.14 * (aspect(m) / aspect_target).ln().abs()
    };
    (1..=MAX_LAYERS)
        .flat_map(|l| (1..=MAX_WIDTH / hs).map(move |k| model(l, k * hs, hs, Defaults::FF_RATIO as f64)))
        .min_by(|p, q| score(p).total_cmp(&score(q)))
        .expect("the search space is not empty")
}

/// `L4-d64` (plus `-ff2` and `-hs8` when they differ from the defaults): a model's shape for run ids.
pub fn shape_id(m: &ModelConfig) -> String {
    let mut id = format!("L{}-d{}", m.n_layer, m.d_model);
    if m.d_ff != Defaults::FF_RATIO * m.d_model {
        id += &format!("-ff{}", super::short_number(ff_ratio(m)));
    }
    if m.head_size() != Defaults::HEAD_SIZE {
        id += &format!("-hs{}", m.head_size());
    }
    id
}
