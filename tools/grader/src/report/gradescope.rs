//! `--gradescope FILE`: Gradescope's `results.json` for one submission, as
//! its autograder specification describes it.
//!
//! The score and each test's points come from the grading scheme (a racing
//! test is worth 0, and its failure says it does not change the points).
//! Tests come in teaching order, and a failure after an exercise's first
//! says it may follow from that one. Public tests are always `visible`; hidden tests get the scheme's
//! `[gradescope] hidden_tests` (`after_published` unless set). An exercise
//! that did not build, was rejected by the static check, or was not
//! submitted, is one visible test worth the exercise's points, with the
//! compiler's errors or the reason as its output. The autograder's own
//! output (`stdout`) stays `hidden`. The sandbox's state (each protection
//! active or missing) is in `extra_data` and in one more test, `sandbox`,
//! worth nothing and `hidden`: instructors see it, students do not; it
//! fails when a protection is missing.

use crate::report::score;
use crate::report::{LoomReport, LoomResult, RACING_NOTE, Report, SandboxReport, Status};
use crate::report::{round, show};
use crate::scheme::{Scheme, Visibility};
use crate::stamp::Stamp;
use anyhow::{Context, Result};
use lesson13_runner::TestStatus;
use lesson13_runner::order::MAY_FOLLOW;
use serde::Serialize;
use std::path::Path;

/// The whole `results.json`.
#[derive(Debug, Serialize)]
pub struct Results {
    /// The points earned.
    pub score: f64,
    /// The points possible.
    pub max_score: f64,
    /// How long grading took, in whole seconds.
    pub execution_time: u64,
    /// The summary students see above the tests.
    pub output: String,
    /// When students see what the autograder printed: never.
    pub stdout_visibility: Visibility,
    /// The grader's version and time, for the instructor.
    pub extra_data: ExtraData,
    /// One entry per test (or per exercise that did not run).
    pub tests: Vec<TestEntry>,
}

/// What Gradescope stores without showing it.
#[derive(Debug, Serialize)]
pub struct ExtraData {
    /// The grader and when it graded.
    pub grader: Stamp,
    /// Where the files were found in the submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    /// The protections the tests ran under, and those missing.
    pub sandbox: SandboxReport,
}

/// One test.
#[derive(Debug, Serialize)]
pub struct TestEntry {
    /// `<crate>: <test>`.
    pub name: String,
    /// The points earned.
    pub score: f64,
    /// The points possible.
    pub max_score: f64,
    /// `passed` or `failed`.
    pub status: &'static str,
    /// The failure's message; empty when it passed.
    pub output: String,
    /// When students see it.
    pub visibility: Visibility,
}

/// The results of `report` under `scheme`.
pub fn results(report: &Report, scheme: &Scheme) -> Results {
    let mut tests = Vec::new();
    for exercise in &report.exercises {
        match exercise.status {
            Status::CompileError | Status::Rejected | Status::Missing => tests.push(TestEntry {
                name: format!("{}: build", exercise.krate),
                score: 0.0,
                max_score: exercise.score.max_points,
                status: "failed",
                output: exercise.message.clone(),
                visibility: Visibility::Visible,
            }),
            Status::Pass | Status::Fail | Status::Timeout => {
                let mut first_failure = None;
                for test in &exercise.tests {
                    let (score, max_score) = score::test_points(scheme, exercise, test);
                    let passed = test.status == TestStatus::Pass;
                    let mut output = String::new();
                    if !passed {
                        if test.racing {
                            output += &format!("This test {RACING_NOTE}.\n\n");
                        }
                        match first_failure {
                            Some(first) => {
                                output += &format!("This failure {MAY_FOLLOW} ({first}).\n\n")
                            }
                            None => first_failure = Some(test.name.as_str()),
                        }
                    }
                    output += &test.message;
                    tests.push(TestEntry {
                        name: format!("{}: {}", exercise.krate, test.name),
                        score: round(score),
                        max_score: round(max_score),
                        status: if passed { "passed" } else { "failed" },
                        output,
                        visibility: if test.name.starts_with("public::") {
                            Visibility::Visible
                        } else {
                            scheme.gradescope.hidden_tests
                        },
                    });
                }
                // A clean or racy result is a test of its own, with its
                // points when it has some (else 0 of 0); the others have
                // no pass or fail to give, and are in the summary.
                let decided =
                    |l: &&LoomReport| matches!(l.result, LoomResult::Clean | LoomResult::Race);
                if let Some(loom) = exercise.loom.as_ref().filter(decided) {
                    let (score, max_score) =
                        score::loom_points(scheme, exercise).unwrap_or((0.0, 0.0));
                    let mut output = loom.summary.clone();
                    for step in &loom.steps {
                        output.push_str(&format!("\n{step}"));
                    }
                    tests.push(TestEntry {
                        name: format!("{}: loom", exercise.krate),
                        score: round(score),
                        max_score: round(max_score),
                        status: if loom.result == LoomResult::Race {
                            "failed"
                        } else {
                            "passed"
                        },
                        output,
                        visibility: Visibility::Visible,
                    });
                }
            }
        }
    }
    tests.push(sandbox_entry(&report.sandbox));
    Results {
        score: report.score.points,
        max_score: report.score.max_points,
        execution_time: report.seconds.round() as u64,
        output: summary(report),
        stdout_visibility: Visibility::Hidden,
        extra_data: ExtraData {
            grader: report.grader.clone(),
            found_in: report.found_in.clone(),
            sandbox: report.sandbox.clone(),
        },
        tests,
    }
}

