//! The learning-rate schedule: linear warm-up, then cosine down to a floor (nanoGPT's `get_lr`) or constant.

use super::config::{ScheduleKind, TrainConfig};

/// Learning rate for 0-based `step` of a run of `total` steps.
///
/// Warm-up: lr · (step + 1) / warmup for step < warmup. Cosine: from lr at the end of warm-up to lr · min_lr_ratio at
/// the last step (step = total − 1). Constant: lr after warm-up.
pub fn lr_at(cfg: &TrainConfig, step: usize, total: usize) -> f64 {
    if step < cfg.warmup {
        return cfg.lr * (step + 1) as f64 / cfg.warmup as f64;
    }
    match cfg.schedule {
        ScheduleKind::Constant => cfg.lr,
        ScheduleKind::Cosine => {
            let min = cfg.lr * cfg.min_lr_ratio;
            let span = total.saturating_sub(1).saturating_sub(cfg.warmup);
            if span == 0 {
                return cfg.lr;
            }
            let ratio = ((step - cfg.warmup) as f64 / span as f64).min(1.0);
            let coeff = 0.5 * (1.0 + (std::f64::consts::PI * ratio).cos());
            min + coeff * (cfg.lr - min)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_to_the_floor() {
        let cfg = TrainConfig { lr: 1.0, warmup: 4, min_lr_ratio: 0.1, ..Default::default() };
        assert_eq!(lr_at(&cfg, 0, 14), 0.25);
        assert_eq!(lr_at(&cfg, 3, 14), 1.0);
        assert_eq!(lr_at(&cfg, 4, 14), 1.0);
        assert!((lr_at(&cfg, 13, 14) - 0.1).abs() < 1e-12);
        // With 15 steps the cosine spans steps 4..=14, so step 9 is its midpoint: halfway between 1.0 and 0.1.
        assert!((lr_at(&cfg, 9, 15) - 0.55).abs() < 1e-12, "midpoint is halfway");
        let constant = TrainConfig { schedule: ScheduleKind::Constant, ..cfg };
        assert_eq!(lr_at(&constant, 13, 14), 1.0);
    }
}
