//! `cargo xtask catalogue`: proves the tests (public and hidden) catch
//! realistic student bugs, and pass correct channels that are not the
//! reference solutions.
//!
//! `catalogue/<crate>/*.rs` are complete `lib.rs` files. Each starts with a
//! doc line that says what it is:
//!
//! - `//! Bug: <one line>`: one realistic mistake. The crate's tests (public or hidden)
//!   must fail on it, by an assertion or their own deadline, never by the
//!   runner's outer time limit, and the file must compile.
//! - `//! Correct: <one line>`: a different correct implementation (a thin
//!   wrapper over tokio's, futures' or async-channel's channels, say). It must
//!   pass every test. Lines `//! Requires: <dependency line>` add what it needs
//!   to the crate's `[dependencies]`, e.g.
//!   `//! Requires: tokio = { workspace = true, features = ["sync"] }`.

use crate::exercises::{ALL, Exercise};
use crate::workspace;
use lesson13_runner::{self as runner, CrateRun, Options, TestResult, TestStatus};
use std::path::{Path, PathBuf};

/// The tests' own deadline during catalogue runs. A correct channel passes
/// every test in well under a second, and most bugs hang a test or two, so
/// a shorter deadline keeps the run short.
const DEADLINE_SECS: &str = "3";

/// One catalogue file.
#[derive(Debug, Clone)]
pub struct Entry {
    pub exercise: Exercise,
    pub path: PathBuf,
    /// The file name without `.rs`.
    pub name: String,
    pub kind: Kind,
    /// The one-line description.
    pub about: String,
    /// Extra `[dependencies]` lines.
    pub requires: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bug,
    Correct,
}

/// Reads every entry of the catalogue, in a stable order.
pub fn entries(root: &Path) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for exercise in ALL {
        let dir = root.join("catalogue").join(exercise.krate);
        let Ok(listing) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        paths.sort();
        for path in paths {
            entries.push(parse(exercise, &path)?);
        }
    }
    Ok(entries)
}

fn parse(exercise: Exercise, path: &Path) -> Result<Entry, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let first = text.lines().next().unwrap_or("");
    let (kind, about) = if let Some(about) = first.strip_prefix("//! Bug: ") {
        (Kind::Bug, about)
    } else if let Some(about) = first.strip_prefix("//! Correct: ") {
        (Kind::Correct, about)
    } else {
        return Err(format!(
            "{}: the first line must be `//! Bug: …` or `//! Correct: …`",
            path.display()
        ));
    };
    let requires = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .filter_map(|l| l.strip_prefix("//! Requires: "))
        .map(str::to_owned)
        .collect();
    Ok(Entry {
        exercise,
        path: path.to_path_buf(),
        name: path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        kind,
        about: about.trim().to_owned(),
        requires,
    })
}

/// What one entry's run showed.
struct Outcome {
    entry: Entry,
    /// `Ok(results)`, or the compile error.
    run: Result<Vec<TestResult>, String>,
}

impl Outcome {
    /// `None` if the entry behaved as its kind demands, else why not.
    fn problem(&self) -> Option<String> {
        let results = match &self.run {
            Err(errors) => return Some(format!("does not compile:\n{errors}")),
            Ok(results) => results,
        };
        let timeouts: Vec<_> = results.iter().filter(|r| r.killed).collect();
        if !timeouts.is_empty() {
            let names: Vec<_> = timeouts.iter().map(|r| r.name.as_str()).collect();
            return Some(format!(
                "hung past the tests' own deadlines: {}",
                names.join(", ")
            ));
        }
        match self.entry.kind {
            Kind::Bug if self.catchers().is_empty() => {
                Some("SURVIVED: no test failed. Strengthen the tests; never weaken the bug.".into())
            }
            Kind::Correct => {
                let failed: Vec<_> = results
                    .iter()
                    .filter(|r| r.status != TestStatus::Pass)
                    .map(|r| format!("{}: {}", r.name, r.message.lines().last().unwrap_or("")))
                    .collect();
                (!failed.is_empty())
                    .then(|| format!("a correct channel failed:\n  {}", failed.join("\n  ")))
            }
            Kind::Bug => None,
        }
    }

    /// The graded tests (public and hidden) that failed.
    fn catchers(&self) -> Vec<&str> {
        let Ok(results) = &self.run else {
            return Vec::new();
        };
        results
            .iter()
            .filter(|r| r.status != TestStatus::Pass && !r.killed)
            .map(|r| r.name.trim_start_matches("hidden::graded::"))
            .collect()
    }
}

