//! Grade reports: their types, here, their points ([`score`]), and their
//! writers, one module each.
//!
//! - [`terminal`]: one submission's table, and the class summary;
//! - [`json`]: a report as JSON (per student, as `merge-reports` reads it
//!   back);
//! - [`junit`]: JUnit XML (quick-junit);
//! - [`csv`]: the gradebook, for Canvas and Moodle;
//! - [`gradescope`]: Gradescope's `results.json`;
//! - [`class_report`]: the class report, in Markdown (its loom section in
//!   [`class_loom`]);
//! - [`paths`]: every report path checked before grading starts.

pub mod class_loom;
pub mod class_report;
pub mod csv;
pub mod gradescope;
pub mod json;
pub mod junit;
pub mod paths;
pub mod score;
pub mod terminal;

use crate::stamp::Stamp;
use anyhow::Result;
use lesson13_runner::sandbox::Protection;
use lesson13_runner::{TestResult, TestStatus};
use serde::{Deserialize, Serialize};

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
    /// The static check's notices: constructs that are allowed but unusual,
    /// and that the known ways to corrupt memory from safe code use (one
    /// line per kind), for an instructor to look at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Each test's result (none when it was not built).
    pub tests: Vec<TestResult>,
    /// What loom's models found, when they ran (`grade --loom`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loom: Option<LoomReport>,
}

/// What loom's models found in one exercise (see `lesson13_runner::loom`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoomReport {
    /// `clean`, `race`, `inconclusive` or `skipped`.
    pub result: LoomResult,
    /// One line: what loom found, and what it does not say.
    pub summary: String,
    /// For a race: the model that found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// For a race: the interleaving, as numbered steps of the `lib.rs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// For a race: what went wrong, in one sentence.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ending: String,
}

/// loom's result for one exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoomResult {
    /// No interleaving within the preemption bound failed: not a proof.
    Clean,
    /// An interleaving failed: a deadlock, a lost wakeup, a panic, a leak.
    Race,
    /// The time budget ran out first: no race found within the bound.
    Inconclusive,
    /// loom cannot check this code (its own threads, time, spinning,
    /// another crate's channel, what loom's std lacks).
    Skipped,
}

impl LoomResult {
    /// The word, as in the JSON.
    pub fn word(self) -> &'static str {
        match self {
            LoomResult::Clean => "clean",
            LoomResult::Race => "race",
            LoomResult::Inconclusive => "inconclusive",
            LoomResult::Skipped => "skipped",
        }
    }
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

    /// What a gradebook line alone does not say: why nothing was graded,
    /// or where the files were found; and any protection the sandbox
    /// lacked. For the summary's and the gradebook's notes.
    pub fn notes(&self) -> Vec<String> {
        let place = if !self.message.is_empty() {
            Some(self.message.clone())
        } else {
            self.found_in
                .as_deref()
                .filter(|f| *f != ".")
                .map(|f| format!("files found in {f}"))
        };
        place.into_iter().chain(self.sandbox_missing()).collect()
    }

    /// One line on the protections the sandbox could not give, if any.
    pub fn sandbox_missing(&self) -> Option<String> {
        let missing = &self.sandbox.missing;
        if missing.is_empty() {
            return None;
        }
        let names: Vec<String> = missing
            .iter()
            .filter_map(|p| serde_json::to_value(p).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        Some(format!(
            "sandbox ({}) MISSING: {}",
            self.sandbox.mode,
            names.join(", ")
        ))
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

/// What every report says of a racing test that failed (see
/// [`crate::scheme::Racing`]).
pub const RACING_NOTE: &str = "failed on this run; does not change your points (a racing \
    test: it runs several threads at once, so whether it catches a bug depends on their \
    timing; its failure still shows a real bug)";

/// A student's folder name and grade, or why it could not be graded.
pub type StudentReport = (String, Result<Report, String>);

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

impl Score {
    /// `points` out of `max`.
    pub fn of(points: f64, max: f64) -> Score {
        Score {
            points,
            max_points: max,
            percent: percent(points, max),
        }
    }
}

/// Points are kept to two decimals, as gradebooks show them.
pub fn round(points: f64) -> f64 {
    (points * 100.0).round() / 100.0
}

/// `points` out of `max` as a percentage, two decimals; 0 when `max` is 0.
pub fn percent(points: f64, max: f64) -> f64 {
    if max == 0.0 {
        0.0
    } else {
        round(100.0 * points / max)
    }
}

/// A number of points as a gradebook shows it: `25`, `12.5`, `20.83`.
pub fn show(points: f64) -> String {
    let text = format!("{:.2}", round(points));
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Writes the class's gradebook (`--csv`) and class report
/// (`--class-report`), those asked for, and says where: what `grade
/// --submissions` and `merge-reports` both end with.
pub fn write_class_files(
    reports: &[StudentReport],
    scheme: &crate::scheme::Scheme,
    gradebook: Option<&std::path::Path>,
    class_page: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    if let Some(path) = gradebook {
        csv::write(reports, path)?;
        println!("wrote the gradebook to {}", path.display());
    }
    if let Some(path) = class_page {
        class_report::write(reports, scheme, path)?;
        println!("wrote the class report to {}", path.display());
    }
    Ok(())
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
            notices: Vec::new(),
            tests,
            loom: None,
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
            racing: false,
        }
    }

    #[test]
    fn points_show_as_a_gradebook_shows_them() {
        assert_eq!(show(25.0), "25");
        assert_eq!(show(12.5), "12.5");
        assert_eq!(show(20.833_333), "20.83");
        assert_eq!(show(0.0), "0");
    }
}
