//! Well-known models as a table: the chart's points as text, with tokens per parameter and each row's source.

use crate::format;
use compute::scaling::known_models::KNOWN_MODELS;
use leptos::prelude::*;

/// Parameters, training tokens and tokens per parameter of well-known models.
#[component]
pub fn KnownModels() -> impl IntoView {
    view! {
        <section class="card calc" aria-labelledby="known-title">
            <h2 id="known-title">"Well-known models"</h2>
            <p class="hint">
                "The points on the first chart. Chinchilla's rule of thumb is about 20 tokens per parameter "
                "(70B parameters on 1.4T tokens, Hoffmann et al. 2022)."
            </p>
            <div class="table-scroll" role="region" aria-labelledby="known-title" tabindex="0">
                <table class="known" data-testid="known-models">
                    <thead>
                        <tr>
                            <th scope="col">"Model"</th>
                            <th scope="col">"Parameters"</th>
                            <th scope="col">"Tokens"</th>
                            <th scope="col">"Tokens per parameter"</th>
                            <th scope="col">"C = 6ND (FLOPs)"</th>
                            <th scope="col">"Source"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {KNOWN_MODELS.iter().map(|m| view! {
                            <tr>
                                <th scope="row">{format!("{} ({})", m.name, m.year)}</th>
                                <td>{format::count(m.params).text()}</td>
                                <td>{format::count(m.tokens).text()}{m.tokens_approximate.then_some(" (approx.)")}</td>
                                <td>{format::plain(m.tokens_per_param()).text()}</td>
                                <td>{format::sci(m.flops()).text()}</td>
                                <td><small>{m.source}</small></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
