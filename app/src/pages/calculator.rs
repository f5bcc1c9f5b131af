//! The Calculator view: a budget, a model size or a data size in; each published fit's compute-optimal answer out,
//! side by side with its citation, on two charts and in tables. Every input lives in the URL.

mod answer;
mod charts;
mod form;
mod inputs;
mod known_models;
mod results;

use crate::url;
use answer::answer;
use form::Form;
use leptos::prelude::*;

#[component]
pub fn CalculatorPage() -> impl IntoView {
    let form = RwSignal::new(Form::from_query(&url::query()));
    // The URL follows the form, so a copied link reproduces the view.
    Effect::new(move |_| url::set(&form.with(Form::to_query)));
    let answer = Memo::new(move |_| form.with(answer));
    view! {
        <section class="card calc" aria-labelledby="calc-title">
            <h2 id="calc-title">"Scaling-law calculator"</h2>
            <p class="lede">
                "How large a model for a budget, how much data for a model, which learning rate and batch size, and "
                "what loss to expect — under each published fit, side by side. Training compute is C = 6·N·D "
                "(N parameters, D training tokens; Kaplan et al. 2020, Sec. 2.1)."
            </p>
            <inputs::Inputs form=form/>
        </section>
        <results::Results form=form answer=answer/>
        <charts::Charts answer=answer/>
        <known_models::KnownModels/>
    }
}
