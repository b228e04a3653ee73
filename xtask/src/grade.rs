//! `cargo xtask grade`: grades the workspace as it stands, one submission, or
//! a folder of submissions, into a table, JSON and JUnit.
//!
//! A submission is hostile code. Its `<crate>/src/lib.rs` files are read
//! without trusting them and statically checked (`rejected` if they name
//! anything off limits), then put into a fresh grading copy outside this
//! workspace (`grading_copy`), so the tests and dependencies are the
//! instructor's, whatever else the submission holds. Each test runs in its
//! own process (see `runner`), so one hung or crashing test costs only its
//! own result, and passes only when the test harness proves its body
//! returned.

use crate::exercises::{ALL, Exercise};
use crate::grading_copy::GradingCopy;
use crate::report::{ExerciseReport, Report, SandboxReport, Status, StudentReport};
use crate::workspace;
use lesson13_runner::sandbox::{self, Sandbox};
use lesson13_runner::static_check::{self, Rejection};
use lesson13_runner::{self as runner, CrateRun, Options, TestStatus};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Where the `lib.rs` files to grade are.
#[derive(Debug, Clone)]
pub enum Source {
    /// This workspace as it stands (a student checking their progress).
    Workspace,
    /// A submission folder holding `<crate>/src/lib.rs` files.
    Submission(PathBuf),
}

/// The exercises a submission folder holds.
pub fn submitted(dir: &Path) -> Vec<Exercise> {
    ALL.into_iter()
        .filter(|e| dir.join(e.lib_rs()).is_file())
        .collect()
}

/// For a folder that holds no exercise: what it holds instead, and where
/// the files were expected.
pub fn layout_hint(dir: &Path) -> String {
    fn rust_files(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() && depth > 0 {
                rust_files(&path, depth - 1, found);
            } else if path.extension().is_some_and(|x| x == "rs") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    rust_files(dir, 3, &mut found);
    found.sort();
    let expected: Vec<_> = ALL.iter().map(|e| e.lib_rs()).collect();
    let shown: Vec<_> = found
        .iter()
        .take(3)
        .map(|p| p.strip_prefix(dir).unwrap_or(p).display().to_string())
        .collect();
    let found = if shown.is_empty() {
        "no .rs file".to_owned()
    } else {
        shown.join(", ")
    };
    format!(
        "found {found}; expected at least one of {}",
        expected.join(", ")
    )
}

/// How to grade: what the instructor chose, and the maintainers' switches.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How many test processes at once.
    pub jobs: usize,
    /// Reject a `lib.rs` that names anything off limits, unbuilt. Only the
    /// hostile fixtures turn it off, to test the other layers on their own.
    pub static_check: bool,
    /// The sandbox around each test process.
    pub sandbox: sandbox::Mode,
}

