//! Where things are, and clean copies of the workspace to test in.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: the folder above `tools/xtask/`, or `LESSON13_WORKSPACE`
/// (the Gradescope package's `run_autograder` sets it to the package).
pub fn root() -> PathBuf {
    if let Some(root) = std::env::var_os("LESSON13_WORKSPACE") {
        return PathBuf::from(root);
    }
    source_root()
}

/// The workspace this grader was built in (the same as [`root`] unless
/// `LESSON13_WORKSPACE` says otherwise).
pub fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the grader lives in tools/ inside the workspace")
        .to_path_buf()
}

/// The workspace's target folder, as cargo picks it (see
/// [`lesson13_runner::target_dir`]).
pub fn target_dir() -> PathBuf {
    lesson13_runner::target_dir(&root())
}

/// A target folder for builds in workspace copies, kept between runs so
/// that dependencies are compiled once.
pub fn scratch_target_dir() -> PathBuf {
    target_dir().join("xtask")
}

/// The tools' own temporary folders go under `target/`, so they stay out of git.
pub fn temp_dir(prefix: &str) -> Result<tempfile::TempDir> {
    let parent = root().join("target").join("tmp");
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&parent)
        .context("cannot create a temporary folder")
}

/// Copies the workspace at `from` into `to`, leaving out `target/` and `.git/`.
pub fn copy_workspace(from: &Path, to: &Path) -> Result<()> {
    copy_dir(from, to, &|path: &Path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name != "target" && name != ".git"
    })
}

/// Copies `from` into `to`, recursively, keeping the entries `keep` accepts.
pub fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<()> {
    let fail = |p: &Path| format!("cannot copy {}", p.display());
    std::fs::create_dir_all(to).with_context(|| fail(to))?;
    for entry in std::fs::read_dir(from).with_context(|| fail(from))? {
        let entry = entry.with_context(|| fail(from))?;
        let path = entry.path();
        if !keep(&path) {
            continue;
        }
        let dest = to.join(entry.file_name());
        if entry.file_type().with_context(|| fail(&path))?.is_dir() {
            copy_dir(&path, &dest, keep)?;
        } else {
            std::fs::copy(&path, &dest).with_context(|| fail(&path))?;
        }
    }
    Ok(())
}

/// `cargo <args>` in the workspace root, with the output shown; `Err` if it fails.
pub fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    let status = Command::new(env!("CARGO"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .status()
        .context("could not run cargo")?;
    if status.success() {
        Ok(())
    } else {
        bail!("`cargo {}` failed ({status})", args.join(" "))
    }
}
