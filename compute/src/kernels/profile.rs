//! Where a step's GPU time goes: each launch timed on its own, summed by kernel, with the rates it reached.

use super::{Cost, Dispatch};
use crate::gpu::{read_f32, Gpu, GpuError};

/// One kernel's share of a step: every launch with this label, summed.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelTime {
    pub label: &'static str,
    pub launches: usize,
    pub ms: f64,
    pub cost: Cost,
}

impl KernelTime {
    pub fn gflops(&self) -> f64 {
        self.cost.flops / (self.ms * 1e6)
    }

    pub fn gbytes_per_s(&self) -> f64 {
        self.cost.bytes / (self.ms * 1e6)
    }
}

/// How the times were taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// GPU timestamps written before and after each launch: the kernel's own time on the device.
    Timestamps,
    /// Wall time of a submission of each launch alone, waited for: includes submission and wake-up latency,
    /// so small kernels look slower than they are (adapters without timestamp queries).
    WallClock,
}

/// Times every launch of `dispatches` (run in order, as in a step) and sums the times by label, slowest first.
pub async fn profile(gpu: &Gpu, dispatches: &[&Dispatch]) -> Result<(Timing, Vec<KernelTime>), GpuError> {
    let (timing, ms) = if gpu.has_timestamps() {
        (Timing::Timestamps, timestamps(gpu, dispatches).await?)
    } else {
        (Timing::WallClock, wall_clock(gpu, dispatches)?)
    };
    let mut by_kernel: Vec<KernelTime> = Vec::new();
    for (d, ms) in dispatches.iter().zip(ms) {
        match by_kernel.iter_mut().find(|k| k.label == d.label) {
            Some(k) => {
                k.launches += 1;
                k.ms += ms;
                k.cost.flops += d.cost.flops;
                k.cost.bytes += d.cost.bytes;
            }
            None => by_kernel.push(KernelTime { label: d.label, launches: 1, ms, cost: d.cost }),
        }
    }
    by_kernel.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    Ok((timing, by_kernel))
}

/// Each launch in a compute pass of its own with a timestamp at its start and end, all in one submission.
async fn timestamps(gpu: &Gpu, dispatches: &[&Dispatch]) -> Result<Vec<f64>, GpuError> {
    // wgpu allows at most 4096 queries per set: two per launch.
    let mut ms = Vec::with_capacity(dispatches.len());
    for chunk in dispatches.chunks(2048) {
        let queries = 2 * chunk.len() as u32;
        let set = gpu.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("profile timestamps"),
            ty: wgpu::QueryType::Timestamp,
            count: queries,
        });
        let resolved = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("profile timestamps resolved"),
            size: 8 * queries as u64,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("profile") });
        for (i, d) in chunk.iter().enumerate() {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(d.label),
                timestamp_writes: Some(wgpu::ComputePassTimestampWrites {
                    query_set: &set,
                    beginning_of_pass_write_index: Some(2 * i as u32),
                    end_of_pass_write_index: Some(2 * i as u32 + 1),
                }),
            });
            d.record(&mut pass);
        }
        encoder.resolve_query_set(&set, 0..queries, &resolved, 0);
        gpu.queue.submit(Some(encoder.finish()));
        // Timestamps are u64 ticks: read as pairs of 32-bit words (little-endian), converted with the queue's period.
        let words = read_f32(gpu, &resolved, 0, 2 * queries as usize).await?;
        let ticks: Vec<u64> =
            words.chunks(2).map(|w| w[0].to_bits() as u64 | ((w[1].to_bits() as u64) << 32)).collect();
        let ns_per_tick = gpu.queue.get_timestamp_period() as f64;
        ms.extend(ticks.chunks(2).map(|t| t[1].saturating_sub(t[0]) as f64 * ns_per_tick / 1e6));
    }
    Ok(ms)
}

/// Each launch submitted alone and waited for (native only: the browser cannot block).
fn wall_clock(gpu: &Gpu, dispatches: &[&Dispatch]) -> Result<Vec<f64>, GpuError> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let wait = || gpu.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| GpuError::Device(e.to_string()));
        wait()?;
        let mut ms = Vec::with_capacity(dispatches.len());
        for d in dispatches {
            let start = std::time::Instant::now();
            super::submit(gpu, d.label, &[d]);
            wait()?;
            ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
        Ok(ms)
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = (gpu, dispatches);
        Err(GpuError::Device(
            "this adapter has no timestamp queries, and a page cannot time kernels by blocking".into(),
        ))
    }
}
