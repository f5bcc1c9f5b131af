//! Attention for a prompt: the CPU model runs forward on the current parameters and each head of the chosen layer
//! is drawn as a heat map.

use super::attention_map::{self, Data};
use crate::plots::Size;
use crate::training::driver::Driver;
use compute::cpu::CpuModel;
use leptos::html::Canvas;
use leptos::prelude::*;

/// Most prompt tokens shown (each head's square gets one row and column per token).
const MAX_TOKENS: usize = 32;
/// Width of one head's heat map, with its labels, in CSS pixels.
const HEAD_PX: f64 = 280.0;

/// The prompt box, the layer picker and the heat maps.
#[component]
pub fn Attention(
    /// The run whose latest parameters are used.
    driver: Driver,
) -> impl IntoView {
    let (prompt, set_prompt) = signal("the cat sat".to_string());
    let (layer, set_layer) = signal(0usize);
    let (data, set_data) = signal(None::<Result<Data, String>>);
    let canvas = NodeRef::<Canvas>::new();
    let layers = move || driver.record.with(|r| r.as_ref().map_or(1, |r| r.model.n_layer));
    let show = move |_| {
        let Some(snap) = driver.snapshot.get_value() else {
            set_data.set(Some(Err("no parameters yet: train for a few steps first".into())));
            return;
        };
        let mut ids = snap.tokenizer.encode(&prompt.get_untracked());
        let keep = MAX_TOKENS.min(snap.model.n_ctx);
        ids.drain(..ids.len().saturating_sub(keep));
        if ids.is_empty() {
            set_data.set(Some(Err("type a prompt of at least one character the tokenizer knows".into())));
            return;
        }
        let (t, nh, l) = (ids.len(), snap.model.n_head, layer.get_untracked().min(snap.model.n_layer - 1));
        let mut model = CpuModel::from_params(&snap.model, snap.params.clone());
        model.forward(&ids, None, 1, t);
        let att = model.attention(l); // (1, NH, T, T)
        let heads = (0..nh).map(|h| att[h * t * t..(h + 1) * t * t].to_vec()).collect();
        let tokens = ids.iter().map(|&id| snap.tokenizer.decode(&[id]).replace(' ', "␣")).collect();
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 3.0);
        let cols = nh.clamp(1, 4);
        let rows = nh.div_ceil(cols);
        let size = Size {
            width: (HEAD_PX * cols as f64 * ratio) as u32,
            height: (HEAD_PX * rows as f64 * ratio) as u32,
            ratio,
        };
        set_data.set(Some(Ok(Data { size, layer: l, heads, tokens })));
    };
    let (problem, set_problem) = signal(None::<String>);
    Effect::new(move |_| {
        if let (Some(c), Some(Ok(d))) = (canvas.get(), data.get()) {
            set_problem.set(attention_map::draw(&c, &d).err());
        }
    });
    view! {
        <Show when=move || driver.record.with(|r| r.as_ref().is_some_and(|r| !r.samples.is_empty()))>
            <section class="card" aria-labelledby="attention-title">
                <h2 id="attention-title">"Attention"</h2>
                <p class="note">"Where each head looks: row = the position predicting, column = the earlier position it attends to, darker = more weight (the CPU model on the latest parameters)."</p>
                <form class="prompt" on:submit=move |e| { e.prevent_default(); show(()); }>
                    <label>"Prompt "<input type="text" data-testid="attention-prompt" prop:value=prompt on:input=move |e| set_prompt.set(event_target_value(&e))/></label>
                    <label>"layer "
                        <select data-testid="attention-layer" on:change=move |e| set_layer.set(event_target_value(&e).parse().unwrap_or(0))>
                            {move || (0..layers()).map(|l| view! { <option value=l.to_string()>{l.to_string()}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" data-testid="attention-go">"Show attention"</button>
                </form>
                {move || match data.get() {
                    Some(Err(e)) => view! { <p class="field-error">{e}</p> }.into_any(),
                    _ => ().into_any(),
                }}
                <Show when=move || matches!(data.get(), Some(Ok(_)))>
                    <canvas node_ref=canvas data-testid="attention-map" role="img" class="attention-map"
                        aria-label=move || data.with(|d| d.as_ref().and_then(|d| d.as_ref().ok()).map(|d| d.summary()))
                        style=move || data.with(|d| d.as_ref().and_then(|d| d.as_ref().ok()).map(|d| {
                            format!("width:100%;max-width:{}px", d.size.width as f64 / d.size.ratio)
                        }))
                    ></canvas>
                </Show>
                <Show when=move || problem.get().is_some()>
                    <p class="warning">{move || problem.get()}</p>
                </Show>
            </section>
        </Show>
    }
}
