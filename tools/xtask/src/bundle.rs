//! `cargo xtask bundle OUT`: a student-ready copy of the workspace.
//!
//! It holds the exercise crates (stubs, docs, public tests), the test
//! harness, the student runner (`cargo xtask check | watch | hint | next |
//! list`, an alias in its `.cargo/config.toml`), a workspace manifest and
//! lock file that build as they are, and a README for students. It leaves
//! out the hidden tests, the solutions, the bug catalogue, the benchmarks
//! and this tooling. Grading the bundle's `lib.rs` files with
//! `cargo xtask grade --submission` puts the hidden tests back.

use crate::exercises::ALL;
use crate::workspace;
use lesson13_runner::student::progress::Progress;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The folder that holds each exercise's hidden tests.
pub const HIDDEN_TESTS: &str = "tests/hidden";

/// The exercise crates and the tests' harness: what a grading copy holds,
/// and with [`STUDENT_TOOLS`] what a student gets.
pub fn members() -> Vec<&'static str> {
    ALL.iter().map(|e| e.krate).chain(["testkit"]).collect()
}

/// What a student gets besides [`members`]: the exercise runner.
const STUDENT_TOOLS: [&str; 1] = ["tools/runner"];

/// Writes the bundle to `out`, which must not exist yet or be empty.
///
/// The bundle is written into a new folder beside `out` and renamed to
/// `out` once whole, so a failed export leaves nothing behind.
pub fn export(out: &Path) -> Result<(), String> {
    if out.exists() && out.read_dir().map_or(true, |mut d| d.next().is_some()) {
        return Err(format!(
            "{} already exists and is not empty: choose a new folder",
            out.display()
        ));
    }
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".lesson13-bundle-")
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a folder in {}: {e}", parent.display()))?;
    write_bundle(staging.path())?;
    // A temporary folder is the owner's alone; the bundle is to be shared.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("cannot open up {}: {e}", staging.path().display()))?;
    }
    if out.exists() {
        std::fs::remove_dir(out).map_err(|e| format!("cannot replace {}: {e}", out.display()))?;
    }
    std::fs::rename(staging.path(), out)
        .map_err(|e| format!("cannot move the bundle to {}: {e}", out.display()))?;
    // Renamed: nothing left for the guard to delete.
    let _ = staging.keep();
    Ok(())
}

/// Writes the whole bundle into the empty folder `out`.
fn write_bundle(out: &Path) -> Result<(), String> {
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
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
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
            .map_err(|e| format!("cannot write {file}: {e}"))?;
    }
    // A fresh start at Exercise 1, so the first `cargo xtask` needs no
    // test run to find out where the student is.
    Progress::at(0).save(out)?;
    write_manifest(&root, out)?;
    trim_lock_file(out)
}

/// The workspace manifest for the copy at `out`: its members (those of
/// [`members`] and [`STUDENT_TOOLS`] it holds), only the shared dependencies
/// they use, and none of the maintainers' comments.
pub fn write_manifest(root: &Path, out: &Path) -> Result<(), String> {
    let course = read_manifest(&root.join("Cargo.toml"))?;
    let workspace = course["workspace"]
        .as_table()
        .ok_or("Cargo.toml has no [workspace] table")?;
    let present: Vec<&str> = members()
        .into_iter()
        .chain(STUDENT_TOOLS)
        .filter(|member| out.join(member).is_dir())
        .collect();
    let mut used = BTreeSet::new();
    for member in &present {
        let manifest = read_manifest(&out.join(member).join("Cargo.toml"))?;
        used.extend(workspace_dependencies(&manifest));
    }
    let mut manifest = toml_edit::DocumentMut::new();
    manifest.decor_mut().set_prefix(
        "# Lesson 13's exercises: the exercise crates, the tests' harness\n\
         # (testkit) and, for students, the exercise runner (runner, `cargo xtask`).\n",
    );
    let mut bundle = toml_edit::Table::new();
    bundle.insert("resolver", uncommented(&workspace["resolver"]));
    bundle.insert(
        "members",
        toml_edit::value(present.into_iter().collect::<toml_edit::Array>()),
    );
    bundle.insert("package", uncommented(&workspace["package"]));
    let mut dependencies = toml_edit::Table::new();
    for (name, item) in workspace["dependencies"].as_table().into_iter().flatten() {
        if used.contains(name) {
            dependencies.insert(name, uncommented(item));
        }
    }
    bundle.insert("dependencies", toml_edit::Item::Table(dependencies));
    let mut lints = uncommented(&workspace["lints"]);
    // It declares `cfg(loom)`, for the solutions' loom models, which the
    // bundle leaves out.
    if let Some(rust) = lints.get_mut("rust").and_then(|r| r.as_table_like_mut()) {
        rust.remove("unexpected_cfgs");
    }
    bundle.insert("lints", lints);
    manifest.insert("workspace", toml_edit::Item::Table(bundle));
    std::fs::write(out.join("Cargo.toml"), manifest.to_string())
        .map_err(|e| format!("cannot write Cargo.toml: {e}"))
}

fn read_manifest(path: &Path) -> Result<toml_edit::DocumentMut, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))
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
pub fn trim_lock_file(out: &Path) -> Result<(), String> {
    let output = Command::new(env!("CARGO"))
        .args(["update", "--workspace", "--offline", "--quiet"])
        .current_dir(out)
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo could not trim the lock file to the copy's crates ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        ))
    }
}
