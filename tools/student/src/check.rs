//! `check`: build an exercise's tests and run its public ones, each in its
//! own process under the deadline, exactly as the grader runs them (the same
//! code: [`lesson13_runner::build()`] and [`lesson13_runner::run_all`]),
//! then print one line per test in teaching order ([`lesson13_runner::order`]:
//! the most basic behaviour first, the failures after the first marked as
//! ones that may follow from it), the first failure in full, and the
//! compiler's warnings about the student's `lib.rs`.

use crate::Workspace;
use console::style;
use lesson13_runner::exercises::Exercise;
use lesson13_runner::message::wrap;
use lesson13_runner::order::{self, MAY_FOLLOW};
use lesson13_runner::{Build, Options, TestResult, TestStatus, gist, static_check};
use std::io::Write;

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
        /// The first failing test in teaching order (see
        /// [`lesson13_runner::order`]), the one whose hint comes first.
        first_failure: Option<String>,
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
        matches!(self, Outcome::Ran { passed, total, .. } if passed == total && *total > 0)
    }

    /// `(passed, total)` when the tests ran.
    pub fn counts(&self) -> Option<(usize, usize)> {
        match self {
            Outcome::Ran { passed, total, .. } => Some((*passed, *total)),
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
    let (results, warnings) = match run(workspace, exercise, out)? {
        Ok(ran) => ran,
        Err(errors) => {
            writeln!(out, "{}", style("It does not compile yet:").red().bold()).ok();
            writeln!(out, "{}", indent(&errors)).ok();
            return Ok(Outcome::CompileError);
        }
    };
    let mut results = results;
    order::teaching_order(&mut results, &workspace.root.join(exercise.krate));
    let passed = results
        .iter()
        .filter(|r| r.status == TestStatus::Pass)
        .count();
    print_list(&results, out);
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
    print_warnings(&warnings, exercise, verbose, out);
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
        first_failure: failures.first().map(|f| f.name.clone()),
    })
}

/// One line per test, in teaching order; each failure with the gist of its
/// message, wrapped, and every failure after the first marked as one that
/// may follow from it.
fn print_list(results: &[TestResult], out: &mut dyn Write) {
    let width = terminal_width();
    let mut last_gist = None;
    let mut failed_before = false;
    for result in results {
        let name = display_name(&result.name);
        if result.status == TestStatus::Pass {
            writeln!(out, "  {} {name}", style("✓").green()).ok();
            continue;
        }
        let follows = if failed_before {
            format!(" {}", style(format!("({MAY_FOLLOW})")).dim())
        } else {
            String::new()
        };
        failed_before = true;
        let gist = gist(&result.message);
        if last_gist.as_ref() == Some(&gist) {
            let same = style("(same message)").dim();
            writeln!(out, "  {} {name}{follows} {same}", style("✗").red()).ok();
        } else {
            let wrapped = wrap(&gist, width.saturating_sub(6), "      ");
            writeln!(
                out,
                "  {} {name}{follows}\n      {}",
                style("✗").red(),
                style(wrapped).dim()
            )
            .ok();
        }
        last_gist = Some(gist);
    }
}

/// How many of the compiler's warnings are shown in full without
/// `--verbose`.
const WARNINGS_SHOWN: usize = 3;

/// The compiler's warnings about the student's `lib.rs`, in its words: an
/// unused variable is often a step forgotten.
fn print_warnings(warnings: &[String], exercise: Exercise, verbose: bool, out: &mut dyn Write) {
    if warnings.is_empty() {
        return;
    }
    let count = match warnings.len() {
        1 => "1 warning".to_owned(),
        n => format!("{n} warnings"),
    };
    writeln!(
        out,
        "\n{}",
        style(format!(
            "The compiler warns about {} ({count}; an unused variable is often a step \
             forgotten):",
            exercise.lib_rs()
        ))
        .yellow()
        .bold()
    )
    .ok();
    let shown = if verbose {
        warnings.len()
    } else {
        WARNINGS_SHOWN
    };
    let shown_in_full: Vec<String> = warnings
        .iter()
        .take(shown)
        .map(|w| indent(w.trim_end()))
        .collect();
    writeln!(out, "{}", shown_in_full.join("\n\n")).ok();
    if warnings.len() > shown {
        writeln!(
            out,
            "    ({} more; `cargo xtask check --verbose` shows them all.)",
            warnings.len() - shown
        )
        .ok();
    }
}

/// The terminal's width in columns, at most 100 (long lines are hard to
/// read), or 100 without a terminal.
fn terminal_width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map_or(100, |(_, columns)| usize::from(columns).min(100))
}

/// The public tests' results, and the compiler's warnings about `lib.rs`.
type Ran = (Vec<TestResult>, Vec<String>);

/// Builds the crate's tests and runs every test target but the hidden one:
/// the results and the compiler's warnings about `lib.rs`, or its first
/// errors.
fn run(
    workspace: &Workspace,
    exercise: Exercise,
    out: &mut dyn Write,
) -> Result<Result<Ran, String>, String> {
    writeln!(
        out,
        "{}",
        style(format!("Building and running {}'s tests…", exercise.krate)).dim()
    )
    .ok();
    out.flush().ok();
    let locked = false; // a student may add a dev-dependency for their own tests
    let (binaries, warnings) = match build(workspace, exercise)? {
        Build::CompileError(errors) => return Ok(Err(errors)),
        Build::Built { binaries, warnings } => (binaries, warnings),
    };
    let public: Vec<_> = binaries
        .into_iter()
        .filter(|b| b.target != HIDDEN_TARGET)
        .collect();
    let mut options = Options::jobs(workspace.jobs);
    options.locked = locked;
    let results =
        lesson13_runner::run_all(&public, &workspace.root.join(exercise.krate), &options)?;
    Ok(Ok((results, warnings)))
}

/// Builds `exercise`'s crate and tests as `check` does.
fn build(workspace: &Workspace, exercise: Exercise) -> Result<Build, String> {
    lesson13_runner::build(
        &workspace.root,
        exercise.krate,
        &workspace.target,
        false, // not locked: a student may add a dev-dependency for their own tests
        lesson13_runner::Code::Trusted,
    )
}

/// Whether `exercise`'s `lib.rs` passes the static check and compiles,
/// without running a test: `None` if so, else the outcome, with the reason
/// printed as `check` prints it. A loom replay needs code that compiles, and
/// this keeps a plain compile error from reading as something loom lacks.
pub fn compiles(
    workspace: &Workspace,
    exercise: Exercise,
    out: &mut dyn Write,
) -> Result<Option<Outcome>, String> {
    if let Some(outcome) = static_verdict(workspace, exercise, out) {
        return Ok(Some(outcome));
    }
    match build(workspace, exercise)? {
        Build::CompileError(errors) => {
            writeln!(out, "{}", style("It does not compile yet:").red().bold()).ok();
            writeln!(out, "{}", indent(&errors)).ok();
            Ok(Some(Outcome::CompileError))
        }
        Build::Built { .. } => Ok(None),
    }
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
