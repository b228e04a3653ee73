//! The project's own commands, run as `cargo xtask <command>`.

mod catalogue;
mod exercises;
mod runner;
mod verify;
mod workspace;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Lesson 13 channels workspace: project commands.
#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The project's test command: lints, docs, solutions against every
    /// test, and every stub unsolved. Exits non-zero if any check fails.
    Verify {
        /// How many test processes to run at once.
        #[arg(long, default_value_t = default_jobs())]
        jobs: usize,
    },
    /// Swap each catalogued student bug into its exercise and require that
    /// the hidden tests catch it; run each catalogued correct channel and
    /// require that it passes. Prints the kill table.
    Catalogue {
        /// Only the entries whose file or crate name contains this.
        #[arg(long)]
        only: Option<String>,
        /// How many test processes to run at once.
        #[arg(long, default_value_t = default_jobs())]
        jobs: usize,
    },
}

/// Twice the cores: most graded tests wait rather than compute.
fn default_jobs() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Verify { jobs } => verify::run(jobs),
        Command::Catalogue { only, jobs } => {
            catalogue::run(only.as_deref(), jobs).map(|summary| println!("{summary}"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}
