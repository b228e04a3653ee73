//! Reports on the terminal: one submission's table, with each failing test
//! (in teaching order; a racing one says its failure moves no point) and
//! the gist of its message, wrapped, and the class summary, one line per student
//! with each exercise's points, tests and status, and the total; aligned by
//! display width, so that "Émile Zola" or "王小明" lines up like "alice".
//!
//! Names and messages come from students, so every one goes through
//! [`escaped`] (or [`escaped_lines`]) on its way to the terminal: the
//! table, the summary, the class run's progress lines and bars.

use crate::report::{Report, Status, StudentReport, show, status_word, test_status_word};
use lesson13_runner::exercises::ALL;
use lesson13_runner::message::wrap;
use lesson13_runner::{TestStatus, gist};
use std::borrow::Cow;

/// How wide the table's failure lines wrap.
const WIDTH: usize = 100;

/// The racing note, as a failure line of the table says it.
const RACING_SHORT: &str = "failed on this run; does not change the points";
use unicode_width::UnicodeWidthStr;

/// `text` safe to print on one line of a terminal: every control character
/// (an escape sequence's `ESC`, a carriage return, a newline) and every
/// Unicode bidirectional control shown as an escape (`\u{1b}`), so that no
/// name or message can move the cursor, erase a line, recolour the screen
/// or reorder what is shown.
pub fn escaped(text: &str) -> Cow<'_, str> {
    escape(text, &[])
}

/// As [`escaped`], keeping newlines and tabs: for a message shown line by
/// line.
pub fn escaped_lines(text: &str) -> Cow<'_, str> {
    escape(text, &['\n', '\t'])
}

