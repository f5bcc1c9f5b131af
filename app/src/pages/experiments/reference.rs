//! Reference results: sweeps run natively by `lab sweep` (at larger budgets where time allowed) and committed under
//! `reference/` (served from `public/reference/`), shown muted behind the page's own; and the visitor's own sweep
//! records, imported from a file.
//!
//! A reference file is found by name, `reference/<kind>-<budget>.json` (or `sweep-<kind>-<budget>.json`, the name
//! `lab sweep` writes by default); the largest budget present is used. Nothing is shown (and nothing is made up) when
//! there is none.

use crate::runs::export;
use crate::runs::validate::{brief, MAX_IMPORT_BYTES};
use compute::experiments::record::SWEEP_FORMAT;
use compute::experiments::{Budget, SweepKind, SweepRecord};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where a reference record came from, with the record.
#[derive(Clone, Debug)]
pub struct Reference {
    /// The file's path relative to the page.
    pub path: String,
    pub record: SweepRecord,
}

/// Checks a sweep record's text: a Scaling Lab sweep record (`scaling-lab-sweep/1`) that the deserializer reads.
pub fn parse(text: &str) -> Result<SweepRecord, String> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(format!("it is {} MB; at most {} MB is accepted", text.len() >> 20, MAX_IMPORT_BYTES >> 20));
    }
    let record = SweepRecord::from_json(text).map_err(|e| brief(&e))?;
    if record.format != SWEEP_FORMAT {
        return Err(brief(&format!("its format is “{}”, not {SWEEP_FORMAT}", record.format)));
    }
    if record.runs.is_empty() {
        return Err("it holds no finished runs".into());
    }
    Ok(record)
}

/// The committed reference sweep of `kind` at the largest budget present, if any.
pub async fn load(kind: SweepKind) -> Result<Option<Reference>, String> {
    for budget in Budget::ALL.iter().rev() {
        for path in [format!("reference/{kind}-{budget}.json"), format!("reference/sweep-{kind}-{budget}.json")] {
            if let Some(text) = fetch_text(&path).await {
                let record = parse(&text).map_err(|e| format!("{path} could not be read: {e}"))?;
                return Ok(Some(Reference { path, record }));
            }
        }
    }
    Ok(None)
}

/// The body of a same-origin file, or None when it is missing (or not JSON: a host's "not found" page).
async fn fetch_text(path: &str) -> Option<String> {
    let window = web_sys::window()?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(path)).await.ok()?.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    text.trim_start().starts_with('{').then_some(text)
}

/// Reads a picked file as a sweep record; the error is the sentence to show.
async fn import_file(file: web_sys::File) -> Result<SweepRecord, String> {
    let name = file.name();
    if file.size() > MAX_IMPORT_BYTES as f64 {
        return Err(format!(
            "{name} is {:.1} MB; at most {} MB is accepted.",
            file.size() / 1048576.0,
            MAX_IMPORT_BYTES >> 20
        ));
    }
    let text = JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string());
    let text = text.ok_or_else(|| format!("{name} could not be read as text."))?;
    parse(&text).map_err(|e| format!("{name} is not a sweep record that `lab sweep` writes: {e}."))
}

/// "isoflop sweep, large budget, 90 of 90 runs; made by “lab sweep isoflop …” on GPU: … (2026-11-28)". A merged
/// record's commands (one per shard, a line each) are quoted one after another on the one line.
fn provenance(r: &SweepRecord) -> String {
    let commands = r.command.lines().map(|c| format!("“{}”", c.trim())).collect::<Vec<_>>().join(" and ");
    format!(
        "{} sweep, {} budget, {} of {} runs; made by {} on {} ({})",
        r.kind,
        r.budget,
        r.runs.len(),
        r.plan.runs.len(),
        commands,
        if r.device.is_empty() { "an unnamed device" } else { &r.device },
        r.created
    )
}

/// The committed reference of the shown kind, as the page loads it.
pub type Loaded = LocalResource<Result<Option<Reference>, String>>;

