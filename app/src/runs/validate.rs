//! Checks an imported file before anything is stored: one run record or an array of them, in the `lab train --out`
//! format, within sane sizes, with finite numbers where numbers must be; any problem refuses the whole file.

use compute::train::{RunRecord, RunStatus, RUN_FORMAT};

/// Largest file accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;
/// Most runs in one file.
const MAX_RUNS: usize = 1000;
/// Most points in one series, samples, notes, and characters in one text.
const MAX_POINTS: usize = 1_000_000;
const MAX_SAMPLES: usize = 10_000;
const MAX_NOTES: usize = 1_000;
const MAX_TEXT: usize = 100_000;
/// Most planned steps a believable run has.
const MAX_STEPS: usize = 100_000_000;

/// Reads `text` as one record or an array of records; every record is checked, and the first problem refuses all.
/// A record still marked running is marked interrupted: nothing runs it here.
pub fn parse_import(text: &str) -> Result<Vec<RunRecord>, String> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(format!("the file is {} MB; at most {} MB is accepted", text.len() >> 20, MAX_IMPORT_BYTES >> 20));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("the file is not JSON: {e}"))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        one @ serde_json::Value::Object(_) => vec![one],
        _ => return Err("expected a run record (a JSON object) or an array of them".into()),
    };
    if items.is_empty() {
        return Err("the file holds no runs".into());
    }
    if items.len() > MAX_RUNS {
        return Err(format!("the file holds {} runs; at most {MAX_RUNS} are accepted at once", items.len()));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let which = if items.len() > 1 { format!("run {} of {}: ", i + 1, items.len()) } else { String::new() };
            let mut r = RunRecord::from_json(&item.to_string()).map_err(|e| format!("{which}{e}"))?;
            check(&r).map_err(|e| format!("{which}{e}"))?;
            if r.status == RunStatus::Running {
                r.status = RunStatus::Interrupted;
                r.notes.push("imported while marked running; shown as interrupted".into());
            }
            Ok(r)
        })
        .collect()
}

/// The sanity checks a record must pass beyond its JSON shape.
pub fn check(r: &RunRecord) -> Result<(), String> {
    let fail = |m: String| Err(m);
    if r.format != RUN_FORMAT {
        return fail(format!("format is “{}”, expected “{RUN_FORMAT}”", clip(&r.format)));
    }
    r.model.validate().map_err(|e| format!("model: {e}"))?;
    if r.total_steps > MAX_STEPS || r.steps > r.total_steps {
        return fail(format!("steps {} of {} planned is not a believable run", r.steps, r.total_steps));
    }
    let sizes = [
        ("training series", r.train_series.len(), MAX_POINTS),
        ("validation series", r.eval_series.len(), MAX_POINTS),
        ("samples", r.samples.len(), MAX_SAMPLES),
        ("notes", r.notes.len(), MAX_NOTES),
    ];
    for (what, n, max) in sizes {
        if n > max {
            return fail(format!("{what}: {n} entries, at most {max}"));
        }
    }
    let texts =
        std::iter::once(&r.created).chain(r.name.iter()).chain(r.notes.iter()).chain(r.samples.iter().map(|s| &s.text));
    if texts.into_iter().any(|t| t.len() > MAX_TEXT) {
        return fail(format!("a text field is longer than {MAX_TEXT} bytes"));
    }
    let finite =
        |what: &str, v: f64| if v.is_finite() { Ok(()) } else { Err(format!("{what} is not a finite number")) };
    finite("seconds", r.seconds)?;
    for v in [r.final_train_loss, r.final_val_loss].into_iter().flatten().filter(|v| !v.is_nan()) {
        finite("a final loss", v)?;
    }
    let mut last = 0;
    for p in &r.train_series {
        finite("a training point's seconds", p.seconds)?;
        finite("a training point's learning rate", p.lr)?;
        if p.step < last || p.step > r.total_steps {
            return fail(format!("training series: step {} out of order or past {}", p.step, r.total_steps));
        }
        last = p.step;
    }
    last = 0;
    for p in &r.eval_series {
        finite("a validation point's seconds", p.seconds)?;
        if p.step < last || p.step > r.total_steps {
            return fail(format!("validation series: step {} out of order or past {}", p.step, r.total_steps));
        }
        last = p.step;
    }
    for s in &r.samples {
        finite("a sample's temperature", s.temperature)?;
    }
    Ok(())
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use compute::config::ModelConfig;
    use compute::train::{BackendKind, TrainConfig, TrainPoint};

    fn record() -> RunRecord {
        let model =
            ModelConfig { vocab_size: 10, n_ctx: 8, n_layer: 1, n_head: 2, d_model: 8, d_ff: 32, ..Default::default() };
        let train = TrainConfig { steps: 10, batch: 2, ..Default::default() };
        let mut r = RunRecord::new("2026-01-01T00:00:00Z".into(), &model, &train, BackendKind::Cpu);
        r.status = RunStatus::Finished;
        r.steps = 2;
        for step in 1..=2 {
            r.train_series.push(TrainPoint {
                step,
                tokens: 16 * step as u64,
                seconds: 0.1,
                train_loss: 2.0,
                lr: 1e-3,
                grad_norm: 0.5,
            });
        }
        r
    }

    #[test]
    fn a_record_and_an_array_round_trip() {
        let r = record();
        assert_eq!(parse_import(&r.to_json()).unwrap(), vec![r.clone()]);
        let both = format!("[{},{}]", r.to_json(), r.to_json());
        assert_eq!(parse_import(&both).unwrap().len(), 2);
    }

    #[test]
    fn hostile_files_are_refused() {
        let good = record().to_json();
        let cases = [
            "{not json".to_string(),
            "42".to_string(),
            "[]".to_string(),
            good.replacen("\"seconds\": 0.1", "\"seconds\": 1e999", 1),
            good.replacen("\"train_loss\": 2.0", "\"train_loss\": \"NaN\"", 1),
            good.replacen("\"steps\": 2", "\"steps\": \"two\"", 1),
            good.replacen("\"steps\": 2", "\"steps\": 99999999999", 1),
            good.replacen("\"state\": \"finished\"", "\"state\": \"hacked\"", 1),
            good.replacen("scaling-lab-run/1", "other/9", 1),
            format!("[{good},{{}}]"),
            " ".repeat(MAX_IMPORT_BYTES + 1),
        ];
        for (i, c) in cases.iter().enumerate() {
            assert!(parse_import(c).is_err(), "case {i} accepted");
        }
    }
}
