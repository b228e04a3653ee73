//! One test binary per exercise in a grading copy: the crate's test
//! targets (`tests/public/`, `tests/hidden/`) become modules of one more
//! target, so each exercise links one binary, not two, and each test keeps
//! its name (behind the target's own, which the engine strips).

use anyhow::{Context, Result, bail};
use std::path::Path;

/// The test target a grading copy gets in each exercise crate: the crate's
/// test targets (`public`, `hidden`) as modules of one binary, so that each
/// exercise links one test binary, not two, and each test keeps its name.
pub const TARGET: &str = "lesson13_grader";

/// Writes `tests/lesson13_grader.rs`: one `mod` per test target of the
/// crate, named as the target, at its own path.
pub fn write_target(crate_dir: &Path) -> Result<()> {
    let tests = crate_dir.join("tests");
    let read = || format!("cannot read {}", tests.display());
    let mut modules = Vec::new();
    for entry in std::fs::read_dir(&tests).with_context(read)? {
        let path = entry.with_context(read)?.path();
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
        let file = if path.is_dir() {
            format!("{name}/main.rs")
        } else if path.extension().is_some_and(|x| x == "rs") {
            format!("{name}.rs")
        } else {
            continue;
        };
        if !tests.join(&file).is_file() || name == TARGET {
            continue;
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!(
                "{}: the test target {name:?} is not a Rust identifier, so it cannot join \
                 the grading binary: rename it",
                tests.display()
            );
        }
        modules.push(format!("#[path = {file:?}]\nmod {name};\n"));
    }
    modules.sort();
    let text = format!(
        "//! Written by the grader: this crate's test targets in one binary.\n\n{}",
        modules.join("\n")
    );
    let path = tests.join(format!("{TARGET}.rs"));
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}
