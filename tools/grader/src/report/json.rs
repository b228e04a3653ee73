//! A report as JSON (serde_json): one submission's, or, per student of a
//! class, the report or why it could not be made, as `merge-reports` reads
//! it back.

use crate::report::Report;
use crate::stamp::Stamp;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Writes `report` as JSON to `path`.
pub fn write(report: &Report, path: &Path) -> Result<()> {
    let json = serde_json::to_string_pretty(report).context("cannot encode the report")?;
    super::paths::write(path, json + "\n")
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
pub fn write_student(
    report: &Result<Report, String>,
    shard: Option<crate::shard::ShardInfo>,
    path: &Path,
) -> Result<()> {
    match report {
        Ok(report) => write(report, path),
        Err(error) => {
            let stored = Stored::Failed {
                error: error.clone(),
                grader: Stamp::now(),
                shard,
            };
            let json = serde_json::to_string_pretty(&stored).context("cannot encode the report")?;
            super::paths::write(path, json + "\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use crate::report::tests::exercise;
    use lesson13_runner::TestStatus;

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
        write_student(&Ok(report), None, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(Stored::Graded(back)) = serde_json::from_str(&text) else {
            panic!("not read back as a report: {text}");
        };
        assert_eq!(back.found_in.as_deref(), Some("handin"));
        assert_eq!(back.exercises[0].tests[0].status, TestStatus::Timeout);
        write_student(&Err("cannot copy".into()), None, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(Stored::Failed { error, .. }) = serde_json::from_str(&text) else {
            panic!("not read back as a failure: {text}");
        };
        assert_eq!(error, "cannot copy");
    }
}
