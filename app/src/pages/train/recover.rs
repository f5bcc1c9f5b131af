//! After a lost GPU device: the run's record is kept, and a button continues the same run on the CPU from its last
//! checkpoint (exactly, from the trainer state kept with it).

use crate::training::driver::{Driver, Phase};
use crate::training::settings::BackendPref;
use leptos::prelude::*;

/// "Continue on the CPU", shown once a run stopped because its device was lost.
#[component]
pub fn Recover(
    /// The run that lost its device.
    driver: Driver,
) -> impl IntoView {
    let go = move |_| {
        let (Some(plan), Some(snap)) = (driver.plan.get_value(), driver.snapshot.get_value()) else { return };
        let step = driver.record.with_untracked(|r| r.as_ref().map_or(0, |r| r.steps));
        let gpu = Err("continuing on the CPU".to_string());
        match &snap.state {
            // The same run goes on (the saver keeps its id: the record's start time is unchanged).
            Some(state) => {
                let note = format!(
                    "the GPU device was lost at step {step}; continued on the CPU from the checkpoint at step {}",
                    state.step
                );
                let resumed = (snap.params.clone(), state.clone());
                driver.resume(plan, BackendPref::Cpu, gpu, resumed, None, Some(note));
            }
            None => {
                let note = format!(
                    "continued on the CPU after the GPU device was lost at step {step}, from the parameters of the \
                     last sample point: AdamW's moments, the data position and the learning-rate schedule start afresh"
                );
                driver.start_from(plan, BackendPref::Cpu, gpu, Some(snap.params.clone()), Some(note));
            }
        }
    };
    view! {
        <Show when=move || driver.device_lost.get() && driver.phase.get() == Phase::Done>
            <div class="recover" data-testid="recover">
                {move || if driver.snapshot.with_value(|s| s.is_some()) {
                    view! { <button class="primary" data-testid="continue-cpu" on:click=go>"Continue on the CPU"</button> }.into_any()
                } else {
                    view! { <p class="note">"No parameters were kept before the device was lost: train again (reload for a new GPU device)."</p> }.into_any()
                }}
            </div>
        </Show>
    }
}
