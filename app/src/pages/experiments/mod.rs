//! The Experiments view: choose a sweep and a budget, train its runs in a queue that survives a reload, and watch the
//! charts, fits and a plain-language reading of them fill in, beside reference results run natively.

mod chart;
mod choice;
mod picker;
mod queue;
pub(crate) mod reference;
mod results;
mod runner;
mod store;
mod tables;

pub use choice::Choice;

use crate::device::{DeviceState, Probe};
use crate::training::settings::BackendPref;
use crate::training::tick::sleep_ms;
use crate::url;
use leptos::prelude::*;

/// The Experiments view.
#[component]
pub fn ExperimentsPage() -> impl IntoView {
    let device = expect_context::<DeviceState>();
    let runner = runner::shared();
    let choice = RwSignal::new(Choice::from_pairs(&url::query()));
    // A sweep still training from before a change of view stays the one shown.
    if runner.busy() {
        if let Some(c) = runner.record.with_untracked(|r| r.as_ref().map(|r| Choice::of_plan(&r.plan))) {
            choice.set(Choice { backend: choice.get_untracked().backend, ..c });
        }
    }
    // The choice goes to the URL as it changes, so a shared link opens the same sweep.
    Effect::new(move |_| choice.with(|c| url::set(&c.to_pairs())));
    runner.show(&choice.get_untracked());

    let gpu = move || match device.probe.get_untracked() {
        Probe::Ready(g) => Ok(g),
        Probe::Unavailable(why) => Err(why),
        Probe::Probing => Err("WebGPU is still being probed".to_string()),
    };
    let ready = Signal::derive(move || {
        choice.with(|c| c.backend == BackendPref::Cpu) || !matches!(device.probe.get(), Probe::Probing)
    });
    let command = move || format!("Scaling Lab page, ?{}", url::format_query(&url::query()));
    let start = Callback::new(move |_| runner.start(choice.get_untracked().backend, gpu(), command()));
    let measure = Callback::new(move |_| runner.measure(choice.get_untracked().backend, gpu()));
    // A sweep that was training when the page went away continues once the device is known.
    if !runner.busy() && store::active().as_deref() == Some(choice.with_untracked(Choice::key).as_str()) {
        leptos::task::spawn_local(async move {
            while !ready.get_untracked() {
                sleep_ms(100).await;
            }
            runner.start(choice.get_untracked().backend, gpu(), command());
        });
    }

    let kind = Signal::derive(move || choice.with(|c| c.kind));
    let loaded: reference::Loaded = LocalResource::new(move || reference::load(kind.get()));
    let imported = RwSignal::new(None);
    let show = RwSignal::new(true);
    let overlay =
        Signal::derive(move || show.get().then(|| reference::overlay(kind.get(), loaded, imported)).flatten());
    view! {
        <section class="card experiments" aria-labelledby="experiments-title">
            <h2 id="experiments-title">"Experiments: reproduce the scaling findings"</h2>
            <p class="lede">
                "Each sweep trains a few dozen tiny GPTs on a synthetic language whose entropy is known exactly, then "
                "fits what the papers fitted. Finished runs are kept in this browser: reload or come back later and "
                "the sweep continues where it stopped. "
                <a href="?view=tour">"New here? Start with the six questions."</a>
            </p>
            <picker::Picker choice=choice runner=runner on_measure=measure/>
            <queue::Queue runner=runner on_start=start ready=ready/>
        </section>
        <results::Results record=runner.record.into() reference=overlay/>
        <reference::References kind=kind loaded=loaded imported=imported show=show/>
    }
}
