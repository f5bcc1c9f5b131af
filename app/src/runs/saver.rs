//! The page's list of runs as signals, kept in step with IndexedDB, and the saver the driver calls on every publish:
//! it writes at most every [`SAVE_MS`] and at once when the status changes, with the latest checkpoint (and the
//! trainer state that continues it exactly) beside it.

use super::store::{self, StoredRun};
use crate::training::driver::{Driver, Saver, Snapshot};
use crate::training::tick::now_ms;
use compute::train::{RunRecord, RunStatus};
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Longest a running record goes unsaved, in milliseconds: a reload loses at most this much.
pub const SAVE_MS: f64 = 2000.0;

thread_local! {
    /// Runs training in this page now: the load-time clean-up leaves them running.
    static LIVE: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Whether a run trains in this page now.
pub fn is_live(id: &str) -> bool {
    LIVE.with(|l| l.borrow().contains(id))
}

/// The stored runs as the page shows them. Copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Runs {
    pub list: RwSignal<Vec<StoredRun>>,
    /// The last storage problem (a full quota, no IndexedDB), shown until dismissed.
    pub error: RwSignal<Option<String>>,
    /// True once the stored runs were read.
    pub loaded: RwSignal<bool>,
    /// The id of the run the driver trains or last trained.
    pub current: RwSignal<Option<String>>,
    /// Run id → the step its stored trainer state continues from (runs that can resume exactly).
    pub resume: RwSignal<HashMap<String, usize>>,
}

impl Runs {
    /// Reads the stored runs (marking cut-off ones interrupted) into the list.
    pub fn load() -> Runs {
        let runs = Runs {
            list: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            loaded: RwSignal::new(false),
            current: RwSignal::new(None),
            resume: RwSignal::new(HashMap::new()),
        };
        leptos::task::spawn_local(async move {
            match store::load().await {
                Ok(list) => runs.list.set(list),
                Err(e) => runs.error.set(Some(format!("Stored runs could not be read: {e}"))),
            }
            match store::resume_points().await {
                Ok(points) => runs.resume.set(points),
                Err(e) => runs.error.set(Some(format!("Stored checkpoints could not be read: {e}"))),
            }
            runs.loaded.set(true);
        });
        runs
    }

    /// Replaces the run with the same id in the list, or adds it.
    fn upsert(&self, run: StoredRun) {
        self.list.update(|l| match l.iter_mut().find(|r| r.id == run.id) {
            Some(old) => *old = run,
            None => l.push(run),
        });
    }

    /// Writes runs in the background; a failure is shown, the list keeps them for this page.
    pub fn persist(&self, runs: Vec<StoredRun>) {
        let me = *self;
        leptos::task::spawn_local(async move {
            if let Err(e) = store::save(&runs).await {
                me.error.set(Some(format!("Could not save to this browser's storage: {e}")));
            }
        });
    }

    /// Renames a run, in the table and in its record (so an export keeps the name).
    pub fn rename(&self, id: &str, name: String) {
        let Some(mut run) = self.list.with_untracked(|l| l.iter().find(|r| r.id == id).cloned()) else { return };
        run.record.name = Some(name.clone());
        run.name = name;
        self.upsert(run.clone());
        self.persist(vec![run]);
    }

    /// Deletes a run and its checkpoint.
    pub fn delete(&self, id: String) {
        self.list.update(|l| l.retain(|r| r.id != id));
        self.resume.update(|m| {
            m.remove(&id);
        });
        let me = *self;
        leptos::task::spawn_local(async move {
            if let Err(e) = store::delete(&id).await {
                me.error.set(Some(format!("Could not delete the stored run: {e}")));
            }
        });
    }

    /// Stores imported records, all in one transaction, and lists them once stored; each keeps the name in its record,
    /// or is named after the file.
    pub async fn import(&self, records: Vec<RunRecord>, name: &str) -> Result<usize, String> {
        let n = records.len();
        let runs: Vec<StoredRun> = records
            .into_iter()
            .enumerate()
            .map(|(i, record)| StoredRun {
                id: store::new_id(),
                name: record.name.clone().unwrap_or_else(|| {
                    if n > 1 {
                        format!("{name} #{}", i + 1)
                    } else {
                        name.to_string()
                    }
                }),
                record,
            })
            .collect();
        store::save(&runs).await.map_err(|e| format!("nothing was imported: {e}"))?;
        for r in runs {
            self.upsert(r);
        }
        Ok(n)
    }

