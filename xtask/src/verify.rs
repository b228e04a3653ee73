//! `cargo xtask verify`: the project's test command.
//!
//! Like Rustlings' `dev check` and Exercism's CI, it proves that every
//! exercise ships unsolved and every reference solution passes the very same
//! tests, and it adds the lints, the docs and the no-hang guarantees.

use crate::exercises::{ALL, Exercise};
use crate::workspace;
use lesson13_runner::{self as runner, CrateRun, Options, TestStatus};
use std::time::Instant;

/// One named check.
struct Check {
    name: &'static str,
    run: fn(usize) -> Result<String, String>,
}

const CHECKS: &[Check] = &[
    Check {
        name: "formatting (cargo fmt --check)",
        run: fmt,
    },
    Check {
        name: "lints (cargo clippy --all-targets -D warnings)",
        run: clippy,
    },
    Check {
        name: "docs (cargo doc, warnings denied)",
        run: docs,
    },
    Check {
        name: "solutions pass every public and hidden test (cargo test -p solutions)",
        run: solutions,
    },
    Check {
        name: "every stub compiles, and each of its tests fails with its todo!()",
        run: stubs,
    },
    Check {
        name: "each solution, copied over its exercise's lib.rs, passes that exercise's tests",
        run: copies,
    },
    Check {
        name: "loom models of the solutions (RUSTFLAGS=\"--cfg loom\" cargo test -p loom-models --release)",
        run: loom,
    },
    Check {
        name: "grading fixtures get their known grades",
        run: crate::fixtures::check_fixtures,
    },
    Check {
        name: "bundle round trip: export, test the bundle, grade it",
        run: crate::fixtures::check_bundle_round_trip,
    },
    Check {
        name: "the tests catch every catalogued bug and pass every catalogued correct channel",
        run: catalogue,
    },
];

/// Runs every check, prints a summary, and fails if any check failed.
pub fn run(only: Option<&str>, jobs: usize) -> Result<(), String> {
    let checks: Vec<&Check> = CHECKS
        .iter()
        .filter(|c| only.is_none_or(|o| c.name.contains(o)))
        .collect();
    if checks.is_empty() {
        return Err(format!(
            "no check's name contains {:?}",
            only.unwrap_or_default()
        ));
    }
    let mut failed = Vec::new();
    for (i, check) in checks.iter().enumerate() {
        println!("\n==> [{}/{}] {}", i + 1, checks.len(), check.name);
        let started = Instant::now();
        match (check.run)(jobs) {
            Ok(summary) => println!("ok ({:.0?}): {summary}", started.elapsed()),
            Err(why) => {
                println!("FAILED ({:.0?}):\n{why}", started.elapsed());
                failed.push(check.name);
            }
        }
    }
    println!();
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
        Err(format!("{} verify check(s) failed", failed.len()))
    }
}

fn fmt(_: usize) -> Result<String, String> {
    workspace::cargo(&["fmt", "--all", "--check"], &[])?;
    Ok("formatted".into())
}

