//! Checks an imported file before anything is stored: one run record or an array of them, in the `lab train --out`
//! format, within sane sizes, with finite numbers where numbers must be; any problem refuses the whole file.

use compute::train::{RunRecord, RunStatus, RUN_FORMAT};
use serde::de::value::MapAccessDeserializer;
use serde::de::{Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer as _};
use serde_json::error::Category;
use std::cell::Cell;
use std::fmt;

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
    parse_records(text).map_err(|e| brief(&e))
}

/// A refusal short enough to show beside the import: a parser's message quotes what it could not read, which in a
/// hostile file can be megabytes; the start and the end (where the parser says the line and column) are kept.
pub fn brief(message: &str) -> String {
    const HEAD: usize = 240;
    const TAIL: usize = 80;
    let chars = message.chars().count();
    if chars <= HEAD + TAIL + 10 {
        return message.to_string();
    }
    let head: String = message.chars().take(HEAD).collect();
    let tail: String = message.chars().skip(chars - TAIL).collect();
    format!("{head} … ({} characters left out) … {tail}", chars - HEAD - TAIL)
}

fn parse_records(text: &str) -> Result<Vec<RunRecord>, String> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(format!("the file is {} MB; at most {} MB is accepted", text.len() >> 20, MAX_IMPORT_BYTES >> 20));
    }
    let reading = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let items = de.deserialize_any(Records(&reading)).and_then(|items| de.end().map(|_| items)).map_err(|e| {
        let which = reading.get().map_or(String::new(), |i| format!("run {i}: "));
        match e.classify() {
            Category::Data => format!("{which}not a Scaling Lab run record ({RUN_FORMAT}): {e}"),
            _ => format!("the file is not JSON: {e}"),
        }
    })?;
    if items.is_empty() {
        return Err("the file holds no runs".into());
    }
    let n = items.len();
    items
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            let which = if n > 1 { format!("run {} of {n}: ", i + 1) } else { String::new() };
            check(&r).map_err(|e| format!("{which}{e}"))?;
            if r.status == RunStatus::Running {
                r.status = RunStatus::Interrupted;
                r.notes.push("imported while marked running; shown as interrupted".into());
            }
            Ok(r)
        })
        .collect()
}

/// Reads a file's top level as records: one (an object) or an array of them, each straight into a [`RunRecord`]
/// (never a whole JSON tree), the array refused once it holds more than [`MAX_RUNS`]. Notes which run of the array
/// it is reading (from 1), for the message if that run is refused.
struct Records<'a>(&'a Cell<Option<usize>>);

impl<'de> Visitor<'de> for Records<'_> {
    type Value = Vec<RunRecord>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a run record (a JSON object) or an array of them")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        RunRecord::deserialize(MapAccessDeserializer::new(map)).map(|r| vec![r])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut records = Vec::new();
        loop {
            self.0.set(Some(records.len() + 1));
            if records.len() == MAX_RUNS {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    self.0.set(None);
                    let e =
                        format!("the file holds more than {MAX_RUNS} runs; at most {MAX_RUNS} are accepted at once");
                    return Err(A::Error::custom(e));
                }
                break;
            }
            match seq.next_element()? {
                Some(r) => records.push(r),
                None => break,
            }
        }
        self.0.set(None);
        Ok(records)
    }
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
    fn refusals_say_which_run_and_stop_past_the_most_runs() {
        let good = record().to_json();
        let err = parse_import(&format!("[{good},{{}}]")).unwrap_err();
        assert!(err.starts_with("run 2: not a Scaling Lab run record"), "{err}");
        let err = parse_import(&format!("[{good},{good}]").replacen("\"steps\": 2", "\"steps\": 20", 1)).unwrap_err();
        assert!(err.starts_with("run 1 of 2: steps 20 of 10"), "{err}");
        assert!(parse_import("{\"format\": ").unwrap_err().starts_with("the file is not JSON"));
        let many = format!("[{}{good}]", format!("{good},").repeat(MAX_RUNS));
        let err = parse_import(&many).unwrap_err();
        assert!(err.contains("more than 1000 runs; at most 1000"), "{err}");
        assert_eq!(parse_import(&format!("[{}{good}]", format!("{good},").repeat(MAX_RUNS - 1))).unwrap().len(), 1000);
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
