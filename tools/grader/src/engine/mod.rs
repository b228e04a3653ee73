//! `cargo xtask grade`: grades the workspace as it stands, one submission, or
//! a folder of submissions (see `class`), into a table, JSON, JUnit, a CSV
//! gradebook, Gradescope's results and a class report, with points from the
//! grading scheme (`scheme`).
//!
//! A submission is hostile code. Its `<crate>/src/lib.rs` files are read
//! without trusting them and statically checked (`rejected` if they name
//! anything off limits), then put into a fresh grading copy outside this
//! workspace (`grading_copy`), so the tests and dependencies are the
//! instructor's, whatever else the submission holds. Each test runs in its
//! own process (see `runner`), so one hung or crashing test costs only its
//! own result, and passes only when the test harness proves its body
//! returned.

use crate::grading_copy::GradingCopy;
use crate::outputs::{self, Kind, Output};
use crate::report::{ExerciseReport, Report, SandboxReport, Score, Status, StudentReport};
use crate::scheme::Scheme;
use crate::{class, students, workspace};
use lesson13_runner::exercises::{ALL, Exercise};
use lesson13_runner::sandbox::{self, Sandbox};
use lesson13_runner::static_check::{self, Rejection};
use lesson13_runner::{self as runner, CrateRun, OnResult, Options, TestStatus};
use std::path::{Path, PathBuf};

/// Where the `lib.rs` files to grade are.
#[derive(Debug, Clone)]
pub enum Source {
    /// This workspace as it stands (a student checking their progress).
    Workspace,
    /// A submission folder holding `<crate>/src/lib.rs` files.
    Submission(PathBuf),
}

/// How to grade: what the instructor chose, and the maintainers' switches.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// How many test processes at once.
    pub jobs: usize,
    /// Reject a `lib.rs` that names anything off limits, unbuilt. Only the
    /// hostile fixtures turn it off, to test the other layers on their own.
    pub static_check: bool,
    /// The sandbox around each test process.
    pub sandbox: sandbox::Mode,
    /// Told each test's result as soon as it is known (a progress bar).
    pub on_result: Option<OnResult<'a>>,
}

impl Settings<'_> {
    /// Every protection on (the sandbox as the system allows), `jobs` test
    /// processes at once.
    pub fn new(jobs: usize) -> Settings<'static> {
        Settings {
            jobs,
            static_check: true,
            sandbox: sandbox::Mode::Auto,
            on_result: None,
        }
    }
}

/// Grades one submission with every protection on. `slot` picks a build
/// folder of its own, so that several submissions can build at once.
pub fn grade(source: &Source, slot: usize, jobs: usize) -> Result<Report, String> {
    grade_with(source, slot, &Settings::new(jobs))
}