    /// Writes a run's checkpoint and trainer state in the background; the resume point follows once both are stored,
    /// and a failure is said (the run goes on, but a reload would resume from an older checkpoint or not at all).
    fn save_checkpoint(self, id: String, snap: Rc<Snapshot>) {
        leptos::task::spawn_local(async move {
            let saved = async {
                let bytes = compute::checkpoint::to_bytes(&snap.model, &snap.params, Some(&snap.tokenizer))
                    .map_err(|e| e.to_string())?;
                let state = snap.state.as_ref().map(|s| s.to_bytes().map(|b| (b, s.step))).transpose()?;
                store::save_checkpoint(&id, &bytes, state.as_ref().map(|(b, step)| (b.as_slice(), *step))).await?;
                Ok::<_, String>(state.map(|(_, step)| step))
            }
            .await;
            match saved {
                Ok(step) => self.resume.update(|m| {
                    match step {
                        Some(step) => m.insert(id, step),
                        None => m.remove(&id),
                    };
                }),
                Err(e) => self.error.set(Some(format!("Could not save the checkpoint: {e}"))),
            }
        });
    }

    /// The saver for `driver`: throttled record writes plus the newest checkpoint (the driver's parameter snapshot).
    pub fn saver(self, driver: Driver) -> Saver {
        struct State {
            id: String,
            created: String,
            status: Option<RunStatus>,
            last_ms: f64,
            checkpoint: *const Snapshot,
        }
        let state = Rc::new(RefCell::new(State {
            id: String::new(),
            created: String::new(),
            status: None,
            last_ms: f64::NEG_INFINITY,
            checkpoint: std::ptr::null(),
        }));
        Rc::new(move |record: &RunRecord| {
            let mut s = state.borrow_mut();
            // A resumed run goes on under its own id.
            if let Some(id) = driver.resume_id.get_value() {
                driver.resume_id.set_value(None);
                s.id = id;
                s.created = record.created.clone();
                s.status = None;
                s.last_ms = f64::NEG_INFINITY;
                self.current.set(Some(s.id.clone()));
            } else if s.created != record.created || s.id.is_empty() {
                s.id = store::new_id();
                s.created = record.created.clone();
                s.status = None;
                s.last_ms = f64::NEG_INFINITY;
                self.current.set(Some(s.id.clone()));
            }
            // A running record is written at most every SAVE_MS; a status change and every publish after the end
            // (the last sample, the final parameters) at once.
            let changed = s.status.as_ref() != Some(&record.status);
            if !changed && record.status == RunStatus::Running && now_ms() - s.last_ms < SAVE_MS {
                return;
            }
            s.status = Some(record.status.clone());
            s.last_ms = now_ms();
            let running = record.status == RunStatus::Running;
            LIVE.with(|l| {
                let mut l = l.borrow_mut();
                if running {
                    l.insert(s.id.clone())
                } else {
                    l.remove(&s.id)
                }
            });
            // The name lives in the list (a rename while training); the record carries a name given by hand.
            let named = self
                .list
                .with_untracked(|l| l.iter().find(|r| r.id == s.id).map(|r| (r.name.clone(), r.record.name.clone())));
            let mut record = record.clone();
            let name = match named {
                Some((name, given)) => {
                    record.name = given;
                    name
                }
                None => record.name.clone().unwrap_or_else(|| store::default_name(&record)),
            };
            let run = StoredRun { id: s.id.clone(), name, record };
            self.upsert(run.clone());
            self.persist(vec![run]);
            if let Some(snap) = driver.snapshot.get_value().filter(|snap| Rc::as_ptr(snap) != s.checkpoint) {
                s.checkpoint = Rc::as_ptr(&snap);
                self.save_checkpoint(s.id.clone(), snap);
            }
        })
    }
}
