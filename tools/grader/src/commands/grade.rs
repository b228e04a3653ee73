//! `grade`: grades the workspace as it stands, one submission, or a folder
//! of submissions (the class loop, [`crate::class`]), into a table, JSON,
//! JUnit, a CSV gradebook, Gradescope's results and a class report, with
//! points from the grading scheme.

use crate::engine::reference::check_scheme_names;
use crate::engine::{self, Settings, Submission};
use crate::report::paths::{self, Kind, Output};
use crate::report::{self, StudentReport, gradescope, json, junit, terminal};
use crate::scheme::Scheme;
use crate::shard::Shard;
use crate::{class, submissions, workspace};
use anyhow::{Context, Result, bail};
use lesson13_runner::sandbox::{self, Sandbox};
use std::path::PathBuf;

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
    shard: Option<Shard>,
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
    /// Also run loom's models on each exercise that built: every
    /// interleaving of their threads up to 3 preemptions, 20 s per model, in
    /// the same sandbox. Each exercise gets a loom result: clean (no race
    /// found within the bound, not a proof), race (with the interleaving as
    /// numbered steps of the student's lib.rs), inconclusive (the time ran
    /// out) or skipped (with why). It moves no points unless grading.toml's
    /// [loom] weight says so (which also turns it on without this flag).
    #[arg(long)]
    loom: bool,
}

/// A count of 1 or more (`--parallel`, `--jobs`).
pub fn at_least_one(text: &str) -> std::result::Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would run nothing)".into()),
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
pub fn run(args: &Args) -> Result<()> {
    let root = workspace::root();
    if args.shard.is_some() && args.submissions.is_none() {
        bail!("--shard splits a class: it goes with --submissions DIR");
    }
    let scheme = Scheme::load(args.scheme.as_deref(), &root)?;
    if let Some(dir) = &args.submissions {
        submissions::folder_or_explain(dir, "--submissions")?;
    }
    paths::prepare(&args.outputs(), args.submissions.as_deref())?;
    check_scheme_names(&scheme, &root)?;
    announce_sandbox(args.sandbox)?;
    let settings = Settings {
        sandbox: args.sandbox,
        loom: (args.loom || scheme.loom.weight > 0.0)
            .then(lesson13_runner::loom::Settings::default),
        ..Settings::new(&scheme, args.jobs)
    };
    let reports = match &args.submissions {
        Some(dir) => {
            let options = class::Options {
                parallel: args.parallel,
                settings,
                shard: args.shard,
                json: args.json.as_deref(),
                junit: args.junit.as_deref(),
            };
            let reports = class::grade_class(dir, &options)?;
            terminal::print_summary(&reports);
            reports
        }
        None => vec![grade_one(args, &settings)?],
    };
    report::write_class_files(
        &reports,
        &scheme,
        args.csv.as_deref(),
        args.class_report.as_deref(),
    )
}

/// Grades the workspace or `--submission`, prints its table and writes its
/// reports.
fn grade_one(args: &Args, settings: &Settings) -> Result<StudentReport> {
    let (report, name) = match &args.submission {
        None => (
            engine::grade(Submission::Workspace, 0, settings)?,
            "workspace".to_owned(),
        ),
        Some(path) => {
            if path.extension().is_none_or(|x| x != "zip") {
                submissions::folder_or_explain(path, "--submission")?;
            } else if !path.is_file() {
                bail!("--submission {}: no such file", path.display());
            }
            let located = submissions::locate(path)?;
            if located.exercises.is_empty() {
                bail!("{}: no exercise found: {}", path.display(), located.hint);
            }
            let report = engine::grade(Submission::Located(&located), 0, settings)?;
            let name = path
                .file_stem()
                .map_or("submission".into(), |n| n.to_string_lossy().into_owned());
            (report, name)
        }
    };
    terminal::print_table(&report);
    if let Some(path) = &args.json {
        json::write(&report, path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.junit {
        junit::write(&report, &name, path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.gradescope {
        gradescope::write(&report, settings.scheme, path)?;
        println!("wrote {}", path.display());
    }
    Ok((name, Ok(report)))
}

/// Probes the sandbox once, before any grading, and prints what it does;
/// `Err` if `--sandbox require` cannot be met.
pub fn announce_sandbox(mode: sandbox::Mode) -> Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("lesson13-probe-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    // The probe may run as `nobody`, whatever the umask.
    sandbox::set_mode(scratch.path(), 0o711).map_err(anyhow::Error::msg)?;
    let sandbox = Sandbox::new(mode, scratch.path()).map_err(anyhow::Error::msg)?;
    println!("{}", sandbox.describe());
    if !sandbox.missing().is_empty() && mode == sandbox::Mode::Auto {
        println!(
            "  (grading goes on without the missing protections; --sandbox require refuses instead)"
        );
    }
    Ok(())
}
