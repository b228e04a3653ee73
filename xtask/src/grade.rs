//! `cargo xtask grade`: grades the workspace as it stands, one submission, or
//! a folder of submissions, into a table, JSON and JUnit.
//!
//! A submission's `<crate>/src/lib.rs` files are put into a clean copy of this
//! workspace, so the tests and dependencies are the instructor's, whatever
//! else the submission holds. Each test runs in its own process (see
//! `runner`), so one hung or crashing test costs only its own result.

use crate::exercises::{ALL, Exercise};
use crate::outputs::{self, Kind, Output};
use crate::report::{ExerciseReport, Report, Score, Status, StudentReport};
use crate::scheme::Scheme;
use crate::{class, students, workspace};
use lesson13_runner::{self as runner, CrateRun, Options, TestStatus};
use std::path::{Path, PathBuf};

/// Where the `lib.rs` files to grade are.
#[derive(Debug, Clone)]
pub enum Source {
    /// This workspace as it stands (a student checking their progress).
    Workspace,
    /// A submission folder holding `<crate>/src/lib.rs` files.
    Submission(PathBuf),
}

/// Grades one submission. `slot` picks a build folder of its own, so that
/// several submissions can build at once.
pub fn grade(source: &Source, slot: usize, jobs: usize) -> Result<Report, String> {
    let root = workspace::root();
    let (scratch, present, target) = match source {
        Source::Workspace => (None, ALL.to_vec(), root.join("target")),
        Source::Submission(dir) => {
            let scratch = workspace::temp_dir("grade-")?;
            workspace::copy_workspace(&root, scratch.path())?;
            let target = workspace::scratch_target_dir().join(format!("grade-{slot}"));
            (Some(scratch), crate::students::laid_out(dir, dir), target)
        }
    };
    let workspace_dir = scratch
        .as_ref()
        .map_or(root.clone(), |s| s.path().to_path_buf());
    let mut exercises = Vec::new();
    for exercise in ALL {
        if !present.contains(&exercise) {
            exercises.push(missing(&root, exercise));
            continue;
        }
        if let Source::Submission(dir) = source {
            let from = dir.join(exercise.lib_rs());
            std::fs::copy(&from, workspace_dir.join(exercise.lib_rs()))
                .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
        }
        exercises.push(grade_exercise(
            &root,
            &workspace_dir,
            &target,
            exercise,
            jobs,
        )?);
    }
    Ok(Report::new(exercises))
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
    jobs: usize,
) -> Result<ExerciseReport, String> {
    let krate = exercise.krate.to_owned();
    let results =
        match runner::test_crate(workspace_dir, exercise.krate, target, &Options::jobs(jobs))? {
            CrateRun::Ran(results) => results,
            CrateRun::CompileError(errors) => {
                return Ok(ExerciseReport {
                    krate,
                    status: Status::CompileError,
                    passed: 0,
                    total: reference_test_count(root, exercise),
                    score: Score::default(),
                    message: errors,
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
        score: Score::default(),
        message: String::new(),
        tests: results,
    })
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
    let tests: Vec<String> = match runner::build(root, exercise.krate, &target, true) {
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
}

/// A count of 1 or more (`--parallel`, `--jobs`).
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would grade nothing)".to_owned()),
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
    let scheme = Scheme::load(args.scheme.as_deref(), &root)?;
    if let Some(dir) = &args.submissions {
        students::folder_or_explain(dir, "--submissions")?;
    }
    outputs::prepare(&args.outputs(), args.submissions.as_deref())?;
    check_scheme_names(&scheme, &root)?;
    let reports = match &args.submissions {
        Some(dir) => {
            let options = class::Options {
                parallel: args.parallel,
                jobs: args.jobs,
                shard: args.shard,
                scheme: &scheme,
                json: args.json.as_deref(),
                junit: args.junit.as_deref(),
            };
            let reports = class::grade_class(dir, &options)?;
            crate::summary::print(&reports);
            reports
        }
        None => vec![grade_one(args, &scheme)?],
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
fn grade_one(args: &Args, scheme: &Scheme) -> Result<StudentReport, String> {
    let (report, name) = match &args.submission {
        None => {
            let mut report = grade(&Source::Workspace, 0, args.jobs)?;
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
            let report = class::grade_located(&located, started, 0, args.jobs, scheme)?;
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
