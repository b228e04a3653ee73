//! `cargo xtask catalogue --new CRATE/NAME --from FILE`: turns an edited copy
//! of a reference solution into a catalogued bug, a patch with its header.
//!
//! For a new entry, `--bug` gives the mistake in one sentence, and
//! `--caught-by` the tests that must fail on it; without `--caught-by`, the
//! bug is run twice and the tests that failed both times are written (up to
//! three, assertion failures before timeouts). For an existing entry (a
//! stale patch re-expressed on a changed solution, say) the header is kept
//! unless those options replace it. Either way the new entry is then run,
//! and checked as verify checks it.

use super::entry::{self, Entry, Kind, read};
use super::patch::{self, Header};
use super::run::{self, Outcome};
use super::verdict::fn_name;
use anyhow::{Context, Result, bail};
use lesson13_grader::workspace;
use lesson13_runner::TestStatus;
use lesson13_runner::exercises::ALL;
use std::collections::BTreeSet;
use std::path::Path;

/// How many tests a measured `Caught by` line names at most.
const MEASURED_CATCHERS: usize = 3;

/// What `--new` was given.
pub struct NewBug<'a> {
    /// `<crate>/<name>`.
    pub id: &'a str,
    /// The edited copy of the solution.
    pub from: &'a Path,
    /// The mistake, in one sentence.
    pub bug: Option<String>,
    /// The tests that must fail on it.
    pub caught_by: Vec<String>,
}

/// Writes the patch, runs it, and says where it is and what caught it.
pub fn run(new: NewBug, jobs: usize) -> Result<String> {
    let root = workspace::root();
    let (krate, name) = new
        .id
        .split_once('/')
        .with_context(|| format!("--new {}: expected <crate>/<name>", new.id))?;
    let exercise = ALL
        .into_iter()
        .find(|e| e.krate == krate)
        .with_context(|| {
            let crates: Vec<_> = ALL.iter().map(|e| e.krate).collect();
            format!("--new {}: {krate} is none of {}", new.id, crates.join(", "))
        })?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        bail!(
            "--new {}: name the bug in lowercase words joined by `-`, e.g. lifo-push-front",
            new.id
        );
    }
    if name.starts_with("correct-") {
        bail!("`correct-` entries are correct channels, kept as whole `.rs` files");
    }
    let path = root
        .join("catalogue")
        .join(krate)
        .join(format!("{name}.patch"));
    let existing = match path.exists() {
        true => Some(entry::parse(exercise, &path)?),
        false => None,
    };
    let bug = new
        .bug
        .or_else(|| existing.as_ref().map(|e| e.about.clone()))
        .context("a new entry needs --bug \"<the mistake, in one sentence>\"")?;
    let solution = read(&root.join(exercise.solution_path()))?;
    let edited = read(new.from)?;
    if edited == solution {
        bail!(
            "{} is the solution unchanged: make the mistake in it first",
            new.from.display()
        );
    }
    // An existing entry keeps its `Race:` models (and its `Caught by:`,
    // unless new ones are given).
    let (kept_catchers, race) = match existing.map(|e| e.kind) {
        Some(Kind::Bug { caught_by, race }) => (caught_by, race),
        _ => (Vec::new(), Vec::new()),
    };
    let mut header = Header {
        bug,
        caught_by: new.caught_by,
        race,
    };
    if header.caught_by.is_empty() {
        header.caught_by = match kept_catchers.is_empty() {
            false => kept_catchers,
            true => measure_catchers(&root, exercise, &header, &solution, &edited, jobs)?,
        };
    }
    std::fs::write(&path, patch::create(&header, &solution, &edited, exercise))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let entry = entry::parse(exercise, &path)?;
    let outcome = run::run(&root, &[entry], jobs, &|_, _| {})?.remove(0);
    let verdict = match outcome.problem() {
        Some(problem) => bail!("wrote {}, but: {problem}", path.display()),
        None => outcome
            .failed()
            .map(|r| fn_name(&r.name))
            .collect::<Vec<_>>(),
    };
    Ok(format!(
        "wrote {} ({} lines); the tests that failed ({}): {}",
        path.strip_prefix(&root).unwrap_or(&path).display(),
        read(&path)?.lines().count(),
        verdict.len(),
        verdict.join(", ")
    ))
}

/// Runs the bug twice and picks the tests that failed both times.
fn measure_catchers(
    root: &Path,
    exercise: lesson13_runner::exercises::Exercise,
    header: &Header,
    solution: &str,
    edited: &str,
    jobs: usize,
) -> Result<Vec<String>> {
    let scratch = workspace::temp_dir("catalogue-new-")?;
    let path = scratch.path().join("measured.patch");
    std::fs::write(&path, patch::create(header, solution, edited, exercise))
        .with_context(|| format!("cannot write {}", path.display()))?;
    let entry = Entry {
        exercise,
        path,
        name: "measured".into(),
        kind: Kind::Bug {
            caught_by: Vec::new(),
            race: Vec::new(),
        },
        about: header.bug.clone(),
    };
    let outcomes = run::run(root, &[entry.clone(), entry], jobs, &|_, _| {})?;
    if let Some(problem) = outcomes.iter().find_map(Outcome::problem) {
        bail!("{problem}");
    }
    let failed_in = |o: &Outcome| -> BTreeSet<(bool, String)> {
        o.failed()
            .map(|r| (r.status == TestStatus::Timeout, fn_name(&r.name).to_owned()))
            .collect()
    };
    let both: BTreeSet<_> = failed_in(&outcomes[0])
        .intersection(&failed_in(&outcomes[1]))
        .cloned()
        .collect();
    if both.is_empty() {
        bail!("no test failed in both of two runs: name the tests with --caught-by");
    }
    // (false, _) sorts first: assertion failures before timeouts.
    Ok(both
        .into_iter()
        .take(MEASURED_CATCHERS)
        .map(|(_, name)| name)
        .collect())
}
