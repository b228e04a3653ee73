//! A report as JUnit XML (quick-junit): one suite per exercise, one case
//! per test, and a `build` case for an exercise that was not built.

use crate::report::{RACING_NOTE, Report, Status, show, status_word};
use anyhow::{Context, Result};
use lesson13_runner::sandbox::Protection;
use lesson13_runner::{TestStatus, gist};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::path::Path;

/// Writes `report` as a JUnit XML file: one suite per exercise.
pub fn write(report: &Report, name: &str, path: &Path) -> Result<()> {
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
                            match test.racing {
                                true => status
                                    .set_message(format!("{RACING_NOTE}: {}", gist(&test.message))),
                                false => status.set_message(gist(&test.message)),
                            };
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
        .context("cannot encode the JUnit report")?;
    super::paths::write(path, xml)
}