/// Runs the catalogue (entries whose name contains `only`, if given), prints
/// the kill table, and fails if a bug survived or a correct channel failed.
pub fn run(only: Option<&str>, jobs: usize) -> Result<String, String> {
    let root = workspace::root();
    let selected: Vec<Entry> = entries(&root)?
        .into_iter()
        .filter(|e| only.is_none_or(|o| e.name.contains(o) || e.exercise.krate.contains(o)))
        .collect();
    if selected.is_empty() {
        return Err("no catalogue entries selected".into());
    }
    let scratch = workspace::temp_dir("catalogue-")?;
    workspace::copy_workspace(&root, scratch.path())?;
    let target = workspace::scratch_target_dir();
    let mut outcomes = Vec::new();
    for (i, entry) in selected.iter().enumerate() {
        print!(
            "  [{}/{}] {}/{} ({}) … ",
            i + 1,
            selected.len(),
            entry.exercise.krate,
            entry.name,
            entry.about
        );
        use std::io::Write;
        std::io::stdout().flush().ok();
        install(&root, scratch.path(), entry)?;
        let options = Options {
            jobs,
            envs: &[("LESSON13_DEADLINE_SECS", DEADLINE_SECS)],
            // A wrapper's `Requires:` lines add dependencies to the lock.
            locked: entry.requires.is_empty(),
        };
        let run = match runner::test_crate(scratch.path(), entry.exercise.krate, &target, &options)?
        {
            CrateRun::CompileError(errors) => Err(errors),
            CrateRun::Ran(results) => Ok(results),
        };
        let outcome = Outcome {
            entry: entry.clone(),
            run,
        };
        println!(
            "{}",
            match (&outcome.problem(), entry.kind) {
                (Some(_), _) => "PROBLEM".to_owned(),
                (None, Kind::Bug) => format!("caught by {}", outcome.catchers().len()),
                (None, Kind::Correct) => "passes".to_owned(),
            }
        );
        outcomes.push(outcome);
    }
    print_table(&outcomes);
    let problems: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.problem()
                .map(|p| format!("{}/{}: {p}", o.entry.exercise.krate, o.entry.name))
        })
        .collect();
    let bugs = outcomes
        .iter()
        .filter(|o| o.entry.kind == Kind::Bug)
        .count();
    let correct = outcomes.len() - bugs;
    if problems.is_empty() {
        Ok(format!(
            "{bugs} bugs, all caught by test failures; {correct} correct channels, all pass"
        ))
    } else {
        Err(problems.join("\n"))
    }
}

/// Puts `entry` in place as its exercise's `lib.rs` in the scratch workspace,
/// with the crate's manifest extended by the entry's `Requires:` lines.
fn install(root: &Path, scratch: &Path, entry: &Entry) -> Result<(), String> {
    let krate = entry.exercise.krate;
    std::fs::copy(&entry.path, scratch.join(entry.exercise.lib_rs()))
        .map_err(|e| format!("cannot copy {}: {e}", entry.path.display()))?;
    let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml"))
        .map_err(|e| format!("cannot read {krate}/Cargo.toml: {e}"))?;
    let extra: String = entry
        .requires
        .iter()
        .map(|line| format!("{line}\n"))
        .collect();
    let manifest = manifest.replacen("[dependencies]\n", &format!("[dependencies]\n{extra}"), 1);
    std::fs::write(scratch.join(krate).join("Cargo.toml"), manifest)
        .map_err(|e| format!("cannot write {krate}/Cargo.toml: {e}"))
}

/// The kill table: exercise, entry, and what caught it.
fn print_table(outcomes: &[Outcome]) {
    println!("\n  {:<22} {:<44} result", "exercise", "entry");
    for outcome in outcomes {
        let entry = &outcome.entry;
        let result = match (outcome.problem(), entry.kind) {
            (Some(problem), _) => problem.lines().next().unwrap_or("").to_owned(),
            (None, Kind::Correct) => "correct: passes every test".to_owned(),
            (None, Kind::Bug) => {
                let catchers = outcome.catchers();
                let shown: Vec<_> = catchers.iter().take(3).copied().collect();
                let more = catchers.len().saturating_sub(3);
                let more = if more > 0 {
                    format!(" +{more} more")
                } else {
                    String::new()
                };
                format!("caught by {}{more}", shown.join(", "))
            }
        };
        println!("  {:<22} {:<44} {result}", entry.exercise.krate, entry.name);
    }
}
