//! `cargo xtask bundle OUT`: a student-ready copy of the workspace.
//!
//! It holds the exercise crates (stubs, docs, public tests), the test
//! harness, the student runner (`cargo xtask check | watch | hint | next |
//! list`, an alias in its `.cargo/config.toml`), a workspace manifest and
//! lock file that build as they are, and a README for students. It leaves
//! out the hidden tests, the solutions, the bug catalogue, the benchmarks
//! and this tooling. Grading the bundle's `lib.rs` files with
//! `cargo xtask grade --submission` puts the hidden tests back.

use anyhow::{Context, Result, bail};
use lesson13_grader::manifest::{
    HIDDEN_TESTS, STUDENT_TOOLS, members, trim_lock_file, write_manifest,
};
use lesson13_grader::workspace;
use lesson13_student::progress::Progress;
use std::path::Path;

/// Writes the bundle to `out`, which must not exist yet or be empty.
///
/// The bundle is written into a new folder beside `out` and renamed to
/// `out` once whole, so a failed export leaves nothing behind.
pub fn export(out: &Path) -> Result<()> {
    if out.exists() && out.read_dir().map_or(true, |mut d| d.next().is_some()) {
        bail!(
            "{} already exists and is not empty: choose a new folder",
            out.display()
        );
    }
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".lesson13-bundle-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    write_bundle(staging.path())?;
    // A temporary folder is the owner's alone; the bundle is to be shared.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot open up {}", staging.path().display()))?;
    }
    if out.exists() {
        std::fs::remove_dir(out).with_context(|| format!("cannot replace {}", out.display()))?;
    }
    std::fs::rename(staging.path(), out)
        .with_context(|| format!("cannot move the bundle to {}", out.display()))?;
    // Renamed: nothing left for the guard to delete.
    let _ = staging.keep();
    Ok(())
}

/// Writes the whole bundle into the empty folder `out`.
fn write_bundle(out: &Path) -> Result<()> {
    let root = workspace::root();
    for member in members().into_iter().chain(STUDENT_TOOLS) {
        let keep = |path: &Path| {
            let relative = path.strip_prefix(root.join(member)).unwrap_or(path);
            relative != Path::new(HIDDEN_TESTS) && relative != Path::new("target")
        };
        workspace::copy_dir(&root.join(member), &out.join(member), &keep)?;
    }
    for file in ["Cargo.lock", "rustfmt.toml"] {
        std::fs::copy(root.join(file), out.join(file))
            .with_context(|| format!("cannot copy {file}"))?;
    }
    let written = [
        ("README.md", include_str!("../bundle/README.md")),
        (".cargo/config.toml", include_str!("../bundle/config.toml")),
        (".gitignore", "/target\n/.lesson13-progress\n"),
    ];
    for (file, text) in written {
        let path = out.join(file);
        std::fs::create_dir_all(path.parent().unwrap_or(out))
            .and_then(|()| std::fs::write(&path, text))
            .with_context(|| format!("cannot write {file}"))?;
    }
    // A fresh start at Exercise 1, so the first `cargo xtask` needs no
    // test run to find out where the student is.
    Progress::at(0).save(out).map_err(anyhow::Error::msg)?;
    write_manifest(&root, out)?;
    trim_lock_file(out)
}
