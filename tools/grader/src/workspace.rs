//! Where things are, and clean copies of the workspace to test in.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root: the folder above `tools/xtask/`, or `LESSON13_WORKSPACE`
/// (the Gradescope package's `run_autograder` sets it to the package).
pub fn root() -> PathBuf {
    if let Some(root) = std::env::var_os("LESSON13_WORKSPACE") {
        return PathBuf::from(root);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in tools/ inside the workspace")
        .to_path_buf()
}

/// The workspace's target folder: `CARGO_TARGET_DIR` when that is set, as
/// for cargo, else `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// A target folder for builds in workspace copies, kept between runs so
/// that dependencies are compiled once.
pub fn scratch_target_dir() -> PathBuf {
    target_dir().join("xtask")
}

/// The tools' own temporary folders go under `target/`, so they stay out of git.
pub fn temp_dir(prefix: &str) -> Result<tempfile::TempDir, String> {
    let parent = root().join("target").join("tmp");
    std::fs::create_dir_all(&parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&parent)
        .map_err(|e| format!("cannot create a temporary folder: {e}"))
}

/// Copies the workspace at `from` into `to`, leaving out `target/` and `.git/`.
pub fn copy_workspace(from: &Path, to: &Path) -> Result<(), String> {
    copy_dir(from, to, &|path: &Path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name != "target" && name != ".git"
    })
}

/// Copies `from` into `to`, recursively, keeping the entries `keep` accepts.
pub fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<(), String> {
    let fail = |e: std::io::Error, p: &Path| format!("cannot copy {}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| fail(e, to))?;
    for entry in std::fs::read_dir(from).map_err(|e| fail(e, from))? {
        let entry = entry.map_err(|e| fail(e, from))?;
        let path = entry.path();
        if !keep(&path) {
            continue;
        }
        let dest = to.join(entry.file_name());
        if entry.file_type().map_err(|e| fail(e, &path))?.is_dir() {
            copy_dir(&path, &dest, keep)?;
        } else {
            std::fs::copy(&path, &dest).map_err(|e| fail(e, &path))?;
        }
    }
    Ok(())
}

/// `cargo <args>` in the workspace root, with the output shown; `Err` if it fails.
pub fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let status = Command::new(env!("CARGO"))
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}