/// Grades one submission: each exercise's `lib.rs` is read without trusting
/// it and checked, then built and tested in a fresh grading copy outside this
/// workspace (see `grading_copy`).
pub fn grade_with(source: &Source, slot: usize, settings: &Settings) -> Result<Report, String> {
    let root = workspace::root();
    let copy = GradingCopy::new()?;
    let sandbox = Sandbox::new(settings.sandbox, &copy.sandbox_dir())?;
    let (from, present, workspace_dir, target) = match source {
        Source::Submission(dir) => (
            dir.clone(),
            students::laid_out(dir, dir),
            copy.path(),
            workspace::scratch_target_dir().join(format!("grade-{slot}")),
        ),
        Source::Workspace => (
            root.clone(),
            ALL.to_vec(),
            root.clone(),
            root.join("target"),
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
    for exercise in ALL {
        if !present.contains(&exercise) {
            exercises.push(Some(missing(&root, exercise)));
            continue;
        }
        let lib_rs = from.join(exercise.lib_rs());
        let checked = match settings.static_check {
            true => static_check::read_and_check(&from, &lib_rs),
            false => static_check::read_submitted(&from, &lib_rs),
        };
        let text = match checked {
            Ok(text) => text,
            Err(rejections) => {
                let text = std::fs::read_to_string(&lib_rs).unwrap_or_default();
                exercises.push(Some(rejected(&root, exercise, &text, &rejections)));
                continue;
            }
        };
        if let Source::Submission(_) = source {
            // The very text that was checked, not the file again.
            let to = workspace_dir.join(exercise.lib_rs());
            std::fs::write(&to, text).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
            exercises.push(None);
        } else {
            exercises.push(Some(grade_exercise(
                &root,
                &workspace_dir,
                &target,
                exercise,
                &options,
            )?));
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
    let mut built =
        grade_together(&root, &workspace_dir, &target, &to_build, &options)?.into_iter();
    let exercises: Vec<ExerciseReport> = exercises
        .into_iter()
        .map(|report| report.or_else(|| built.next()))
        .collect::<Option<_>>()
        .ok_or("an exercise was graded twice or not at all")?;
    let mut report = Report::new(exercises);
    report.sandbox = SandboxReport {
        mode: mode_word(settings.sandbox).to_owned(),
        active: sandbox.active().to_vec(),
        missing: sandbox.missing(),
    };
    Ok(report)
}

fn mode_word(mode: sandbox::Mode) -> &'static str {
    match mode {
        sandbox::Mode::Auto => "auto",
        sandbox::Mode::Require => "require",
        sandbox::Mode::Off => "off",
    }
}

/// Probes the sandbox once, before any grading, and prints what it does;
/// `Err` if `--sandbox require` cannot be met.
fn announce_sandbox(mode: sandbox::Mode) -> Result<(), String> {
    let scratch = tempfile::Builder::new()
        .prefix("lesson13-probe-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let sandbox = Sandbox::new(mode, scratch.path())?;
    println!("{}", sandbox.describe());
    if !sandbox.missing().is_empty() && mode == sandbox::Mode::Auto {
        println!(
            "  (grading goes on without the missing protections; --sandbox require refuses instead)"
        );
    }
    Ok(())
}

/// An exercise whose `lib.rs` the static check refused: no marks, not built.
fn rejected(root: &Path, exercise: Exercise, text: &str, why: &[Rejection]) -> ExerciseReport {
    ExerciseReport {
        krate: exercise.krate.to_owned(),
        status: Status::Rejected,
        passed: 0,
        total: reference_test_count(root, exercise),
        score: Score::default(),
        message: runner::run::cap(static_check::describe(text, why)),
        tests: Vec::new(),
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
        tests: Vec::new(),
    }
}

fn grade_exercise(
    root: &Path,
    workspace_dir: &Path,
    target: &Path,
    exercise: Exercise,
    options: &Options,
) -> Result<ExerciseReport, String> {
    let run = runner::test_crate(workspace_dir, exercise.krate, target, options)?;
    Ok(exercise_report(root, exercise, run))
}

/// The test target a grading copy gets in each exercise crate: the crate's
/// test targets (`public`, `hidden`) as modules of one binary, so that each
/// exercise links one test binary, not two, and each test keeps its name.
const COMBINED: &str = "lesson13_grader";

/// Builds `exercises` in the grading copy in one cargo call (each with its
/// [`COMBINED`] test target) and runs all their tests in one pool.
fn grade_together(
    root: &Path,
    copy: &Path,
    target: &Path,
    exercises: &[Exercise],
    options: &Options,
) -> Result<Vec<ExerciseReport>, String> {
    if exercises.is_empty() {
        return Ok(Vec::new());
    }
    for exercise in exercises {
        write_combined_target(&copy.join(exercise.krate))?;
    }
    let krates: Vec<&str> = exercises.iter().map(|e| e.krate).collect();
    let runs = runner::test_crates(copy, &krates, COMBINED, target, options)?;
    Ok(exercises
        .iter()
        .zip(runs)
        .map(|(exercise, run)| exercise_report(root, *exercise, run))
        .collect())
}

/// Writes `tests/lesson13_grader.rs`: one `mod` per test target of the
/// crate, named as the target, at its own path.
fn write_combined_target(crate_dir: &Path) -> Result<(), String> {
    let tests = crate_dir.join("tests");
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", tests.display());
    let mut modules = Vec::new();
    for entry in std::fs::read_dir(&tests).map_err(fail)? {
        let path = entry.map_err(fail)?.path();
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
        let file = if path.is_dir() {
            format!("{name}/main.rs")
        } else if path.extension().is_some_and(|x| x == "rs") {
            format!("{name}.rs")
        } else {
            continue;
        };
        if !tests.join(&file).is_file() || name == COMBINED {
            continue;
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "{}: the test target {name:?} is not a Rust identifier, so it cannot join \
                 the grading binary: rename it",
                tests.display()
            ));
        }
        modules.push(format!("#[path = {file:?}]\nmod {name};\n"));
    }
    modules.sort();
    let text = format!(
        "//! Written by the grader: this crate's test targets in one binary.\n\n{}",
        modules.join("\n")
    );
    let path = tests.join(format!("{COMBINED}.rs"));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
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
                tests: Vec::new(),
            };
        }
    };
    // A test of the combined binary is named as in its own target's.
    let prefix = format!("{COMBINED}::");
    for result in &mut results {
        if let Some(name) = result.name.strip_prefix(&prefix) {
            result.name = name.to_owned();
        }
    }
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
        tests: results,
    }
}

