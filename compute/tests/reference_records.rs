//! The committed reference sweeps (public/reference/*.json, drawn behind the page's own results) are real `lab sweep`
//! records of this code's plans: each reads as a sweep record, its plan is exactly what `plan(kind, budget, seeds)`
//! makes today, every run belongs to that plan once, and each says what made it and on which device.

use compute::experiments::{plan, SweepRecord};
use std::collections::HashSet;

#[test]
fn committed_reference_sweeps_are_records_of_the_current_plans() {
    let dir = compute::repository_dir().join("public/reference");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("public/reference exists") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let record =
            SweepRecord::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(name, format!("{}-{}.json", record.kind, record.budget), "the page finds references by name");
        assert_eq!(record.plan, plan(record.kind, record.budget, record.seeds), "{name}: the plan is today's plan");
        let planned: HashSet<&str> = record.plan.runs.iter().map(|r| r.id.as_str()).collect();
        let mut ids = HashSet::new();
        for run in &record.runs {
            assert!(planned.contains(run.id.as_str()), "{name}: {} is not in the plan", run.id);
            assert!(ids.insert(run.id.as_str()), "{name}: {} twice", run.id);
            assert!(run.loss.is_some_and(|l| l.is_finite() && l > 0.0), "{name}: {} has no loss", run.id);
        }
        assert!(!record.runs.is_empty(), "{name}: no runs");
        // The binary's file name may differ (a copy kept apart from rebuilds); the subcommand and plan may not.
        let made_by = format!(" sweep {} --budget {}", record.kind, record.budget);
        assert!(record.command.contains(&made_by), "{name}: made by `lab{made_by}`, not by hand: {}", record.command);
        assert!(!record.device.is_empty() && !record.created.is_empty(), "{name}: device and date recorded");
        seen += 1;
    }
    assert!(seen >= 4, "the four sweeps have references ({seen} found)");
}