/// The sandbox's state, as a test for instructors only: worth nothing,
/// failed when a protection is missing.
fn sandbox_entry(sandbox: &SandboxReport) -> TestEntry {
    let lines = sandbox
        .missing
        .iter()
        .map(|p| format!("MISSING  {}", p.describe()))
        .chain(
            sandbox
                .active
                .iter()
                .map(|p| format!("active   {}", p.describe())),
        );
    TestEntry {
        name: format!("sandbox ({}): for instructors", sandbox.mode),
        score: 0.0,
        max_score: 0.0,
        status: if sandbox.missing.is_empty() {
            "passed"
        } else {
            "failed"
        },
        output: lines.collect::<Vec<_>>().join("\n"),
        visibility: Visibility::Hidden,
    }
}

/// The summary above the tests: each exercise's points, and what the
/// student should know about their submission's layout.
fn summary(report: &Report) -> String {
    let mut lines = Vec::new();
    if !report.message.is_empty() {
        lines.push(format!("No exercise was graded: {}", report.message));
    }
    if let Some(found_in) = report.found_in.as_deref().filter(|f| *f != ".") {
        lines.push(format!("Your files were found in {found_in}."));
    }
    for exercise in &report.exercises {
        lines.push(format!(
            "{}: {} of {} points ({} of {} tests passed)",
            exercise.krate,
            show(exercise.score.points),
            show(exercise.score.max_points),
            exercise.passed,
            exercise.total
        ));
        if let Some(loom) = &exercise.loom {
            lines.push(format!("  loom: {}", loom.summary));
        }
    }
    lines.push(format!(
        "Graded by the lesson 13 grader {} at {}.",
        report.grader.version(),
        report.grader.graded_at
    ));
    lines.join("\n")
}

