//! The checks that run an exercise's tests through the grader's runner:
//! every stub unsolved, and every solution passing in its exercise's place.

use crate::exercises::{ALL, Exercise};
use crate::workspace;
use lesson13_runner::{self as runner, CrateRun, Options, TestStatus};

/// Every test of every shipped stub must fail, and with the stub's own
/// `todo!()`: not pass, not hang, not crash.
pub fn stubs(jobs: usize) -> Result<String, String> {
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
pub fn copies(jobs: usize) -> Result<String, String> {
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
