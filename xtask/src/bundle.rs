//! `cargo xtask bundle OUT`: a student-ready copy of the workspace.
//!
//! It holds the exercise crates (stubs, docs, public tests), the test
//! harness, a workspace manifest and lock file that build as they are, and a
//! README for students. It leaves out the hidden tests, the solutions, the
//! bug catalogue and this tooling. Grading the bundle's `lib.rs` files with
//! `cargo xtask grade --submission` puts the hidden tests back.

use crate::exercises::ALL;
use crate::workspace;
use std::path::Path;
use std::process::Command;

/// The folder that holds each exercise's hidden tests.
pub const HIDDEN_TESTS: &str = "tests/hidden";

/// The workspace members a student gets (and a grading copy holds).
pub fn members() -> Vec<&'static str> {
    ALL.iter().map(|e| e.krate).chain(["testkit"]).collect()
}

/// Writes the bundle to `out`, which must not exist yet or be empty.
pub fn export(out: &Path) -> Result<(), String> {
    if out.exists() && out.read_dir().map_or(true, |mut d| d.next().is_some()) {
        return Err(format!(
            "{} already exists and is not empty: choose a new folder",
            out.display()
        ));
    }
    let root = workspace::root();
    for member in members() {
        let keep = |path: &Path| {
            let relative = path.strip_prefix(root.join(member)).unwrap_or(path);
            relative != Path::new(HIDDEN_TESTS) && relative != Path::new("target")
        };
        workspace::copy_dir(&root.join(member), &out.join(member), &keep)?;
    }
    for file in ["Cargo.lock", "rustfmt.toml", ".gitignore"] {
        std::fs::copy(root.join(file), out.join(file))
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    let readme = include_str!("../bundle/README.md");
    std::fs::write(out.join("README.md"), readme)
        .map_err(|e| format!("cannot write README.md: {e}"))?;
    write_manifest(&root, out)?;
    trim_lock_file(out)
}

/// The workspace manifest with only the student's members.
pub fn write_manifest(root: &Path, out: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let mut manifest: toml_edit::DocumentMut =
        text.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut list = toml_edit::Array::new();
    for member in members() {
        list.push(member);
    }
    manifest["workspace"]["members"] = toml_edit::value(list);
    std::fs::write(out.join("Cargo.toml"), manifest.to_string())
        .map_err(|e| format!("cannot write Cargo.toml: {e}"))
}

/// Lets cargo drop the lock entries that only the left-out crates used,
/// keeping every version as it was.
pub fn trim_lock_file(out: &Path) -> Result<(), String> {
    let status = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(out)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo could not resolve the bundle's dependencies ({status})"
        ))
    }
}
