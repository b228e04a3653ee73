//! Grading fixtures: known submissions whose grades verify checks, and the
//! bundle round trip (export, then grade the bundle).
//!
//! Every fixture starts from the reference solutions for all four exercises
//! and swaps in a known file for one of them, so "the others are still
//! graded" is checked every time.

use super::grade_folder;
use crate::bundle;
use anyhow::{Context, Result, bail};
use lesson13_grader::engine::Settings;
use lesson13_grader::engine::reference::reference_test_count;
use lesson13_grader::pool::in_slots;
use lesson13_grader::report::{ExerciseReport, Report, Status};
use lesson13_grader::scheme::Scheme;
use lesson13_grader::workspace;
use lesson13_runner::exercises::{ALL, Exercise};
use lesson13_runner::{self as runner, CrateRun, Options, TestStatus};
use std::path::Path;

/// One known submission and the grade it must get.
struct Fixture {
    name: &'static str,
    /// The exercise whose `lib.rs` is swapped, and the file, from the root.
    swap: Option<(&'static str, &'static str)>,
    /// What the swapped exercise's report must look like.
    expect: fn(&ExerciseReport) -> Result<()>,
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "all solutions: full marks",
        swap: None,
        expect: |_| Ok(()),
    },
    Fixture {
        name: "a known bug: exactly the expected failure",
        swap: Some((
            "lesson13-oneshot",
            "catalogue/lesson13-oneshot/keeps-only-the-first-waker.patch",
        )),
        expect: |report| {
            let failed = failed_tests(report);
            let expected = [
                "public::behaviour::the_waker_of_the_latest_poll_is_woken_when_the_receiver_moves_task",
            ];
            if report.status == Status::Fail && failed == expected {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "expected {:?} to fail alone, got {:?} with {failed:?}",
                    expected,
                    report.status
                ))
            }
        },
    },
    Fixture {
        name: "a submission that does not compile: compile_error",
        swap: Some(("lesson13-mpsc", "tools/xtask/fixtures/does-not-compile.rs")),
        expect: |report| match (report.status, report.message.contains("error")) {
            (Status::CompileError, true) if report.total > 0 => Ok(()),
            _ => Err(anyhow::anyhow!(
                "expected compile_error with the compiler's errors and the test count, got {:?} {}/{}",
                report.status,
                report.passed,
                report.total
            )),
        },
    },
    Fixture {
        name: "a submission that deadlocks in one test: timeout for that test only",
        swap: Some((
            "lesson13-oneshot",
            "tools/xtask/fixtures/deadlocks-on-zero-sized-values.rs",
        )),
        expect: |report| {
            let expected = ["public::behaviour::values_that_are_not_copy_arrive_intact"];
            let timeouts: Vec<&str> = report
                .tests
                .iter()
                .filter(|t| t.status == TestStatus::Timeout)
                .map(|t| t.name.as_str())
                .collect();
            let others_pass = report.passed + expected.len() == report.total;
            if report.status == Status::Timeout && timeouts == expected && others_pass {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "expected only {expected:?} to time out, got {:?}: {timeouts:?}",
                    report.status
                ))
            }
        },
    },
    Fixture {
        name: "a wrong signature: compile_error against the public tests",
        swap: Some((
            "lesson13-oneshot",
            "tools/xtask/fixtures/wrong-signature.rs",
        )),
        expect: |report| {
            let message = &report.message;
            let public = message.contains("--> lesson13-oneshot/tests/public/");
            // Said as a student should read it: the API does not match.
            let explained = message.starts_with(lesson13_runner::diagnostic::API_MISMATCH);
            match report.status {
                Status::CompileError
                    if public && explained && !message.contains("tests/hidden") =>
                {
                    Ok(())
                }
                _ => Err(anyhow::anyhow!(
                    "expected compile_error pointing into the public tests only, saying that \
                     the lib.rs does not match the API, got {:?}: {message}",
                    report.status
                )),
            }
        },
    },
    Fixture {
        name: "compiles against the public tests only: the hidden tests' errors without their \
               source",
        swap: Some((
            "lesson13-oneshot",
            "tools/xtask/fixtures/compiles-against-the-public-tests-only.rs",
        )),
        expect: |report| {
            let message = &report.message;
            let kind = message.contains("the trait bound `u32: Seen` is not satisfied");
            let redacted = message.contains(lesson13_runner::diagnostic::HIDDEN_PLACE);
            match report.status {
                Status::CompileError if kind && redacted && !message.contains("tests/hidden") => {
                    Ok(())
                }
                _ => Err(anyhow::anyhow!(
                    "expected compile_error with the error's kind and its hidden place \
                     redacted, got {:?}: {message}",
                    report.status
                )),
            }
        },
    },
    Fixture {
        name: "an honest oneshot with names once banned as words: full marks",
        swap: Some((
            "lesson13-oneshot",
            "tools/xtask/fixtures/honest-names-oneshot.rs",
        )),
        expect: full_marks,
    },
    Fixture {
        name: "an honest MPSC with a linked list and a Recv<'a, T>: full marks",
        swap: Some(("lesson13-mpsc", "tools/xtask/fixtures/honest-names-mpsc.rs")),
        expect: full_marks,
    },
    Fixture {
        name: "a syntax error: compile_error at the unclosed brace",
        swap: Some(("lesson13-mpsc", "tools/xtask/fixtures/unclosed-brace.rs")),
        expect: |report| {
            let at = "line 31, column 19: this `{` is never closed";
            if report.status == Status::CompileError && report.message.contains(at) {
                Ok(())
            } else {
                bail!(
                    "expected compile_error with {at:?}, got {:?}: {}",
                    report.status,
                    report.message
                )
            }
        },
    },
];

