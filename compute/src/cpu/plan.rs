//! What training a model on the CPU needs in memory (parameters, gradients and AdamW state, activations, logits and
//! their gradients), checked against a cap before anything is allocated, as `model::plan` does for a GPU adapter.

use crate::config::ModelConfig;
use crate::data::text::human_bytes;
use std::sync::atomic::{AtomicU64, Ordering};

/// Cap set by the caller ([`set_memory_cap`]); 0 means the default, [`default_cap`].
static CAP: AtomicU64 = AtomicU64::new(0);

/// Sets the memory cap for every later check in this process (`lab --max-memory`); 0 restores the default.
pub fn set_memory_cap(bytes: u64) {
    CAP.store(bytes, Ordering::Relaxed);
}

/// The cap in force and where it comes from, in words.
pub fn memory_cap() -> (u64, String) {
    match CAP.load(Ordering::Relaxed) {
        0 => default_cap(),
        bytes => (bytes, "set with --max-memory".into()),
    }
}

/// What training may use in a browser tab: a wasm32 memory stops at 4 GiB, and the page, its data and the
/// browser's own copies share it.
pub const TAB_CAP: u64 = 2 << 30;

/// [`TAB_CAP`] and where it comes from, in words: the cap in a tab, and the page's checks natively (its tests).
pub fn tab_cap() -> (u64, String) {
    (TAB_CAP, "what a browser tab can give training: its memory stops at 4 GiB".into())
}

/// Half of this machine's memory (natively), or [`tab_cap`] in a tab.
pub fn default_cap() -> (u64, String) {
    if cfg!(target_arch = "wasm32") {
        return tab_cap();
    }
    match physical_memory() {
        Some(total) => (total / 2, format!("half of this machine's {}; --max-memory changes it", human_bytes(total))),
        None => (TAB_CAP, "the default when the machine's memory is unknown; --max-memory changes it".into()),
    }
}

/// Bytes of physical memory, where the platform says.
fn physical_memory() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: sysconf has no preconditions; it returns -1 for a name it does not know.
        let (pages, size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
        if pages > 0 && size > 0 {
            return Some((pages as u64).saturating_mul(size as u64));
        }
    }
    None
}

/// Bytes by part for training `config` on batches of `batch` × `t` on the CPU backend; sizes that overflow saturate
/// at u64::MAX (and so never fit).
pub fn memory_parts(config: &ModelConfig, batch: usize, t: usize) -> Vec<(&'static str, u64)> {
    let m = |xs: &[u64]| xs.iter().fold(1u64, |a, &x| a.saturating_mul(x));
    let s = |xs: &[u64]| xs.iter().fold(0u64, |a, &x| a.saturating_add(x));
    let (b, t) = (batch as u64, t as u64);
    let n = m(&[b, t]);
    let (c, f, v) = (config.d_model as u64, config.d_ff as u64, config.vocab_size as u64);
    let (l, nh) = (config.n_layer as u64, config.n_head as u64);
    let params = config.param_count();
    // Per block: 10 (B,T,C) buffers, 2 (B,T,F), 4 (B,T) statistics and the (B,NH,T,T) attention matrix.
    let block = s(&[m(&[10, n, c]), m(&[2, n, f]), m(&[4, n]), m(&[b, nh, t, t])]);
    let acts = s(&[m(&[l, block]), m(&[2, n, c]), m(&[3, n])]);
    vec![
        // Parameters, gradients, AdamW's two moments and its decay mask, in f32.
        ("parameters, gradients and AdamW state", m(&[4, 5, params])),
        // Forward activations and their gradients (the backward keeps a buffer of the same shapes).
        ("activations and their gradients", m(&[4, 2, acts])),
        // Logits and probabilities, and their gradients.
        ("logits", m(&[4, 4, n, v])),
        // Token and target ids of a batch, twice (the batcher's and the model's copies).
        ("token ids", m(&[4, 4, n])),
    ]
}

/// Total bytes of [`memory_parts`].
pub fn memory_bytes(config: &ModelConfig, batch: usize, t: usize) -> u64 {
    memory_parts(config, batch, t).iter().fold(0u64, |a, (_, x)| a.saturating_add(*x))
}

/// Refuses a model and batch whose CPU training would need more than `cap` bytes, naming the need, its largest
/// part and the cap; `why` says where the cap comes from.
pub fn check_fits(config: &ModelConfig, batch: usize, t: usize, cap: u64, why: &str) -> Result<(), String> {
    let need = memory_bytes(config, batch, t);
    if need <= cap {
        return Ok(());
    }
    let parts = memory_parts(config, batch, t);
    let (part, bytes) = parts.iter().max_by_key(|(_, b)| *b).copied().unwrap_or(("", 0));
    Err(format!(
        "training this model with batch {batch} × context {t} needs {} of memory ({part}: {}), over the cap of {} \
         ({why}): use a smaller batch, context, width, depth or vocabulary",
        bytes_or_more(need),
        bytes_or_more(bytes),
        human_bytes(cap)
    ))
}

/// Refuses parameters (and what is kept per parameter beside them) that alone exceed the cap: the GPU backend's
/// host side, and any checkpoint load.
pub fn check_params(config: &ModelConfig, cap: u64, why: &str) -> Result<(), String> {
    let need = config.param_count().saturating_mul(4 * 5);
    if need <= cap {
        return Ok(());
    }
    Err(format!(
        "this model's {} parameters need {} of memory with their AdamW state, over the cap of {} ({why}): use a \
         smaller width, depth or vocabulary",
        config.param_count(),
        bytes_or_more(need),
        human_bytes(cap)
    ))
}

fn bytes_or_more(b: u64) -> String {
    if b == u64::MAX {
        "more than 16 EiB".into()
    } else {
        human_bytes(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_runs_fit_and_huge_ones_name_their_largest_part() {
        let tiny = ModelConfig::preset("tiny").unwrap();
        assert!(check_fits(&tiny, 16, 64, 1 << 30, "test").is_ok());
        let err = check_fits(&tiny, 1_000_000_000, 64, 1 << 30, "test cap").unwrap_err();
        assert!(err.contains("(activations and their gradients: ") && err.contains("1.0 GiB (test cap)"), "{err}");
        let err = check_fits(&tiny, usize::MAX, usize::MAX, u64::MAX - 1, "x").unwrap_err();
        assert!(err.contains("more than 16 EiB"), "{err}");
        let big = ModelConfig { vocab_size: 65536, d_model: 4096, d_ff: 16384, n_layer: 64, ..tiny };
        assert!(check_params(&big, 1 << 34, "x").unwrap_err().contains("parameters need"));
    }

    #[test]
    fn the_default_cap_is_positive() {
        assert!(default_cap().0 > 0);
    }
}
