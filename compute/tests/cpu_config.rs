//! Invalid model configurations come back as errors a person can act on, never as panics.

use compute::config::{ConfigError, ModelConfig};

fn err(cfg: ModelConfig) -> ConfigError {
    cfg.validate().expect_err("config should be rejected")
}

#[test]
fn zero_sizes_are_named() {
    let base = ModelConfig::default();
    assert_eq!(err(ModelConfig { n_layer: 0, ..base.clone() }), ConfigError::Zero { field: "n_layer" });
    assert_eq!(err(ModelConfig { vocab_size: 0, ..base.clone() }), ConfigError::Zero { field: "vocab_size" });
    assert_eq!(err(ModelConfig { n_head: 0, ..base.clone() }), ConfigError::Zero { field: "n_head" });
    assert_eq!(err(ModelConfig { d_ff: 0, ..base }).to_string(), "d_ff is 0; it must be at least 1");
}

#[test]
fn absurd_sizes_say_the_limit() {
    let base = ModelConfig::default();
    let e = err(ModelConfig { n_ctx: 8192, ..base.clone() });
    assert_eq!(e, ConfigError::TooLarge { field: "n_ctx", value: 8192, max: 4096 });
    assert_eq!(e.to_string(), "n_ctx = 8192 is larger than this lab supports (at most 4096)");
    assert!(matches!(
        err(ModelConfig { d_model: 5000, n_head: 1, ..base.clone() }),
        ConfigError::TooLarge { field: "d_model", .. }
    ));
    assert!(matches!(err(ModelConfig { n_layer: 65, ..base.clone() }), ConfigError::TooLarge { field: "n_layer", .. }));
    assert!(matches!(
        err(ModelConfig { vocab_size: 70_000, ..base }),
        ConfigError::TooLarge { field: "vocab_size", .. }
    ));
}

#[test]
fn heads_that_do_not_divide_d_model_suggest_working_values() {
    let e = err(ModelConfig { d_model: 64, n_head: 6, ..ModelConfig::default() });
    assert_eq!(e, ConfigError::HeadsDontDivide { d_model: 64, n_head: 6 });
    let msg = e.to_string();
    assert!(msg.contains("n_head 2, 4 or 8"), "{msg}");
    assert!(msg.contains("d_model 60 or 66"), "{msg}");
    // Below n_head there is no smaller multiple to offer.
    let msg = err(ModelConfig { d_model: 3, n_head: 4, ..ModelConfig::default() }).to_string();
    assert!(msg.contains("or d_model 4 (multiples of 4)"), "{msg}");
}

#[test]
fn errors_are_std_errors_and_configs_round_trip_through_json() {
    let e: Box<dyn std::error::Error> = Box::new(ConfigError::Zero { field: "n_ctx" });
    assert!(e.to_string().contains("n_ctx"));
    let cfg = ModelConfig::preset("medium").unwrap();
    let json = serde_json::to_string(&cfg).unwrap();
    assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), cfg);
    // Missing fields take the documented defaults, so a URL or old run can name only what it changes.
    let partial: ModelConfig = serde_json::from_str(r#"{"n_layer": 3}"#).unwrap();
    assert_eq!(partial, ModelConfig { n_layer: 3, ..ModelConfig::default() });
}
