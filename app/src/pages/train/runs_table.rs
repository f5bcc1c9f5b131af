//! The table of stored runs: sort by a column, filter by text, tick runs to overlay their curves, rename in place,
//! delete after a confirmation, and per run: its JSON, its checkpoint, and resuming from that checkpoint (exactly,
//! where a trainer state was stored with it).

use crate::format::count;
use crate::runs::saver::Runs;
use crate::runs::store::StoredRun;
use compute::train::{RunRecord, RunStatus};
use leptos::prelude::*;
use std::cmp::Ordering;
use std::collections::HashSet;

/// A sortable column: (id, heading).
const COLUMNS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("status", "Status"),
    ("params", "Parameters"),
    ("steps", "Steps"),
    ("train", "Train loss"),
    ("val", "Val loss"),
    ("created", "Started"),
];

/// The status as a word.
pub fn status_word(s: &RunStatus) -> String {
    match s {
        RunStatus::Running => "running".into(),
        RunStatus::Finished => "finished".into(),
        RunStatus::Diverged { step } => format!("diverged at {step}"),
        RunStatus::Stopped => "stopped".into(),
        RunStatus::Interrupted => "interrupted".into(),
    }
}

fn loss(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite()).map_or("—".into(), |v| format!("{v:.4}"))
}

fn compare(col: &str, a: &StoredRun, b: &StoredRun) -> Ordering {
    let num = |v: Option<f64>| v.filter(|v| v.is_finite()).unwrap_or(f64::INFINITY);
    let (x, y) = (&a.record, &b.record);
    match col {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "status" => status_word(&x.status).cmp(&status_word(&y.status)),
        "params" => x.params.cmp(&y.params),
        "steps" => x.steps.cmp(&y.steps),
        "train" => num(x.final_train_loss).total_cmp(&num(y.final_train_loss)),
        "val" => num(x.final_val_loss).total_cmp(&num(y.final_val_loss)),
        _ => a.id.cmp(&b.id),
    }
}

fn matches(run: &StoredRun, filter: &str) -> bool {
    let f = filter.trim().to_lowercase();
    let data = run.record.data.as_ref().map_or(String::new(), |d| d.data.to_string());
    f.is_empty()
        || [run.name.to_lowercase(), status_word(&run.record.status), data.to_lowercase(), run.record.created.clone()]
            .iter()
            .any(|s| s.contains(&f))
}

/// Actions a row offers that need more than the list (downloads, starting a run); each gets the run's id.
#[derive(Clone, Copy)]
pub struct RowActions {
    pub export: Callback<String>,
    pub checkpoint: Callback<String>,
    pub resume: Callback<String>,
}

