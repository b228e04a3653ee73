//! The project's own commands, run as `cargo xtask <command>`.
//!
//! One module per command, the rest shared:
//!
//! - `verify`: the test command (its checks in `verify/`), with `fixtures`
//!   (the grading fixtures and the bundle round trip);
//! - `grade`: grading submissions, with `report` (the report types and their
//!   terminal, JSON and JUnit writers);
//! - `bundle`: the student workspace;
//! - `catalogue`: the bug catalogue (its parts in `catalogue/`);
//! - `flakes`: the solutions' tests, many times over;
//! - `bench_summary`: the benchmark table;
//! - shared: `exercises` (the four exercises), `workspace` (paths, copies
//!   of the workspace, running cargo).

mod autograder;
mod bench_summary;
mod bundle;
mod catalogue;
mod class;
mod class_check;
mod class_report;
mod exercises;
mod fixtures;
mod flakes;
mod grade;
mod gradebook;
mod gradescope;
mod grading_copy;
mod hostile;
mod merge;
mod outputs;
mod progress;
mod report;
mod runner_drive;
mod scheme;
mod shard;
mod slots;
mod stamp;
mod students;
mod summary;
mod verify;
mod workspace;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Lesson 13 channels workspace: project commands.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Grade this workspace as it stands, one submission (--submission DIR)
    /// or one per student (--submissions DIR), into a table with points,
    /// JSON, JUnit, a CSV gradebook, Gradescope's results.json and a class
    /// report.
    ///
    /// A submission holds `<crate>/src/lib.rs` for any of lesson13-oneshot,
    /// lesson13-oneshot-drop, lesson13-mpsc and lesson13-bounded: at its
    /// top, or one folder down when it holds a single folder; else loose
    /// files named after their exercise (lesson13-oneshot.rs or oneshot.rs);
    /// else in its one .zip. A whole copy of the student workspace works,
    /// and everything in it but those files is ignored. The files are put
    /// into a clean copy of this workspace, so the tests (public and hidden)
    /// and the dependencies are the instructor's. Each test runs in its own
    /// process under a time limit, in a sandbox (see --sandbox), and passes
    /// only when the test harness proves that its body returned.
    /// Dot-folders and __MACOSX are not students.
    ///
    /// Each exercise is graded pass, fail, compile_error, rejected (its
    /// lib.rs names something off limits: it is not built), timeout or
    /// missing, with every test's result and failure message, and points
    /// from the grading scheme (grading.toml: 25 points per exercise,
    /// shared among its tests by weight, 1 each unless set).
    ///
    /// Every report path is checked, and its folder created, before
    /// grading starts.
    ///
    /// Exit status: 0 whenever grading ran, whatever the grade; non-zero
    /// only if grading itself could not run: a missing folder, a
    /// --submission folder with no exercise in it, an unwritable report
    /// file, cargo not found. (With --submissions, a student folder with no
    /// exercise is graded 0, all missing, and the run goes on.)
    Grade(grade::Args),
    /// Join the per-student JSON reports of sharded runs (grade
    /// --submissions DIR --shard K/N --json OUT_K) into one summary,
    /// gradebook and class report: the same as an unsharded run's. Fails if
    /// a shard is missing or a student was graded twice.
    MergeReports(merge::Args),
    /// Write Gradescope's autograder package to OUT (a .zip to upload):
    /// setup.sh installs the pinned toolchain and pre-builds the
    /// dependencies; run_autograder grades /autograder/submission into
    /// /autograder/results/results.json.
    GradescopeAutograder {
        /// The .zip to write.
        out: std::path::PathBuf,
        /// The Rust toolchain setup.sh installs [default: the one this
        /// workspace builds with, e.g. 1.95.0].
        #[arg(long)]
        toolchain: Option<String>,
    },
    /// What the Gradescope package's run_autograder runs: grade
    /// ROOT/submission into ROOT/results/results.json.
    GradescopeRun {
        /// The autograder's root [default: $LESSON13_AUTOGRADER_ROOT, else
        /// /autograder].
        #[arg(long, value_name = "ROOT")]
        autograder_root: Option<std::path::PathBuf>,
        /// How many test processes at once.
        #[arg(long, default_value_t = default_jobs(), value_parser = grade::at_least_one)]
        jobs: usize,
    },
    /// Write a student-ready workspace to OUT: the exercise crates with
    /// stubs, docs and public tests, the test harness, the student runner
    /// (`cargo xtask check | watch | hint | next | list` there), a
    /// Cargo.toml and Cargo.lock that build as they are, and a README for
    /// students. No hidden tests, no solutions. OUT must not exist yet, or
    /// be empty.
    Bundle {
        /// The folder to create.
        out: std::path::PathBuf,
    },
    /// The project's test command: lints, docs, the docs' commands,
    /// solutions against every test, every stub unsolved, grading fixtures,
    /// the bundle round trip, loom models and the bug catalogue. Prints each
    /// check's time. Exits non-zero if any check fails.
    Verify {
        /// Run only the checks whose name contains this (e.g. `bundle`).
        #[arg(long, value_name = "TEXT")]
        only: Option<String>,
        /// Everything but the two slow checks (loom and the catalogue): the
        /// edit loop's check, about 2 minutes once built.
        #[arg(long)]
        quick: bool,
        /// How many test processes to run at once.
        #[arg(long, default_value_t = default_jobs(), value_parser = grade::at_least_one)]
        jobs: usize,
    },
    /// Run the solutions' test binaries (every public and hidden test) RUNS
    /// times with libtest's default thread count and RUNS times with
    /// --test-threads=1; fails if any run fails.
    Flakes {
        /// How many runs per thread setting.
        #[arg(long, default_value_t = 200, value_parser = grade::at_least_one)]
        runs: usize,
    },
    /// Apply each catalogued student bug (a patch) to its exercise's
    /// solution and require that the tests its header names catch it; run
    /// each catalogued correct channel and require that it passes. Prints
    /// the kill table and, per exercise, how many bugs the public tests
    /// alone catch. With --new, turns an edited copy of a solution into a
    /// catalogued bug instead.
    Catalogue(catalogue::Args),
    /// Print the table of the last `cargo bench -p lesson13-bench`: ns per
    /// message for each channel and workload, and the solutions' ratio to
    /// tokio's.
    BenchSummary,
    /// Students: run the current exercise's public tests as the grader
    /// does (`cargo xtask check --help` for the student commands).
    #[command(disable_help_flag = true)]
    Check(StudentArgs),
    /// Students: re-run the current exercise's public tests on every save.
    #[command(disable_help_flag = true)]
    Watch(StudentArgs),
    /// Students: show the current exercise's next hint.
    #[command(disable_help_flag = true)]
    Hint(StudentArgs),
    /// Students: move on once the current exercise's public tests pass.
    #[command(disable_help_flag = true)]
    Next(StudentArgs),
    /// Students: show the four exercises and where you are.
    #[command(disable_help_flag = true)]
    List(StudentArgs),
}

