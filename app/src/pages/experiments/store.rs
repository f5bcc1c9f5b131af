//! The sweep kept across reloads: each plan's record (finished runs and analysis) in the browser's localStorage,
//! written after every run, plus which sweep was training when the page went away and this device's measured speed.
//!
//! localStorage rather than the runs' IndexedDB store: a sweep record is one JSON value of 20–250 kB, read once
//! when the view opens, and IndexedDB's object stores belong to the run storage (app/src/runs/).

use compute::experiments::SweepRecord;
use serde_json::{json, Value};

const PREFIX: &str = "scaling-lab/sweep/";
const ACTIVE: &str = "scaling-lab/sweep-active";
const SPEED: &str = "scaling-lab/sweep-speed";

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| "this browser keeps no local storage (private mode?), so a reload loses the sweep".to_string())
}

/// The stored record of the plan under `key`, if any (its analysis recomputed); an unreadable one is an error.
pub fn load(key: &str) -> Result<Option<SweepRecord>, String> {
    let text = storage()?.get_item(&format!("{PREFIX}{key}")).ok().flatten();
    text.map(|t| SweepRecord::from_json(&t)).transpose()
}

/// Writes the record of the plan under `key`.
pub fn save(key: &str, record: &SweepRecord) -> Result<(), String> {
    let text = serde_json::to_string(record).map_err(|e| e.to_string())?;
    storage()?.set_item(&format!("{PREFIX}{key}"), &text).map_err(|_| {
        "the browser's storage for this page is full: the sweep goes on, but a reload would lose its latest runs \
         (export the record to keep it)"
            .to_string()
    })
}

/// Forgets the record under `key`.
pub fn remove(key: &str) {
    if let Ok(s) = storage() {
        let _ = s.remove_item(&format!("{PREFIX}{key}"));
    }
}

/// Notes which sweep is training (None: none), so a reload continues it.
pub fn set_active(key: Option<&str>) {
    if let Ok(s) = storage() {
        let _ = match key {
            Some(k) => s.set_item(ACTIVE, k),
            None => s.remove_item(ACTIVE),
        };
    }
}

/// The sweep that was training when the page went away.
pub fn active() -> Option<String> {
    storage().ok()?.get_item(ACTIVE).ok().flatten()
}

/// A measured training speed of this device.
#[derive(Clone, Debug, PartialEq)]
pub struct Speed {
    /// Model FLOPs per second (6N + attention per token, evaluations included, as plans count them).
    pub flops_per_second: f64,
    /// Which backend, in words.
    pub backend: String,
    /// How it was measured, in words (a timing run, or the sweep's finished runs).
    pub source: String,
    /// When (ISO 8601).
    pub when: String,
}

/// The last measured speed, if any.
pub fn load_speed() -> Option<Speed> {
    let v: Value = serde_json::from_str(&storage().ok()?.get_item(SPEED).ok().flatten()?).ok()?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let flops = v.get("flops_per_second").and_then(Value::as_f64).filter(|f| f.is_finite() && *f > 0.0)?;
    Some(Speed { flops_per_second: flops, backend: text("backend"), source: text("source"), when: text("when") })
}

/// Keeps a measured speed for the next visit.
pub fn save_speed(speed: &Speed) {
    let v = json!({
        "flops_per_second": speed.flops_per_second,
        "backend": speed.backend,
        "source": speed.source,
        "when": speed.when,
    });
    if let Ok(s) = storage() {
        let _ = s.set_item(SPEED, &v.to_string());
    }
}
