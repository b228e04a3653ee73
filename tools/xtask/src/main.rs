//! The maintainers' commands, run as `cargo xtask <command>` (through the
//! dispatcher, `tools/dispatch`). Grading is the grader's
//! (`lesson13-grader`, `tools/grader`) and the student commands are the
//! student runner's (`tools/student`); this binary knows their commands too,
//! so its help lists everything, but it holds no grading logic.
//!
//! One module per command:
//!
//! - `verify`: the test command, one module (or folder) per check in
//!   `verify/`;
//! - `catalogue`: the bug catalogue (its parts in `catalogue/`);
//! - `bundle`: the student workspace;
//! - `flakes`: the solutions' tests, many times over;
//! - `bench_summary`: the benchmark table.

mod bench_summary;
mod bundle;
mod catalogue;
mod flakes;
mod verify;

use clap::{Parser, Subcommand};
use lesson13_grader::commands::grade::at_least_one;
use lesson13_grader::{default_jobs, workspace};
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
    /// The instructors' commands (grade, merge-reports,
    /// gradescope-autograder, gradescope-run).
    #[command(flatten)]
    Grading(lesson13_grader::cli::Command),
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
        /// Everything but the three slow checks (loom on the catalogue, the
        /// catalogue, the same points under load): the edit loop's check.
        #[arg(long)]
        quick: bool,
        /// How many test processes to run at once.
        #[arg(long, default_value_t = default_jobs(), value_parser = at_least_one)]
        jobs: usize,
    },
    /// Run the solutions' test binaries (every public and hidden test) RUNS
    /// times with libtest's default thread count and RUNS times with
    /// --test-threads=1; fails if any run fails.
    Flakes {
        /// How many runs per thread setting.
        #[arg(long, default_value_t = 200, value_parser = at_least_one)]
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

fn main() -> ExitCode {
    // The grader re-executes itself as the sandbox's launcher for each test.
    lesson13_runner::sandbox::run_launcher_if_asked();
    // verify's steady-points check starts it again as a busy process.
    verify::steady_points::run_busy_if_asked();
    let command = Cli::parse().command;
    let student = |name: &str, args: StudentArgs| {
        let args: Vec<String> = std::iter::once(name.to_owned()).chain(args.args).collect();
        lesson13_student::main(&workspace::root(), &args)
    };
    let result = match command {
        Command::Check(args) => return student("check", args),
        Command::Watch(args) => return student("watch", args),
        Command::Hint(args) => return student("hint", args),
        Command::Next(args) => return student("next", args),
        Command::List(args) => return student("list", args),
        Command::Grading(command) => lesson13_grader::cli::run(command),
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
            eprintln!("error: {why:#}");
            ExitCode::FAILURE
        }
    }
}
