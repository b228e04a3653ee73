//! `check`: build an exercise's tests and run its public ones, each in its
//! own process under the deadline, exactly as the grader runs them (the same
//! code: [`lesson13_runner::build()`] and [`lesson13_runner::run_all`]), then print one line per
//! test and the first failure in full.

use crate::Workspace;
use console::style;
use lesson13_runner::exercises::Exercise;
use lesson13_runner::{Build, Options, TestResult, TestStatus, gist, static_check};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The test target the grader keeps for itself; every other one is the
/// student's to run (`public`, and any the student adds).
const HIDDEN_TARGET: &str = "hidden";

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The tests ran: how many passed, of how many.
    Ran {
        /// Tests that passed.
        passed: usize,
        /// Tests that ran.
        total: usize,
    },
    /// The crate (or its tests) did not compile.
    CompileError,
    /// `lib.rs` reaches something off limits: the grader rejects it unbuilt
    /// (see [`lesson13_runner::static_check`]), so the tests did not run.
    Rejected,
}

impl Outcome {
    /// Every test ran and passed.
    pub fn all_passed(&self) -> bool {
        matches!(self, Outcome::Ran { passed, total } if passed == total && *total > 0)
    }

    /// `(passed, total)` when the tests ran.
    pub fn counts(&self) -> Option<(usize, usize)> {
        match self {
            Outcome::Ran { passed, total } => Some((*passed, *total)),
            Outcome::CompileError | Outcome::Rejected => None,
        }
    }
}

/// The grader's static check of `exercise`'s `lib.rs`, printed as the
/// grader would report it: the outcome if the grader would not build the
/// file (rejected, or not Rust tokens: a compile error); its notices, if
/// any, are printed either way.
fn static_verdict(
    workspace: &Workspace,
    exercise: Exercise,
    out: &mut dyn Write,
) -> Option<Outcome> {
    let lib_rs = workspace.root.join(exercise.lib_rs());
    let (text, findings) = match static_check::read_submitted(&workspace.root, &lib_rs) {
        Ok(text) => match static_check::inspect(&text) {
            Ok(findings) => (text, findings),
            Err(unparsable) => {
                writeln!(out, "{}", style("It does not compile yet:").red().bold()).ok();
                writeln!(out, "{}", indent(&unparsable.describe(&text))).ok();
                return Some(Outcome::CompileError);
            }
        },
        Err(offences) => (
            String::new(),
            static_check::Findings {
                offences,
                notices: Vec::new(),
            },
        ),
    };
    let notices = static_check::describe_notices(&findings.notices);
    if !notices.is_empty() {
        let heading = "Unusual, though allowed (the grader shows these to your instructor):";
        writeln!(
            out,
            "{}\n{}",
            style(heading).yellow(),
            indent(&notices.join("\n"))
        )
        .ok();
    }
    if findings.passed() {
        return None;
    }
    writeln!(
        out,
        "{}\n{}",
        style(format!(
            "The grader would reject {} without building it:",
            exercise.lib_rs()
        ))
        .red()
        .bold(),
        indent(&static_check::describe(&text, &findings.offences))
    )
    .ok();
    Some(Outcome::Rejected)
}