/// A student command's own arguments, which the student runner reads (the
/// same runner as `cargo xtask` in the student workspace).
#[derive(clap::Args)]
struct StudentArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Twice the cores: most graded tests wait rather than compute.
pub fn default_jobs() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn main() -> ExitCode {
    // The grader re-executes itself as the sandbox's launcher for each test.
    lesson13_runner::sandbox::run_launcher_if_asked();
    let command = Cli::parse().command;
    let student = |name: &str, args: StudentArgs| {
        let args: Vec<String> = std::iter::once(name.to_owned()).chain(args.args).collect();
        lesson13_runner::student::main(&workspace::root(), &args)
    };
    let result = match command {
        Command::Check(args) => return student("check", args),
        Command::Watch(args) => return student("watch", args),
        Command::Hint(args) => return student("hint", args),
        Command::Next(args) => return student("next", args),
        Command::List(args) => return student("list", args),
        Command::Grade(args) => grade::run(&args),
        Command::MergeReports(args) => merge::run(&args),
        Command::GradescopeAutograder { out, toolchain } => autograder::package(
            &out,
            toolchain.as_deref(),
        )
        .map(|summary| {
            println!(
                "wrote the Gradescope autograder to {}: {} files, Rust {}, commit {}",
                out.display(),
                summary.files,
                summary.toolchain,
                if summary.commit.is_empty() {
                    "unknown"
                } else {
                    &summary.commit
                }
            );
            println!(
                "upload it as the assignment's autograder (Configure Autograder → Zip file upload)"
            );
        }),
        Command::GradescopeRun {
            autograder_root,
            jobs,
        } => autograder::run(&autograder::root(autograder_root.as_deref()), jobs),
        Command::Bundle { out } => bundle::export(&out).map(|()| {
            println!("wrote the student workspace to {}", out.display());
            println!(
                "grade it with: cargo xtask grade --submission {}",
                out.display()
            );
        }),
        Command::Verify { only, quick, jobs } => verify::run(only.as_deref(), quick, jobs),
        Command::Flakes { runs } => flakes::run(runs).map(|summary| println!("{summary}")),
        Command::Catalogue(args) => catalogue::command(args).map(|summary| println!("{summary}")),
        Command::BenchSummary => bench_summary::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}
