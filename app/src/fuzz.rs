//! Fuzzes the page's importers (run records, `runs::validate::parse_import`; sweep records, `reference::parse`) with
//! mutated valid files, as compute/tests/fuzz_files.rs does for `lab`: no panic, no case over 20 s, and each answer
//! a short error or a record that passes the checks and writes back as it reads. A short run by default;
//! `FUZZ_CASES=2000 FUZZ_SEED=7 cargo test -p app --lib fuzz` runs longer.

use crate::pages::experiments::reference;
use crate::runs::export::all_json;
use crate::runs::validate::{check, parse_import, MAX_IMPORT_BYTES};
use compute::config::ModelConfig;
use compute::data::rng::Rng;
use compute::data::{Dataset, TokenizerSpec};
use compute::experiments::record::SWEEP_FORMAT;
use compute::fuzz::{env_or, guarded, mutate, CASE_LIMIT};
use compute::train::{native_clock, BackendChoice, RunRecord, TrainConfig, Trainer};
use std::time::Instant;

/// Longest error message a refusal may show: one sentence beside the import button, never the file echoed back.
const MAX_MESSAGE: usize = 600;

/// A real run record: a few steps of a small model trained on the CPU, with evaluations, samples and a name.
fn trained_record() -> RunRecord {
    let data = Dataset::synthetic("easy", TokenizerSpec::Char).unwrap();
    let model = ModelConfig {
        vocab_size: data.vocab_size(),
        n_ctx: 16,
        n_layer: 1,
        n_head: 2,
        d_model: 16,
        d_ff: 64,
        ..Default::default()
    };
    let cfg =
        TrainConfig { batch: 2, steps: 6, eval_every: 3, eval_batches: 1, sample_tokens: 8, ..Default::default() };
    let mut trainer =
        Trainer::new(BackendChoice::Cpu, &model, &cfg, &data, "2026-12-04T00:00:00Z".into(), native_clock())
            .expect("a small run on the CPU");
    while !trainer.is_done() {
        pollster::block_on(trainer.step()).expect("a step");
    }
    let mut record = trainer.record().clone();
    record.name = Some("fuzz «seed» run".into());
    record
}

/// Valid files to start from: a run record, an export of two, and the committed reference sweeps of every kind.
fn seeds() -> Vec<(&'static str, String)> {
    let run = trained_record();
    let mut other = run.clone();
    other.name = None;
    vec![
        ("run record", run.to_json()),
        ("exported runs", all_json(&[&run, &other])),
        ("isoflop sweep", include_str!("../../public/reference/isoflop-tiny.json").into()),
        ("lr sweep", include_str!("../../public/reference/lr-tiny.json").into()),
        ("shape sweep", include_str!("../../public/reference/shape-tiny.json").into()),
        ("batch sweep", include_str!("../../public/reference/batch-tiny.json").into()),
    ]
}

/// A refusal's message when it is not one short sentence: empty, or long enough to echo the file back.
fn unclear(importer: &str, e: &str) -> Option<String> {
    (e.trim().is_empty() || e.len() > MAX_MESSAGE)
        .then(|| format!("{importer} refused with an unclear message ({} bytes): {e:.200}", e.len()))
}

/// Feeds `text` to both importers; what breaks a rule (other than a panic or a hang, which `guarded` counts).
fn import_both(text: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    match parse_import(text) {
        Err(e) => wrong.extend(unclear("run import", &e)),
        Ok(records) => {
            for r in &records {
                if let Err(e) = check(r) {
                    wrong.push(format!("run import accepted a record its own check refuses: {e}"));
                }
            }
            // What was accepted is what an export writes and a second import reads back the same.
            let written = all_json(&records.iter().collect::<Vec<_>>());
            let again = parse_import(&written).map(|r| all_json(&r.iter().collect::<Vec<_>>()));
            if again.as_deref() != Ok(written.as_str()) {
                wrong.push(format!("run import: an accepted file does not read back as written ({again:.200?})"));
            }
        }
    }
    match reference::parse(text) {
        Err(e) => wrong.extend(unclear("sweep import", &e)),
        Ok(record) => {
            if record.format != SWEEP_FORMAT || record.runs.is_empty() {
                wrong.push("sweep import accepted a record of another format or without runs".into());
            }
            drop(record.to_json());
        }
    }
    wrong
}

