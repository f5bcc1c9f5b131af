//! The calculator's inputs: what the user knows, its number, and the hardware that turns GPU-hours into FLOPs and back.

use super::form::{mode_field, Field, Form, Mode};
use crate::format;
use crate::gpus::{self, GPUS};
use leptos::prelude::*;

/// All inputs of the calculator.
#[component]
pub fn Inputs(
    /// The form every input edits.
    form: RwSignal<Form>,
) -> impl IntoView {
    // A memo, so the field is rebuilt (and loses focus) only when the mode changes, not on every keystroke.
    let mode = Memo::new(move |_| form.with(|f| f.mode));
    view! {
        <fieldset class="modes">
            <legend>"I know my"</legend>
            {Mode::ALL.into_iter().map(|m| view! {
                <label class="mode">
                    <input
                        type="radio"
                        name="calc-mode"
                        data-testid=format!("mode-{}", m.id())
                        prop:checked=move || mode.get() == m
                        on:change=move |_| form.update(|f| f.mode = m)
                    />
                    {m.label()}
                </label>
            }).collect_view()}
        </fieldset>
        <div class="fields main-input">
            {move || {
                let field = mode_field(mode.get());
                let (label, hint) = match field {
                    Field::Hours => ("GPU-hours", "total over all GPUs, e.g. 1000"),
                    Field::Params => ("Parameters N", "e.g. 7e9 for 7B"),
                    Field::Tokens => ("Training tokens D", "e.g. 1.4e12 for 1.4T"),
                    _ => ("Compute budget C (FLOPs)", "e.g. 5.76e23, Gopher's and Chinchilla's budget"),
                };
                view! { <NumberField form=form field=field label=label hint=hint/> }
            }}
        </div>
        <fieldset class="hardware">
            <legend>"Hardware"</legend>
            <p class="hint">
                {move || if mode.get() == Mode::Hours {
                    "Turns GPU-hours into FLOPs: C = GPU-hours × 3600 × peak × MFU, and gives the wall-clock time."
                } else {
                    "Gives each answer's GPU-hours, C / (3600 × peak × MFU), and the wall-clock time on these GPUs."
                }}
            </p>
            <div class="fields">
                <GpuPicker form=form/>
                <NumberField form=form field=Field::Mfu label="Utilisation (MFU, %)" hint="share of peak reached; 30–50% is typical"/>
                <NumberField form=form field=Field::Gpus label="Number of GPUs" hint="training together"/>
            </div>
        </fieldset>
    }
}

/// One number input with its check: the message beside it says what is wrong, in words.
#[component]
fn NumberField(
    /// The form this field edits.
    form: RwSignal<Form>,
    /// Which field it is (its URL key names the element ids and test ids).
    field: Field,
    /// Visible label.
    label: &'static str,
    /// Short hint under the label: unit or an example.
    hint: &'static str,
) -> impl IntoView {
    let key = field.key();
    let id = format!("calc-{key}");
    let message_id = format!("calc-{key}-message");
    let hint_id = format!("calc-{key}-hint");
    let error = Memo::new(move |_| form.with(|f| field.parse(f.text(field)).err()));
    let initial = form.with_untracked(|f| f.text(field).to_string());
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="text"
                inputmode="decimal"
                autocomplete="off"
                spellcheck="false"
                data-testid=format!("input-{key}")
                aria-describedby=format!("{hint_id} {message_id}")
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                prop:value=initial
                on:input=move |ev| form.update(|f| f.set_text(field, event_target_value(&ev)))
            />
            <span class="hint" id=hint_id>{hint}</span>
            <span class="message" id=message_id data-testid=format!("error-{key}") aria-live="polite">
                {move || error.get().unwrap_or_default()}
            </span>
        </div>
    }
}

/// The GPU picker, with the peak it assumes and the datasheet it comes from.
#[component]
fn GpuPicker(
    /// The form whose GPU this picks.
    form: RwSignal<Form>,
) -> impl IntoView {
    let gpu = Memo::new(move |_| form.with(|f| f.gpu));
    view! {
        <div class="field">
            <label for="calc-gpu">"GPU"</label>
            <select
                id="calc-gpu"
                data-testid="input-gpu"
                aria-describedby="calc-gpu-peak"
                on:change=move |ev| {
                    if let Some(g) = gpus::by_id(&event_target_value(&ev)) {
                        form.update(|f| f.gpu = g);
                    }
                }
            >
                {GPUS.iter().map(|g| view! {
                    <option value=g.id selected=move || gpu.get().id == g.id>{g.name}</option>
                }).collect_view()}
            </select>
            <span class="hint" id="calc-gpu-peak" data-testid="gpu-peak">
                {move || {
                    let g = gpu.get();
                    format!("peak {} TFLOP/s, dense — {}", format::plain(g.peak_flops / 1e12).text(), g.source)
                }}
            </span>
        </div>
    }
}
