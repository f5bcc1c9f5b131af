//! Whether a run's memory fits before anything is allocated: the CPU backend's plan against a tab's cap, and a forced
//! WebGPU run against its adapter, each refusal shown beside the field to change.

use super::settings::{BackendPref, FieldError, Plan};
use compute::config::ModelConfig;
use compute::cpu::plan::{check_fits, check_params, tab_cap};
use compute::gpu::AdapterReport;
use compute::train::TrainConfig;

/// What the page knows of WebGPU when it checks a plan.
#[derive(Clone, Copy, Debug)]
pub enum Adapter<'a> {
    /// Still looking: nothing is known yet (and Train waits).
    Probing,
    /// No WebGPU here: the CPU backend trains.
    Missing,
    Ready(&'a AdapterReport),
}

/// The tab's memory for a run of `model` and `train`: all of training when the CPU backend trains it (`on_cpu`),
/// else the parameters and AdamW state the page keeps beside the GPU's copy. Parameters that alone exceed the cap
/// are refused beside the width, anything else beside the batch.
pub fn check_tab(model: &ModelConfig, train: &TrainConfig, on_cpu: bool) -> Option<FieldError> {
    let (cap, why) = tab_cap();
    if let Err(message) = check_params(model, cap, &why) {
        return Some(FieldError { key: "d_model", message });
    }
    let t = train.context(model);
    let message = check_fits(model, train.batch, t, cap, &why).err().filter(|_| on_cpu)?;
    Some(FieldError { key: "batch", message })
}

/// What the settings' own checks cannot know: the device. A forced WebGPU run must fit the adapter; a run the page
/// will hand to the CPU backend (no WebGPU, or a model the adapter cannot hold) must fit the tab. A run forced onto
/// the CPU was checked with the settings ([`super::settings::Settings::plan`]).
pub fn check_device(plan: &Plan, pref: BackendPref, adapter: Adapter) -> Option<FieldError> {
    let (model, train) = (&plan.model, &plan.train);
    let gpu_fits = |report: &AdapterReport| {
        compute::model::plan::check_fits(model, train.batch, train.context(model), report)
            .map_err(|e| FieldError { key: "batch", message: e.to_string() })
    };
    match (pref, adapter) {
        (BackendPref::Gpu, Adapter::Ready(report)) => gpu_fits(report).err(),
        (BackendPref::Auto, Adapter::Missing) => check_tab(model, train, true),
        (BackendPref::Auto, Adapter::Ready(report)) if gpu_fits(report).is_err() => check_tab(model, train, true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::settings::{Settings, PAGE_PRESETS};

    fn settings(backend: BackendPref, fields: &[(&str, &str)]) -> Settings {
        let mut s = Settings { backend, ..Settings::default() };
        for (key, value) in fields {
            *s.field_mut(key).unwrap() = value.to_string();
        }
        s
    }

    fn adapter(max_binding: u64) -> AdapterReport {
        AdapterReport {
            name: "test adapter".into(),
            backend: "BrowserWebGpu".into(),
            device_type: "DiscreteGpu".into(),
            driver: String::new(),
            max_storage_buffer_binding_size: max_binding,
            max_buffer_size: max_binding,
            max_compute_workgroup_storage_size: 16384,
            max_compute_invocations_per_workgroup: 256,
            max_compute_workgroups_per_dimension: 65535,
            max_storage_buffers_per_shader_stage: 8,
            subgroup_min_size: 32,
            subgroup_max_size: 32,
            shader_f16: false,
            subgroups: false,
            timestamp_query: false,
        }
    }

    /// A batch and context the fields allow but a tab cannot train on the CPU: refused beside the batch, naming
    /// the need and the cap.
    const LONG_BATCH: &[(&str, &str)] = &[("batch", "512"), ("ctx", "1024")];
    /// The widest, deepest model the fields allow: its parameters alone exceed the tab.
    const WIDEST: &[(&str, &str)] = &[("layers", "24"), ("d_model", "1024"), ("heads", "8"), ("ff", "8")];

    #[test]
    fn an_oversized_batch_on_the_cpu_is_refused_beside_the_batch() {
        let errors = settings(BackendPref::Cpu, LONG_BATCH).plan(None).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = &errors[0];
        assert_eq!(e.key, "batch");
        assert!(e.message.contains("batch 512 × context 1024 needs"), "{}", e.message);
        assert!(e.message.contains("over the cap of 2.0 GiB (what a browser tab"), "{}", e.message);
    }

    #[test]
    fn parameters_over_the_cap_are_refused_beside_the_width_on_every_backend() {
        for backend in [BackendPref::Cpu, BackendPref::Gpu, BackendPref::Auto] {
            let errors = settings(backend, WIDEST).plan(None).unwrap_err();
            assert_eq!(errors.iter().map(|e| e.key).collect::<Vec<_>>(), ["d_model"], "{backend:?}");
            assert!(errors[0].message.contains("parameters need"), "{}", errors[0].message);
        }
    }

    #[test]
    fn what_the_gpu_holds_is_left_to_the_adapter() {
        // On WebGPU the activations live on the device: the settings pass, the adapter decides.
        let plan = settings(BackendPref::Gpu, LONG_BATCH).plan(None).unwrap();
        let small = adapter(128 << 20);
        let e = check_device(&plan, BackendPref::Gpu, Adapter::Ready(&small)).unwrap();
        assert_eq!(e.key, "batch");
        assert!(check_device(&plan, BackendPref::Gpu, Adapter::Ready(&adapter(u64::MAX))).is_none());
    }

    #[test]
    fn auto_checks_the_tab_when_the_cpu_will_train() {
        let plan = settings(BackendPref::Auto, LONG_BATCH).plan(None).unwrap();
        let big = adapter(u64::MAX);
        assert!(check_device(&plan, BackendPref::Auto, Adapter::Ready(&big)).is_none());
        assert!(check_device(&plan, BackendPref::Auto, Adapter::Probing).is_none());
        for adapter in [Adapter::Missing, Adapter::Ready(&adapter(128 << 20))] {
            let e = check_device(&plan, BackendPref::Auto, adapter).unwrap();
            assert_eq!(e.key, "batch", "{adapter:?}");
            assert!(e.message.contains("over the cap of 2.0 GiB"), "{}", e.message);
        }
    }

    #[test]
    fn every_preset_fits_a_tab_on_the_cpu() {
        for (id, _) in PAGE_PRESETS {
            let mut s = settings(BackendPref::Cpu, &[]);
            s.apply_preset(id);
            let plan = s.plan(None);
            assert!(plan.is_ok(), "{id}: {plan:?}");
            assert!(check_device(&plan.unwrap(), BackendPref::Auto, Adapter::Missing).is_none(), "{id}");
        }
    }
}