/// The record drawn behind the page's own: an imported record of this kind, else the committed reference; None when
/// hidden or there is neither.
pub fn overlay(
    kind: SweepKind,
    loaded: Loaded,
    imported: RwSignal<Option<(String, SweepRecord)>>,
) -> Option<SweepRecord> {
    let own = imported.with(|i| i.as_ref().filter(|(_, r)| r.kind == kind).map(|(_, r)| r.clone()));
    own.or_else(|| loaded.with(|r| r.as_ref().and_then(|r| r.as_ref().ok().cloned().flatten()).map(|r| r.record)))
}

/// The reference card: the committed reference of this kind, the import button and what was imported.
#[component]
pub fn References(
    /// The sweep kind shown.
    kind: Signal<SweepKind>,
    /// The committed reference of that kind.
    loaded: Loaded,
    /// The visitor's imported record and its file name.
    imported: RwSignal<Option<(String, SweepRecord)>>,
    /// Whether the overlay is drawn.
    show: RwSignal<bool>,
) -> impl IntoView {
    let reference = loaded;
    let set_imported = imported.write_only();
    let set_show = show.write_only();
    let (message, set_message) = signal(None::<Result<String, String>>);
    let on_import = move |e: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let name = file.name();
            match import_file(file).await {
                Ok(r) => {
                    set_message.set(Some(Ok(format!(
                        "Imported {name}: {}. It is drawn on the {} charts.",
                        provenance(&r),
                        r.kind
                    ))));
                    set_imported.set(Some((name, r)));
                }
                Err(e) => set_message.set(Some(Err(e))),
            }
        });
    };
    view! {
        <section class="card experiments" aria-labelledby="reference-title">
            <h2 id="reference-title">"Reference results"</h2>
            <p class="lede">
                "The same sweeps run natively by " <code>"lab sweep"</code> " on the fastest machine we had (its "
                "budget and device are named below), drawn in grey behind your runs. Run your own with "
                <code>"lab sweep isoflop --budget medium --out my-sweep.json"</code>
                " and import the file here."
            </p>
            <p data-testid="reference-status">{move || match reference.get() {
                None => "Looking for reference results…".to_string(),
                Some(Err(e)) => e,
                Some(Ok(None)) => format!("No reference results yet for the {} sweep.", kind.get()),
                Some(Ok(Some(r))) => format!("Reference: {} — file {}.", provenance(&r.record), r.path),
            }}</p>
            {move || reference.get().and_then(|r| r.ok().flatten()).map(|r| view! {
                <p class="source" data-testid="reference-summary">
                    <strong>"The reference in plain words: "</strong>
                    {r.record.analysis.as_ref().map_or_else(
                        || r.record.analysis_error.clone().unwrap_or_default(),
                        |a| a.summary().to_string(),
                    )}
                </p>
                <p><a href=r.path.clone() download="">"Download this reference record (JSON)"</a>
                " — " <code>"lab fit"</code> " reads it, and this page imports it."</p>
            })}
            <div class="buttons">
                <label class="file-button">
                    "Import sweep JSON… "
                    <input type="file" accept=".json,application/json" data-testid="sweep-import" on:change=on_import/>
                </label>
                <label>
                    <input type="checkbox" prop:checked=show on:change=move |e| set_show.set(event_target_checked(&e))/>
                    " show on the charts"
                </label>
            </div>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="ok" data-testid="import-message">{text}</p> }.into_any(),
                Err(text) => view! { <p class="warning" role="alert" data-testid="import-message">{text}</p> }.into_any(),
            })}
            {move || imported.get().filter(|(_, r)| r.kind != kind.get()).map(|(name, r)| view! {
                <p class="note">{format!("{name} is a {} sweep: choose that sweep above to see it.", r.kind)}</p>
            })}
        </section>
    }
}

/// Offers the shown sweep's record as a JSON download (`lab fit` reads it).
pub fn export(record: &SweepRecord) -> Result<(), String> {
    let name = export::file_name(&format!("sweep-{}-{}", record.kind, record.budget), "json");
    export::download_bytes(&name, "application/json", record.to_json().as_bytes())
}
