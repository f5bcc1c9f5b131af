//! Shards of one sweep (trained by `lab sweep --shard K/N` on different processes or machines) merge into one record:
//! every run once, in plan order, with the devices and commands of all shards; records of another plan are refused.

use compute::experiments::{plan, Budget, RunResult, SweepKind, SweepRecord};

fn shard_record(kind: SweepKind, shard: usize, shards: usize, device: &str) -> SweepRecord {
    let plan = plan(kind, Budget::Tiny, 2);
    let runs = plan
        .runs
        .iter()
        .enumerate()
        .filter(|(i, _)| i % shards == shard)
        .map(|(i, r)| RunResult::new(r, Some(3.0 - 0.01 * i as f64), Vec::new()))
        .collect();
    SweepRecord::new(plan, runs, format!("2026-11-28T0{shard}:00:00Z"), device.into(), format!("shard {shard}"))
}

#[test]
fn shards_merge_into_the_whole_plan_in_plan_order() {
    let parts: Vec<SweepRecord> = (0..3).map(|k| shard_record(SweepKind::IsoFlop, k, 3, "GPU: H200")).collect();
    assert!(parts.iter().all(|p| p.runs.len() < p.plan.runs.len()), "each shard is partial");
    let merged = SweepRecord::merge(parts).unwrap();
    let ids: Vec<&str> = merged.runs.iter().map(|r| r.id.as_str()).collect();
    let planned: Vec<&str> = merged.plan.runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, planned);
    assert_eq!(merged.device, "GPU: H200", "one device named once");
    assert_eq!(merged.command, "shard 0\nshard 1\nshard 2");
    assert_eq!(merged.created, "2026-11-28T00:00:00Z", "the earliest start");
    assert!(merged.analysis.is_some() || merged.analysis_error.is_some());
}

#[test]
fn a_run_in_two_shards_is_kept_once_preferring_the_one_with_a_loss() {
    let whole = shard_record(SweepKind::LearningRate, 0, 1, "CPU");
    let mut failed = whole.clone();
    failed.runs[0].loss = None;
    failed.device = "GPU".into();
    let merged = SweepRecord::merge(vec![failed, whole.clone()]).unwrap();
    assert_eq!(merged.runs.len(), whole.plan.runs.len());
    assert_eq!(merged.runs[0].loss, whole.runs[0].loss);
    assert_eq!(merged.device, "GPU; CPU");
}

#[test]
fn records_of_different_plans_are_refused() {
    let a = shard_record(SweepKind::IsoFlop, 0, 2, "CPU");
    let b = shard_record(SweepKind::Shape, 1, 2, "CPU");
    let err = SweepRecord::merge(vec![a, b]).unwrap_err();
    assert!(err.contains("plans differ (kind: \"isoflop\" in record 1, \"shape\" in record 2"), "{err}");
    assert_eq!(SweepRecord::merge(Vec::new()).unwrap_err(), "nothing to merge");
}

#[test]
fn two_different_losses_for_one_run_are_refused_by_name() {
    let a = shard_record(SweepKind::LearningRate, 0, 1, "CPU");
    let mut b = a.clone();
    b.runs[1].loss = Some(9.5);
    let names = ["a.json".to_string(), "b.json".to_string()];
    let err = SweepRecord::merge_named(vec![a.clone(), b], &names).unwrap_err();
    let id = &a.runs[1].id;
    assert!(err.contains(&format!("run {id} has two different results")) && err.contains("9.5 in b.json"), "{err}");
    assert!(SweepRecord::merge_named(vec![a.clone(), a], &names).is_ok(), "the same result twice is no conflict");
    let mut seeds = shard_record(SweepKind::LearningRate, 0, 1, "CPU");
    seeds.plan.seeds = 3;
    let err =
        SweepRecord::merge_named(vec![shard_record(SweepKind::LearningRate, 0, 1, "CPU"), seeds], &names).unwrap_err();
    assert!(err.contains("seeds: 2 in a.json, 3 in b.json"), "{err}");
}
