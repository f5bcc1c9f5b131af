//! Compute from hardware: FLOPs delivered by devices at a utilisation, and the time a budget takes.

use super::{check_output, check_positive, ScalingError, MAX_FLOPS};
use serde::Serialize;

/// Largest accepted peak per device, FLOP/s (1e18: a thousand times today's fastest accelerators).
pub const MAX_PEAK_FLOPS: f64 = 1e18;
/// Largest accepted device-hours (1e12: far beyond any training run).
pub const MAX_DEVICE_HOURS: f64 = 1e12;
/// Largest accepted device count.
pub const MAX_DEVICES: f64 = 1e9;

/// What a budget means on given hardware.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TrainingTime {
    /// Training FLOPs.
    pub flops: f64,
    /// Peak FLOP/s of one device.
    pub peak_flops: f64,
    /// Model FLOPs utilisation, in (0, 1].
    pub mfu: f64,
    /// Number of devices training together.
    pub devices: f64,
    /// Device-hours: C / (peak · MFU · 3600).
    pub device_hours: f64,
    /// Wall-clock hours: device-hours / devices.
    pub wall_hours: f64,
    /// Wall-clock days.
    pub wall_days: f64,
}

fn check_mfu(mfu: f64) -> Result<f64, ScalingError> {
    let mfu = check_positive("mfu", mfu, f64::MAX)?;
    if mfu > 1.0 {
        return Err(ScalingError::Invalid {
            name: "mfu",
            value: mfu,
            why: "is a fraction of peak and must be at most 1 (write 0.4 for 40%)".into(),
        });
    }
    Ok(mfu)
}

/// C = device-hours · 3600 · peak · MFU.
pub fn flops_from_device_hours(device_hours: f64, peak_flops: f64, mfu: f64) -> Result<f64, ScalingError> {
    let h = check_positive("gpu_hours", device_hours, MAX_DEVICE_HOURS)?;
    let p = check_positive("peak_flops", peak_flops, MAX_PEAK_FLOPS)?;
    let u = check_mfu(mfu)?;
    check_positive("flops", h * 3600.0 * p * u, MAX_FLOPS)
}

/// How long `flops` takes on `devices` devices of `peak_flops` each at utilisation `mfu`.
pub fn training_time(flops: f64, peak_flops: f64, mfu: f64, devices: f64) -> Result<TrainingTime, ScalingError> {
    let c = check_positive("flops", flops, MAX_FLOPS)?;
    let p = check_positive("peak_flops", peak_flops, MAX_PEAK_FLOPS)?;
    let u = check_mfu(mfu)?;
    let k = check_positive("gpus", devices, MAX_DEVICES)?;
    let device_hours = check_output("device_hours", c / (p * u * 3600.0))?;
    let wall_hours = device_hours / k;
    Ok(TrainingTime {
        flops: c,
        peak_flops: p,
        mfu: u,
        devices: k,
        device_hours,
        wall_hours,
        wall_days: wall_hours / 24.0,
    })
}
