//! What keeps a long command safe: Ctrl-C (SIGINT) and SIGTERM noted by a flag the training loops check between
//! steps, so they save their work before exiting, and `--max-memory`, the cap every size is checked against.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit status of a command stopped by Ctrl-C or SIGTERM after saving what it could (128 + SIGINT, as shells do).
pub const INTERRUPTED_EXIT: i32 = 130;

/// Catches SIGINT and SIGTERM: the first sets the flag and restores the default action, so a second one ends the
/// process at once (the files written so far are whole: every write is atomic).
pub fn catch_interrupts() {
    #[cfg(unix)]
    {
        extern "C" fn note(signal: libc::c_int) {
            INTERRUPTED.store(true, Ordering::SeqCst);
            // SAFETY: signal() is async-signal-safe; SIG_DFL is a valid action.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
            }
        }
        // SAFETY: `note` only stores to an atomic and calls signal(), both async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, note as *const () as libc::sighandler_t);
            libc::signal(libc::SIGTERM, note as *const () as libc::sighandler_t);
        }
    }
}

/// Whether Ctrl-C or SIGTERM arrived since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// `--max-memory` shared by the commands that train.
#[derive(clap::Args, Debug, Clone)]
pub struct MemoryArgs {
    /// Refuse, before allocating, a model and batch needing more memory than this (e.g. 8G, 512M; default: half of
    /// this machine's memory).
    #[arg(long, value_parser = parse_bytes)]
    max_memory: Option<u64>,
}

impl MemoryArgs {
    /// Puts the cap in force for this process.
    pub fn apply(&self) {
        if let Some(bytes) = self.max_memory {
            compute::cpu::plan::set_memory_cap(bytes);
        }
    }
}

/// "8G", "512M", "1.5GiB", "100000" (bytes): binary units K, M, G, T, with an optional "iB" or "B".
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t.strip_suffix("iB").or_else(|| t.strip_suffix('B')).unwrap_or(t);
    let (num, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let bad = || format!("`{text}` is not a size; write e.g. 8G, 512M or a number of bytes");
    let x: f64 = num.trim().parse().map_err(|_| bad())?;
    let bytes = x * (1u64 << shift) as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(bad());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_bytes("8G"), Ok(8 << 30));
        assert_eq!(parse_bytes("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_bytes("512m"), Ok(512 << 20));
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert!(parse_bytes("lots").is_err() && parse_bytes("-1G").is_err() && parse_bytes("1e30T").is_err());
    }
}
