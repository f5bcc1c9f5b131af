//! Files that keep what they hold: atomic writes, reads with a byte limit, and output paths checked before work starts.
//!
//! Every record, checkpoint, sidecar, trainer state and sweep record `lab` writes goes through [`write_atomic`]: the
//! bytes go to a hidden temporary file in the target's folder, are flushed and synced, and only then renamed over the
//! target, so a process killed mid-write leaves the old file (or none), never a truncated one. Every file `lab` reads
//! goes through [`read_limited`], which stops at a byte limit whatever the file is (`/dev/zero`, a pipe, a huge file).
//! [`check_paths`] refuses, before any training, outputs that cannot be written, collide with each other or would
//! overwrite one of the command's inputs.

use crate::data::text::human_bytes;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest run record, sweep record, config or point file read: far above any record `lab` writes (a few MB).
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed, synced, then renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// As [`write_atomic`], with the content written by `fill`; if `fill` (or anything after it) fails, the temporary
/// file is removed and `path` keeps what it held.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut File) -> std::io::Result<()>) -> Result<(), String> {
    let tmp = temp_path(path);
    let written = (|| {
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        fill(&mut f)?;
        f.flush()?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    // The rename is durable once the folder is synced; best effort (not every platform opens folders).
    if let Ok(dir) = File::open(folder(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The hidden temporary file [`write_atomic`] writes before renaming: `.NAME.PID-K.tmp` in the same folder (a rename
/// is atomic only within one file system). A process killed mid-write leaves at most this file behind.
pub fn temp_path(path: &Path) -> PathBuf {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map_or("file".into(), |n| n.to_string_lossy().into_owned());
    let k = COUNT.fetch_add(1, Ordering::Relaxed);
    folder(path).join(format!(".{name}.{}-{k}.tmp", std::process::id()))
}

/// The folder a path lies in ("." for a bare file name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Reads at most `limit` bytes of `path`, refusing a longer file (or an endless special file such as `/dev/zero`)
/// with a sentence naming the limit; `what` says what the file was read as ("a run record").
pub fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let too_big = || {
        format!("{} is larger than {}, the limit for {what}; is it the right file?", path.display(), human_bytes(limit))
    };
    match file.metadata() {
        Ok(m) if m.is_dir() => return Err(format!("{} is a folder, not {what}", path.display())),
        Ok(m) if m.is_file() && m.len() > limit => return Err(too_big()),
        _ => {}
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// [`read_limited`] for text: refuses a file that is not UTF-8.
pub fn read_text_limited(path: &Path, limit: u64, what: &str) -> Result<String, String> {
    String::from_utf8(read_limited(path, limit, what)?).map_err(|e| {
        format!("{} is not UTF-8 text (first bad byte at offset {})", path.display(), e.utf8_error().valid_up_to())
    })
}

/// One file a command reads or writes, named as the user knows it ("--out", "the checkpoint's sidecar").
#[derive(Clone, Debug)]
pub struct Named {
    pub role: String,
    pub path: PathBuf,
}

impl Named {
    pub fn new(role: impl Into<String>, path: impl Into<PathBuf>) -> Named {
        Named { role: role.into(), path: path.into() }
    }
}

/// Checks, before any work, that every output can be written (its folder exists and takes a new file, it is not a
/// folder), that no two outputs are the same file, and that no output is one of the inputs.
pub fn check_paths(outputs: &[Named], inputs: &[Named]) -> Result<(), String> {
    for out in outputs {
        check_writable(out)?;
    }
    for (i, a) in outputs.iter().enumerate() {
        for b in &outputs[i + 1..] {
            if same_file(&a.path, &b.path) {
                return Err(format!(
                    "{} ({}) and {} ({}) are the same file: one would overwrite the other; give one another name",
                    a.role,
                    a.path.display(),
                    b.role,
                    b.path.display()
                ));
            }
        }
        if let Some(input) = inputs.iter().find(|b| same_file(&a.path, &b.path)) {
            return Err(format!(
                "{} ({}) would overwrite {} ({}), which this command reads; write it under another name",
                a.role,
                a.path.display(),
                input.role,
                input.path.display()
            ));
        }
    }
    Ok(())
}

/// The folder exists and a file can be created in it, and the path is not a folder.
fn check_writable(out: &Named) -> Result<(), String> {
    let (path, dir) = (&out.path, folder(&out.path));
    if path.is_dir() {
        return Err(format!("{} ({}) is a folder; give a file name", out.role, path.display()));
    }
    if !dir.is_dir() {
        return Err(format!(
            "{} ({}): the folder {} does not exist; create it first",
            out.role,
            path.display(),
            dir.display()
        ));
    }
    let probe = temp_path(path);
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!("{} ({}): cannot write in {}: {e}", out.role, path.display(), dir.display())),
    }
}

/// Whether two paths name one file: the same folder (after resolving links and `..`) and name, or an existing file
/// reached by both.
pub fn same_file(a: &Path, b: &Path) -> bool {
    fn key(p: &Path) -> PathBuf {
        if let Ok(c) = p.canonicalize() {
            return c;
        }
        let dir = folder(p).canonicalize().unwrap_or_else(|_| folder(p).to_path_buf());
        p.file_name().map_or(dir.clone(), |n| dir.join(n))
    }
    key(a) == key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lab-files-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let d = dir("fail");
        let target = d.join("run.json");
        write_atomic(&target, b"the old record").unwrap();
        let err = write_atomic_with(&target, |f| {
            f.write_all(b"half a rec")?;
            Err(std::io::Error::other("killed"))
        })
        .unwrap_err();
        assert!(err.contains("killed"), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), b"the old record");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "a temporary file was left behind");
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn reads_stop_at_the_limit_even_on_endless_files() {
        let err = read_limited(Path::new("/dev/zero"), 1000, "a run record").unwrap_err();
        assert!(err.contains("larger than 1000 B, the limit for a run record"), "{err}");
        let d = dir("limit");
        std::fs::write(d.join("a"), [7u8; 10]).unwrap();
        assert_eq!(read_limited(&d.join("a"), 10, "x").unwrap().len(), 10);
        assert!(read_limited(&d.join("a"), 9, "x").is_err());
        assert!(read_limited(&d, 9, "x").unwrap_err().contains("is a folder"));
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn colliding_or_unwritable_outputs_are_refused() {
        let d = dir("paths");
        let out = |r: &str, p: &str| Named::new(r, d.join(p));
        assert!(check_paths(&[out("--out", "a.json"), out("--save", "b")], &[out("--config", "c.json")]).is_ok());
        let err = check_paths(&[out("--out", "a.json"), out("sidecar", "./a.json")], &[]).unwrap_err();
        assert!(err.contains("are the same file"), "{err}");
        let err = check_paths(&[out("--save", "c.json")], &[out("--config", "c.json")]).unwrap_err();
        assert!(err.contains("would overwrite --config"), "{err}");
        let err = check_paths(&[out("--out", "missing/a.json")], &[]).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        assert!(std::fs::read_dir(&d).unwrap().next().is_none(), "the probe was left behind");
        std::fs::remove_dir_all(&d).ok();
    }
}