fn escape<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    let unsafe_char = |c: char| {
        !keep.contains(&c)
            && (c.is_control()
                || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'))
    };
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The readable table of one submission, with each failing test and the
/// gist of its message.
pub fn print_table(report: &Report) {
    println!(
        "\ngraded by {} at {}",
        report.grader.version(),
        report.grader.graded_at
    );
    if let Some(found_in) = report.found_in.as_deref().filter(|f| *f != ".") {
        println!("files found in {}", escaped(found_in));
    }
    if !report.message.is_empty() {
        println!("{}", escaped(&report.message));
    }
    if let Some(missing) = report.sandbox_missing() {
        println!("{missing}");
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
                println!("    {}", escaped(line));
            }
        }
        for notice in &exercise.notices {
            println!("  ! unusual: {notice}");
        }
        // Tests that fail the same way (every test of an untouched stub,
        // say) are one line, in teaching order.
        let mut groups: Vec<(TestStatus, bool, String, Vec<&str>)> = Vec::new();
        for test in exercise
            .tests
            .iter()
            .filter(|t| t.status != TestStatus::Pass)
        {
            let gist = escaped(&gist(&test.message)).into_owned();
            let same = |(status, racing, g, _): &&mut (TestStatus, bool, String, Vec<&str>)| {
                *status == test.status && *racing == test.racing && *g == gist
            };
            match groups.iter_mut().find(same) {
                Some((_, _, _, names)) => names.push(&test.name),
                None => groups.push((test.status, test.racing, gist, vec![&test.name])),
            }
        }
        for (status, racing, gist, names) in groups {
            let word = match racing {
                true => format!("{}; racing: {RACING_SHORT}", test_status_word(status)),
                false => test_status_word(status).to_owned(),
            };
            let line = match names.as_slice() {
                [name] => format!("✗ {} ({word}): {gist}", escaped(name)),
                _ => format!("✗ {} tests ({word}): {gist}", names.len()),
            };
            println!("  {}", wrap(&line, WIDTH, "      "));
        }
        if let Some(loom) = &exercise.loom {
            println!("  loom: {}", loom.summary);
            for step in &loom.steps {
                println!("    {step}");
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

/// Pads `text` with spaces to `width` columns, on the right or the left.
pub fn pad(text: &str, width: usize, right_align: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.width()));
    if right_align {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// The table's lines.
pub fn lines(reports: &[StudentReport]) -> Vec<String> {
    let cells: Vec<(String, Vec<String>, String, Option<String>)> = reports
        .iter()
        .map(|(name, report)| match report {
            Ok(report) => (
                escaped(name).into_owned(),
                exercise_cells(report),
                format!(
                    "{}/{}",
                    show(report.score.points),
                    show(report.score.max_points)
                ),
                note(report),
            ),
            Err(error) => (
                escaped(name).into_owned(),
                Vec::new(),
                String::new(),
                Some(format!("could not be graded: {}", escaped(error))),
            ),
        })
        .collect();
    let mut header = vec!["student".to_owned()];
    header.extend(
        ALL.iter()
            .map(|e| e.krate.trim_start_matches("lesson13-").to_owned()),
    );
    header.push("points".to_owned());
    let column = |i: usize| -> usize {
        let widths = cells.iter().map(|(name, exercises, total, _)| match i {
            0 => name.width(),
            i if i <= ALL.len() => exercises.get(i - 1).map_or(0, |c| c.width()),
            _ => total.width(),
        });
        widths.chain([header[i].width()]).max().unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(column).collect();
    let row = |texts: &[String]| -> String {
        texts
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (text, width))| pad(text, *width, i > 0))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut lines = vec![row(&header)];
    for (name, exercises, total, note) in cells {
        let mut texts = vec![name];
        texts.extend(exercises);
        if !total.is_empty() {
            texts.push(total);
        }
        lines.push(row(&texts));
        if let Some(note) = note {
            lines.push(format!("    ↳ {note}"));
        }
    }
    lines
}

/// Each exercise's cell: `20.83 11/12 timeout`, and loom's result when it
/// ran (`loom:race`).
fn exercise_cells(report: &Report) -> Vec<String> {
    ALL.iter()
        .map(|e| {
            report
                .exercises
                .iter()
                .find(|r| r.krate == e.krate)
                .map_or_else(String::new, |r| {
                    let loom = r
                        .loom
                        .as_ref()
                        .map(|l| format!(" loom:{}", l.result.word()))
                        .unwrap_or_default();
                    format!(
                        "{} {}/{} {}{loom}",
                        show(r.score.points),
                        r.passed,
                        r.total,
                        status_word(r.status)
                    )
                })
        })
        .collect()
}

/// What the line alone does not say (see [`Report::notes`]).
fn note(report: &Report) -> Option<String> {
    let notes = report.notes();
    (!notes.is_empty()).then(|| escaped(&notes.join("; ")).into_owned())
}

/// Prints the table.
pub fn print_summary(reports: &[StudentReport]) {
    println!();
    for line in lines(reports) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::exercise;
    use crate::report::{Report, Status};
    use crate::scheme::Scheme;
    use lesson13_runner::TestStatus;

    fn graded(found_in: &str) -> Result<Report, String> {
        let mut report = Report::new(
            ALL.iter()
                .map(|e| {
                    exercise(
                        e.krate,
                        Status::Pass,
                        &[("hidden::graded::a", TestStatus::Pass)],
                    )
                })
                .collect(),
        );
        report.found_in = Some(found_in.into());
        crate::report::score::score(&Scheme::default(), &mut report);
        Ok(report)
    }

    #[test]
    fn wide_and_accented_names_line_up_by_display_width() {
        let reports = vec![
            ("alice".to_owned(), graded(".")),
            ("Émile Zola".to_owned(), graded(".")),
            ("王小明".to_owned(), graded(".")),
        ];
        let lines = lines(&reports);
        let ends: Vec<usize> = lines.iter().map(|l| l.width()).collect();
        assert!(ends.windows(2).all(|w| w[0] == w[1]), "{lines:#?}");
        // Each exercise column starts at the same display column.
        let column = |line: &str| line.find("25 1/1").map(|i| line[..i].width());
        let starts: Vec<_> = lines[1..].iter().map(|l| column(l)).collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{lines:#?}");
    }

    #[test]
    fn control_characters_in_names_and_messages_are_shown_escaped() {
        assert_eq!(escaped("alice"), "alice");
        assert_eq!(
            escaped("mallory\u{1b}[2K\r\u{1b}[32m ok\n"),
            "mallory\\u{1b}[2K\\u{d}\\u{1b}[32m ok\\u{a}"
        );
        assert_eq!(escaped("evil\u{202e}txt.rs"), "evil\\u{202e}txt.rs");
        assert_eq!(escaped_lines("a\n\tb\u{7}"), "a\n\tb\\u{7}");
        let mut report = graded(".").unwrap();
        report.message = "refused: \u{1b}[31mred".into();
        report.sandbox.mode = "auto".into();
        report.sandbox.missing = vec![lesson13_runner::sandbox::Protection::Seccomp];
        let reports = vec![("mallory\u{1b}[2K\r".to_owned(), Ok(report))];
        let text = lines(&reports).join("\n");
        assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
        assert!(
            text.contains("↳ refused: \\u{1b}[31mred; sandbox (auto) MISSING: seccomp"),
            "{text}"
        );
    }

    #[test]
    fn where_files_were_found_and_why_a_student_has_none_are_shown() {
        let mut empty = graded(".").unwrap();
        empty.message = "no exercise: found notes.txt; expected …".into();
        let reports = vec![
            ("ivan".to_owned(), graded("handin")),
            ("grace".to_owned(), Ok(empty)),
            ("heidi".to_owned(), Err("cannot copy".to_owned())),
        ];
        let text = lines(&reports).join("\n");
        assert!(text.contains("↳ files found in handin"), "{text}");
        assert!(text.contains("↳ no exercise: found notes.txt"), "{text}");
        assert!(
            text.contains("↳ could not be graded: cannot copy"),
            "{text}"
        );
    }
}
