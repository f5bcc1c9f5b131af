//! The one way results come back from the GPU: copy to a staging buffer, map it asynchronously, read, unmap.

use super::{Gpu, GpuError};

/// Reads `len` f32 values starting at element `offset` of `buffer`.
///
/// Never blocks the browser: on wasm the map callback fires from the event loop while we await.
/// Natively we poll the device until the copy is done, which is the only way wgpu-core makes progress.
pub async fn read_f32(gpu: &Gpu, buffer: &wgpu::Buffer, offset: usize, len: usize) -> Result<Vec<f32>, GpuError> {
    let size = (len * 4) as u64;
    if size == 0 {
        return Ok(Vec::new());
    }
    let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback staging"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder =
        gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("readback copy") });
    encoder.copy_buffer_to_buffer(buffer, (offset * 4) as u64, &staging, 0, size);
    gpu.queue.submit(Some(encoder.finish()));

    let (sender, receiver) = futures_channel::oneshot::channel();
    staging.slice(..).map_async(wgpu::MapMode::Read, move |result| {
        let _ = sender.send(result);
    });
    #[cfg(not(target_arch = "wasm32"))]
    gpu.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| GpuError::Readback(e.to_string()))?;
    receiver
        .await
        .map_err(|_| GpuError::Readback("the device dropped the map request (device lost?)".into()))?
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    let values = {
        let view = staging.slice(..).get_mapped_range().map_err(|e| GpuError::Readback(e.to_string()))?;
        bytemuck::cast_slice::<u8, f32>(&view).to_vec()
    };
    staging.unmap();
    Ok(values)
}
