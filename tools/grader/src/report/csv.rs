//! `--csv FILE`: the gradebook, one row per student, in the columns that
//! Canvas's and Moodle's grade imports read as they are.
//!
//! The header is Canvas's (`Student`, `ID`, `SIS User ID`, `SIS Login ID`,
//! `Section`, then one column per grade item); the student folder's name is
//! both the `Student` and the `SIS Login ID`, the other identity columns
//! stay empty. Moodle maps any column to a user field and any other to a
//! grade item. A student who could not be graded has empty grade cells, so
//! that an import leaves their grade alone. The last column, `Lesson 13
//! notes`, says what the grade alone does not: why a student could not be
//! graded or had nothing graded, where the files were found, and any
//! protection the sandbox lacked (Canvas offers it as a new assignment, to
//! ignore; Moodle leaves it unmapped).

use crate::report::StudentReport;
use crate::report::show;
use anyhow::{Context, Result};
use lesson13_runner::exercises::ALL;
use std::path::Path;

/// The identity columns, as Canvas's gradebook export names them.
const IDENTITY: [&str; 5] = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"];

/// The total's and the percentage's columns.
pub const TOTAL: &str = "Lesson 13 total";
/// See [`TOTAL`].
pub const PERCENT: &str = "Lesson 13 percent";
/// The notes' column (see the module).
pub const NOTES: &str = "Lesson 13 notes";

/// The gradebook's rows, header first.
pub fn rows(reports: &[StudentReport]) -> Vec<Vec<String>> {
    let mut header: Vec<String> = IDENTITY.iter().map(|c| c.to_string()).collect();
    header.extend(ALL.iter().map(|e| e.krate.to_owned()));
    header.extend([TOTAL.to_owned(), PERCENT.to_owned(), NOTES.to_owned()]);
    let mut rows = vec![header];
    for (name, report) in reports {
        let id = spreadsheet_safe(name);
        let mut row = vec![id.clone(), String::new(), String::new(), id, String::new()];
        match report {
            Ok(report) => {
                for exercise in ALL {
                    let points = report
                        .exercises
                        .iter()
                        .find(|e| e.krate == exercise.krate)
                        .map_or(0.0, |e| e.score.points);
                    row.push(show(points));
                }
                row.push(show(report.score.points));
                row.push(show(report.score.percent));
                row.push(spreadsheet_safe(&report.notes().join("; ")));
            }
            Err(why) => {
                row.extend(std::iter::repeat_n(String::new(), ALL.len() + 2));
                row.push(spreadsheet_safe(&format!("could not be graded: {why}")));
            }
        }
        rows.push(row);
    }
    rows
}

/// A cell that a spreadsheet will not run as a formula: a folder name that
/// starts with `=`, `+`, `-` or `@`, after any spaces (some spreadsheets
/// trim them on import), gets a leading `'` (OWASP's advice for CSV
/// injection), which also makes its row stand out on import.
fn spreadsheet_safe(text: &str) -> String {
    if text
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with(['=', '+', '-', '@'])
        || text.starts_with(['\t', '\r'])
    {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Writes the gradebook to `path`.
pub fn write(reports: &[StudentReport], path: &Path) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows(reports) {
        writer
            .write_record(&row)
            .context("cannot write a gradebook row")?;
    }
    let bytes = writer.into_inner().context("cannot write the gradebook")?;
    super::paths::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::exercise;
    use crate::report::{Report, Status};
    use crate::scheme::Scheme;
    use lesson13_runner::TestStatus;

    pub(crate) fn class() -> Vec<StudentReport> {
        let scheme = Scheme::default();
        let mut alice = Report::new(vec![
            exercise(
                "lesson13-oneshot",
                Status::Fail,
                &[
                    ("hidden::graded::a", TestStatus::Pass),
                    ("hidden::graded::b", TestStatus::Pass),
                    ("hidden::graded::c", TestStatus::Fail),
                ],
            ),
            exercise("lesson13-mpsc", Status::Missing, &[]),
        ]);
        crate::report::score::score(&scheme, &mut alice);
        vec![
            ("alice".into(), Ok(alice)),
            (
                "=cmd|' /C calc'!A0, \"Zola\"".into(),
                Err("cannot copy".into()),
            ),
        ]
    }

    #[test]
    fn one_row_per_student_with_points_total_and_percent() {
        let rows = rows(&class());
        assert_eq!(
            rows[0].join(","),
            "Student,ID,SIS User ID,SIS Login ID,Section,lesson13-oneshot,\
             lesson13-oneshot-drop,lesson13-mpsc,lesson13-bounded,Lesson 13 total,\
             Lesson 13 percent,Lesson 13 notes"
        );
        assert_eq!(
            rows[1],
            [
                "alice", "", "", "alice", "", "16.67", "0", "0", "0", "16.67", "33.34", ""
            ]
        );
    }

    #[test]
    fn a_formula_is_defused_even_after_spaces() {
        assert_eq!(spreadsheet_safe("=1+1"), "'=1+1");
        assert_eq!(spreadsheet_safe(" =1+1"), "' =1+1");
        assert_eq!(spreadsheet_safe("\t@x"), "'\t@x");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(spreadsheet_safe("a-b"), "a-b");
    }

    #[test]
    fn a_missing_protection_is_in_the_notes() {
        let mut class = class();
        if let Ok(report) = &mut class[0].1 {
            report.sandbox.mode = "auto".into();
            report.sandbox.missing = vec![lesson13_runner::sandbox::Protection::LandlockFiles];
        }
        assert_eq!(
            rows(&class)[1].last().unwrap(),
            "sandbox (auto) MISSING: landlock_files"
        );
    }

    #[test]
    fn a_student_who_could_not_be_graded_gets_empty_cells_and_no_formula() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grades.csv");
        write(&class(), &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let last = text.lines().last().unwrap();
        assert_eq!(
            last,
            "\"'=cmd|' /C calc'!A0, \"\"Zola\"\"\",,,\"'=cmd|' /C calc'!A0, \"\"Zola\"\"\",,,,,,,,\
             could not be graded: cannot copy"
        );
        let mut reader = csv::Reader::from_path(&path).unwrap();
        assert_eq!(reader.records().count(), 2);
    }
}