fn full_marks(report: &ExerciseReport) -> Result<()> {
    if report.status == Status::Pass && report.passed == report.total && report.total > 0 {
        Ok(())
    } else {
        bail!(
            "expected full marks, got {:?} {}/{}: {}",
            report.status,
            report.passed,
            report.total,
            report.message
        )
    }
}

fn failed_tests(report: &ExerciseReport) -> Vec<&str> {
    report
        .tests
        .iter()
        .filter(|t| t.status != TestStatus::Pass)
        .map(|t| t.name.as_str())
        .collect()
}

/// Grades every fixture and checks its grade.
pub fn check_fixtures(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let scheme = Scheme::load(None, &root)?;
    let mut problems = Vec::new();
    // Two at a time, each in a build folder of its own: the deadlocking
    // fixture's wait overlaps another's build.
    let verdicts = in_slots(FIXTURES, 4, |slot, fixture| {
        let submission = workspace::temp_dir("fixture-")?;
        for exercise in ALL {
            let file = match fixture.swap {
                Some((krate, file)) if krate == exercise.krate => root.join(file),
                _ => root.join("solutions/src").join(exercise.solution),
            };
            place(&file, submission.path(), exercise)?;
        }
        let report = grade_folder(submission.path(), slot, &Settings::new(&scheme, jobs))?;
        Ok::<_, anyhow::Error>(judge(fixture, &report))
    });
    for (fixture, verdict) in FIXTURES.iter().zip(verdicts) {
        let verdict = verdict?;
        println!(
            "  {}: {}",
            fixture.name,
            if verdict.is_ok() {
                "as expected"
            } else {
                "WRONG"
            }
        );
        if let Err(why) = verdict {
            problems.push(format!("{}: {why:#}", fixture.name));
        }
    }
    if problems.is_empty() {
        Ok(format!("{} fixtures graded as expected", FIXTURES.len()))
    } else {
        Err(anyhow::anyhow!("{}", problems.join("\n")))
    }
}

