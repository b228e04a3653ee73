//! Gradescope: `cargo xtask gradescope-autograder OUT.zip` builds the
//! autograder package, and `cargo xtask gradescope-run` is what its
//! `run_autograder` runs for each submission.
//!
//! The package holds only what grading needs, since student code runs in
//! the same container: the exercise crates (hidden tests included), the
//! testkit, the loom models (`--loom`), the grader's own sources
//! (`tools/runner`, `tools/grader`),
//! `grading.toml`, and a workspace manifest and lock file trimmed to those
//! ([`crate::manifest`]); no solutions, catalogue, fixtures, benchmarks or
//! maintainers' tools. Every file is readable by its owner alone (mode
//! bits in the zip, and `setup.sh` makes sure): the tests run as another
//! user, and need none of them. Then the commit it was built from, and two
//! scripts:
//!
//! - `setup.sh` (run once, when Gradescope builds the image) installs the
//!   pinned Rust toolchain with rustup, builds the grader, and grades the
//!   stubs once, which compiles every dependency of the tests: a submission
//!   then compiles only its own files.
//! - `run_autograder` grades `/autograder/submission` (a copy of the
//!   student workspace, loose `lib.rs` files named after their exercise, or
//!   a zip of either) into `/autograder/results/results.json`, and prints
//!   the sandbox's state first (the grader's output is for instructors).
//!
//! Both take their root from `LESSON13_AUTOGRADER_ROOT` (default
//! `/autograder`), so verify runs `run_autograder` on a fake root.

use super::grade::announce_sandbox;
use crate::engine::reference::check_scheme_names;
use crate::engine::{self, Settings, Submission};
use crate::report::paths::{self, Kind, Output};
use crate::report::{gradescope, terminal};
use crate::scheme::Scheme;
use crate::{manifest, stamp, submissions, workspace};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// The environment variable that moves the autograder's root.
pub const ROOT_VAR: &str = "LESSON13_AUTOGRADER_ROOT";

/// Gradescope's root.
pub const DEFAULT_ROOT: &str = "/autograder";

/// Writes the package to `out`. `toolchain` pins the Rust toolchain;
/// default: the one this workspace builds with.
pub fn package(out: &Path, toolchain: Option<&str>) -> Result<PackageSummary> {
    paths::prepare(
        &[Output {
            flag: "gradescope-autograder",
            path: out,
            kind: Kind::File,
        }],
        None,
    )?;
    let root = workspace::root();
    let scheme = Scheme::load(None, &root)?;
    check_scheme_names(&scheme, &root)?;
    let toolchain = match toolchain {
        Some(t) => t.to_owned(),
        None => current_toolchain(&root)?,
    };
    let staged = workspace::temp_dir("gradescope-package-")?;
    stage(&root, staged.path())?;
    let mut files = package_files(staged.path())?;
    files.sort();
    // Written beside `out` and renamed once whole: a failure leaves no
    // half-written package.
    let folder = out.parent().filter(|p| !p.as_os_str().is_empty());
    let partial = tempfile::NamedTempFile::new_in(folder.unwrap_or(Path::new(".")))
        .with_context(|| format!("cannot write {}", out.display()))?;
    let writing = || format!("cannot write {}", out.display());
    let mut zip = zip::ZipWriter::new(partial.reopen().with_context(writing)?);
    let private = SimpleFileOptions::default().unix_permissions(PRIVATE_FILE);
    let scripts = SimpleFileOptions::default().unix_permissions(PRIVATE_DIR);
    // Folders first, so that an unzip gives each its mode as it makes it.
    let mut folders: Vec<String> = files
        .iter()
        .flat_map(|f| {
            f.ancestors()
                .skip(1)
                .map(Path::to_path_buf)
                .collect::<Vec<_>>()
        })
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.to_string_lossy().replace('\\', "/"))
        .collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        zip.add_directory(
            folder,
            SimpleFileOptions::default().unix_permissions(PRIVATE_DIR),
        )
        .with_context(writing)?;
    }
    let mut add = |name: &str, bytes: &[u8], options| -> Result<()> {
        zip.start_file(name, options).with_context(writing)?;
        zip.write_all(bytes).with_context(writing)
    };
    add("setup.sh", setup_sh(&toolchain).as_bytes(), scripts)?;
    add(
        "run_autograder",
        run_autograder(&toolchain).as_bytes(),
        scripts,
    )?;
    let commit = stamp::commit(&root).unwrap_or_default();
    add(
        stamp::COMMIT_FILE,
        format!("{commit}\n").as_bytes(),
        private,
    )?;
    for relative in &files {
        let bytes = std::fs::read(staged.path().join(relative))
            .with_context(|| format!("cannot read {}", relative.display()))?;
        let name = relative.to_string_lossy().replace('\\', "/");
        add(&name, &bytes, private)?;
    }
    zip.finish().with_context(writing)?;
    partial.persist(out).with_context(writing)?;
    Ok(PackageSummary {
        files: files.len() + 3,
        toolchain,
        commit,
    })
}