/// How many tests the exercise has, from the instructor's own build of it,
/// so that a submission that does not compile still shows `0/<total>`.
pub fn reference_test_count(root: &Path, exercise: Exercise) -> usize {
    reference_tests(root, exercise).len()
}

/// The exercise's tests (`hidden::graded::…`), from the instructor's own
/// build of it; listed once per run. Empty if the stub does not build.
pub fn reference_tests(root: &Path, exercise: Exercise) -> Vec<String> {
    type Listed = Vec<(PathBuf, &'static str, Vec<String>)>;
    static LISTED: std::sync::Mutex<Listed> = std::sync::Mutex::new(Vec::new());
    let mut listed = LISTED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((.., tests)) = listed
        .iter()
        .find(|(r, krate, _)| r == root && *krate == exercise.krate)
    {
        return tests.clone();
    }
    let target = workspace::target_dir();
    let tests: Vec<String> =
        match runner::build(root, exercise.krate, &target, true, runner::Code::Trusted) {
            Ok(runner::Build::Built(binaries)) => binaries
                .iter()
                .flat_map(|b| {
                    let tests = runner::list(b).unwrap_or_default();
                    tests.into_iter().map(move |t| format!("{}::{t}", b.target))
                })
                .collect(),
            _ => Vec::new(),
        };
    listed.push((root.to_path_buf(), exercise.krate, tests.clone()));
    tests
}

/// Refuses a scheme that names a test no exercise has (a typo, or a test
/// renamed since): its weight or misconception would silently not count.
pub fn check_scheme_names(scheme: &Scheme, root: &Path) -> Result<(), String> {
    let tests: Vec<(Exercise, Vec<String>)> = ALL
        .iter()
        .map(|e| (*e, reference_tests(root, *e)))
        .collect();
    if let Some((exercise, _)) = tests.iter().find(|(_, t)| t.is_empty()) {
        println!(
            "warning: cannot list {}'s tests (does its stub build?): the grading scheme's \
             test names are not checked",
            exercise.krate
        );
        return Ok(());
    }
    let unknown = scheme.unknown_tests(&tests);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the grading scheme names tests that do not exist (renamed or removed?):\n  {}",
            unknown.join("\n  ")
        ))
    }
}

/// The options of `cargo xtask grade` (documented on `Command::Grade`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Grade one submission: a folder, or a .zip.
    #[arg(long, value_name = "DIR", conflicts_with = "submissions")]
    submission: Option<PathBuf>,
    /// Grade every sub-folder (or .zip) of DIR, one per student.
    #[arg(long, value_name = "DIR")]
    submissions: Option<PathBuf>,
    /// With --submissions: grade only the K-th of N slices of the class
    /// (students sorted by name, every N-th from the K-th). Merge the
    /// slices' --json folders with `cargo xtask merge-reports`.
    #[arg(long, value_name = "K/N", requires = "submissions")]
    shard: Option<crate::shard::Shard>,
    /// The grading scheme: points per exercise, test weights,
    /// misconceptions [default: grading.toml at the workspace root].
    #[arg(long, value_name = "FILE")]
    scheme: Option<PathBuf>,
    /// Write the report as JSON. With --submissions, FILE is a folder that
    /// gets one `<student>.json` each.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the report as JUnit XML. With --submissions, FILE is a folder
    /// that gets one `<student>.xml` each.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the gradebook as CSV: one row per student, each exercise's
    /// points, the total and the percentage (imports into Canvas and
    /// Moodle).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write a Markdown class report: the score distribution, the
    /// misconceptions, and each failing test with its message.
    #[arg(long, value_name = "FILE")]
    class_report: Option<PathBuf>,
    /// Write Gradescope's results.json for the one submission graded.
    #[arg(long, value_name = "FILE", conflicts_with = "submissions")]
    gradescope: Option<PathBuf>,
    /// With --submissions: how many submissions to grade at once.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = at_least_one)]
    parallel: usize,
    /// How many test processes each submission runs at once.
    #[arg(long, value_name = "N", default_value_t = crate::default_jobs(), value_parser = at_least_one)]
    jobs: usize,
    /// The sandbox around each test process (Linux): auto uses what the
    /// kernel offers and says what is missing; require refuses to grade
    /// without every protection; off runs tests unconfined (trusted code
    /// only).
    #[arg(long, value_name = "MODE", default_value = "auto")]
    sandbox: sandbox::Mode,
}