/// The swapped exercise must meet the fixture's expectation; every other
/// exercise (a reference solution) must get full marks.
fn judge(fixture: &Fixture, report: &Report) -> Result<()> {
    for exercise in &report.exercises {
        match fixture.swap {
            Some((krate, _)) if krate == exercise.krate => (fixture.expect)(exercise)?,
            _ if exercise.status != Status::Pass
                || exercise.passed != exercise.total
                || exercise.total == 0 =>
            {
                bail!(
                    "{} (a reference solution) got {:?} {}/{}",
                    exercise.krate,
                    exercise.status,
                    exercise.passed,
                    exercise.total
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Puts `file` in `submission` as `exercise`'s `lib.rs`; a catalogued bug
/// (a `.patch`) goes in as the solution with the patch applied.
fn place(file: &Path, submission: &Path, exercise: Exercise) -> Result<()> {
    let to = submission.join(exercise.lib_rs());
    std::fs::create_dir_all(to.parent().unwrap())
        .with_context(|| format!("cannot create {}", to.display()))?;
    if file.extension().is_some_and(|x| x == "patch") {
        let source = crate::catalogue::entry::parse(exercise, file)?.source(&workspace::root())?;
        return std::fs::write(&to, source)
            .with_context(|| format!("cannot write {}", to.display()));
    }
    std::fs::copy(file, &to)
        .map(drop)
        .with_context(|| format!("cannot copy {}", file.display()))
}

/// Exports a bundle, checks that it holds no hidden tests or solutions, that
/// its public tests build as shipped and fail with the todo panics, and that
/// grading it puts the hidden tests back.
pub fn check_bundle_round_trip(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let parent = workspace::temp_dir("bundle-")?;
    let out = parent.path().join("lesson13-student");
    bundle::export(&out)?;
    for left_out in ["solutions", "tools/xtask", "catalogue", ".ci"] {
        if out.join(left_out).exists() {
            bail!("the bundle contains {left_out}/");
        }
    }
    if !out.join("loom-models").join("Cargo.toml").is_file() {
        bail!("the bundle has no loom-models/: `cargo xtask check --loom` needs it");
    }
    let manifest = std::fs::read_to_string(out.join("Cargo.toml"))
        .context("cannot read the bundle's Cargo.toml")?;
    for leftover in ["criterion", "flume", "async-channel", "bench", "solutions"] {
        if manifest.contains(leftover) {
            bail!(
                "the bundle's Cargo.toml mentions {leftover}, which the bundle leaves out:\n{manifest}"
            );
        }
    }
    let mut public = 0;
    for exercise in ALL {
        if out
            .join(exercise.krate)
            .join(lesson13_grader::manifest::HIDDEN_TESTS)
            .exists()
        {
            bail!("the bundle contains {}'s hidden tests", exercise.krate);
        }
        // The bundle's own Cargo.lock must do: build it --locked.
        let target = workspace::scratch_target_dir().join("bundle");
        let results = match runner::test_crate(&out, exercise.krate, &target, &Options::jobs(jobs))
            .map_err(anyhow::Error::msg)?
        {
            CrateRun::CompileError(errors) => {
                bail!("{} does not build in the bundle:\n{errors}", exercise.krate);
            }
            CrateRun::Ran(results) => results,
        };
        let marker = exercise.todo_marker();
        if results.is_empty()
            || results
                .iter()
                .any(|r| !r.name.starts_with("public::") || !r.message.contains(&marker))
        {
            bail!(
                "{}: the bundle's tests are not exactly the public ones failing with `{marker}`",
                exercise.krate
            );
        }
        public += results.len();
    }
    let scheme = Scheme::load(None, &root)?;
    let report = grade_folder(&out, 0, &Settings::new(&scheme, jobs))?;
    let reference: usize = ALL.iter().map(|e| reference_test_count(&root, *e)).sum();
    if report.passed != 0
        || report.total != reference
        || report.exercises.iter().any(|e| e.status != Status::Fail)
    {
        bail!(
            "grading the bundle gave {}/{}, expected 0/{reference} with every exercise failing on its stubs",
            report.passed,
            report.total
        );
    }
    // Last: it overwrites the bundle's lib.rs files with the solutions.
    let driven =
        super::runner_drive::drive(&root, &out, &workspace::scratch_target_dir().join("bundle"))?;
    Ok(format!(
        "bundle has {public} public tests and no hidden ones; grading it ran all {reference} \
         tests; {driven}"
    ))
}
