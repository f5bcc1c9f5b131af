//! The GPU device: opened once, asynchronously, and passed by reference to every kernel.

mod readback;
mod report;

pub use readback::read_f32;
pub use report::AdapterReport;

use std::fmt;

/// An open wgpu device with its queue and a description of the adapter behind it.
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub report: AdapterReport,
}

/// Why a GPU could not be opened or used, worded for the person who has to fix it.
#[derive(Debug, Clone, PartialEq)]
pub enum GpuError {
    /// No adapter at all: WebGPU missing in the browser, or no Vulkan/Metal/DX12 driver natively.
    NoAdapter(String),
    /// An adapter exists but refused to give us a device.
    DeviceRequest(String),
    /// Reading a buffer back from the GPU failed (often: the device was lost).
    Readback(String),
    /// A validation or out-of-memory error reported by the device.
    Device(String),
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::NoAdapter(why) => write!(f, "no GPU adapter found ({why}). {}", no_adapter_hint()),
            GpuError::DeviceRequest(why) => write!(f, "the GPU adapter refused to open a device: {why}"),
            GpuError::Readback(why) => write!(f, "reading results back from the GPU failed: {why}"),
            GpuError::Device(why) => write!(f, "the GPU reported an error: {why}"),
        }
    }
}

impl std::error::Error for GpuError {}

fn no_adapter_hint() -> &'static str {
    if cfg!(target_arch = "wasm32") {
        "This browser offers no WebGPU: use a recent Chrome, Edge or Opera (113+), Safari 26+, or Firefox 141+ on Windows; \
         on Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu and #enable-vulkan."
    } else {
        "Install a Vulkan driver (on Debian: apt-get install mesa-vulkan-drivers, which includes the lavapipe CPU driver)."
    }
}

/// Optional device features to ask for; each is enabled only where the adapter has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuOptions {
    /// Subgroup operations for the reductions (LayerNorm, softmax + cross-entropy, column sums, gradient norm).
    /// Off, the kernels use their workgroup-memory fallback: tests turn it off to check that path on an adapter
    /// that has subgroups.
    pub subgroups: bool,
    /// Timestamp queries, for per-kernel GPU times (`profile_step`).
    pub timestamps: bool,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions { subgroups: true, timestamps: true }
    }
}

impl Gpu {
    /// Opens the best available adapter with its own limits (not WebGPU's conservative defaults), so that
    /// large storage buffers are available where the hardware has them.
    pub async fn request() -> Result<Gpu, GpuError> {
        Gpu::request_with(GpuOptions::default()).await
    }

    /// [`Gpu::request`] with a choice of optional features.
    pub async fn request_with(options: GpuOptions) -> Result<Gpu, GpuError> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                apply_limit_buckets: false,
            })
            .await
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let report = AdapterReport::from_adapter(&adapter);
        let mut wanted = wgpu::Features::empty();
        if options.subgroups {
            wanted |= wgpu::Features::SUBGROUP;
        }
        if options.timestamps {
            wanted |= wgpu::Features::TIMESTAMP_QUERY;
        }
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("scaling-lab device"),
                required_features: wanted & adapter.features(),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::DeviceRequest(e.to_string()))?;
        Ok(Gpu { device, queue, report })
    }

    /// Whether kernels may use subgroup operations on this device.
    pub fn has_subgroups(&self) -> bool {
        self.device.features().contains(wgpu::Features::SUBGROUP)
    }

    /// Whether this device can time kernels with timestamp queries.
    pub fn has_timestamps(&self) -> bool {
        self.device.features().contains(wgpu::Features::TIMESTAMP_QUERY)
    }

    /// Creates a storage buffer holding `data`, usable as kernel input and output and as a copy source.
    pub fn storage_from(&self, label: &str, data: &[f32]) -> wgpu::Buffer {
        use wgpu::util::DeviceExt;
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(data),
            usage: storage_usage(),
        })
    }

    /// Creates a zero-filled storage buffer of `len` f32 values.
    pub fn storage_zeroed(&self, label: &str, len: usize) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (len.max(1) * 4) as u64,
            usage: storage_usage(),
            mapped_at_creation: false,
        })
    }
}

fn storage_usage() -> wgpu::BufferUsages {
    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST
}