/// A file of the package: its owner (root, in Gradescope's container) alone
/// may read it.
const PRIVATE_FILE: u32 = 0o600;

/// A folder or script of the package: its owner alone may enter or run it.
const PRIVATE_DIR: u32 = 0o700;

/// Copies into `out` what grading needs: the exercise crates (hidden tests
/// included), the testkit, the loom models, the grader's sources,
/// `grading.toml`, and a manifest and lock file for just those.
fn stage(root: &Path, out: &Path) -> Result<()> {
    // No build output, no dot-files, and no test data of the tools' own
    // unit tests (`fixtures/`), which the package never runs.
    let keep = |path: &Path| {
        path.file_name()
            .is_none_or(|n| n != "target" && n != "fixtures" && !submissions::is_skipped(n))
    };
    for member in manifest::members()
        .into_iter()
        .chain(manifest::GRADER_TOOLS)
    {
        workspace::copy_dir(&root.join(member), &out.join(member), &keep)?;
    }
    for file in ["Cargo.lock", crate::scheme::FILE] {
        std::fs::copy(root.join(file), out.join(file))
            .with_context(|| format!("cannot copy {file}"))?;
    }
    manifest::write_manifest(root, out)?;
    manifest::trim_lock_file(out)
}

/// What the package holds, for the command's output.
pub struct PackageSummary {
    /// How many files.
    pub files: usize,
    /// The pinned toolchain.
    pub toolchain: String,
    /// The commit it was built from (empty if unknown).
    pub commit: String,
}

/// Every file under `dir`, relative to it.
fn package_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    collect(dir, Path::new(""), &mut files)?;
    Ok(files)
}

fn collect(root: &Path, relative: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let dir = root.join(relative);
    let entries =
        std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let path = relative.join(entry.file_name());
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if kind.is_dir() {
            collect(root, &path, files)?;
        } else if kind.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

/// The toolchain `rustc` is in the workspace: `1.95.0`, or
/// `nightly-2026-05-01` for a nightly.
fn current_toolchain(root: &Path) -> Result<String> {
    let output = std::process::Command::new("rustc")
        .arg("--version")
        .current_dir(root)
        .output()
        .context("could not run rustc")?;
    let text = String::from_utf8_lossy(&output.stdout);
    toolchain_of(&text).with_context(|| {
        format!("cannot read a version in `rustc --version`: {text:?}; pass --toolchain")
    })
}

fn toolchain_of(version: &str) -> Option<String> {
    let mut words = version.split_whitespace();
    let (_, number) = (words.next()?, words.next()?);
    let date = version
        .split_once('(')
        .and_then(|(_, rest)| rest.trim_end_matches([')', '\n']).split_whitespace().nth(1));
    for channel in ["nightly", "beta"] {
        if number.contains(&format!("-{channel}")) {
            return Some(format!("{channel}-{}", date?));
        }
    }
    Some(number.to_owned())
}

fn setup_sh(toolchain: &str) -> String {
    format!(
        r#"#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: it
# installs the Rust toolchain this grader was tested with, builds the grader,
# and grades the stubs once, which compiles every dependency of the tests, so
# that grading a submission compiles only the student's files.
set -euo pipefail
ROOT="${{{ROOT_VAR}:-{DEFAULT_ROOT}}}"
SOURCE="$ROOT/source"
TOOLCHAIN="{toolchain}"
# The tests run as another user and read none of this: the sources, the
# grader and its builds are for this user alone.
umask 077
chmod -R go-rwx "$SOURCE"

if ! command -v cc >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends build-essential ca-certificates curl
fi
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v rustup >/dev/null 2>&1; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --profile minimal --default-toolchain none
fi
rustup toolchain install "$TOOLCHAIN" --profile minimal
export RUSTUP_TOOLCHAIN="${{RUSTUP_TOOLCHAIN:-$TOOLCHAIN}}"

cd "$SOURCE"
# The grader alone: not the maintainers' tools or the student runner.
cargo build --release --locked --package lesson13-grader
# The stubs in place (the reference test lists), then as a submission (what
# each student's build reuses).
"$SOURCE/target/release/lesson13-grader" grade >/dev/null
"$SOURCE/target/release/lesson13-grader" grade --submission "$SOURCE" >/dev/null
echo "setup.sh: the grader is built and the stubs graded with Rust $TOOLCHAIN"
"#
    )
}

fn run_autograder(toolchain: &str) -> String {
    format!(
        r#"#!/usr/bin/env bash
# Gradescope runs this for each submission: it grades $ROOT/submission (the
# student workspace, loose lib.rs files named after their exercise, or a zip
# of either) and writes $ROOT/results/results.json.
set -euo pipefail
ROOT="${{{ROOT_VAR}:-{DEFAULT_ROOT}}}"
SOURCE="$ROOT/source"
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTUP_TOOLCHAIN="${{RUSTUP_TOOLCHAIN:-{toolchain}}}"
umask 077
# The workspace the grader grades with is the package's.
export LESSON13_WORKSPACE="$SOURCE"
GRADER="${{LESSON13_GRADER:-$SOURCE/target/release/lesson13-grader}}"
mkdir -p "$ROOT/results"
exec "$GRADER" gradescope-run --autograder-root "$ROOT"
"#
    )
}

/// The autograder's root: `--autograder-root`, else `LESSON13_AUTOGRADER_ROOT`,
/// else `/autograder`.
pub fn root(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os(ROOT_VAR).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_ROOT))
}

