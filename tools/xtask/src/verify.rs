//! `cargo xtask verify`: the project's test command.
//!
//! Like Rustlings' `dev check` and Exercism's CI, it proves that every
//! exercise ships unsolved and every reference solution passes the very same
//! tests, and it adds the lints, the docs, the docs' commands and the no-hang
//! guarantees. `--quick` leaves out the three slow checks (loom on the
//! catalogue, the bug catalogue, the same points under load) for the edit
//! loop. Each check prints its time, and a table of
//! them ends the run.
//!
//! - [`cargo_checks`]: the checks that are one cargo command each;
//! - [`exercise_checks`]: the stubs and the solutions through the runner;
//! - [`doc_commands`]: every `cargo xtask …` in the docs exists;
//! - [`fixtures`]: known submissions graded, and the bundle round trip
//!   (with [`runner_drive`], the student runner driven in the bundle);
//! - [`hostile`]: the hostile submissions, held with and without the static
//!   check; [`hostile_layout`]: those that are not a `lib.rs`;
//! - [`class_grading`]: a class graded into a gradebook, shards merged, and
//!   the Gradescope package run on a fake root;
//! - [`loom_catalogue`]: loom on the catalogue's races, correct channels and
//!   the solutions;
//! - [`steady_points`]: the bugs only tests on threads catch, graded several
//!   times on a loaded machine, for the same points every time (slow: not
//!   in `--quick`).
//!
//! The catalogue is `crate::catalogue`.

pub mod cargo_checks;
pub mod class_grading;
pub mod doc_commands;
pub mod exercise_checks;
pub mod fixtures;
pub mod hostile;
pub mod hostile_layout;
pub mod loom_catalogue;
pub mod runner_drive;
pub mod steady_points;

use lesson13_grader::engine::{self, Settings, Submission};
use lesson13_grader::report::Report;
use lesson13_grader::submissions;
use std::path::Path;

/// Grades the submission folder `dir` as `cargo xtask grade --submission`
/// would, with `settings`: the fixtures' way in to the engine.
pub fn grade_folder(dir: &Path, slot: usize, settings: &Settings) -> Result<Report> {
    let located = submissions::locate(dir)?;
    engine::grade(Submission::Located(&located), slot, settings)
}

use anyhow::{Result, bail};
use std::time::{Duration, Instant};

/// One named check.
struct Check {
    name: &'static str,
    run: fn(usize) -> Result<String>,
}

/// The checks `--quick` runs too, in order.
const CHECKS: &[Check] = &[
    Check {
        name: "formatting (cargo fmt --check)",
        run: cargo_checks::fmt,
    },
    Check {
        name: "lints (cargo clippy --all-targets -D warnings)",
        run: cargo_checks::clippy,
    },
    Check {
        name: "docs (cargo doc, warnings denied)",
        run: cargo_checks::docs,
    },
    Check {
        name: "doc commands: every `cargo xtask …` in the docs exists, with its options",
        run: doc_commands::check,
    },
    Check {
        name: "solutions pass every public and hidden test (cargo test -p solutions)",
        run: cargo_checks::solutions,
    },
    Check {
        name: "the tools' own unit tests (runner, grader, student runner, dispatcher, xtask)",
        run: cargo_checks::tools,
    },
    Check {
        name: "every stub compiles, and each of its tests fails with its todo!()",
        run: exercise_checks::stubs,
    },
    Check {
        name: "each solution, copied over its exercise's lib.rs, passes that exercise's tests",
        run: exercise_checks::copies,
    },
    Check {
        name: "grading fixtures get their known grades",
        run: fixtures::check_fixtures,
    },
    Check {
        name: "hostile submissions: rejected by the static check, and held by the sandbox alone",
        run: hostile::check,
    },
    Check {
        name: "bundle round trip: export, test the bundle, grade it",
        run: fixtures::check_bundle_round_trip,
    },
    Check {
        name: "class grading: gradebook, class report, shards merged as one run, rough edges refused",
        run: class_grading::check_class,
    },
    Check {
        name: "Gradescope package: run_autograder on a fake root writes the right results.json",
        run: class_grading::check_gradescope,
    },
];

/// The checks `--quick` leaves out: minutes each on a fresh clone (and
/// one that loads every core on purpose).
const SLOW_CHECKS: &[Check] = &[
    Check {
        name: "loom on the catalogue: every race found and told in its patch's lines, the solutions and correct channels clean",
        run: loom_catalogue::check,
    },
    Check {
        name: "the catalogue: the tests catch every catalogued bug and pass every catalogued correct channel",
        run: catalogue,
    },
    Check {
        name: "the same points on every run: bugs only tests on threads catch, graded 3 times on a loaded machine",
        run: steady_points::check,
    },
];

/// Runs the checks (only those whose name contains `only`; without the
/// slow ones if `quick`), prints each one's time, and fails if any failed.
pub fn run(only: Option<&str>, quick: bool, jobs: usize) -> Result<()> {
    let slow: &[Check] = if quick { &[] } else { SLOW_CHECKS };
    let checks: Vec<&Check> = CHECKS
        .iter()
        .chain(slow)
        .filter(|c| only.is_none_or(|o| c.name.contains(o)))
        .collect();
    if checks.is_empty() {
        bail!("no check's name contains {:?}", only.unwrap_or_default());
    }
    let started = Instant::now();
    let mut times = Vec::new();
    let mut failed = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        println!("\n==> [{}/{}] {}", i + 1, checks.len(), check.name);
        let check_started = Instant::now();
        let result = (check.run)(jobs);
        let took = check_started.elapsed();
        match result {
            Ok(summary) => println!("ok ({took:.0?}): {summary}"),
            Err(why) => {
                println!("FAILED ({took:.0?}):\n{why:#}");
                failed.push(check.name);
            }
        }
        times.push((check.name, took));
    }
    print_times(&times, started.elapsed());
    for name in &failed {
        println!("failed: {name}");
    }
    println!(
        "verify: {} passed, {} failed",
        checks.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!("{} verify check(s) failed", failed.len()))
    }
}

/// The time each check took, longest first, and the whole run's.
fn print_times(times: &[(&str, Duration)], total: Duration) {
    let mut times = times.to_vec();
    times.sort_by_key(|(_, took)| std::cmp::Reverse(*took));
    println!("\nwhere the time went:");
    for (name, took) in times {
        let name: String = name.chars().take(70).collect();
        println!("  {:>7.1} s  {name}", took.as_secs_f64());
    }
    println!("  {:>7.1} s  in all\n", total.as_secs_f64());
}

fn catalogue(jobs: usize) -> Result<String> {
    crate::catalogue::check(None, jobs, false)
}
