//! The Runs card: the stored runs' table, their curves overlaid, import of run JSON (checked before anything is
//! stored) and exports (JSON, CSV, PNG, checkpoints), and any storage problem said out loud.

use super::chart::CurvesCanvas;
use super::runs_table::{RowActions, RunsTable};
use crate::device::{DeviceState, Probe};
use crate::plots::train_curves::{Data, Line};
use crate::runs::export;
use crate::runs::saver::Runs;
use crate::runs::store::{self, StoredRun};
use crate::runs::validate::{parse_import, MAX_IMPORT_BYTES};
use crate::training::driver::Driver;
use crate::training::settings::{BackendPref, Plan};
use compute::checkpoint;
use compute::train::TrainerState;
use leptos::prelude::*;
use plotters::style::RGBColor;
use std::collections::HashSet;
use wasm_bindgen_futures::JsFuture;

/// Colours for overlaid runs (Okabe–Ito), in turn.
const PALETTE: &[RGBColor] = &[
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

fn css(c: RGBColor) -> String {
    format!("background:rgb({},{},{})", c.0, c.1, c.2)
}

/// Reads a picked file, checks it and stores its runs; the answer is the sentence to show.
async fn import_file(runs: Runs, file: web_sys::File) -> Result<String, String> {
    let name = file.name();
    if file.size() > MAX_IMPORT_BYTES as f64 {
        return Err(format!(
            "{name} is {:.1} MB; at most {} MB is accepted. Nothing was imported.",
            file.size() / 1048576.0,
            MAX_IMPORT_BYTES >> 20
        ));
    }
    let text = JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string());
    let text = text.ok_or_else(|| format!("{name} could not be read as text. Nothing was imported."))?;
    let records = parse_import(&text).map_err(|e| format!("{name} was refused: {e}. Nothing was imported."))?;
    let stem = name.strip_suffix(".json").unwrap_or(&name).to_string();
    let n = runs.import(records, &stem).await?;
    Ok(format!("Imported {n} run{} from {name}.", if n == 1 { "" } else { "s" }))
}