impl Settings {
    /// Every protection on (the sandbox as the system allows), `jobs` test
    /// processes at once.
    pub fn new(jobs: usize) -> Settings {
        Settings {
            jobs,
            static_check: true,
            sandbox: sandbox::Mode::Auto,
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
            submitted(dir),
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
    let mut exercises = Vec::new();
    for exercise in ALL {
        if !present.contains(&exercise) {
            exercises.push(missing(&root, exercise));
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
                exercises.push(rejected(&root, exercise, &text, &rejections));
                continue;
            }
        };
        if let Source::Submission(_) = source {
            // The very text that was checked, not the file again.
            let to = workspace_dir.join(exercise.lib_rs());
            std::fs::write(&to, text).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
        }
        let options = Options {
            proof: true,
            sandbox: Some(&sandbox),
            ..Options::jobs(settings.jobs)
        };
        exercises.push(grade_exercise(
            &root,
            &workspace_dir,
            &target,
            exercise,
            &options,
        )?);
    }
    let passed = exercises.iter().map(|e| e.passed).sum();
    let total = exercises.iter().map(|e| e.total).sum();
    Ok(Report {
        exercises,
        passed,
        total,
        sandbox: SandboxReport {
            mode: mode_word(settings.sandbox).to_owned(),
            active: sandbox.active().to_vec(),
            missing: sandbox.missing(),
        },
    })
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
    let krate = exercise.krate.to_owned();
    let results = match runner::test_crate(workspace_dir, exercise.krate, target, options)? {
        CrateRun::Ran(results) => results,
        CrateRun::CompileError(errors) => {
            return Ok(ExerciseReport {
                krate,
                status: Status::CompileError,
                passed: 0,
                total: reference_test_count(root, exercise),
                message: runner::run::cap(errors),
                tests: Vec::new(),
            });
        }
    };
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
    Ok(ExerciseReport {
        krate,
        status,
        passed,
        total: results.len(),
        message: String::new(),
        tests: results,
    })
}

/// How many tests the exercise has, from the instructor's own build of it,
/// so that a submission that does not compile still shows `0/<total>`.
pub fn reference_test_count(root: &Path, exercise: Exercise) -> usize {
    let Ok(runner::Build::Built(binaries)) =
        runner::build(root, exercise.krate, &root.join("target"), true)
    else {
        return 0;
    };
    binaries
        .iter()
        .filter_map(|b| runner::list(b).ok())
        .map(|tests| tests.len())
        .sum()
}

/// Grades every sub-folder of `dir` (one per student), `parallel` at a
/// time, printing a line per student as each finishes.
pub fn grade_all(
    dir: &Path,
    parallel: usize,
    settings: &Settings,
) -> Result<Vec<StudentReport>, String> {
    let mut students: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    students.sort();
    if students.is_empty() {
        return Err(format!(
            "{} has no sub-folders: expected one folder per student",
            dir.display()
        ));
    }
    let count = students.len();
    println!("grading {count} submissions, {parallel} at a time");
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let reports = Mutex::new(Vec::with_capacity(count));
    std::thread::scope(|scope| {
        for slot in 0..parallel.max(1) {
            let (next, done, reports, students) = (&next, &done, &reports, &students);
            scope.spawn(move || {
                while let Some((name, path)) = students.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let started = Instant::now();
                    let report = grade_with(&Source::Submission(path.clone()), slot, settings);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    let score = match &report {
                        Ok(_) if submitted(path).is_empty() => {
                            format!("no exercise submitted ({})", layout_hint(path))
                        }
                        Ok(r) => format!("{}/{}", r.passed, r.total),
                        Err(e) => format!("could not grade: {e}"),
                    };
                    println!(
                        "[{finished}/{count}] {name}: {score} ({:.0?})",
                        started.elapsed()
                    );
                    reports.lock().unwrap().push((name.clone(), report));
                }
            });
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(reports)
}

/// The options of `cargo xtask grade` (documented on `Command::Grade`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Grade one submission folder.
    #[arg(long, value_name = "DIR", conflicts_with = "submissions")]
    submission: Option<PathBuf>,
    /// Grade every sub-folder of DIR, one per student.
    #[arg(long, value_name = "DIR")]
    submissions: Option<PathBuf>,
    /// Write the report as JSON. With --submissions, FILE is a folder that
    /// gets one `<student>.json` each.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the report as JUnit XML. With --submissions, FILE is a folder
    /// that gets one `<student>.xml` each.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// With --submissions: how many submissions to grade at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    parallel: usize,
    /// How many test processes each submission runs at once.
    #[arg(long, value_name = "N", default_value_t = crate::default_jobs())]
    jobs: usize,
    /// The sandbox around each test process (Linux): auto uses what the
    /// kernel offers and says what is missing; require refuses to grade
    /// without every protection; off runs tests unconfined (trusted code
    /// only).
    #[arg(long, value_name = "MODE", default_value = "auto")]
    sandbox: sandbox::Mode,
}

/// Runs `cargo xtask grade`.
pub fn run(args: &Args) -> Result<(), String> {
    announce_sandbox(args.sandbox)?;
    let settings = Settings {
        sandbox: args.sandbox,
        ..Settings::new(args.jobs)
    };
    if let Some(dir) = &args.submissions {
        let reports = grade_all(dir, args.parallel, &settings)?;
        crate::report::print_summary(&reports);
        for (folder, out) in [(&args.json, "json"), (&args.junit, "xml")] {
            if let Some(folder) = folder {
                std::fs::create_dir_all(folder)
                    .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
                for (name, report) in &reports {
                    let Ok(report) = report else { continue };
                    let path = folder.join(format!("{name}.{out}"));
                    match out {
                        "json" => crate::report::write_json(report, &path)?,
                        _ => crate::report::write_junit(report, name, &path)?,
                    }
                }
                println!("wrote one {out} report per student to {}", folder.display());
            }
        }
        return Ok(());
    }
    let (source, name) = match &args.submission {
        None => (Source::Workspace, "workspace".to_owned()),
        Some(dir) => {
            if !dir.is_dir() {
                return Err(format!("--submission {}: no such folder", dir.display()));
            }
            if submitted(dir).is_empty() {
                return Err(format!(
                    "{} holds no exercise: {}",
                    dir.display(),
                    layout_hint(dir)
                ));
            }
            let name = dir
                .file_name()
                .map_or("submission".into(), |n| n.to_string_lossy().into_owned());
            (Source::Submission(dir.clone()), name)
        }
    };
    let report = grade_with(&source, 0, &settings)?;
    crate::report::print_table(&report);
    if let Some(path) = &args.json {
        crate::report::write_json(&report, path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.junit {
        crate::report::write_junit(&report, &name, path)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
