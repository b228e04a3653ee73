//! Where a submission is built and run: fresh folders of the grader's own,
//! outside the instructor's workspace, holding only what the build needs.
//!
//! The copy has the exercise crates, the testkit, a workspace manifest with
//! just those members and the lock file trimmed to match (the bundle's code
//! writes both). No `solutions/`, `catalogue/`, `tools/` or `.git`: nothing
//! that a submission could read, at build or run time, is the instructor's
//! beyond what grading needs. The hidden tests join the copy only once the
//! submission's own code is compiled ([`GradingCopy::add_hidden_tests`]),
//! and leave it before any test runs, so that the student's crate is never
//! compiled beside them.
//!
//! Each submission has two folders:
//!
//! - the build's, `ws/` in a folder of [`base`] (in your cache folder),
//!   which only the grader's user may enter, and whose every folder up to
//!   `/` is checked before anything is built ([`crate::build_folder`]): no
//!   cargo configuration there but the grader's;
//! - the tests', in the OS's temporary folder, where each test gets a
//!   folder of its own (the test may run as `nobody`, so it is open to
//!   everyone to enter, not to list).
//!
//! A grader that is killed cannot delete its folders, so each build folder
//! holds a lock file, locked while grading, and the path of its tests'
//! folder; every grading run first deletes the folders whose lock nobody
//! holds, and their tests' folders.

use crate::lock::Lock;
use crate::workspace;
use crate::{build_folder, manifest};
use anyhow::{Context, Result};
use lesson13_runner::exercises::{ALL, HIDDEN_TESTS};
use lesson13_runner::sandbox::set_mode;
use std::path::{Path, PathBuf};

/// The name every grading folder starts with.
const PREFIX: &str = "lesson13-grade-";

/// The name every tests' folder starts with, in the OS's temporary folder.
const SANDBOX_PREFIX: &str = "lesson13-sandbox-";

/// The lock file inside each grading folder.
const LOCK: &str = ".grading.lock";

/// The file inside each grading folder that names its tests' folder.
const SANDBOX_PATH: &str = "sandbox.path";

/// A grading copy of the workspace; deleted when dropped.
pub struct GradingCopy {
    // Field order is drop order: unlock after the folders are gone, so no
    // other run mistakes a half-deleted folder for a stale one.
    sandbox: tempfile::TempDir,
    dir: tempfile::TempDir,
    _lock: Lock,
}

/// The folder that holds every grading folder of this workspace:
/// `lesson13-grader/<workspace>-<hash>/copies/` in your cache folder
/// (`$XDG_CACHE_HOME`, else `~/.cache`; the workspace's `target/xtask/` if
/// neither is set). Not in the workspace: cargo would read configuration
/// from every folder above it, and a workspace may well lie in a folder
/// others can write (a clone in `/tmp`).
pub fn base() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| Path::new(&home).join(".cache"))
                .filter(|p| p.is_absolute())
        });
    let Some(cache) = cache else {
        return workspace::scratch_target_dir().join("copies");
    };
    let root = workspace::root();
    let name = root.file_name().unwrap_or_default().to_string_lossy();
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&root, &mut hasher);
    let key = format!("{name}-{:016x}", std::hash::Hasher::finish(&hasher));
    cache.join("lesson13-grader").join(key).join("copies")
}

impl GradingCopy {
    /// Deletes stale grading folders, checks that cargo reads no
    /// configuration but the grader's there, then writes a fresh copy
    /// without the hidden tests.
    pub fn new() -> Result<GradingCopy> {
        let base = base();
        std::fs::create_dir_all(&base)
            .with_context(|| format!("cannot create {}", base.display()))?;
        remove_stale(&base);
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir_in(&base)
            .context("cannot create a grading folder")?;
        set_mode(dir.path(), 0o700).map_err(anyhow::Error::msg)?;
        let lock = Lock::create(&dir.path().join(LOCK))?;
        let sandbox = tempfile::Builder::new()
            .prefix(SANDBOX_PREFIX)
            .tempdir()
            .context("cannot create a temporary folder")?;
        // The test (maybe `nobody`) must reach its folder, but not list
        // the others'.
        set_mode(sandbox.path(), 0o711).map_err(anyhow::Error::msg)?;
        let record = dir.path().join(SANDBOX_PATH);
        std::fs::write(&record, sandbox.path().as_os_str().as_encoded_bytes())
            .with_context(|| format!("cannot write {}", record.display()))?;
        let copy = GradingCopy {
            sandbox,
            dir,
            _lock: lock,
        };
        std::fs::create_dir(copy.path())
            .with_context(|| format!("cannot create {}", copy.path().display()))?;
        build_folder::check(&copy.path(), &[workspace::root(), workspace::source_root()])?;
        write(&copy.path())?;
        Ok(copy)
    }

    /// The workspace root of the copy.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// Where the sandbox puts each test's folder.
    pub fn sandbox_dir(&self) -> PathBuf {
        self.sandbox.path().to_path_buf()
    }

    /// Puts every exercise's hidden tests into the copy: once the
    /// submission's libraries are built, for the tests' build.
    pub fn add_hidden_tests(&self) -> Result<()> {
        let root = workspace::root();
        for exercise in ALL {
            let hidden = Path::new(exercise.krate).join(HIDDEN_TESTS);
            workspace::copy_dir(&root.join(&hidden), &self.path().join(&hidden), &|_| true)?;
        }
        Ok(())
    }

    /// Takes the hidden tests out of the copy again.
    pub fn remove_hidden_tests(&self) -> Result<()> {
        for exercise in ALL {
            let hidden = self.path().join(exercise.krate).join(HIDDEN_TESTS);
            if hidden.exists() {
                std::fs::remove_dir_all(&hidden)
                    .with_context(|| format!("cannot remove {}", hidden.display()))?;
            }
        }
        Ok(())
    }
}

/// Writes the exercise crates (without their hidden tests), the testkit,
/// and a manifest and lock file for just those.
fn write(out: &Path) -> Result<()> {
    let root = workspace::root();
    for member in manifest::members() {
        let hidden = root.join(member).join(HIDDEN_TESTS);
        let keep = |path: &Path| path.file_name().is_none_or(|n| n != "target") && path != hidden;
        workspace::copy_dir(&root.join(member), &out.join(member), &keep)?;
    }
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"))
        .context("cannot copy Cargo.lock")?;
    manifest::write_manifest(&root, out)?;
    manifest::trim_lock_file(out)
}

/// Deletes every grading folder in `base` whose lock is not held (its
/// grader is gone), with its tests' folder.
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
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
            if let Some(sandbox) = recorded_sandbox(&path) {
                let _ = std::fs::remove_dir_all(sandbox);
            }
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// The tests' folder a grading folder names, if it is one of ours.
fn recorded_sandbox(grading_folder: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(grading_folder.join(SANDBOX_PATH)).ok()?;
    let path = PathBuf::from(text);
    let name = path.file_name()?.to_str()?;
    (path.parent() == Some(std::env::temp_dir().as_path()) && name.starts_with(SANDBOX_PREFIX))
        .then_some(path)
}
