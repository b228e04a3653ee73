//! Grade reports: their types, and their writers for the terminal, JSON
//! (serde_json) and JUnit XML (quick-junit).

use crate::scheme::show;
use crate::stamp::Stamp;
use lesson13_runner::sandbox::Protection;
use lesson13_runner::{TestResult, TestStatus, gist};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One exercise's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every test passed.
    Pass,
    /// Some test failed.
    Fail,
    /// The submission's `lib.rs` did not compile.
    CompileError,
    /// The static check refused the submission's `lib.rs` (it names
    /// something off limits); it was not built.
    Rejected,
    /// Every test that did not pass ran out of time.
    Timeout,
    /// The submission has no `lib.rs` for this exercise.
    Missing,
}

/// The grade of one exercise.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExerciseReport {
    /// The exercise's crate (`lesson13-mpsc`).
    #[serde(rename = "crate")]
    pub krate: String,
    /// How it went, as a whole.
    pub status: Status,
    /// How many of its tests passed.
    pub passed: usize,
    /// How many tests it has.
    pub total: usize,
    /// The points earned (see `grading.toml`).
    #[serde(flatten, default)]
    pub score: Score,
    /// The compiler's first errors, for `compile_error`; the offending lines
    /// and why, for `rejected`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Each test's result (none when it was not built).
    pub tests: Vec<TestResult>,
}

/// The grade of one submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The grader's version, and when it graded.
    #[serde(default)]
    pub grader: Stamp,
    /// Where the exercise files were found, relative to the submission
    /// folder: `.`, `handin` (one folder down), `submission.zip`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    /// Why nothing was graded, when the submission holds no exercise: what
    /// was found, and what was expected.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Each exercise's grade, in the course's order.
    pub exercises: Vec<ExerciseReport>,
    /// How many tests passed, in total.
    pub passed: usize,
    /// How many tests there are, in total.
    pub total: usize,
    /// The points earned, in total.
    #[serde(flatten, default)]
    pub score: Score,
    /// How long grading took, in seconds.
    #[serde(default)]
    pub seconds: f64,
    /// For a report of a sharded run, which shard graded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::ShardInfo>,
    /// The protections every test ran under.
    #[serde(default)]
    pub sandbox: SandboxReport,
}

/// What the sandbox did for a submission's tests (see `--sandbox`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SandboxReport {
    /// `auto`, `require` or `off`.
    pub mode: String,
    /// The protections in force.
    pub active: Vec<Protection>,
    /// The protections this system could not give.
    pub missing: Vec<Protection>,
}

impl Report {
    /// A report of these exercises, stamped now, not yet scored.
    pub fn new(exercises: Vec<ExerciseReport>) -> Report {
        Report {
            grader: Stamp::now(),
            found_in: None,
            message: String::new(),
            passed: exercises.iter().map(|e| e.passed).sum(),
            total: exercises.iter().map(|e| e.total).sum(),
            exercises,
            score: Score::default(),
            seconds: 0.0,
            shard: None,
            sandbox: SandboxReport::default(),
        }
    }
}

/// Points earned out of the most possible, and the percentage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The points earned.
    #[serde(default)]
    pub points: f64,
    /// The most points possible.
    #[serde(default)]
    pub max_points: f64,
    /// `points` out of `max_points`, in percent.
    #[serde(default)]
    pub percent: f64,
}

/// A student's folder name and grade, or why it could not be graded.
pub type StudentReport = (String, Result<Report, String>);

