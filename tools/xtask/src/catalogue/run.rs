//! Running lib.rs files against their exercise's tests, many in a row, fast.
//!
//! Each `lib.rs` goes into a clean copy of the workspace and its crate's
//! tests run one per process (`lesson13_runner::test_crate`). Two copies
//! (slots) take turns: while one slot's tests run, which is mostly waiting
//! (a caught bug often hangs a test until its deadline), the other slot
//! builds. Each slot has its own target folder: cargo names a workspace
//! member's test binary by its path *within* the workspace, so two copies
//! building into one folder would overwrite each other's binaries while
//! their tests run. The price is the dependencies, built once per slot.
//!
//! The copies build without debug info (`[profile.dev] debug = false` in the
//! copy's manifest) and without the library's own unit-test target, which
//! the runner never runs: that halves a build, and the tests behave the same.

use super::entry::Entry;
use anyhow::{Context, Result};
use lesson13_grader::pool::in_slots;
use lesson13_grader::workspace;
use lesson13_runner::{self as runner, CrateRun, Options, TestResult, order};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The tests' own deadline during these runs. A correct channel passes
/// every test in well under a second, and most bugs hang a test or two, so
/// a shorter deadline than the grader's keeps the run short.
pub const DEADLINE_SECS: &str = "3";

/// How many workspace copies take turns building and testing.
const SLOTS: usize = 2;

/// What running one entry showed.
pub struct Outcome {
    /// The entry.
    pub entry: Entry,
    /// One result per test, in teaching order (`lesson13_runner::order`),
    /// or why there are none.
    pub run: Result<Vec<TestResult>, NotRun>,
}

/// Why an entry's tests did not run.
pub enum NotRun {
    /// The patch no longer applies; the message says how to fix it.
    Stale(String),
    /// The file does not compile: the compiler's first errors.
    CompileError(String),
}

/// One clean copy of the workspace to build entries in.
struct Slot {
    copy: tempfile::TempDir,
}

impl Slot {
    fn new(root: &Path) -> Result<Slot> {
        let copy = workspace::temp_dir("catalogue-")?;
        workspace::copy_workspace(root, copy.path())?;
        let manifest = copy.path().join("Cargo.toml");
        edit_toml(&manifest, |doc| {
            doc["profile"]["dev"]["debug"] = toml_edit::value(false);
            Ok(())
        })?;
        Ok(Slot { copy })
    }

    /// Puts `source` in place as the entry's `lib.rs`, with its crate's
    /// manifest and the lock file as in `root`, plus the entry's `Requires:`.
    fn install(&self, root: &Path, entry: &Entry, source: &str) -> Result<()> {
        let krate = entry.exercise.krate;
        let lib_rs = self.copy.path().join(entry.exercise.lib_rs());
        std::fs::write(&lib_rs, source)
            .with_context(|| format!("cannot write {}", lib_rs.display()))?;
        // A wrapper's dependencies may have changed the lock: start afresh.
        std::fs::copy(root.join("Cargo.lock"), self.copy.path().join("Cargo.lock"))
            .context("cannot copy Cargo.lock")?;
        let manifest = self.copy.path().join(krate).join("Cargo.toml");
        std::fs::copy(root.join(krate).join("Cargo.toml"), &manifest)
            .with_context(|| format!("cannot copy {krate}/Cargo.toml"))?;
        edit_toml(&manifest, |doc| {
            doc["lib"]["test"] = toml_edit::value(false);
            for line in entry.requires() {
                let extra: toml_edit::DocumentMut = line
                    .parse()
                    .with_context(|| format!("{}: bad Requires line {line:?}", entry.id()))?;
                for (key, item) in extra.iter() {
                    doc["dependencies"][key] = item.clone();
                }
            }
            Ok(())
        })
    }
}

/// Builds and tests each entry, calling `done` as each finishes (in the
/// order they finish), and returns the outcomes in the entries' order.
/// `Err` only if the tools themselves failed (cargo could not run, say).
pub fn run(
    root: &Path,
    entries: &[Entry],
    jobs: usize,
    done: &(dyn Fn(usize, &Outcome) + Sync),
) -> Result<Vec<Outcome>> {
    let slots = (0..SLOTS.min(entries.len()))
        .map(|_| Slot::new(root))
        .collect::<Result<Vec<_>, _>>()?;
    // One entry's failure to run (not a bug caught: a broken copy, say)
    // stops the others from starting.
    let failed = AtomicBool::new(false);
    let finished = Mutex::new(0);
    let results = in_slots(entries, slots.len(), |i, entry| {
        if failed.load(Ordering::Relaxed) {
            return None;
        }
        let result = run_one(root, &slots[i], entry, &target_dir(i), jobs);
        match &result {
            Ok(outcome) => {
                let mut finished = finished.lock().unwrap();
                *finished += 1;
                done(*finished, outcome);
            }
            Err(_) => failed.store(true, Ordering::Relaxed),
        }
        Some(result)
    });
    results.into_iter().flatten().collect()
}

fn run_one(root: &Path, slot: &Slot, entry: &Entry, target: &Path, jobs: usize) -> Result<Outcome> {
    let source = match entry.source(root) {
        Ok(source) => source,
        Err(why) => {
            return Ok(Outcome {
                entry: entry.clone(),
                run: Err(NotRun::Stale(format!("{why:#}"))),
            });
        }
    };
    slot.install(root, entry, &source)?;
    let mut options = Options::jobs(jobs);
    options.envs = &[(lesson13_testkit::protocol::DEADLINE_VAR, DEADLINE_SECS)];
    // A wrapper's `Requires:` lines add dependencies to the lock.
    options.locked = entry.requires().is_empty();
    let run = match runner::test_crate(slot.copy.path(), entry.exercise.krate, target, &options)
        .map_err(anyhow::Error::msg)?
    {
        CrateRun::CompileError(errors) => Err(NotRun::CompileError(errors)),
        CrateRun::Ran(mut results) => {
            // The order a student reads them in, for the first message.
            order::teaching_order(&mut results, &root.join(entry.exercise.krate));
            Ok(results)
        }
    };
    Ok(Outcome {
        entry: entry.clone(),
        run,
    })
}

/// Slot `i`'s own target folder. The catalogue's builds differ from the
/// others' (no debug info), and would otherwise rebuild theirs.
fn target_dir(i: usize) -> PathBuf {
    workspace::scratch_target_dir()
        .join("catalogue")
        .join(format!("slot-{i}"))
}

/// Reads the TOML file at `path`, lets `edit` change it, writes it back.
fn edit_toml(
    path: &Path,
    edit: impl FnOnce(&mut toml_edit::DocumentMut) -> Result<()>,
) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{}", path.display()))?;
    edit(&mut doc)?;
    std::fs::write(path, doc.to_string())
        .with_context(|| format!("cannot write {}", path.display()))
}