/// The Runs card.
#[component]
pub fn RunsPanel(
    /// The stored runs.
    runs: Runs,
    /// The page's driver, to resume a run from its checkpoint.
    driver: Driver,
    /// The backend chosen in the settings now, which a resumed run uses.
    backend: Signal<BackendPref>,
) -> impl IntoView {
    let device = expect_context::<DeviceState>();
    let selected = RwSignal::new(HashSet::<String>::new());
    let (message, set_message) = signal(None::<Result<String, String>>);
    let find = move |id: &str| runs.list.with_untracked(|l| l.iter().find(|r| r.id == id).cloned());
    let export_one = Callback::new(move |id: String| {
        if let Some(run) = find(&id) {
            let json = export::one_json(&run.record);
            if let Err(e) =
                export::download_bytes(&export::file_name(&run.name, "json"), "application/json", json.as_bytes())
            {
                set_message.set(Some(Err(e)));
            }
        }
    });
    let checkpoint_one = Callback::new(move |id: String| {
        let Some(run) = find(&id) else { return };
        leptos::task::spawn_local(async move {
            let result = async {
                let stored = store::checkpoint(&id).await?.ok_or(
                    "no checkpoint was stored for this run (one is kept from its first sample point on)".to_string(),
                )?;
                let bytes = stored.bytes;
                let ck = checkpoint::from_bytes(&bytes, None).map_err(|e| e.to_string())?;
                let sidecar = checkpoint::sidecar_json(&ck.config, ck.tokenizer.as_ref());
                export::download_bytes(
                    &export::file_name(&run.name, "safetensors"),
                    "application/octet-stream",
                    &bytes,
                )?;
                export::download_bytes(&export::file_name(&run.name, "json"), "application/json", sidecar.as_bytes())
            }
            .await;
            if let Err(e) = result {
                set_message.set(Some(Err(format!("Checkpoint of {}: {e}", run.name))));
            }
        });
    });
    let resume = Callback::new(move |id: String| {
        let Some(run) = find(&id) else { return };
        if driver.busy() {
            set_message.set(Some(Err("a run is training; stop it before resuming another".into())));
            return;
        }
        leptos::task::spawn_local(async move {
            let result = async {
                let stored = store::checkpoint(&id).await?.ok_or("no checkpoint was stored for this run".to_string())?;
                let ck = checkpoint::from_bytes(&stored.bytes, None).map_err(|e| e.to_string())?;
                let gpu = match device.probe.get_untracked() {
                    Probe::Ready(gpu) => Ok(gpu),
                    Probe::Unavailable(m) => Err(m),
                    Probe::Probing => Err("still looking for WebGPU".into()),
                };
                let pref = backend.get_untracked();
                let Some(state) = stored.state else {
                    // Older runs kept only weights: a new run of the same plan starts from them.
                    let data = run.record.data.clone().ok_or("the record does not say which data it trained on")?;
                    let plan = Plan {
                        model: ck.config,
                        train: run.record.train.clone(),
                        data: data.data,
                        tokenizer: data.tokenizer,
                    };
                    let note = format!(
                        "started from the last stored weights of “{}” (stopped at step {}), which kept no trainer \
                         state: AdamW's moments, the data position and the learning-rate schedule start afresh",
                        run.name, run.record.steps
                    );
                    driver.start_from(plan, pref, gpu, Some(ck.params), Some(note));
                    return Ok(format!(
                        "“{}” kept only its weights (it was stored before exact resume existed), so a new run of the \
                         same plan starts from them at step 0…",
                        run.name
                    ));
                };
                let state = TrainerState::from_bytes(&state).map_err(|e| format!("its stored trainer state: {e}"))?;
                let data = state.record.data.clone().ok_or("the stored state does not say which data it trained on")?;
                let plan = Plan {
                    model: state.record.model.clone(),
                    train: state.record.train.clone(),
                    data: data.data,
                    tokenizer: data.tokenizer,
                };
                let step = state.step;
                let redone = run.record.steps.saturating_sub(step);
                let note = (redone > 0).then(|| {
                    format!(
                        "cut off at step {}; resumed from the checkpoint at step {step}, so steps {}–{} were trained again",
                        run.record.steps,
                        step + 1,
                        run.record.steps
                    )
                });
                driver.resume(plan, pref, gpu, (ck.params, state), Some(id.clone()), note);
                Ok::<_, String>(format!(
                    "Resuming “{}” from its checkpoint at step {step}{}…",
                    run.name,
                    if redone > 0 { format!(" (the {redone} steps after it are trained again)") } else { String::new() }
                ))
            }
            .await;
            set_message.set(Some(result.map_err(|e| format!("Could not resume “{}”: {e}", run.name))));
        });
    });
    let actions = RowActions { export: export_one, checkpoint: checkpoint_one, resume };
    let chosen = move || -> Vec<StoredRun> {
        selected.with(|s| runs.list.with(|l| l.iter().filter(|r| s.contains(&r.id)).cloned().collect()))
    };
    let export_all = move |_| {
        let all = runs.list.get_untracked();
        let records: Vec<_> = all.iter().map(|r| &r.record).collect();
        if let Err(e) =
            export::download_bytes("scaling-lab-runs.json", "application/json", export::all_json(&records).as_bytes())
        {
            set_message.set(Some(Err(e)));
        }
    };
    let export_csv = move |_| {
        let mut which = chosen();
        if which.is_empty() {
            which = runs.list.get_untracked();
        }
        let rows: Vec<_> = which.iter().map(|r| (r.id.as_str(), r.name.as_str(), &r.record)).collect();
        if let Err(e) =
            export::download_bytes("scaling-lab-curves.csv", "text/csv", export::curves_csv(&rows).as_bytes())
        {
            set_message.set(Some(Err(e)));
        }
    };
    let on_import = move |e: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        leptos::task::spawn_local(async move {
            set_message.set(Some(import_file(runs, file).await));
        });
    };
    let overlay = Callback::new(move |size| {
        let which = chosen();
        let mut lines = Vec::new();
        for (i, run) in which.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let r = &run.record;
            lines.push(Line {
                color,
                dashed: false,
                points: r.train_series.iter().map(|p| (p.step as f64, p.train_loss)).collect(),
            });
            lines.push(Line {
                color,
                dashed: true,
                points: r.eval_series.iter().map(|p| (p.step as f64, p.val_loss)).collect(),
            });
        }
        Data {
            size,
            x_desc: "step".into(),
            y_desc: "loss (nats/token)".into(),
            log_x: false,
            log_y: false,
            lines,
            floor: None,
        }
    });
    view! {
        <section class="card runs" aria-labelledby="runs-title" data-testid="runs">
            <h2 id="runs-title">"Runs"</h2>
            <p class="note">"Every run is kept in this browser as it trains (saved every two seconds), so a reload loses at most the last moments; a run cut off shows as interrupted. Resume continues a stopped or interrupted run from its last checkpoint (kept at each sample point and on Stop) as the same run, on the backend chosen above."</p>
            <Show when=move || runs.error.get().is_some()>
                <p class="warning" role="alert" data-testid="runs-error">
                    {move || runs.error.get()}" "
                    <button class="link" on:click=move |_| runs.error.set(None)>"dismiss"</button>
                </p>
            </Show>
            <div class="runs-toolbar">
                <button data-testid="runs-export-all" on:click=export_all>"Export all (JSON)"</button>
                <button data-testid="runs-export-csv" title="the ticked runs, or all" on:click=export_csv>"Curves (CSV)"</button>
                <label class="file-button">"Import JSON… "
                    <input type="file" accept=".json,application/json" data-testid="runs-import" on:change=on_import/>
                </label>
            </div>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="note" role="status" data-testid="runs-message" data-state="ok">{text}</p> }.into_any(),
                Err(text) => view! { <p class="field-error" role="alert" data-testid="runs-message" data-state="error">{text}</p> }.into_any(),
            })}
            <RunsTable runs=runs selected=selected actions=actions/>
            <Show when=move || selected.with(|s| !s.is_empty())>
                <h3>"Ticked runs overlaid"</h3>
                <ul class="legend">
                    {move || chosen().into_iter().enumerate().map(|(i, r)| view! {
                        <li><span class="swatch" style=css(PALETTE[i % PALETTE.len()])></span>{r.name}</li>
                    }).collect_view()}
                    <li>"solid: training loss · dashed: validation loss"</li>
                </ul>
                <CurvesCanvas data=overlay testid="runs-chart" aspect=0.5/>
                <button data-testid="runs-chart-png" on:click=move |_| {
                    if let Err(e) = export::download_canvas_png("runs-chart", "scaling-lab-runs.png") {
                        set_message.set(Some(Err(e)));
                    }
                }>"Chart (PNG)"</button>
            </Show>
        </section>
    }
}