/// The readable table of one submission, with each failing test and the
/// gist of its message.
pub fn print_table(report: &Report) {
    println!(
        "\ngraded by {} at {}",
        report.grader.version(),
        report.grader.graded_at
    );
    if let Some(found_in) = report.found_in.as_deref().filter(|f| *f != ".") {
        println!("files found in {found_in}");
    }
    if !report.message.is_empty() {
        println!("{}", report.message);
    }
    println!(
        "\n{:<24} {:>12} {:>14}  status",
        "exercise", "passed/total", "points"
    );
    for exercise in &report.exercises {
        let score = format!("{}/{}", exercise.passed, exercise.total);
        let points = format!(
            "{}/{}",
            show(exercise.score.points),
            show(exercise.score.max_points)
        );
        println!(
            "{:<24} {score:>12} {points:>14}  {}",
            exercise.krate,
            status_word(exercise.status)
        );
        if matches!(exercise.status, Status::CompileError | Status::Rejected) {
            for line in exercise.message.lines().take(12) {
                println!("    {line}");
            }
        }
        // Tests that fail the same way (every test of an untouched stub,
        // say) are one line.
        let mut groups: Vec<(TestStatus, String, Vec<&str>)> = Vec::new();
        for test in exercise
            .tests
            .iter()
            .filter(|t| t.status != TestStatus::Pass)
        {
            let gist = gist(&test.message);
            match groups
                .iter_mut()
                .find(|(status, g, _)| *status == test.status && *g == gist)
            {
                Some((_, _, names)) => names.push(&test.name),
                None => groups.push((test.status, gist, vec![&test.name])),
            }
        }
        for (status, gist, names) in groups {
            let word = test_status_word(status);
            match names.as_slice() {
                [name] => println!("  ✗ {name} ({word}): {gist}"),
                _ => println!("  ✗ {} tests ({word}): {gist}", names.len()),
            }
        }
    }
    let score = format!("{}/{}", report.passed, report.total);
    let points = format!(
        "{}/{}",
        show(report.score.points),
        show(report.score.max_points)
    );
    println!(
        "{:<24} {score:>12} {points:>14}  {}%",
        "total",
        show(report.score.percent)
    );
}

/// The word for a test status, as in the JSON.
pub fn test_status_word(status: TestStatus) -> &'static str {
    match status {
        TestStatus::Pass => "pass",
        TestStatus::Fail => "fail",
        TestStatus::Timeout => "timeout",
    }
}

/// The word for an exercise status, as in the JSON.
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::CompileError => "compile_error",
        Status::Rejected => "rejected",
        Status::Timeout => "timeout",
        Status::Missing => "missing",
    }
}

/// Writes `report` as JSON to `path`.
pub fn write_json(report: &Report, path: &Path) -> Result<(), String> {
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| format!("cannot encode the report: {e}"))?;
    std::fs::write(path, json + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// A student's JSON file, as `merge-reports` reads it back: the report, or
/// why the student could not be graded.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stored {
    /// The student's report.
    Graded(Box<Report>),
    /// Grading could not run for this student.
    Failed {
        /// Why.
        error: String,
        /// The grader, and when it tried.
        grader: Stamp,
        /// For a sharded run, which shard tried.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shard: Option<crate::shard::ShardInfo>,
    },
}

