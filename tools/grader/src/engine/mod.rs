//! The engine: one submission, from its files to its scored report.
//!
//! A submission is hostile code. Its `<crate>/src/lib.rs` files are read
//! without trusting them and statically checked (`rejected` if they reach
//! anything off limits, `compile_error` if they are not Rust tokens; the
//! check's notices of unusual constructs go into the report), then put into a fresh grading copy outside this
//! workspace ([`crate::grading_copy`]), so the tests and dependencies are
//! the instructor's, whatever else the submission holds. The exercises build
//! in one cargo call ([`combined`]), each test runs in its own process (see
//! `lesson13_runner`), so one hung or crashing test costs only its own
//! result, and a test passes only when the test harness proves its body
//! returned. Then the scheme's points ([`crate::report::score`]).
//!
//! An `Err` from [`grade`] means grading itself failed (no temporary
//! folder, cargo not found): whatever the student's code does, it ends up in
//! the report as a status (`compile_error`, `fail`, `rejected`, …).
//!
//! - [`combined`]: one test binary per exercise;
//! - [`graded_build`]: the build in steps that keep the hidden tests from
//!   the student's code and its errors, the test run, and the cleanup;
//! - [`mod@loom`]: loom's models on an exercise that built (`--loom`);
//! - [`mod@reference`]: the exercises' own test lists, from the instructor's
//!   build.
//!
//! Every message of the report then goes through [`crate::hidden`]'s
//! filter: no line of a hidden test leaves the engine.

pub mod combined;
pub mod graded_build;
pub mod loom;
pub mod reference;

use crate::build_slot::BuildSlot;
use crate::grading_copy::GradingCopy;
use crate::hidden::HiddenLines;
use crate::report::score;
use crate::report::{ExerciseReport, Report, SandboxReport, Score, Status};
use crate::scheme::Scheme;
use crate::submissions::Located;
use crate::workspace;
use anyhow::{Context, Result};
use lesson13_runner::exercises::{ALL, Exercise};
use lesson13_runner::sandbox::{self, Sandbox};
use lesson13_runner::static_check::{self, Finding, Unparsable};
use lesson13_runner::{self as runner, CrateRun, OnResult, Options, TestStatus};
use reference::reference_test_count;
use std::path::Path;
use std::time::Instant;

/// What to grade.
#[derive(Debug, Clone, Copy)]
pub enum Submission<'a> {
    /// This workspace as it stands (a student checking their progress).
    Workspace,
    /// A submission's exercise files, wherever they were found in it (see
    /// [`crate::submissions::locate`]).
    Located(&'a Located),
}

/// How to grade: what the instructor chose, and the maintainers' switches.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// Points and weights.
    pub scheme: &'a Scheme,
    /// How many test processes at once.
    pub jobs: usize,
    /// Reject a `lib.rs` that names anything off limits, unbuilt. Only the
    /// hostile fixtures turn it off, to test the other layers on their own.
    pub static_check: bool,
    /// The sandbox around each test process.
    pub sandbox: sandbox::Mode,
    /// Told each test's result as soon as it is known (a progress bar).
    pub on_result: Option<OnResult<'a>>,
    /// Run loom's models on every exercise that built, with this bound and
    /// budget (`--loom`, or a `[loom] weight` in the scheme).
    pub loom: Option<lesson13_runner::loom::Settings>,
}

impl Settings<'_> {
    /// Every protection on (the sandbox as the system allows), `jobs` test
    /// processes at once, points from `scheme`.
    pub fn new(scheme: &Scheme, jobs: usize) -> Settings<'_> {
        Settings {
            scheme,
            jobs,
            static_check: true,
            sandbox: sandbox::Mode::Auto,
            on_result: None,
            loom: None,
        }
    }
}

