//! The run's settings as form controls, each with its error beside it; hidden or locked by the URL's embed flags.

use crate::training::settings::{BackendPref, FieldError, Plan, Settings, PAGE_PRESETS};
use crate::url;
use compute::data::catalog;
use compute::experiments::learning_rate_rule;
use compute::scaling::kaplan;
use leptos::prelude::*;

/// Every setting of the next run.
#[component]
pub fn Controls(
    /// The settings being edited.
    settings: RwSignal<Settings>,
    /// Problems with the settings, shown beside the field they concern.
    errors: Signal<Vec<FieldError>>,
    /// True while a run is in progress: nothing can be changed.
    locked: Signal<bool>,
    /// What the settings come to (for Kaplan's learning rate).
    plan: Memo<Result<Plan, Vec<FieldError>>>,
) -> impl IntoView {
    let data_options: Vec<(String, String)> =
        catalog().into_iter().map(|(spec, info)| (spec.to_string(), info.name)).collect();
    let tok_options: Vec<(String, String)> = [
        ("char", "characters"),
        ("byte", "bytes (256)"),
        ("bpe:512", "BPE, 512 tokens"),
        ("bpe:2048", "BPE, 2048 tokens"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let presets: Vec<(String, String)> = PAGE_PRESETS.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let kaplan_lr = Signal::derive(move || {
        plan.with(|p| {
            p.as_ref().ok().and_then(|p| kaplan::learning_rate(p.model.non_embedding_params() as f64).ok().flatten())
        })
    });
    // The sweeps' rule, fitted to this lab's own learning-rate sweep: for short runs Eq. D.1 is ~8× too low.
    let lab_lr = Signal::derive(move || {
        plan.with(|p| p.as_ref().ok().map(|p| learning_rate_rule(p.model.non_embedding_params() as f64)))
    });
    let on_preset = Callback::new(move |id: String| settings.update(|s| s.apply_preset(&id)));
    view! {
        <form class="controls" data-testid="train-controls" on:submit=|e| e.prevent_default()>
            <fieldset>
                <legend>"Model"</legend>
                <Select key="preset" label="Preset" options=presets settings=settings errors=errors locked=locked on_pick=on_preset/>
                <Field key="layers" label="Layers (n_layer)" settings=settings errors=errors locked=locked/>
                <Field key="d_model" label="Width (d_model)" settings=settings errors=errors locked=locked/>
                <Field key="heads" label="Heads (n_head)" settings=settings errors=errors locked=locked/>
                <Field key="ff" label="MLP ratio (d_ff / d_model)" settings=settings errors=errors locked=locked/>
                <Field key="ctx" label="Context length" settings=settings errors=errors locked=locked/>
            </fieldset>
            <fieldset>
                <legend>"Data"</legend>
                <Select key="data" label="Text" options=data_options settings=settings errors=errors locked=locked/>
                <super::user_file::UserFile settings=settings locked=locked/>
                <Select key="tok" label="Tokenizer" options=tok_options settings=settings errors=errors locked=locked/>
            </fieldset>
            <fieldset>
                <legend>"Optimiser"</legend>
                <Field key="batch" label="Batch (sequences per step)" settings=settings errors=errors locked=locked/>
                <Field key="lr" label="Learning rate" settings=settings errors=errors locked=locked/>
                <Show when=move || !url::hidden("lr")>
                    <RateHint
                        testid="kaplan-lr"
                        label="Kaplan's rule of thumb"
                        cite="(Kaplan et al. 2020, Eq. D.1)"
                        rate=kaplan_lr settings=settings locked=locked
                    />
                    <RateHint
                        testid="lab-lr"
                        label="This lab's measured rate (runs of a few thousand steps)"
                        cite="(¾ of the best rate its learning-rate sweep measured; README, \"Reproducing the findings\")"
                        rate=lab_lr settings=settings locked=locked
                    />
                </Show>
                <Select
                    key="sched"
                    label="Schedule"
                    options=vec![("cosine".into(), "cosine to lr/10".into()), ("constant".into(), "constant".into())]
                    settings=settings errors=errors locked=locked
                />
                <Field key="warmup" label="Warm-up steps" settings=settings errors=errors locked=locked/>
                <Field key="wd" label="Weight decay" settings=settings errors=errors locked=locked/>
                <Field key="clip" label="Gradient clipping (0: off)" settings=settings errors=errors locked=locked/>
                <Select
                    key="budget"
                    label="Budget in"
                    options=vec![("steps".into(), "steps".into()), ("tokens".into(), "tokens".into())]
                    settings=settings errors=errors locked=locked
                />
                <Show when=move || settings.with(|s| s.budget != "tokens")>
                    <Field key="steps" label="Steps" settings=settings errors=errors locked=locked/>
                </Show>
                <Show when=move || settings.with(|s| s.budget == "tokens")>
                    <Field key="tokens" label="Tokens" settings=settings errors=errors locked=locked/>
                </Show>
                <Field key="seed" label="Seed" settings=settings errors=errors locked=locked/>
                <BackendSelect settings=settings locked=locked/>
            </fieldset>
        </form>
    }
}

/// The errors that concern one field, as text.
fn field_errors(errors: Signal<Vec<FieldError>>, key: &'static str) -> Option<String> {
    let list: Vec<String> = errors.with(|e| e.iter().filter(|e| e.key == key).map(|e| e.message.clone()).collect());
    (!list.is_empty()).then(|| list.join("; "))
}

/// A text field for one setting, with its error below it.
#[component]
fn Field(
    /// The setting's URL key (also its embed-flag name and test id).
    key: &'static str,
    /// The label shown.
    label: &'static str,
    /// The settings being edited.
    settings: RwSignal<Settings>,
    /// Problems with the settings.
    errors: Signal<Vec<FieldError>>,
    /// True while a run is in progress.
    locked: Signal<bool>,
) -> impl IntoView {
    let id = format!("train-{key}");
    let error = Signal::derive(move || field_errors(errors, key));
    (!url::hidden(key)).then(|| {
        view! {
            <div class="field" class:invalid=move || error.get().is_some()>
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    type="text"
                    inputmode="decimal"
                    data-testid=format!("field-{key}")
                    aria-invalid=move || error.get().is_some().to_string()
                    disabled=move || locked.get() || url::locked(key)
                    prop:value=move || settings.with(|s| s.field(key).unwrap_or_default())
                    on:input=move |e| {
                        let v = event_target_value(&e);
                        settings.update(|s| {
                            if let Some(f) = s.field_mut(key) {
                                *f = v;
                            }
                        });
                    }
                />
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert" data-testid=format!("error-{key}")>{move || error.get()}</p>
                </Show>
            </div>
        }
    })
}

/// A drop-down for one setting.
#[component]
fn Select(
    /// The setting's URL key.
    key: &'static str,
    /// The label shown.
    label: &'static str,
    /// (value, text) pairs.
    options: Vec<(String, String)>,
    /// The settings being edited.
    settings: RwSignal<Settings>,
    /// Problems with the settings.
    errors: Signal<Vec<FieldError>>,
    /// True while a run is in progress.
    locked: Signal<bool>,
    /// Called with the value picked instead of writing the field (presets set several fields).
    #[prop(optional)]
    on_pick: Option<Callback<String>>,
) -> impl IntoView {
    let id = format!("train-{key}");
    let error = Signal::derive(move || field_errors(errors, key));
    (!url::hidden(key)).then(|| view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                data-testid=format!("field-{key}")
                disabled=move || locked.get() || url::locked(key)
                prop:value=move || settings.with(|s| s.field(key).unwrap_or_default())
                on:change=move |e| {
                    let v = event_target_value(&e);
                    match on_pick {
                        Some(pick) => pick.run(v),
                        None => settings.update(|s| {
                            if let Some(f) = s.field_mut(key) {
                                *f = v;
                            }
                        }),
                    }
                }
            >
                {(key == "preset").then(|| view! { <option value="">"custom"</option> })}
                // A picked file is a data source of its own, named after the file.
                {(key == "data").then_some(move || {
                    settings.with(|s| s.field("data").filter(|d| d.starts_with("file:"))).map(|d| {
                        view! { <option value=d.clone() selected=true>{d.trim_start_matches("file:").to_string()}</option> }
                    })
                })}
                {options.into_iter().map(|(value, text)| {
                    let v = value.clone();
                    view! { <option value=value selected=move || settings.with(|s| s.field(key).as_deref() == Some(v.as_str()))>{text}</option> }
                }).collect_view()}
            </select>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert" data-testid=format!("error-{key}")>{move || error.get()}</p>
            </Show>
        </div>
    })
}

/// Which backend trains: chosen by the page, or forced.
#[component]
fn BackendSelect(
    /// The settings being edited.
    settings: RwSignal<Settings>,
    /// True while a run is in progress.
    locked: Signal<bool>,
) -> impl IntoView {
    let options = [
        (BackendPref::Auto, "automatic (measured on software GPUs)"),
        (BackendPref::Gpu, "WebGPU"),
        (BackendPref::Cpu, "CPU backend"),
    ];
    (!url::hidden("backend")).then(|| {
        view! {
            <div class="field">
                <label for="train-backend">"Backend"</label>
                <select
                    id="train-backend"
                    data-testid="field-backend"
                    disabled=move || locked.get() || url::locked("backend")
                    on:change=move |e| {
                        if let Some(b) = BackendPref::parse(&event_target_value(&e)) {
                            settings.update(|s| s.backend = b);
                        }
                    }
                >
                    {options.into_iter().map(|(b, text)| view! {
                        <option value=b.id() selected=move || settings.with(|s| s.backend == b)>{text}</option>
                    }).collect_view()}
                </select>
            </div>
        }
    })
}

/// A suggested learning rate for the current model, its source, and a button that puts it in the field.
#[component]
fn RateHint(
    testid: &'static str,
    label: &'static str,
    cite: &'static str,
    /// The rate for the current model; None while the model is invalid (or the rule gives none).
    rate: Signal<Option<f64>>,
    settings: RwSignal<Settings>,
    locked: Signal<bool>,
) -> impl IntoView {
    view! {
        <p class="hint" data-testid=testid>
            {move || match rate.get() {
                Some(lr) => format!("{label} for this N: {lr:.2e} "),
                None => format!("{label}: needs a valid model "),
            }}
            <cite>{cite}</cite>
            <button
                type="button"
                class="link"
                disabled=move || locked.get() || url::locked("lr") || rate.get().is_none()
                on:click=move |_| {
                    if let Some(lr) = rate.get_untracked() {
                        settings.update(|s| s.lr = format!("{lr:.2e}"));
                    }
                }
            >"use it"</button>
        </p>
    }
}
