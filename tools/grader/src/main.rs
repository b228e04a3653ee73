//! `lesson13-grader`: the instructors' commands. In the course workspace,
//! `cargo xtask grade …` (and `merge-reports`, `gradescope-autograder`,
//! `gradescope-run`) runs this binary.

use clap::Parser;
use std::process::ExitCode;

/// Lesson 13 channels workspace: grading.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: lesson13_grader::cli::Command,
}

fn main() -> ExitCode {
    // The grader re-executes itself as the sandbox's launcher for each test.
    lesson13_runner::sandbox::run_launcher_if_asked();
    match lesson13_grader::cli::run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            // It may name a student's folder: shown escaped.
            let why = format!("{why:#}");
            eprintln!(
                "error: {}",
                lesson13_grader::report::terminal::escaped_lines(&why)
            );
            ExitCode::FAILURE
        }
    }
}