/// Writes `report`'s `results.json` to `path`.
pub fn write(report: &Report, scheme: &Scheme, path: &Path) -> Result<()> {
    let json = serde_json::to_string_pretty(&results(report, scheme))
        .context("cannot encode results.json")?;
    super::paths::write(path, json + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::exercise;

    #[test]
    fn results_follow_gradescopes_specification() {
        let mut report = Report::new(vec![
            exercise(
                "lesson13-oneshot",
                Status::Fail,
                &[
                    ("hidden::graded::a", TestStatus::Pass),
                    ("hidden::graded::b", TestStatus::Timeout),
                    ("public::lesson::c", TestStatus::Pass),
                    ("public::lesson::d", TestStatus::Fail),
                ],
            ),
            exercise("lesson13-mpsc", Status::CompileError, &[]),
        ]);
        report.exercises[1].message = "error[E0308]: mismatched types".into();
        report.seconds = 12.4;
        let scheme = Scheme::default();
        crate::report::score::score(&scheme, &mut report);
        let json = serde_json::to_value(results(&report, &scheme)).unwrap();
        assert_eq!(json["score"], 12.5);
        assert_eq!(json["max_score"], 50.0);
        assert_eq!(json["execution_time"], 12);
        assert_eq!(json["stdout_visibility"], "hidden");
        let tests = json["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 6);
        let entry = |i: usize, key: &str| tests[i][key].clone();
        assert_eq!(entry(0, "name"), "lesson13-oneshot: hidden::graded::a");
        assert_eq!(entry(0, "visibility"), "after_published");
        assert_eq!(
            (entry(0, "score"), entry(0, "max_score")),
            (6.25.into(), 6.25.into())
        );
        assert_eq!(entry(1, "status"), "failed");
        assert_eq!(entry(1, "score"), 0.0);
        assert!(
            entry(1, "output")
                .as_str()
                .unwrap()
                .contains("b went wrong")
        );
        assert_eq!(entry(2, "visibility"), "visible");
        assert_eq!(entry(4, "name"), "lesson13-mpsc: build");
        assert_eq!(
            (entry(4, "score"), entry(4, "max_score")),
            (0.0.into(), 25.0.into())
        );
        assert_eq!(entry(4, "visibility"), "visible");
        assert!(entry(4, "output").as_str().unwrap().contains("E0308"));
        let total: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert_eq!(total, 12.5);
    }

    #[test]
    fn a_racing_failure_and_the_failures_after_the_first_say_so() {
        let scheme = Scheme::parse("[racing]\ntests = [\"lesson13-mpsc::stress\"]").unwrap();
        let mut report = Report::new(vec![exercise(
            "lesson13-mpsc",
            Status::Fail,
            &[
                ("public::behaviour::fifo", TestStatus::Fail),
                ("public::behaviour::wakes", TestStatus::Fail),
                ("hidden::graded::stress", TestStatus::Timeout),
                ("hidden::graded::drops", TestStatus::Pass),
            ],
        )]);
        crate::report::score::score(&scheme, &mut report);
        let json = serde_json::to_value(results(&report, &scheme)).unwrap();
        let output = |i: usize| json["tests"][i]["output"].as_str().unwrap().to_owned();
        assert!(output(0).starts_with("thread '"), "{}", output(0));
        assert!(
            output(1).starts_with(
                "This failure may follow from the failure above (public::behaviour::fifo)."
            ),
            "{}",
            output(1)
        );
        assert!(
            output(2).starts_with("This test failed on this run; does not change your points"),
            "{}",
            output(2)
        );
        assert_eq!(json["tests"][2]["max_score"], 0.0);
        assert_eq!(output(3), "");
        // Three tests weigh 1 each (not the racing one); one passed.
        assert_eq!(json["score"], 8.33);
    }

    #[test]
    fn the_sandbox_state_is_for_instructors_only() {
        use lesson13_runner::sandbox::Protection;
        let mut report = Report::new(vec![]);
        report.sandbox = SandboxReport {
            mode: "auto".into(),
            active: vec![Protection::ScrubbedEnvironment],
            missing: vec![Protection::Seccomp],
        };
        let json = serde_json::to_value(results(&report, &Scheme::default())).unwrap();
        assert_eq!(json["extra_data"]["sandbox"]["missing"][0], "seccomp");
        let entry = json["tests"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(entry["visibility"], "hidden");
        assert_eq!(entry["status"], "failed");
        assert_eq!(
            (entry["score"].clone(), entry["max_score"].clone()),
            (0.0.into(), 0.0.into())
        );
        assert!(
            entry["output"]
                .as_str()
                .unwrap()
                .starts_with("MISSING  seccomp")
        );
    }

    #[test]
    fn the_hidden_tests_visibility_comes_from_the_scheme() {
        let scheme = Scheme::parse("[gradescope]\nhidden_tests = \"after_due_date\"").unwrap();
        let mut report = Report::new(vec![exercise(
            "lesson13-oneshot",
            Status::Pass,
            &[("hidden::graded::a", TestStatus::Pass)],
        )]);
        crate::report::score::score(&scheme, &mut report);
        let json = serde_json::to_value(results(&report, &scheme)).unwrap();
        assert_eq!(json["tests"][0]["visibility"], "after_due_date");
    }
}