/// Writes a student's report, or why they could not be graded (and, for a
/// sharded run, which shard tried), as JSON.
pub fn write_student_json(
    report: &Result<Report, String>,
    shard: Option<crate::shard::ShardInfo>,
    path: &Path,
) -> Result<(), String> {
    match report {
        Ok(report) => write_json(report, path),
        Err(error) => {
            let stored = Stored::Failed {
                error: error.clone(),
                grader: Stamp::now(),
                shard,
            };
            let json = serde_json::to_string_pretty(&stored)
                .map_err(|e| format!("cannot encode the report: {e}"))?;
            std::fs::write(path, json + "\n")
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
    }
}

/// Writes `report` as a JUnit XML file: one suite per exercise.
pub fn write_junit(report: &Report, name: &str, path: &Path) -> Result<(), String> {
    let mut junit = quick_junit::Report::new(format!("lesson13 {name}"));
    let names = |protections: &[Protection]| serde_json::to_string(protections).unwrap_or_default();
    for exercise in &report.exercises {
        let mut suite = TestSuite::new(exercise.krate.as_str());
        suite.add_properties([
            ("points", show(exercise.score.points).as_str()),
            ("max_points", show(exercise.score.max_points).as_str()),
            ("grader", report.grader.version().as_str()),
            ("graded_at", report.grader.graded_at.as_str()),
        ]);
        suite.add_property(("sandbox.mode", report.sandbox.mode.as_str()));
        suite.add_property(("sandbox.active", names(&report.sandbox.active).as_str()));
        suite.add_property(("sandbox.missing", names(&report.sandbox.missing).as_str()));
        match exercise.status {
            Status::CompileError | Status::Rejected | Status::Missing => {
                let mut status = if exercise.status == Status::Missing {
                    TestCaseStatus::skipped()
                } else {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status.set_type(status_word(exercise.status));
                    status
                };
                status.set_message(exercise.message.lines().next().unwrap_or(""));
                status.set_description(exercise.message.as_str());
                suite.add_test_case(TestCase::new("build", status));
            }
            _ => {
                for test in &exercise.tests {
                    let status = match test.status {
                        TestStatus::Pass => TestCaseStatus::success(),
                        TestStatus::Fail | TestStatus::Timeout => {
                            let kind = if test.status == TestStatus::Fail {
                                NonSuccessKind::Failure
                            } else {
                                NonSuccessKind::Error
                            };
                            let mut status = TestCaseStatus::non_success(kind);
                            status.set_type(if test.status == TestStatus::Fail {
                                "fail"
                            } else {
                                "timeout"
                            });
                            status.set_message(gist(&test.message));
                            status.set_description(test.message.as_str());
                            status
                        }
                    };
                    let mut case = TestCase::new(test.name.as_str(), status);
                    case.set_classname(exercise.krate.as_str());
                    suite.add_test_case(case);
                }
            }
        }
        junit.add_test_suite(suite);
    }
    let xml = junit
        .to_string()
        .map_err(|e| format!("cannot encode the JUnit report: {e}"))?;
    std::fs::write(path, xml).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Report-building helpers for other modules' tests.
#[cfg(test)]
pub mod tests {
    use super::*;

    /// An exercise report with these tests, for other modules' tests.
    pub fn exercise(krate: &str, status: Status, tests: &[(&str, TestStatus)]) -> ExerciseReport {
        let tests: Vec<TestResult> = tests.iter().map(|(n, s)| test(n, *s)).collect();
        ExerciseReport {
            krate: krate.to_owned(),
            status,
            passed: tests
                .iter()
                .filter(|t| t.status == TestStatus::Pass)
                .count(),
            total: tests.len(),
            score: Score::default(),
            message: String::new(),
            tests,
        }
    }

    /// A test result; a failure's message names the test.
    pub fn test(name: &str, status: TestStatus) -> TestResult {
        TestResult {
            name: name.to_owned(),
            status,
            message: match status {
                TestStatus::Pass => String::new(),
                _ => format!(
                    "thread '{name}' panicked at tests/hidden/graded.rs:1:1:\n{name} went wrong"
                ),
            },
            killed: false,
        }
    }

    #[test]
    fn a_report_and_a_failure_read_back_from_json() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = Report::new(vec![exercise(
            "lesson13-oneshot",
            Status::Fail,
            &[("hidden::graded::a", TestStatus::Timeout)],
        )]);
        report.found_in = Some("handin".into());
        let path = dir.path().join("a.json");
        write_student_json(&Ok(report), None, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(Stored::Graded(back)) = serde_json::from_str(&text) else {
            panic!("not read back as a report: {text}");
        };
        assert_eq!(back.found_in.as_deref(), Some("handin"));
        assert_eq!(back.exercises[0].tests[0].status, TestStatus::Timeout);
        write_student_json(&Err("cannot copy".into()), None, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(Stored::Failed { error, .. }) = serde_json::from_str(&text) else {
            panic!("not read back as a failure: {text}");
        };
        assert_eq!(error, "cannot copy");
    }
}
