//! Runs kept in IndexedDB: each run's record (the `lab train --out` JSON), its name, and its last checkpoint with the
//! trainer state that continues it exactly, with the one clean-up done on load: a run still marked running was cut
//! off by a reload or a closed tab.

use super::idb::{self, CHECKPOINTS, RESUME, RUNS};
use compute::train::{RunRecord, RunStatus};
use js_sys::{Object, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::JsValue;
use web_sys::IdbDatabase;

/// A stored run: its key, the name shown in the table and the record.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRun {
    pub id: String,
    pub name: String,
    pub record: RunRecord,
}

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// The database, opened once per page.
async fn db() -> Result<IdbDatabase, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let db = idb::open().await?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// A fresh id: the start time plus a random tail, so ids sort by age and never collide across tabs.
pub fn new_id() -> String {
    format!("{}-{:06}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e6) as u32)
}

/// A default name: the model's shape and the data.
pub fn default_name(r: &RunRecord) -> String {
    let data = r.data.as_ref().map_or(String::new(), |d| format!(" on {}", d.data));
    format!("{}L×{}d{data}", r.model.n_layer, r.model.d_model)
}

fn to_js(run: &StoredRun) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"id".into(), &run.id.as_str().into());
    let _ = Reflect::set(&o, &"name".into(), &run.name.as_str().into());
    let _ = Reflect::set(&o, &"record".into(), &serde_json::to_string(&run.record).unwrap_or_default().into());
    o.into()
}

fn from_js(v: &JsValue) -> Option<StoredRun> {
    let text = |k: &str| Reflect::get(v, &k.into()).ok().and_then(|s| s.as_string());
    let record = RunRecord::from_json(&text("record")?).ok()?;
    Some(StoredRun { id: text("id")?, name: text("name")?, record })
}

/// Every stored run, oldest first; runs left `running` by a previous page are marked interrupted (and saved so).
pub async fn load() -> Result<Vec<StoredRun>, String> {
    let db = db().await?;
    let mut runs: Vec<StoredRun> = idb::get_all(&db, RUNS).await?.iter().filter_map(from_js).collect();
    let mut cut = Vec::new();
    for run in runs.iter_mut().filter(|r| r.record.status == RunStatus::Running && !super::saver::is_live(&r.id)) {
        run.record.status = RunStatus::Interrupted;
        run.record.notes.push(format!("interrupted at step {}: the page was reloaded or closed", run.record.steps));
        cut.push(to_js(run));
    }
    if !cut.is_empty() {
        idb::put_all(&db, RUNS, &cut).await?;
    }
    runs.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(runs)
}

/// Stores (or replaces) runs, all in one transaction.
pub async fn save(runs: &[StoredRun]) -> Result<(), String> {
    let values: Vec<JsValue> = runs.iter().map(to_js).collect();
    idb::put_all(&db().await?, RUNS, &values).await
}

/// Deletes a run, its checkpoint and its resume point, in one transaction.
pub async fn delete(id: &str) -> Result<(), String> {
    idb::write(&db().await?, &[], &[(RUNS, id), (CHECKPOINTS, id), (RESUME, id)]).await
}

/// A run's stored checkpoint: the weights, and the trainer state saved with them when the run can continue exactly.
pub struct StoredCheckpoint {
    /// Safetensors (tokenizer and config in the metadata).
    pub bytes: Vec<u8>,
    /// `TrainerState::to_bytes`; None for runs stored before states were kept, and for finished runs.
    pub state: Option<Vec<u8>>,
}

/// Stores a run's latest checkpoint and, with `state` (its bytes and step), what continues it exactly; without, the
/// run's resume point is removed. One transaction, so weights and state always belong together.
pub async fn save_checkpoint(id: &str, bytes: &[u8], state: Option<(&[u8], usize)>) -> Result<(), String> {
    let o = Object::new();
    let _ = Reflect::set(&o, &"id".into(), &id.into());
    let _ = Reflect::set(&o, &"bytes".into(), &Uint8Array::from(bytes).into());
    let db = db().await?;
    match state {
        Some((state, step)) => {
            let _ = Reflect::set(&o, &"state".into(), &Uint8Array::from(state).into());
            let point = Object::new();
            let _ = Reflect::set(&point, &"id".into(), &id.into());
            let _ = Reflect::set(&point, &"step".into(), &(step as f64).into());
            idb::write(&db, &[(CHECKPOINTS, o.into()), (RESUME, point.into())], &[]).await
        }
        None => idb::write(&db, &[(CHECKPOINTS, o.into())], &[(RESUME, id)]).await,
    }
}

/// A run's stored checkpoint, if one was saved.
pub async fn checkpoint(id: &str) -> Result<Option<StoredCheckpoint>, String> {
    let v = idb::get(&db().await?, CHECKPOINTS, id).await?;
    let bytes = |v: &JsValue, key: &str| {
        Reflect::get(v, &key.into()).ok().filter(|b| b.is_object()).map(|b| Uint8Array::new(&b).to_vec())
    };
    Ok(v.and_then(|v| Some(StoredCheckpoint { bytes: bytes(&v, "bytes")?, state: bytes(&v, "state") })))
}

/// The step each run can continue exactly from (the runs whose checkpoint has a trainer state).
pub async fn resume_points() -> Result<HashMap<String, usize>, String> {
    let all = idb::get_all(&db().await?, RESUME).await?;
    Ok(all
        .iter()
        .filter_map(|v| {
            let id = Reflect::get(v, &"id".into()).ok()?.as_string()?;
            let step = Reflect::get(v, &"step".into()).ok()?.as_f64()?;
            Some((id, step as usize))
        })
        .collect())
}
