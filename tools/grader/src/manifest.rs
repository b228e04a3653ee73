//! The workspace manifest and lock file of a copy that holds only some of
//! this workspace's crates: a grading copy (the exercise crates, the
//! testkit and the loom models) or the student bundle (those and the
//! student runner).

use anyhow::{Context, Result};
use lesson13_runner::exercises::ALL;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub use lesson13_runner::exercises::HIDDEN_TESTS;

/// The exercise crates, the tests' harness and the loom models (`grade
/// --loom`, `check --loom`): what a grading copy holds, and with
/// [`STUDENT_TOOLS`] what a student gets.
pub fn members() -> Vec<&'static str> {
    ALL.iter()
        .map(|e| e.krate)
        .chain(["testkit", "loom-models"])
        .collect()
}

/// What a student gets besides [`members`]: the student runner (the test
/// runner library and its `student` binary).
pub const STUDENT_TOOLS: [&str; 2] = ["tools/runner", "tools/student"];

/// What the Gradescope package holds besides [`members`]: the grader (the
/// test runner library and the grader's library and binary).
pub const GRADER_TOOLS: [&str; 2] = ["tools/runner", "tools/grader"];

/// The workspace manifest for the copy at `out`: its members (those of
/// [`members`], [`STUDENT_TOOLS`] and [`GRADER_TOOLS`] it holds), only the
/// shared dependencies they use, and none of the maintainers' comments.
pub fn write_manifest(root: &Path, out: &Path) -> Result<()> {
    let course = read_manifest(&root.join("Cargo.toml"))?;
    let workspace = course["workspace"]
        .as_table()
        .context("Cargo.toml has no [workspace] table")?;
    let mut present: Vec<&str> = Vec::new();
    for member in members()
        .into_iter()
        .chain(STUDENT_TOOLS)
        .chain(GRADER_TOOLS)
    {
        if out.join(member).is_dir() && !present.contains(&member) {
            present.push(member);
        }
    }
    let mut used = BTreeSet::new();
    for member in &present {
        let manifest = read_manifest(&out.join(member).join("Cargo.toml"))?;
        used.extend(workspace_dependencies(&manifest));
    }
    let mut manifest = toml_edit::DocumentMut::new();
    manifest.decor_mut().set_prefix(
        "# Lesson 13's exercises: the exercise crates, the tests' harness\n\
         # (testkit) and, for students, the exercise runner (tools/, `cargo xtask`);\n\
         # for Gradescope, the grader (tools/).\n",
    );
    let mut bundle = toml_edit::Table::new();
    bundle.insert("resolver", uncommented(&workspace["resolver"]));
    // Package names are their folders' last part (`tools/student` is
    // `lesson13-student`, but no profile names a tool).
    let present_names: Vec<&str> = present
        .iter()
        .map(|m| m.rsplit('/').next().unwrap_or(m))
        .collect();
    bundle.insert(
        "members",
        toml_edit::value(present.iter().copied().collect::<toml_edit::Array>()),
    );
    bundle.insert("package", uncommented(&workspace["package"]));
    let mut dependencies = toml_edit::Table::new();
    for (name, item) in workspace["dependencies"].as_table().into_iter().flatten() {
        if used.contains(name) {
            dependencies.insert(name, uncommented(item));
        }
    }
    bundle.insert("dependencies", toml_edit::Item::Table(dependencies));
    // With `unexpected_cfgs`' `cfg(loom)`, which the loom models use.
    bundle.insert("lints", uncommented(&workspace["lints"]));
    manifest.insert("workspace", toml_edit::Item::Table(bundle));
    // The profiles, with the per-package settings of the members kept (the
    // loom models' opt-level; cargo warns of a package that is not there).
    if let Some(profiles) = course.get("profile") {
        let mut profiles = uncommented(profiles);
        if let Some(profiles) = profiles.as_table_like_mut() {
            for (_, profile) in profiles.iter_mut() {
                let Some(packages) = profile
                    .get_mut("package")
                    .and_then(|p| p.as_table_like_mut())
                else {
                    continue;
                };
                let absent: Vec<String> = packages
                    .iter()
                    .map(|(name, _)| name.to_owned())
                    .filter(|name| !present_names.contains(&name.as_str()))
                    .collect();
                for name in absent {
                    packages.remove(&name);
                }
            }
        }
        manifest.insert("profile", profiles);
    }
    std::fs::write(out.join("Cargo.toml"), manifest.to_string()).context("cannot write Cargo.toml")
}

fn read_manifest(path: &Path) -> Result<toml_edit::DocumentMut> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .parse()
        .with_context(|| format!("{}", path.display()))
}

/// The names of the `[workspace.dependencies]` a member's manifest uses
/// (`name.workspace = true`, or `name = { workspace = true, … }`).
fn workspace_dependencies(manifest: &toml_edit::DocumentMut) -> Vec<String> {
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|table| manifest.get(table).and_then(|t| t.as_table_like()))
        .flat_map(|table| table.iter())
        .filter(|(_, spec)| spec.get("workspace").and_then(|w| w.as_bool()) == Some(true))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// A copy of `item` without the comments (and blank lines) around it and
/// inside it: they are written for maintainers.
fn uncommented(item: &toml_edit::Item) -> toml_edit::Item {
    let mut item = item.clone();
    strip_item(&mut item);
    item
}

fn strip_item(item: &mut toml_edit::Item) {
    match item {
        toml_edit::Item::Table(table) => {
            table.decor_mut().clear();
            for (mut key, value) in table.iter_mut() {
                key.leaf_decor_mut().clear();
                strip_item(value);
            }
        }
        toml_edit::Item::Value(value) => strip_value(value),
        toml_edit::Item::ArrayOfTables(_) | toml_edit::Item::None => {}
    }
}

fn strip_value(value: &mut toml_edit::Value) {
    value.decor_mut().clear();
    match value {
        toml_edit::Value::Array(array) => {
            array.iter_mut().for_each(strip_value);
            array.set_trailing("");
        }
        toml_edit::Value::InlineTable(table) => {
            for (mut key, value) in table.iter_mut() {
                key.leaf_decor_mut().clear();
                strip_value(value);
            }
        }
        _ => {}
    }
}

/// Lets cargo drop the lock entries that only the left-out crates used,
/// keeping every version as it was.
///
/// `cargo update --workspace` re-resolves from the registry's index alone
/// (every version stays locked), so it downloads no crate: `cargo metadata`
/// would fetch every platform's crates, which a fresh machine never built.
/// Offline is enough, since building this workspace's tools already read the
/// index for every package of its lock file; a grading server may have no
/// network at all.
pub fn trim_lock_file(out: &Path) -> Result<()> {
    let output = Command::new(env!("CARGO"))
        .args(["update", "--workspace", "--offline", "--quiet"])
        .current_dir(out)
        .output()
        .context("could not run cargo")?;
    if output.status.success() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "cargo could not trim the lock file to the copy's crates ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        ))
    }
}
