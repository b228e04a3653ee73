//! Grade reports: their types, and their writers for the terminal, JSON
//! (serde_json) and JUnit XML (quick-junit).

use crate::exercises::ALL;
use lesson13_runner::sandbox::Protection;
use lesson13_runner::{TestResult, TestStatus, gist};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use std::path::Path;

/// One exercise's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseReport {
    #[serde(rename = "crate")]
    pub krate: String,
    pub status: Status,
    pub passed: usize,
    pub total: usize,
    /// The compiler's first errors, for `compile_error`; the offending lines
    /// and why, for `rejected`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    pub tests: Vec<TestResult>,
}

/// The grade of one submission.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub exercises: Vec<ExerciseReport>,
    pub passed: usize,
    pub total: usize,
    /// The protections every test ran under.
    pub sandbox: SandboxReport,
}

/// What the sandbox did for a submission's tests (see `--sandbox`).
#[derive(Debug, Clone, Serialize)]
pub struct SandboxReport {
    /// `auto`, `require` or `off`.
    pub mode: String,
    /// The protections in force.
    pub active: Vec<Protection>,
    /// The protections this system could not give.
    pub missing: Vec<Protection>,
}

/// A student's folder name and grade, or why it could not be graded.
pub type StudentReport = (String, Result<Report, String>);

/// The readable table of one submission, with each failing test and the
/// gist of its message.
pub fn print_table(report: &Report) {
    println!("\n{:<24} {:>12}  status", "exercise", "passed/total");
    for exercise in &report.exercises {
        let score = format!("{}/{}", exercise.passed, exercise.total);
        println!(
            "{:<24} {:>12}  {}",
            exercise.krate,
            score,
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
    println!(
        "{:<24} {:>12}",
        "total",
        format!("{}/{}", report.passed, report.total)
    );
}

/// One line per student: each exercise's score and status, and the total.
pub fn print_summary(reports: &[StudentReport]) {
    let width = reports
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let header: Vec<String> = ALL
        .iter()
        .map(|e| format!("{:>22}", e.krate.trim_start_matches("lesson13-")))
        .collect();
    println!(
        "\n{:<width$} {} {:>10}",
        "student",
        header.join(" "),
        "total"
    );
    for (name, report) in reports {
        let Ok(report) = report else {
            println!(
                "{name:<width$} could not be graded: {}",
                report.as_ref().err().unwrap()
            );
            continue;
        };
        let cells: Vec<String> = report
            .exercises
            .iter()
            .map(|e| {
                format!(
                    "{:>22}",
                    format!("{}/{} {}", e.passed, e.total, status_word(e.status))
                )
            })
            .collect();
        println!(
            "{name:<width$} {} {:>10}",
            cells.join(" "),
            format!("{}/{}", report.passed, report.total)
        );
    }
}

fn test_status_word(status: TestStatus) -> &'static str {
    match status {
        TestStatus::Pass => "pass",
        TestStatus::Fail => "fail",
        TestStatus::Timeout => "timeout",
    }
}

fn status_word(status: Status) -> &'static str {
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

/// Writes `report` as a JUnit XML file: one suite per exercise.
pub fn write_junit(report: &Report, name: &str, path: &Path) -> Result<(), String> {
    let mut junit = quick_junit::Report::new(format!("lesson13 {name}"));
    let names = |protections: &[Protection]| serde_json::to_string(protections).unwrap_or_default();
    for exercise in &report.exercises {
        let mut suite = TestSuite::new(exercise.krate.as_str());
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