fn clippy(_: usize) -> Result<String, String> {
    workspace::cargo(
        &[
            "clippy",
            "--locked",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    Ok("no warnings".into())
}

fn docs(_: usize) -> Result<String, String> {
    workspace::cargo(
        &["doc", "--locked", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    Ok("no warnings".into())
}

fn solutions(_: usize) -> Result<String, String> {
    workspace::cargo(
        &[
            "test",
            "--locked",
            "-p",
            "solutions",
            "-p",
            "lesson13-testkit",
        ],
        &[],
    )?;
    Ok("all passed".into())
}

/// Every test of every shipped stub must fail, and with the stub's own
/// `todo!()`: not pass, not hang, not crash.
fn stubs(jobs: usize) -> Result<String, String> {
    let root = workspace::root();
    let mut problems = Vec::new();
    let mut total = 0;
    for exercise in ALL {
        let results = match runner::test_crate(
            &root,
            exercise.krate,
            &root.join("target"),
            &Options::jobs(jobs),
        )? {
            CrateRun::CompileError(errors) => {
                problems.push(format!(
                    "{}: the stub does not compile:\n{errors}",
                    exercise.krate
                ));
                continue;
            }
            CrateRun::Ran(results) => results,
        };
        let marker = exercise.todo_marker();
        for result in &results {
            let problem = match result.status {
                TestStatus::Pass => Some("passes on the stub".to_owned()),
                TestStatus::Timeout => Some("hangs on the stub".to_owned()),
                TestStatus::Fail if !result.message.contains(&marker) => Some(format!(
                    "fails, but not with `{marker}`: {}",
                    result
                        .message
                        .lines()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" / ")
                )),
                TestStatus::Fail => None,
            };
            if let Some(problem) = problem {
                problems.push(format!("{}: {} {problem}", exercise.krate, result.name));
            }
        }
        if results.is_empty() {
            problems.push(format!("{}: no tests found", exercise.krate));
        }
        println!(
            "  {}: {} tests, each fails with its todo!()",
            exercise.krate,
            results.len()
        );
        total += results.len();
    }
    if problems.is_empty() {
        Ok(format!("{total} tests in 4 crates, all unsolved"))
    } else {
        Err(problems.join("\n"))
    }
}

/// Exercism's check: each solution file, dropped into a clean copy of the
/// workspace as its exercise's `lib.rs`, passes that exercise's tests.
fn copies(jobs: usize) -> Result<String, String> {
    let root = workspace::root();
    let scratch = workspace::temp_dir("verify-copies-")?;
    workspace::copy_workspace(&root, scratch.path())?;
    let mut problems = Vec::new();
    let mut total = 0;
    for exercise in ALL {
        install_solution(&root, scratch.path(), exercise)?;
        let target = workspace::scratch_target_dir();
        match runner::test_crate(
            scratch.path(),
            exercise.krate,
            &target,
            &Options::jobs(jobs),
        )? {
            CrateRun::CompileError(errors) => {
                problems.push(format!(
                    "{}: the copied solution does not compile:\n{errors}",
                    exercise.krate
                ));
            }
            CrateRun::Ran(results) => {
                for result in results.iter().filter(|r| r.status != TestStatus::Pass) {
                    problems.push(format!(
                        "{}: {} {:?}: {}",
                        exercise.krate, result.name, result.status, result.message
                    ));
                }
                println!("  {}: {} tests", exercise.krate, results.len());
                total += results.len();
            }
        }
    }
    if problems.is_empty() {
        Ok(format!("{total} tests in 4 crates, all passed"))
    } else {
        Err(problems.join("\n"))
    }
}

/// The preemption bound for loom in verify: 3 explores every interleaving
/// with up to three preemptions in about 15 s on 2 cores; unbounded takes
/// more than 5 minutes.
const LOOM_MAX_PREEMPTIONS: &str = "3";

fn loom(_: usize) -> Result<String, String> {
    let target = workspace::root().join("target").join("loom");
    let target = target.to_str().ok_or("the target path is not UTF-8")?;
    workspace::cargo(
        &["test", "--locked", "--release", "-p", "loom-models"],
        &[
            ("RUSTFLAGS", "--cfg loom"),
            ("LOOM_MAX_PREEMPTIONS", LOOM_MAX_PREEMPTIONS),
            // Its own target folder: other flags would rebuild everything.
            ("CARGO_TARGET_DIR", target),
        ],
    )?;
    Ok(format!(
        "every model passed with up to {LOOM_MAX_PREEMPTIONS} preemptions"
    ))
}

fn catalogue(jobs: usize) -> Result<String, String> {
    crate::catalogue::run(None, jobs)
}

/// Copies `exercise`'s reference solution over its `lib.rs` in `workspace`.
fn install_solution(
    root: &std::path::Path,
    workspace: &std::path::Path,
    exercise: Exercise,
) -> Result<(), String> {
    let from = root.join("solutions/src").join(exercise.solution);
    let to = workspace.join(exercise.lib_rs());
    std::fs::copy(&from, &to)
        .map(drop)
        .map_err(|e| format!("cannot copy {}: {e}", from.display()))
}
