//! "Your own text": a file picker that reads the file in chunks with a progress line and, once it is checked,
//! makes it the run's data (`file:<name>`).

use crate::training::settings::Settings;
use crate::training::user_file;
use crate::url;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn UserFile(
    /// The settings whose data source becomes the picked file.
    settings: RwSignal<Settings>,
    /// True while a run is in progress: nothing can be changed.
    locked: Signal<bool>,
) -> impl IntoView {
    let (status, set_status) = signal(None::<Result<String, String>>);
    let on_change = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            let progress = move |f: f64| set_status.set(Some(Ok(format!("reading… {:.0}%", 100.0 * f))));
            match user_file::read(file, progress).await {
                Ok((name, warnings)) => {
                    settings.update(|s| {
                        if let Some(data) = s.field_mut("data") {
                            *data = format!("file:{name}");
                        }
                    });
                    let note = if warnings.is_empty() { String::new() } else { format!(" ({})", warnings.join("; ")) };
                    set_status.set(Some(Ok(format!("training on {name}{note}"))));
                }
                Err(message) => set_status.set(Some(Err(message))),
            }
        });
    };
    (!url::hidden("data")).then(|| {
        view! {
            <div class="field">
                <label for="train-file">"…or your own text file"</label>
                <input id="train-file" type="file" accept=".txt,.md,.csv,.json,text/*" data-testid="field-file"
                    disabled=move || locked.get() || url::locked("data") on:change=on_change/>
                {move || status.get().map(|s| match s {
                    Ok(text) => view! { <p class="hint" data-testid="file-status">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="field-error" role="alert" data-testid="file-error">{text}</p> }.into_any(),
                })}
            </div>
        }
    })
}
