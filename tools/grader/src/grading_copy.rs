//! Where a submission is built and run: a fresh folder in the OS's
//! temporary folder, outside the instructor's workspace, holding only what
//! the build needs.
//!
//! The copy has the exercise crates (with their hidden tests), the testkit,
//! a workspace manifest with just those members and the lock file trimmed to
//! match (the bundle's code writes both). No `solutions/`, `catalogue/`,
//! `xtask/` or `.git`: nothing that a submission could read, at build or run
//! time, is the instructor's beyond what grading needs.
//!
//! The folder holds the workspace in `ws/`, which only the grader's user may
//! enter, and `sandbox/`, where each test gets a folder of its own (the test
//! may run as `nobody`, so that one is open to everyone).
//!
//! A grader that is killed cannot delete its folder, so each folder holds a
//! lock file, locked while grading, and every grading run first deletes the
//! folders whose lock nobody holds.

use crate::manifest;
use crate::workspace;
use anyhow::{Context, Result};
use lesson13_runner::sandbox::set_mode;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The name every grading folder starts with, in the OS's temporary folder.
const PREFIX: &str = "lesson13-grade-";

/// The lock file inside each grading folder.
const LOCK: &str = ".grading.lock";

/// A grading copy of the workspace; deleted when dropped.
pub struct GradingCopy {
    // Field order is drop order: unlock after the folder is gone, so no
    // other run mistakes a half-deleted folder for a stale one.
    dir: tempfile::TempDir,
    _lock: Lock,
}

impl GradingCopy {
    /// Deletes stale grading folders, then writes a fresh copy.
    pub fn new() -> Result<GradingCopy> {
        remove_stale();
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir()
            .context("cannot create a temporary folder")?;
        let lock = Lock::create(&dir.path().join(LOCK))?;
        let copy = GradingCopy { dir, _lock: lock };
        write(&copy.path())?;
        std::fs::create_dir(copy.sandbox_dir())
            .with_context(|| format!("cannot create {}", copy.sandbox_dir().display()))?;
        // The test (maybe `nobody`) must reach sandbox/ but not ws/.
        set_mode(&copy.path(), 0o700).map_err(anyhow::Error::msg)?;
        set_mode(&copy.sandbox_dir(), 0o711).map_err(anyhow::Error::msg)?;
        set_mode(copy.dir.path(), 0o711).map_err(anyhow::Error::msg)?;
        Ok(copy)
    }

    /// The workspace root of the copy.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// Where the sandbox puts each test's folder.
    pub fn sandbox_dir(&self) -> PathBuf {
        self.dir.path().join("sandbox")
    }
}

/// Writes the exercise crates (hidden tests included), the testkit, and a
/// manifest and lock file for just those.
fn write(out: &Path) -> Result<()> {
    let root = workspace::root();
    for member in manifest::members() {
        let keep = |path: &Path| path.file_name().is_none_or(|n| n != "target");
        workspace::copy_dir(&root.join(member), &out.join(member), &keep)?;
    }
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"))
        .context("cannot copy Cargo.lock")?;
    manifest::write_manifest(&root, out)?;
    manifest::trim_lock_file(out)
}

/// Deletes every grading folder whose lock is not held: its grader is gone.
fn remove_stale() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let is_ours = entry.file_name().to_string_lossy().starts_with(PREFIX);
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_ours || !is_dir {
            continue;
        }
        let path = entry.path();
        // A folder without a lock file is one being created right now.
        if let Some(_lock) = Lock::existing(&path.join(LOCK)) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// An exclusive `flock` on a file, released when dropped (or when the
/// process dies, however it dies).
struct Lock(#[allow(dead_code)] LockInner);

#[cfg(unix)]
type LockInner = nix::fcntl::Flock<File>;
#[cfg(not(unix))]
type LockInner = File;

impl Lock {
    /// Creates the lock file at `path`, locked. It is locked under another
    /// name and then renamed, so no other run ever finds it unlocked.
    fn create(path: &Path) -> Result<Lock> {
        let fail = || format!("cannot lock {}", path.display());
        let partial = path.with_extension("new");
        let file = File::create(&partial).with_context(fail)?;
        #[cfg(unix)]
        let file = {
            use nix::fcntl::{Flock, FlockArg};
            Flock::lock(file, FlockArg::LockExclusiveNonblock)
                .map_err(|(_, e)| e)
                .with_context(fail)?
        };
        std::fs::rename(&partial, path).with_context(fail)?;
        Ok(Lock(file))
    }

    /// Locks the existing lock file at `path`; `None` if it is missing or
    /// someone else holds it.
    fn existing(path: &Path) -> Option<Lock> {
        let file = File::options().write(true).open(path).ok()?;
        #[cfg(unix)]
        {
            use nix::fcntl::{Flock, FlockArg};
            Flock::lock(file, FlockArg::LockExclusiveNonblock)
                .ok()
                .map(Lock)
        }
        #[cfg(not(unix))]
        Some(Lock(file))
    }
}