#[test]
fn mutated_imports_never_crash_hang_or_pass_unchecked() {
    let (cases, seed) = (env_or("FUZZ_CASES", 60), env_or("FUZZ_SEED", 2026));
    let seeds = seeds();
    let mut rng = Rng::new(seed);
    let mut problems = Vec::new();
    for case in 0..cases {
        let (kind, original) = &seeds[case as usize % seeds.len()];
        let bytes = mutate(original.as_bytes(), &mut rng);
        let what = format!("case {case} ({kind}, seed {seed})");
        let mut wrong = Vec::new();
        guarded(&what, &mut problems, || {
            // The page reads a picked file as text (invalid UTF-8 replaced), as `File.text()` does.
            wrong = import_both(&String::from_utf8_lossy(&bytes));
        });
        problems.extend(wrong.into_iter().map(|w| format!("{what}: {w}")));
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_unmutated_seeds_import() {
    for (kind, text) in seeds() {
        let ok = if kind.ends_with("sweep") { reference::parse(&text).is_ok() } else { parse_import(&text).is_ok() };
        assert!(ok, "{kind} was refused");
        let wrong = import_both(&text);
        assert!(wrong.is_empty(), "{kind}: {wrong:?}");
    }
}

/// Hostile files at and over the size limit: refused before they are parsed whole, or parsed and refused within
/// the time bound, with a short message.
#[test]
fn huge_and_hostile_imports_are_refused_quickly() {
    let run = trained_record().to_json();
    let sweep = include_str!("../../public/reference/isoflop-tiny.json");
    let fill = |head: &str, unit: &str, tail: &str| {
        let n = (MAX_IMPORT_BYTES - head.len() - tail.len()) / unit.len();
        format!("{head}{}{tail}", unit.repeat(n))
    };
    let sweep_runs = {
        let v: serde_json::Value = serde_json::from_str(sweep).unwrap();
        let one = v["runs"][0].to_string();
        let head = sweep.split("\"runs\"").next().unwrap().to_string() + "\"runs\": [";
        let tail = "], \"created\": \"x\", \"device\": \"x\", \"command\": \"x\"}";
        let mut s = fill(&head, &format!("{one},"), tail);
        s = s.replacen(",]", "]", 1);
        s
    };
    let cases = [
        ("one byte over the limit", " ".repeat(MAX_IMPORT_BYTES + 1)),
        ("far over the limit", format!("[{}]", run.repeat(MAX_IMPORT_BYTES / run.len() + 2))),
        ("nested arrays", fill("", "[", "")),
        ("nested objects", fill("", "{\"a\":", "")),
        ("a long array of numbers", fill("[", "0,", "0]")),
        ("a long array of empty objects", fill("[", "{},", "{}]")),
        ("many copies of a record", fill("[", &format!("{run},"), "{}]")),
        ("one long string", fill("{\"format\": \"", "x", "\"}")),
        (
            "a long unknown enum name",
            run.replacen("\"state\": \"", &format!("\"state\": \"{}", "z".repeat(1 << 20)), 1),
        ),
        ("a long sweep kind", sweep.replacen("\"kind\": \"", &format!("\"kind\": \"{}", "k".repeat(1 << 20)), 1)),
        ("a long sweep format", sweep.replacen("scaling-lab-sweep/1", &"f".repeat(1 << 20), 1)),
        ("a sweep of many runs", sweep_runs),
    ];
    for (what, text) in cases {
        assert!(text.len() <= MAX_IMPORT_BYTES || what.contains("over"), "{what} is {} bytes", text.len());
        let start = Instant::now();
        let wrong = import_both(&text);
        let took = start.elapsed();
        assert!(wrong.is_empty(), "{what}: {wrong:?}");
        assert!(took < CASE_LIMIT, "{what} took {took:?}");
        assert!(parse_import(&text).is_err(), "{what} was imported as runs");
        if text.len() > MAX_IMPORT_BYTES {
            assert!(took.as_millis() < 100, "{what}: refused after {took:?}, not before parsing");
        }
    }
}