/// Builds and runs `exercise`'s public tests, printing what a student needs:
/// one line per test, then the first failure in full (every failure with
/// `verbose`).
pub fn check(
    workspace: &Workspace,
    exercise: Exercise,
    verbose: bool,
    out: &mut dyn Write,
) -> Result<Outcome, String> {
    if let Some(outcome) = static_verdict(workspace, exercise, out) {
        return Ok(outcome);
    }
    let results = match run(workspace, exercise, out)? {
        Ok(results) => results,
        Err(errors) => {
            writeln!(out, "{}", style("It does not compile yet:").red().bold()).ok();
            writeln!(out, "{}", indent(&errors)).ok();
            return Ok(Outcome::CompileError);
        }
    };
    let results = teaching_order(results, &workspace.root.join(exercise.krate));
    let passed = results
        .iter()
        .filter(|r| r.status == TestStatus::Pass)
        .count();
    let mut last_gist = None;
    for result in &results {
        let name = display_name(&result.name);
        if result.status == TestStatus::Pass {
            writeln!(out, "  {} {name}", style("✓").green()).ok();
            continue;
        }
        let gist = gist(&result.message);
        if last_gist.as_ref() == Some(&gist) {
            let same = style("(same message)").dim();
            writeln!(out, "  {} {name} {same}", style("✗").red()).ok();
        } else {
            writeln!(
                out,
                "  {} {name}\n      {}",
                style("✗").red(),
                style(&gist).dim()
            )
            .ok();
        }
        last_gist = Some(gist);
    }
    let failures: Vec<&TestResult> = results
        .iter()
        .filter(|r| r.status != TestStatus::Pass)
        .collect();
    for failure in failures.iter().take(if verbose { usize::MAX } else { 1 }) {
        writeln!(
            out,
            "\n{} {}\n{}",
            style("✗").red().bold(),
            style(display_name(&failure.name)).bold(),
            indent(&failure.message)
        )
        .ok();
    }
    if failures.len() > 1 && !verbose {
        writeln!(
            out,
            "\n({} more failing; `cargo xtask check --verbose` shows every message.)",
            failures.len() - 1
        )
        .ok();
    }
    writeln!(
        out,
        "\n{passed} of {} public tests pass in {}.",
        results.len(),
        exercise.krate
    )
    .ok();
    Ok(Outcome::Ran {
        passed,
        total: results.len(),
    })
}

/// Builds the crate's tests and runs every test target but the hidden one:
/// the results, or the compiler's first errors.
fn run(
    workspace: &Workspace,
    exercise: Exercise,
    out: &mut dyn Write,
) -> Result<Result<Vec<TestResult>, String>, String> {
    writeln!(
        out,
        "{}",
        style(format!("Building and running {}'s tests…", exercise.krate)).dim()
    )
    .ok();
    out.flush().ok();
    let locked = false; // a student may add a dev-dependency for their own tests
    let binaries = match lesson13_runner::build(
        &workspace.root,
        exercise.krate,
        &workspace.target,
        locked,
        lesson13_runner::Code::Trusted,
    )? {
        Build::CompileError(errors) => return Ok(Err(errors)),
        Build::Built(binaries) => binaries,
    };
    let public: Vec<_> = binaries
        .into_iter()
        .filter(|b| b.target != HIDDEN_TARGET)
        .collect();
    let mut options = Options::jobs(workspace.jobs);
    options.locked = locked;
    let results =
        lesson13_runner::run_all(&public, &workspace.root.join(exercise.krate), &options)?;
    Ok(Ok(results))
}

/// The tests in the order a student meets them: the exercise's own
/// behaviours first, then the earlier exercise's, then the lesson's test,
/// then any others; within each, in the order of their source files (the
/// order of the README's "What is graded" list).
fn teaching_order(mut results: Vec<TestResult>, crate_dir: &Path) -> Vec<TestResult> {
    let sources = test_sources(&crate_dir.join("tests").join("public"));
    let rank = |name: &str| {
        let module = display_name(name).split("::").next().unwrap_or("");
        match module {
            "behaviour" => 0,
            m if m.starts_with("exercise") => 1,
            "lesson" => 2,
            _ => 3,
        }
    };
    let position = |name: &str| {
        let function = format!("fn {}(", name.rsplit("::").next().unwrap_or(name));
        sources
            .iter()
            .position(|source| source.contains(&function))
            .map(|file| (file, sources[file].find(&function)))
    };
    results.sort_by_cached_key(|r| (rank(&r.name), position(&r.name), r.name.clone()));
    results
}

/// The text of every `.rs` file in `dir`, and of the files their
/// `#[path = "…"]` attributes name (another exercise's tests).
fn test_sources(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "rs"));
    files.sort();
    let mut sources = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let included: Vec<PathBuf> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("#[path = \""))
            .filter_map(|l| l.strip_suffix("\"]"))
            .map(|relative| dir.join(relative))
            .collect();
        sources.push(text);
        sources.extend(
            included
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok()),
        );
    }
    sources
}

/// `behaviour::x` for `public::behaviour::x`: every test here is public.
fn display_name(name: &str) -> &str {
    name.strip_prefix("public::").unwrap_or(name)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
