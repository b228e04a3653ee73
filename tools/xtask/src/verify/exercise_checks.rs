//! The checks that run an exercise's tests through the grader's runner:
//! every stub unsolved, and every solution passing in its exercise's place.

use crate::catalogue::{
    self,
    entry::{Entry, Kind},
};
use anyhow::Result;
use lesson13_grader::workspace;
use lesson13_runner::exercises::ALL;
use lesson13_runner::{self as runner, CrateRun, Options, TestStatus};

/// Every test of every shipped stub must fail, and with the stub's own
/// `todo!()`: not pass, not hang, not crash.
pub fn stubs(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let mut problems = Vec::new();
    let mut total = 0;
    for exercise in ALL {
        let results = match runner::test_crate(
            &root,
            exercise.krate,
            &root.join("target"),
            &Options::jobs(jobs),
        )
        .map_err(anyhow::Error::msg)?
        {
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
        Err(anyhow::anyhow!("{}", problems.join("\n")))
    }
}

/// Exercism's check: each solution file, dropped into a clean copy of the
/// workspace as its exercise's `lib.rs`, passes that exercise's tests. The
/// solutions run as catalogued correct channels do, and share their builds.
pub fn copies(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let solutions: Vec<Entry> = ALL
        .into_iter()
        .map(|exercise| Entry {
            exercise,
            path: root.join(exercise.solution_path()),
            name: "solution".into(),
            kind: Kind::Correct {
                requires: Vec::new(),
            },
            about: "the reference solution".into(),
        })
        .collect();
    let outcomes = catalogue::run::run(&root, &solutions, jobs, &|_, outcome| {
        let tests = outcome.run.as_ref().map_or(0, Vec::len);
        println!("  {}: {tests} tests", outcome.entry.exercise.krate);
    })?;
    let problems: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.problem()
                .map(|p| format!("{}: {p}", o.entry.exercise.krate))
        })
        .collect();
    let total: usize = outcomes
        .iter()
        .map(|o| o.run.as_ref().map_or(0, Vec::len))
        .sum();
    if problems.is_empty() {
        Ok(format!("{total} tests in 4 crates, all passed"))
    } else {
        Err(anyhow::anyhow!("{}", problems.join("\n")))
    }
}
