//! The Train view: settings kept in the URL, live accounting, a run driven in slices on the main thread, its curves,
//! samples and the device it runs on.

mod accounting;
mod attention;
mod attention_map;
mod chart;
mod charts;
mod controls;
mod device_panel;
mod progress;
mod recover;
mod runs_panel;
mod runs_table;
mod samples;
mod user_file;

use crate::device::{DeviceState, Probe};
use crate::runs::saver::Runs;
use crate::training::dataset::cached_vocab;
use crate::training::driver::Driver;
use crate::training::memory::{check_device, Adapter};
use crate::training::settings::Settings;
use crate::url;
use leptos::prelude::*;

#[component]
pub fn TrainPage() -> impl IntoView {
    let device = expect_context::<DeviceState>();
    let settings = RwSignal::new(Settings::from_pairs(&url::query()));
    // The settings go to the URL as they change, so a shared link opens the same run.
    Effect::new(move |_| settings.with(|s| url::set(&s.to_pairs())));
    let driver = Driver::new();
    let runs = Runs::load();
    driver.on_publish.set_value(Some(runs.saver(driver)));
    let plan = Memo::new(move |_| {
        settings.with(|s| {
            let vocab = cached_vocab(&s.data, &s.tokenizer);
            s.plan(vocab)
        })
    });
    // What the device decides: a forced WebGPU run must fit the adapter's limits, and a run the CPU backend will
    // take (no WebGPU, or a model too large for it) the tab's memory; the problem is shown beside its field.
    let fit = Memo::new(move |_| {
        let pref = settings.with(|s| s.backend);
        let probe = device.probe.get();
        let adapter = match &probe {
            Probe::Probing => Adapter::Probing,
            Probe::Unavailable(_) => Adapter::Missing,
            Probe::Ready(gpu) => Adapter::Ready(&gpu.report),
        };
        plan.with(|p| p.as_ref().ok().and_then(|p| check_device(p, pref, adapter)))
    });
    let errors = Signal::derive(move || {
        let mut e = plan.with(|p| p.as_ref().err().cloned().unwrap_or_default());
        e.extend(fit.get());
        e
    });
    let locked = Signal::derive(move || driver.busy());
    view! {
        <section class="card train" aria-labelledby="train-title">
            <h2 id="train-title">"Train a language model"</h2>
            <p class="lede">
                "Pick a size and press Train: a GPT learns to predict the next character of the text, here in your tab. "
                "Every setting is kept in the address bar, so a link reproduces the run."
            </p>
            <div class="train-grid">
                <controls::Controls settings=settings errors=errors locked=locked plan=plan/>
                <div class="train-side">
                    <accounting::Accounting plan=plan/>
                    <progress::RunControls driver=driver plan=plan errors=errors settings=settings/>
                    <recover::Recover driver=driver/>
                    <device_panel::DevicePanel driver=driver/>
                </div>
            </div>
        </section>
        <charts::TrainCharts driver=driver/>
        <samples::Samples driver=driver/>
        <attention::Attention driver=driver/>
        <runs_panel::RunsPanel runs=runs driver=driver backend=Signal::derive(move || settings.with(|s| s.backend))/>
    }
}