/// The runs table.
#[component]
pub fn RunsTable(
    /// The stored runs.
    runs: Runs,
    /// Ids of the runs whose curves are overlaid.
    selected: RwSignal<HashSet<String>>,
    /// What the row buttons do.
    actions: RowActions,
) -> impl IntoView {
    let (filter, set_filter) = signal(String::new());
    let sort = RwSignal::new(("created", false));
    let (editing, set_editing) = signal(None::<String>);
    let (deleting, set_deleting) = signal(None::<String>);
    let rows = Memo::new(move |_| {
        let (col, asc) = sort.get();
        let f = filter.get();
        runs.list.with(|l| {
            let mut rows: Vec<StoredRun> = l.iter().filter(|r| matches(r, &f)).cloned().collect();
            rows.sort_by(|a, b| if asc { compare(col, a, b) } else { compare(col, b, a) });
            rows
        })
    });
    let header = move |(id, title): (&'static str, &'static str)| {
        let arrow = move || match sort.get() {
            (c, true) if c == id => " ▲",
            (c, false) if c == id => " ▼",
            _ => "",
        };
        view! {
            <th aria-sort=move || match sort.get() {
                (c, true) if c == id => "ascending",
                (c, false) if c == id => "descending",
                _ => "none",
            }>
                <button class="link" data-testid=format!("runs-sort-{id}")
                    on:click=move |_| sort.update(|s| *s = if s.0 == id { (id, !s.1) } else { (id, true) })
                >{title}{arrow}</button>
            </th>
        }
    };
    let row = move |run: StoredRun| {
        let id = run.id.clone();
        let r: RunRecord = run.record.clone();
        let (id1, id2, id3, id4, id5, id6, id7, id8) =
            (id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
        let resumable = matches!(r.status, RunStatus::Interrupted | RunStatus::Stopped);
        let name = run.name.clone();
        let resume_id = id.clone();
        let resume_step = move || runs.resume.with(|m| m.get(&resume_id).copied());
        let step_now = resume_step.clone();
        let resume_title = move || match step_now() {
            Some(step) => format!(
                "continue this run from its checkpoint at step {step}: the same run and curve, with the optimiser \
                 and data position restored, on the backend chosen above"
            ),
            None => "no exact checkpoint was stored (an older run): a new run of the same plan from this run's last \
                     stored weights"
                .to_string(),
        };
        view! {
            <tr data-testid="run-row" data-id=id.clone() data-status=status_word(&r.status)
                data-resume-step=move || resume_step().map(|s| s.to_string())>
                <td><input type="checkbox" data-testid="run-select" aria-label=format!("overlay {}", run.name)
                    prop:checked=move || selected.with(|s| s.contains(&id1))
                    on:change=move |e| {
                        let on = event_target_checked(&e);
                        let id = id2.clone();
                        selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                    }/></td>
                <td class="run-name">
                    {move || if editing.get().as_deref() == Some(id3.as_str()) {
                        let id = id3.clone();
                        let commit = move |value: String| {
                            let value = value.trim().chars().take(120).collect::<String>();
                            if !value.is_empty() { runs.rename(&id, value); }
                            set_editing.set(None);
                        };
                        let commit2 = commit.clone();
                        view! {
                            <input type="text" data-testid="run-rename-input" value=name.clone() autofocus
                                on:keydown=move |e| match e.key().as_str() {
                                    "Enter" => commit(event_target_value(&e)),
                                    "Escape" => set_editing.set(None),
                                    _ => {}
                                }
                                on:blur=move |e| commit2(event_target_value(&e))/>
                        }.into_any()
                    } else {
                        let id = id3.clone();
                        view! {
                            <span data-testid="run-name">{name.clone()}</span>" "
                            <button class="link" data-testid="run-rename" title="rename"
                                on:click=move |_| set_editing.set(Some(id.clone()))>"✎"</button>
                        }.into_any()
                    }}
                </td>
                <td data-testid="run-status">{status_word(&r.status)}</td>
                <td class="num">{count(r.params as f64).text()}</td>
                <td class="num">{format!("{} / {}", r.steps, r.total_steps)}</td>
                <td class="num">{loss(r.final_train_loss)}</td>
                <td class="num">{loss(r.final_val_loss)}</td>
                <td>{r.created.get(..16).unwrap_or(&r.created).replace('T', " ")}</td>
                <td class="row-actions">
                    <button data-testid="run-export" on:click=move |_| actions.export.run(id4.clone())>"JSON"</button>
                    <button data-testid="run-checkpoint" title="safetensors + vocabulary JSON"
                        on:click=move |_| actions.checkpoint.run(id5.clone())>"Checkpoint"</button>
                    {resumable.then(|| view! {
                        <button data-testid="run-resume" title=resume_title
                            on:click=move |_| actions.resume.run(id6.clone())>"Resume"</button>
                    })}
                    {move || if deleting.get().as_deref() == Some(id7.as_str()) {
                        let id = id7.clone();
                        view! {
                            <span class="confirm">"Delete? "
                                <button class="danger" data-testid="run-delete-confirm" on:click=move |_| {
                                    selected.update(|s| { s.remove(&id); });
                                    runs.delete(id.clone());
                                    set_deleting.set(None);
                                }>"Yes"</button>
                                <button on:click=move |_| set_deleting.set(None)>"No"</button>
                            </span>
                        }.into_any()
                    } else {
                        let id = id8.clone();
                        view! { <button data-testid="run-delete" on:click=move |_| set_deleting.set(Some(id.clone()))>"Delete"</button> }.into_any()
                    }}
                </td>
            </tr>
        }
    };
    view! {
        <label class="runs-filter">"Filter "
            <input type="search" data-testid="runs-filter" placeholder="name, status or data"
                on:input=move |e| set_filter.set(event_target_value(&e))/>
        </label>
        <div class="table-scroll">
            <table class="runs-table" data-testid="runs-table">
                <thead><tr>
                    <th><span class="visually-hidden">"overlay"</span></th>
                    {COLUMNS.iter().copied().map(header).collect_view()}
                    <th>"Files and actions"</th>
                </tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|r| (r.id.clone(), r.name.clone(), r.record.steps, status_word(&r.record.status)) children=row/>
                </tbody>
            </table>
        </div>
        <Show when=move || runs.loaded.get() && rows.with(|r| r.is_empty())>
            <p class="note" data-testid="runs-empty">{move || if filter.with(|f| f.is_empty()) {
                "No runs stored yet: press Train, or import a run's JSON."
            } else {
                "No run matches the filter."
            }}</p>
        </Show>
    }
}