/// Grades one submission into its scored report. `slot` picks a build
/// folder of its own, so that several submissions can build at once.
pub fn grade(submission: Submission, slot: usize, settings: &Settings) -> Result<Report> {
    let started = Instant::now();
    let root = workspace::root();
    let copy = GradingCopy::new()?;
    // Held until the report is done: the build and loom folders are ours.
    let build_slot = BuildSlot::claim(slot)?;
    let sandbox =
        Sandbox::new(settings.sandbox, &copy.sandbox_dir()).map_err(anyhow::Error::msg)?;
    let (from, present, workspace_dir, target) = match submission {
        Submission::Located(located) => (
            located.dir.clone(),
            located.exercises.clone(),
            copy.path(),
            build_slot.target(),
        ),
        Submission::Workspace => (
            root.clone(),
            ALL.to_vec(),
            root.clone(),
            workspace::target_dir(),
        ),
    };
    let options = Options {
        proof: true,
        sandbox: Some(&sandbox),
        on_result: settings.on_result,
        ..Options::jobs(settings.jobs)
    };
    // Each exercise's report, or `None` for one to build and test.
    let mut exercises: Vec<Option<ExerciseReport>> = Vec::new();
    // The static check's notices of the exercises it passed.
    let mut notices = Vec::new();
    // The checked text of each exercise that will be built, for loom.
    let mut sources: Vec<(Exercise, String)> = Vec::new();
    for exercise in ALL {
        if !present.contains(&exercise) {
            exercises.push(Some(missing(&root, exercise)));
            continue;
        }
        let lib_rs = from.join(exercise.lib_rs());
        let text = match static_check::read_submitted(&from, &lib_rs) {
            Ok(text) => text,
            Err(rejections) => {
                exercises.push(Some(rejected(&root, exercise, "", &rejections, &[])));
                continue;
            }
        };
        if settings.static_check {
            // Code the check did not read whole is never built.
            match static_check::inspect(&text) {
                Err(unparsable) => {
                    exercises.push(Some(unparsable_report(&root, exercise, &text, &unparsable)));
                    continue;
                }
                Ok(findings) if !findings.passed() => {
                    let notices = &findings.notices;
                    let report = rejected(&root, exercise, &text, &findings.offences, notices);
                    exercises.push(Some(report));
                    continue;
                }
                Ok(findings) => notices.push((exercise, findings.notices)),
            }
        }
        sources.push((exercise, text.clone()));
        match submission {
            Submission::Located(_) => {
                // The very text that was checked, not the file again.
                let to = workspace_dir.join(exercise.lib_rs());
                std::fs::write(&to, text)
                    .with_context(|| format!("cannot write {}", to.display()))?;
                exercises.push(None);
            }
            // The workspace's own crates are tested where they are, with
            // their own test targets: nothing is written into it.
            Submission::Workspace => {
                let run = runner::test_crate(&workspace_dir, exercise.krate, &target, &options)
                    .map_err(anyhow::Error::msg)?;
                exercises.push(Some(exercise_report(&root, exercise, run)));
            }
        }
    }
    // A submission's exercises build in one cargo call, and their tests run
    // in one pool.
    let to_build: Vec<Exercise> = ALL
        .iter()
        .zip(&exercises)
        .filter(|(_, report)| report.is_none())
        .map(|(exercise, _)| *exercise)
        .collect();
    let jail = match submission {
        Submission::Located(_) => sandbox.build_jail(&workspace_dir),
        Submission::Workspace => None,
    };
    let runs = graded_build::build_and_run(&copy, &target, &to_build, &options, jail.as_ref())?;
    let mut built = to_build
        .iter()
        .zip(runs)
        .map(|(exercise, run)| exercise_report(&root, *exercise, run));
    let mut exercises: Vec<ExerciseReport> = exercises
        .into_iter()
        .map(|report| report.or_else(|| built.next()))
        .collect::<Option<_>>()
        .context("an exercise was graded twice or not at all")?;
    for (exercise, found) in notices {
        if let Some(report) = exercises.iter_mut().find(|e| e.krate == exercise.krate) {
            report.notices = static_check::describe_notices(&found);
        }
    }
    if let Some(loom_settings) = settings.loom {
        let check = loom::Run {
            workspace: &workspace_dir,
            target: &build_slot.loom_target(),
            settings: loom_settings,
            options: &options,
        };
        for (exercise, source) in &sources {
            if let Some(report) = exercises.iter_mut().find(|e| e.krate == exercise.krate) {
                report.loom = check.exercise(report.status, *exercise, source)?;
            }
        }
    }
    let mut report = Report::new(exercises);
    report.sandbox = SandboxReport {
        mode: mode_word(settings.sandbox).to_owned(),
        active: sandbox.active().to_vec(),
        missing: sandbox.missing(),
    };
    if let Submission::Located(located) = submission {
        report.found_in = Some(located.found_in.clone());
        if let Some(why) = &located.refused {
            report.message = format!("submission refused: {why}");
        } else if located.exercises.is_empty() {
            report.message = format!("no exercise found: {}", located.hint);
        }
    }
    report.seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    score::score(settings.scheme, &mut report);
    HiddenLines::here().scrub_report(&mut report);
    Ok(report)
}

