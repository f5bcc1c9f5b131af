//! What the adapter is and the limits that decide which models fit on it.

use serde::{Deserialize, Serialize};

/// The adapter's identity and the limits that matter for training, ready to print or show on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterReport {
    pub name: String,
    /// "Vulkan", "Metal", "Dx12", "BrowserWebGpu", ...
    pub backend: String,
    /// "DiscreteGpu", "IntegratedGpu", "Cpu", "VirtualGpu" or "Other".
    pub device_type: String,
    pub driver: String,
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_compute_workgroup_storage_size: u32,
    pub max_compute_invocations_per_workgroup: u32,
    pub max_compute_workgroups_per_dimension: u32,
    pub max_storage_buffers_per_shader_stage: u32,
    pub subgroup_min_size: u32,
    pub subgroup_max_size: u32,
    pub shader_f16: bool,
    pub subgroups: bool,
    pub timestamp_query: bool,
}

impl AdapterReport {
    pub fn from_adapter(adapter: &wgpu::Adapter) -> AdapterReport {
        let info = adapter.get_info();
        let limits = adapter.limits();
        let features = adapter.features();
        AdapterReport {
            name: info.name,
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_buffer_size: limits.max_buffer_size,
            max_compute_workgroup_storage_size: limits.max_compute_workgroup_storage_size,
            max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            max_storage_buffers_per_shader_stage: limits.max_storage_buffers_per_shader_stage,
            subgroup_min_size: info.subgroup_min_size,
            subgroup_max_size: info.subgroup_max_size,
            shader_f16: features.contains(wgpu::Features::SHADER_F16),
            subgroups: features.contains(wgpu::Features::SUBGROUP),
            timestamp_query: features.contains(wgpu::Features::TIMESTAMP_QUERY),
        }
    }

    /// True for adapters that run on the CPU (lavapipe, SwiftShader, WARP): slow, so the CPU backend often wins.
    pub fn is_software(&self) -> bool {
        let name = self.name.to_lowercase();
        self.device_type == "Cpu"
            || ["llvmpipe", "lavapipe", "swiftshader", "warp", "basic render"].iter().any(|s| name.contains(s))
    }

    /// Human-readable lines, one per fact, as `lab device` prints them and the page lists them.
    pub fn lines(&self) -> Vec<(String, String)> {
        let mib = |b: u64| format!("{:.0} MiB ({b} bytes)", b as f64 / (1024.0 * 1024.0));
        vec![
            ("adapter".into(), or_undisclosed(&self.name)),
            ("backend".into(), self.backend.clone()),
            (
                "device type".into(),
                format!("{}{}", self.device_type, if self.is_software() { " (software)" } else { "" }),
            ),
            ("driver".into(), or_undisclosed(&self.driver)),
            ("max storage buffer binding".into(), mib(self.max_storage_buffer_binding_size)),
            ("max buffer size".into(), mib(self.max_buffer_size)),
            ("max workgroup storage".into(), format!("{} bytes", self.max_compute_workgroup_storage_size)),
            ("max invocations per workgroup".into(), self.max_compute_invocations_per_workgroup.to_string()),
            ("max workgroups per dimension".into(), self.max_compute_workgroups_per_dimension.to_string()),
            ("max storage buffers per stage".into(), self.max_storage_buffers_per_shader_stage.to_string()),
            ("subgroup sizes".into(), format!("{}..{}", self.subgroup_min_size, self.subgroup_max_size)),
            ("shader-f16".into(), yes_no(self.shader_f16)),
            ("subgroups".into(), yes_no(self.subgroups)),
            ("timestamp queries".into(), yes_no(self.timestamp_query)),
        ]
    }
}

/// Browsers often withhold the adapter's name and driver (fingerprinting); say so instead of showing nothing.
fn or_undisclosed(s: &str) -> String {
    if s.trim().is_empty() {
        "not disclosed by this browser".into()
    } else {
        s.to_string()
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}