/// Grades `<root>/submission` into `<root>/results/results.json`. A
/// submission with no exercise gets a results.json too, scoring 0, with
/// what was found and what was expected; only a grader that cannot run
/// writes none (Gradescope then flags the submission).
pub fn run(root: &Path, jobs: usize) -> Result<()> {
    let submission = root.join("submission");
    let results = root.join("results").join("results.json");
    paths::prepare(
        &[Output {
            flag: "results.json",
            path: &results,
            kind: Kind::File,
        }],
        None,
    )?;
    let scheme = Scheme::load(None, &workspace::root())?;
    // The grader's output is for instructors: what the sandbox holds here.
    announce_sandbox(Default::default())?;
    submissions::folder_or_explain(&submission, "the submission")?;
    let located = submissions::locate(&submission)?;
    let report = engine::grade(
        Submission::Located(&located),
        0,
        &Settings::new(&scheme, jobs),
    )?;
    terminal::print_table(&report);
    gradescope::write(&report, &scheme, &results)?;
    println!("wrote {}", results.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toolchain_is_pinned_to_the_version_or_the_nightly_date() {
        assert_eq!(
            toolchain_of("rustc 1.95.0 (59807616e 2026-04-14)\n").as_deref(),
            Some("1.95.0")
        );
        assert_eq!(
            toolchain_of("rustc 1.97.0-nightly (abcdef012 2026-05-01)").as_deref(),
            Some("nightly-2026-05-01")
        );
        assert_eq!(toolchain_of(""), None);
    }

    #[test]
    fn the_scripts_use_the_pinned_toolchain_and_an_overridable_root() {
        let setup = setup_sh("1.95.0");
        assert!(setup.contains("TOOLCHAIN=\"1.95.0\""));
        assert!(setup.contains("rustup toolchain install \"$TOOLCHAIN\""));
        assert!(setup.contains("ROOT=\"${LESSON13_AUTOGRADER_ROOT:-/autograder}\""));
        assert!(setup.contains("grade --submission \"$SOURCE\""));
        let run = run_autograder("1.95.0");
        assert!(run.contains("ROOT=\"${LESSON13_AUTOGRADER_ROOT:-/autograder}\""));
        assert!(run.contains("exec \"$GRADER\" gradescope-run --autograder-root \"$ROOT\""));
    }

    #[test]
    fn the_package_holds_what_grading_needs_and_nothing_else() {
        let staged = workspace::temp_dir("gradescope-stage-test-").unwrap();
        stage(&workspace::root(), staged.path()).unwrap();
        let files = package_files(staged.path()).unwrap();
        let has = |p: &str| files.iter().any(|f| f == Path::new(p));
        assert!(has("Cargo.lock") && has("grading.toml") && has("Cargo.toml"));
        assert!(has("lesson13-mpsc/tests/hidden/graded.rs") && has("testkit/src/lib.rs"));
        assert!(has("tools/grader/src/main.rs") && has("tools/runner/src/lib.rs"));
        for gone in [
            "solutions",
            "catalogue",
            "bench",
            "docs",
            ".cargo",
            "tools/xtask",
            "tools/student",
            "tools/dispatch",
            "target",
        ] {
            assert!(
                files.iter().all(|f| !f.starts_with(gone)),
                "{gone} is packaged"
            );
        }
        assert!(files.iter().all(|f| !f.iter().any(|p| p == "fixtures")));
        let manifest = std::fs::read_to_string(staged.path().join("Cargo.toml")).unwrap();
        let manifest: toml_edit::DocumentMut = manifest.parse().unwrap();
        let members: Vec<&str> = manifest["workspace"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m.as_str())
            .collect();
        assert_eq!(
            members,
            [
                "lesson13-oneshot",
                "lesson13-oneshot-drop",
                "lesson13-mpsc",
                "lesson13-bounded",
                "testkit",
                "loom-models",
                "tools/runner",
                "tools/grader"
            ]
        );
    }

    #[test]
    fn the_root_comes_from_the_flag_then_the_environment() {
        assert_eq!(root(Some(Path::new("/tmp/x"))), PathBuf::from("/tmp/x"));
    }
}