/// The word for a sandbox mode, as `--sandbox` takes it.
pub fn mode_word(mode: sandbox::Mode) -> &'static str {
    match mode {
        sandbox::Mode::Auto => "auto",
        sandbox::Mode::Require => "require",
        sandbox::Mode::Off => "off",
    }
}

/// An exercise whose `lib.rs` the static check refused: no marks, not built.
fn rejected(
    root: &Path,
    exercise: Exercise,
    text: &str,
    why: &[Finding],
    notices: &[Finding],
) -> ExerciseReport {
    ExerciseReport {
        krate: exercise.krate.to_owned(),
        status: Status::Rejected,
        passed: 0,
        total: reference_test_count(root, exercise),
        score: Score::default(),
        message: runner::run::cap(static_check::describe(text, why)),
        notices: static_check::describe_notices(notices),
        tests: Vec::new(),
        loom: None,
    }
}

/// An exercise whose `lib.rs` is not Rust tokens (an unclosed `{`): a
/// compile error, said in a student's words; not built.
fn unparsable_report(
    root: &Path,
    exercise: Exercise,
    text: &str,
    unparsable: &Unparsable,
) -> ExerciseReport {
    ExerciseReport {
        krate: exercise.krate.to_owned(),
        status: Status::CompileError,
        passed: 0,
        total: reference_test_count(root, exercise),
        score: Score::default(),
        message: runner::run::cap(format!(
            "{} does not parse, so it was not built:\n{}",
            exercise.lib_rs(),
            unparsable.describe(text)
        )),
        notices: Vec::new(),
        tests: Vec::new(),
        loom: None,
    }
}

/// An exercise the submission left out: no marks out of all its tests.
fn missing(root: &Path, exercise: Exercise) -> ExerciseReport {
    ExerciseReport {
        krate: exercise.krate.to_owned(),
        status: Status::Missing,
        passed: 0,
        total: reference_test_count(root, exercise),
        score: Score::default(),
        message: format!("not submitted: no {}", exercise.lib_rs()),
        notices: Vec::new(),
        tests: Vec::new(),
        loom: None,
    }
}

/// An exercise's report from how its build and tests went.
fn exercise_report(root: &Path, exercise: Exercise, run: CrateRun) -> ExerciseReport {
    let krate = exercise.krate.to_owned();
    let mut results = match run {
        CrateRun::Ran(results) => results,
        CrateRun::CompileError(errors) => {
            return ExerciseReport {
                krate,
                status: Status::CompileError,
                passed: 0,
                total: reference_test_count(root, exercise),
                score: Score::default(),
                message: runner::run::cap(errors),
                notices: Vec::new(),
                tests: Vec::new(),
                loom: None,
            };
        }
    };
    // A test of the combined binary is named as in its own target's.
    let prefix = format!("{}::", combined::TARGET);
    for result in &mut results {
        if let Some(name) = result.name.strip_prefix(&prefix) {
            result.name = name.to_owned();
        }
    }
    // Every report lists them as a student should read them.
    runner::order::teaching_order(&mut results, &root.join(exercise.krate));
    let passed = results
        .iter()
        .filter(|r| r.status == TestStatus::Pass)
        .count();
    let status = if passed == results.len() {
        Status::Pass
    } else if results.iter().any(|r| r.status == TestStatus::Fail) {
        Status::Fail
    } else {
        Status::Timeout
    };
    ExerciseReport {
        krate,
        status,
        passed,
        total: results.len(),
        score: Score::default(),
        message: String::new(),
        notices: Vec::new(),
        tests: results,
        loom: None,
    }
}