/// A count of 1 or more (`--parallel`, `--jobs`).
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would run nothing)".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

impl Args {
    /// Every report path, to check before grading starts.
    fn outputs(&self) -> Vec<Output<'_>> {
        let class = self.submissions.is_some();
        let per_student = if class { Kind::Folder } else { Kind::File };
        [
            ("--json", &self.json, per_student),
            ("--junit", &self.junit, per_student),
            ("--csv", &self.csv, Kind::File),
            ("--class-report", &self.class_report, Kind::File),
            ("--gradescope", &self.gradescope, Kind::File),
        ]
        .into_iter()
        .filter_map(|(flag, path, kind)| path.as_deref().map(|path| Output { flag, path, kind }))
        .collect()
    }
}

/// Runs `cargo xtask grade`.
pub fn run(args: &Args) -> Result<(), String> {
    let root = workspace::root();
    if args.shard.is_some() && args.submissions.is_none() {
        return Err("--shard splits a class: it goes with --submissions DIR".into());
    }
    let scheme = Scheme::load(args.scheme.as_deref(), &root)?;
    if let Some(dir) = &args.submissions {
        students::folder_or_explain(dir, "--submissions")?;
    }
    outputs::prepare(&args.outputs(), args.submissions.as_deref())?;
    check_scheme_names(&scheme, &root)?;
    announce_sandbox(args.sandbox)?;
    let settings = Settings {
        sandbox: args.sandbox,
        ..Settings::new(args.jobs)
    };
    let reports = match &args.submissions {
        Some(dir) => {
            let options = class::Options {
                parallel: args.parallel,
                settings,
                shard: args.shard,
                scheme: &scheme,
                json: args.json.as_deref(),
                junit: args.junit.as_deref(),
            };
            let reports = class::grade_class(dir, &options)?;
            crate::summary::print(&reports);
            reports
        }
        None => vec![grade_one(args, &settings, &scheme)?],
    };
    if let Some(path) = &args.csv {
        crate::gradebook::write(&reports, path)?;
        println!("wrote the gradebook to {}", path.display());
    }
    if let Some(path) = &args.class_report {
        crate::class_report::write(&reports, &scheme, path)?;
        println!("wrote the class report to {}", path.display());
    }
    Ok(())
}

/// Grades the workspace or `--submission`, prints its table and writes its
/// reports.
fn grade_one(args: &Args, settings: &Settings, scheme: &Scheme) -> Result<StudentReport, String> {
    let (report, name) = match &args.submission {
        None => {
            let mut report = grade_with(&Source::Workspace, 0, settings)?;
            scheme.score(&mut report);
            (report, "workspace".to_owned())
        }
        Some(path) => {
            if path.extension().is_none_or(|x| x != "zip") {
                students::folder_or_explain(path, "--submission")?;
            } else if !path.is_file() {
                return Err(format!("--submission {}: no such file", path.display()));
            }
            let started = std::time::Instant::now();
            let located = students::locate(path)?;
            if located.exercises.is_empty() {
                return Err(format!(
                    "{}: no exercise found: {}",
                    path.display(),
                    located.hint
                ));
            }
            let report = class::grade_located(&located, started, 0, settings, scheme)?;
            let name = path
                .file_stem()
                .map_or("submission".into(), |n| n.to_string_lossy().into_owned());
            (report, name)
        }
    };
    crate::report::print_table(&report);
    if let Some(path) = &args.json {
        crate::report::write_json(&report, path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.junit {
        crate::report::write_junit(&report, &name, path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.gradescope {
        crate::gradescope::write(&report, scheme, path)?;
        println!("wrote {}", path.display());
    }
    Ok((name, Ok(report)))
}
