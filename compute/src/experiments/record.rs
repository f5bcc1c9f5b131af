//! The sweep record: a finished (or partial) sweep as one JSON file — plan, every run's result, the analysis and how
//! it was made. `lab fit` reads its `runs` directly (their `n`, `d` and `loss` fields).

use super::analysis::{analyze, entropy_floor, AnalysisOptions, SweepAnalysis};
use super::{Budget, RunResult, SweepKind, SweepPlan};
use serde::{Deserialize, Serialize};

/// Names the record format, so readers can tell a sweep record from a run record and its version.
pub const SWEEP_FORMAT: &str = "scaling-lab-sweep/1";

/// A sweep and what came of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepRecord {
    /// Always [`SWEEP_FORMAT`].
    pub format: String,
    pub kind: SweepKind,
    pub budget: Budget,
    pub seeds: usize,
    pub plan: SweepPlan,
    /// One per finished or failed run, in the order they ran (a partial sweep has fewer than the plan).
    pub runs: Vec<RunResult>,
    /// Recomputed from `runs` when a record is read ([`SweepRecord::from_json`]), so it always matches this code.
    #[serde(skip_deserializing)]
    pub analysis: Option<SweepAnalysis>,
    /// Why there is no analysis, when there is none.
    #[serde(default)]
    pub analysis_error: Option<String>,
    /// When the sweep started, as the caller wrote it (ISO 8601 recommended).
    pub created: String,
    /// What trained it (backend and adapter), in words.
    pub device: String,
    /// The command line or page action that made it.
    pub command: String,
}

impl SweepRecord {
    /// A record of `plan` with the runs done so far, analysed with default options (the data's floor filled in).
    pub fn new(plan: SweepPlan, runs: Vec<RunResult>, created: String, device: String, command: String) -> Self {
        let mut record = SweepRecord {
            format: SWEEP_FORMAT.into(),
            kind: plan.kind,
            budget: plan.budget,
            seeds: plan.seeds,
            plan,
            runs,
            analysis: None,
            analysis_error: None,
            created,
            device,
            command,
        };
        record.reanalyze(&record.default_options());
        record
    }

    /// Analysis options for this record: defaults plus the entropy floor of its data.
    pub fn default_options(&self) -> AnalysisOptions {
        AnalysisOptions { floor: entropy_floor(&self.plan.data, &self.plan.tokenizer), ..AnalysisOptions::default() }
    }

    /// Recomputes the analysis from the runs.
    pub fn reanalyze(&mut self, options: &AnalysisOptions) {
        match analyze(self.kind, &self.runs, options) {
            Ok(a) => {
                self.analysis = Some(a);
                self.analysis_error = None;
            }
            Err(e) => {
                self.analysis = None;
                self.analysis_error = Some(e);
            }
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("sweep records serialise")
    }

    /// One record from several partial records of the same plan (shards trained on different machines or
    /// processes): the union of their runs in plan order, the earliest start, and every distinct device and command.
    pub fn merge(parts: Vec<SweepRecord>) -> Result<SweepRecord, String> {
        let names = (1..=parts.len()).map(|k| format!("record {k}")).collect::<Vec<_>>();
        SweepRecord::merge_named(parts, &names)
    }

    /// [`SweepRecord::merge`] with a name per part (its file) for the messages. A run found in two parts is kept
    /// once, preferring one with a loss; two different losses for one run are a conflict, refused.
    pub fn merge_named(parts: Vec<SweepRecord>, names: &[String]) -> Result<SweepRecord, String> {
        let first = parts.first().ok_or("nothing to merge")?;
        let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("record {}", i + 1));
        for (i, other) in parts.iter().enumerate().skip(1) {
            if let Some(diff) = first.plan.difference(&other.plan, &name(0), &name(i)) {
                return Err(format!("cannot merge {} with {}: the plans differ ({diff})", name(0), name(i)));
            }
        }
        let plan = first.plan.clone();
        let mut runs: Vec<RunResult> = Vec::new();
        for planned in &plan.runs {
            let found: Vec<(usize, &RunResult)> = parts
                .iter()
                .enumerate()
                .flat_map(|(i, p)| p.runs.iter().map(move |r| (i, r)))
                .filter(|(_, r)| r.id == planned.id)
                .collect();
            let with_loss = found.iter().filter_map(|(i, r)| r.loss.map(|l| (*i, l)));
            let mut losses: Vec<(usize, f64)> = with_loss.collect();
            losses.dedup_by(|a, b| a.1.to_bits() == b.1.to_bits());
            if let [(i, a), (j, b), ..] = losses[..] {
                return Err(format!(
                    "run {} has two different results, loss {a} in {} and {b} in {}: merge only one of them",
                    planned.id,
                    name(i),
                    name(j)
                ));
            }
            // Keep the one with a loss, else the first.
            let best = found.iter().find(|(_, r)| r.loss.is_some()).or(found.first());
            runs.extend(best.map(|(_, r)| (*r).clone()));
        }
        let distinct = |field: fn(&SweepRecord) -> &str, sep: &str| {
            let mut seen: Vec<&str> = Vec::new();
            for p in &parts {
                if !seen.contains(&field(p)) {
                    seen.push(field(p));
                }
            }
            seen.join(sep)
        };
        let created = parts.iter().map(|p| p.created.as_str()).min().unwrap_or_default().to_string();
        Ok(SweepRecord::new(plan, runs, created, distinct(|p| &p.device, "; "), distinct(|p| &p.command, "\n")))
    }

    /// Reads a record and recomputes its analysis.
    pub fn from_json(json: &str) -> Result<SweepRecord, String> {
        let mut record = SweepRecord::from_json_unanalyzed(json)?;
        record.reanalyze(&record.default_options());
        Ok(record)
    }

    /// Reads a record as stored, for a caller that recomputes the analysis with its own options.
    pub fn from_json_unanalyzed(json: &str) -> Result<SweepRecord, String> {
        serde_json::from_str(json).map_err(|e| format!("not a Scaling Lab sweep record ({SWEEP_FORMAT}): {e}"))
    }
}
