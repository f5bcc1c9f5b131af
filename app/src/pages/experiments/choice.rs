//! Which sweep the page shows, read from and written to the URL: `sweep=`, `sweep_budget=`, `seeds=`, `runs=` and
//! `backend=`.
//!
//! `runs=K` keeps only the plan's first K runs: a documented way to try the whole pipeline (or test it in a headless
//! browser) in a minute; the record then says it is a partial plan.

use crate::training::settings::BackendPref;
use compute::experiments::{plan, Budget, SweepKind, SweepPlan};

/// The sweep's settings as the URL holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub kind: SweepKind,
    pub budget: Budget,
    /// Repetitions of every configuration; 0 is the budget's default.
    pub seeds: usize,
    /// Train only the plan's first this many runs (`runs=`), when set.
    pub limit: Option<usize>,
    pub backend: BackendPref,
}

/// The budget a visitor gets without choosing: about 15 minutes on a laptop GPU.
pub const DEFAULT_BUDGET: Budget = Budget::Small;

/// Most seeds the page offers.
pub const MAX_SEEDS: usize = 5;

impl Choice {
    /// The choice in `pairs` (URL query), defaults for anything missing or unreadable.
    pub fn from_pairs(pairs: &[(String, String)]) -> Choice {
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        Choice {
            kind: get("sweep").and_then(|s| s.parse().ok()).unwrap_or(SweepKind::IsoFlop),
            budget: get("sweep_budget").and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_BUDGET),
            seeds: get("seeds").and_then(|s| s.parse().ok()).filter(|s| *s <= MAX_SEEDS).unwrap_or(0),
            limit: get("runs").and_then(|s| s.parse().ok()).filter(|k| *k > 0),
            backend: get("backend").and_then(|b| BackendPref::parse(&b)).unwrap_or(BackendPref::Auto),
        }
    }

    /// The choice as URL pairs (defaults left out, so links stay short).
    pub fn to_pairs(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("sweep", Some(self.kind.name().to_string())),
            ("sweep_budget", (self.budget != DEFAULT_BUDGET).then(|| self.budget.name().to_string())),
            ("seeds", (self.seeds != 0).then(|| self.seeds.to_string())),
            ("runs", self.limit.map(|k| k.to_string())),
            ("backend", (self.backend != BackendPref::Auto).then(|| self.backend.id().to_string())),
        ]
    }

    /// The plan of this choice at `budget`, cut to its first `limit` runs when asked.
    pub fn plan_at(&self, budget: Budget) -> SweepPlan {
        let mut p = plan(self.kind, budget, self.seeds);
        if let Some(k) = self.limit {
            if k < p.runs.len() {
                p.runs.truncate(k);
                p.notes.push(format!("only the plan's first {k} runs (runs={k} in the page's address)"));
            }
        }
        p
    }

    /// The choice that makes `plan` (backend left automatic): how a running sweep is shown after a change of view.
    pub fn of_plan(plan: &SweepPlan) -> Choice {
        let full = compute::experiments::plan(plan.kind, plan.budget, plan.seeds).runs.len();
        Choice {
            kind: plan.kind,
            budget: plan.budget,
            seeds: plan.seeds,
            limit: (plan.runs.len() < full).then_some(plan.runs.len()),
            backend: BackendPref::Auto,
        }
    }

    /// The plan of this choice.
    pub fn plan(&self) -> SweepPlan {
        self.plan_at(self.budget)
    }

    /// The key a sweep of this plan is stored under: the same plan always finds its runs again.
    pub fn key(&self) -> String {
        let p = self.plan();
        format!("{}-{}-s{}-r{}", p.kind, p.budget, p.seeds, p.runs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_url_round_trips_and_bad_values_fall_back() {
        let c = Choice::from_pairs(&pairs("sweep=lr&sweep_budget=tiny&seeds=2&runs=3&backend=cpu"));
        assert_eq!(
            (c.kind, c.budget, c.seeds, c.limit, c.backend),
            (SweepKind::LearningRate, Budget::Tiny, 2, Some(3), BackendPref::Cpu)
        );
        assert_eq!(c.plan().runs.len(), 3);
        let back: Vec<(String, String)> =
            c.to_pairs().into_iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect();
        assert_eq!(Choice::from_pairs(&back), c);
        let d = Choice::from_pairs(&pairs("sweep=nope&sweep_budget=huge&seeds=99&runs=0"));
        assert_eq!((d.kind, d.budget, d.seeds, d.limit), (SweepKind::IsoFlop, DEFAULT_BUDGET, 0, None));
        assert_ne!(c.key(), Choice { limit: None, ..c.clone() }.key());
    }
}
