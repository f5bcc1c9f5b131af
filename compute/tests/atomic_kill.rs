//! A process killed (SIGKILL, nothing to clean up) halfway through writing a file leaves the file it was replacing
//! whole: every write of a record, checkpoint or state goes through `files::write_atomic_with`.

use compute::files::{write_atomic, write_atomic_with};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Set in the child: the file it starts to replace and then hangs in the middle of.
const CHILD_TARGET: &str = "ATOMIC_KILL_TARGET";

fn folder() -> PathBuf {
    let d = std::env::temp_dir().join(format!("scaling-lab-atomic-kill-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The child's part: write half of a new file, make sure those bytes are on disk, then hang until killed.
fn child_writes_half_and_hangs(target: &Path) {
    let _ = write_atomic_with(target, |f| {
        f.write_all(b"{\"half of a new rec")?;
        f.sync_all()?;
        std::thread::sleep(Duration::from_secs(60));
        Ok(())
    });
}

#[test]
fn a_write_killed_halfway_leaves_the_old_file_whole() {
    if let Ok(target) = std::env::var(CHILD_TARGET) {
        child_writes_half_and_hangs(Path::new(&target));
        return;
    }
    let d = folder();
    let target = d.join("run.json");
    write_atomic(&target, b"{\"the old record\": true}").unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_write_killed_halfway_leaves_the_old_file_whole", "--nocapture"])
        .env(CHILD_TARGET, &target)
        .spawn()
        .unwrap();
    // Wait until the child's half-written bytes are on disk somewhere in the folder, then kill it there.
    let start = Instant::now();
    let half_written = || {
        std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .any(|e| std::fs::read(e.path()).is_ok_and(|b| b.starts_with(b"{\"half")))
    };
    while !half_written() {
        assert!(start.elapsed() < Duration::from_secs(30), "the child never started its write");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs
    child.wait().unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"{\"the old record\": true}", "the killed write damaged the file");
    std::fs::remove_dir_all(&d).ok();
}
