//! Samples: the timeline of text generated as the run goes, and text from a prompt on demand.

use crate::training::driver::Driver;
use crate::training::sampler::generate;
use crate::url;
use leptos::prelude::*;

/// The samples timeline and the prompt box.
#[component]
pub fn Samples(
    /// The run whose model writes.
    driver: Driver,
) -> impl IntoView {
    let (prompt, set_prompt) = signal("the ".to_string());
    let (temperature, set_temperature) = signal("0.8".to_string());
    let (top_k, set_top_k) = signal("0".to_string());
    let (output, set_output) = signal(None::<Result<String, String>>);
    let (busy, set_busy) = signal(false);
    let write = move |_| {
        let Some(snap) = driver.snapshot.get_value() else { return };
        let t = temperature.get_untracked().trim().parse::<f64>().ok().filter(|t| t.is_finite() && *t > 0.0);
        let k = top_k.get_untracked().trim().parse::<usize>().ok().filter(|k| *k <= snap.model.vocab_size);
        let (Some(t), Some(k)) = (t, k) else {
            set_output.set(Some(Err(
                "temperature must be a positive number and top-k a whole number up to the vocabulary size".into(),
            )));
            return;
        };
        let ids = snap.tokenizer.encode(&prompt.get_untracked());
        if ids.is_empty() {
            set_output.set(Some(Err("type a prompt of at least one character the tokenizer knows".into())));
            return;
        }
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            let out = generate(&snap.model, snap.params.clone(), &ids, 160, t, k, snap.seed).await;
            let mut all = ids;
            all.extend(out);
            set_output.set(Some(Ok(snap.tokenizer.decode(&all))));
            set_busy.set(false);
        });
    };
    view! {
        <Show when=move || driver.record.with(|r| r.as_ref().is_some_and(|r| !r.samples.is_empty()))>
            <section class="card" aria-labelledby="samples-title">
                <h2 id="samples-title">"Samples"</h2>
                <p class="note">"What the model writes as it learns, continuing one character of held-out text (temperature 1, all tokens)."</p>
                <ol class="samples" data-testid="samples">
                    {move || driver.record.with(|r| r.as_ref().map(|r| r.samples.iter().rev().map(|s| view! {
                        <li><span class="sample-step">{format!("step {}", s.step)}</span><pre>{s.text.clone()}</pre></li>
                    }).collect_view()))}
                </ol>
                {(!url::hidden("prompt")).then(|| view! {
                    <form class="prompt" on:submit=move |e| { e.prevent_default(); write(()); }>
                        <label>"Prompt "<input type="text" data-testid="prompt" prop:value=prompt on:input=move |e| set_prompt.set(event_target_value(&e))/></label>
                        <label>"temperature "<input type="text" inputmode="decimal" size="4" prop:value=temperature on:input=move |e| set_temperature.set(event_target_value(&e))/></label>
                        <label>"top-k (0: all) "<input type="text" inputmode="numeric" size="4" prop:value=top_k on:input=move |e| set_top_k.set(event_target_value(&e))/></label>
                        <button type="submit" data-testid="prompt-go" disabled=move || busy.get() || url::locked("prompt")>"Write"</button>
                    </form>
                    <Show when=move || output.get().is_some()>
                        {move || match output.get() {
                            Some(Ok(text)) => view! { <pre class="sample-out" data-testid="prompt-out">{text}</pre> }.into_any(),
                            Some(Err(e)) => view! { <p class="field-error">{e}</p> }.into_any(),
                            None => ().into_any(),
                        }}
                    </Show>
                })}
            </section>
        </Show>
    }
}
