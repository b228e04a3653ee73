//! `--class-report FILE`: one Markdown page that answers "what did the class
//! not get?": the score distribution, each exercise's outcomes, how many
//! students show each misconception of `grading.toml`, each failing test
//! with how many failed it and its most common message, and, with
//! `--loom`, loom's results ([`super::class_loom`]).
//!
//! Messages come from student code, so every cell is escaped: no HTML or
//! table syntax of theirs reaches the page.

use crate::report::show;
use crate::report::{Report, Status, StudentReport, status_word};
use crate::scheme::Scheme;
use anyhow::Result;
use lesson13_runner::exercises::ALL;
use lesson13_runner::{TestResult, TestStatus, gist};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// The page, as Markdown.
pub fn markdown(reports: &[StudentReport], scheme: &Scheme) -> String {
    let graded: Vec<(&str, &Report)> = reports
        .iter()
        .filter_map(|(name, r)| r.as_ref().ok().map(|r| (name.as_str(), r)))
        .collect();
    let mut page = String::from("# Lesson 13: class report\n\n");
    page += &header(reports, &graded);
    page += &sandbox(&graded);
    page += &distribution(&graded);
    page += &exercises(&graded);
    page += &misconceptions(&graded, scheme);
    page += &failing_tests(&graded);
    page += &super::class_loom::section(&graded);
    page += &attention(reports);
    page
}

/// Writes the page to `path`.
pub fn write(reports: &[StudentReport], scheme: &Scheme, path: &Path) -> Result<()> {
    super::paths::write(path, markdown(reports, scheme))
}

fn header(reports: &[StudentReport], graded: &[(&str, &Report)]) -> String {
    let mut text = format!("{} students graded", graded.len());
    let failed = reports.len() - graded.len();
    if failed > 0 {
        let _ = write!(text, ", {failed} could not be graded (see the end)");
    }
    let latest = graded
        .iter()
        .map(|(_, r)| &r.grader)
        .max_by(|a, b| a.graded_at.cmp(&b.graded_at));
    if let Some(stamp) = latest {
        let _ = write!(
            text,
            "; grader {}, last report at {}",
            escape(&stamp.version()),
            escape(&stamp.graded_at)
        );
    }
    let versions: std::collections::BTreeSet<String> =
        graded.iter().map(|(_, r)| r.grader.version()).collect();
    if versions.len() > 1 {
        let listed: Vec<String> = versions.iter().map(|v| escape(v)).collect();
        let _ = write!(
            text,
            ". **The reports come from {} grader versions: {}**",
            versions.len(),
            listed.join(", ")
        );
    }
    text + ".\n\n"
}

/// Whenever a student's tests ran without a protection of the sandbox:
/// which, and for how many students.
fn sandbox(graded: &[(&str, &Report)]) -> String {
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    for (_, report) in graded {
        if let Some(line) = report.sandbox_missing() {
            *missing.entry(line).or_default() += 1;
        }
    }
    if missing.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "## Sandbox\n\n**Some submissions were graded without every protection of the \
         sandbox**: what those protections stop, their code could do (see the instructors' \
         guide, \"Sandbox\"). Grade them again where the sandbox is whole, or read their \
         code.\n\n",
    );
    for (line, count) in missing {
        let _ = writeln!(text, "- {count} of {}: {}", graded.len(), escape(&line));
    }
    text + "\n"
}

fn distribution(graded: &[(&str, &Report)]) -> String {
    let mut text = String::from("## Scores\n\n");
    if graded.is_empty() {
        return text + "No student was graded.\n\n";
    }
    let mut totals: Vec<f64> = graded.iter().map(|(_, r)| r.score.points).collect();
    totals.sort_by(f64::total_cmp);
    let max = graded[0].1.score.max_points;
    let mean = totals.iter().sum::<f64>() / totals.len() as f64;
    let median = match totals.len() {
        n if n % 2 == 1 => totals[n / 2],
        n => (totals[n / 2 - 1] + totals[n / 2]) / 2.0,
    };
    let _ = writeln!(
        text,
        "Out of {}: mean {}, median {}, lowest {}, highest {}.\n",
        show(max),
        show(mean),
        show(median),
        show(totals[0]),
        show(totals[totals.len() - 1])
    );
    text += "| total | students | |\n|---|---:|---|\n";
    let mut buckets = [0usize; 11];
    for (_, report) in graded {
        // 100 % alone; below it, tens: 90–99 %, ..., 0–9 %.
        let bucket = (report.score.percent / 10.0).floor().clamp(0.0, 10.0) as usize;
        buckets[bucket] += 1;
    }
    for (i, count) in buckets.iter().enumerate().rev() {
        let range = if i == 10 {
            "100 %".to_owned()
        } else {
            format!("{}–{} %", i * 10, i * 10 + 9)
        };
        let _ = writeln!(text, "| {range} | {count} | {} |", "█".repeat(*count));
    }
    text + "\n"
}

fn exercises(graded: &[(&str, &Report)]) -> String {
    let statuses = [
        Status::Pass,
        Status::Fail,
        Status::Timeout,
        Status::CompileError,
        Status::Rejected,
        Status::Missing,
    ];
    let mut text = String::from("## Exercises\n\n| exercise | mean points |");
    for status in statuses {
        let _ = write!(text, " {} |", status_word(status));
    }
    text += " a todo!() left |\n|---|---:|";
    text += &"---:|".repeat(statuses.len() + 1);
    text += "\n";
    for exercise in ALL {
        let reports: Vec<_> = graded
            .iter()
            .filter_map(|(_, r)| r.exercises.iter().find(|e| e.krate == exercise.krate))
            .collect();
        let count = |status| reports.iter().filter(|e| e.status == status).count();
        let mean = if reports.is_empty() {
            0.0
        } else {
            reports.iter().map(|e| e.score.points).sum::<f64>() / reports.len() as f64
        };
        let max = reports.first().map_or(0.0, |e| e.score.max_points);
        let _ = write!(
            text,
            "| {} | {} of {} |",
            exercise.krate,
            show(mean),
            show(max)
        );
        for status in statuses {
            let _ = write!(text, " {} |", count(status));
        }
        let todo = reports
            .iter()
            .filter(|e| e.tests.iter().any(unfinished))
            .count();
        let _ = write!(text, " {todo} |");
        // Statuses another grader version may add still get counted.
        let others = reports
            .iter()
            .filter(|e| !statuses.contains(&e.status))
            .count();
        if others > 0 {
            let _ = write!(text, " ({others} other)");
        }
        text += "\n";
    }
    text + "\n"
}

/// Whether the exercise's tests ran, so that their results say something.
fn ran(status: Status) -> bool {
    matches!(status, Status::Pass | Status::Fail | Status::Timeout)
}

/// A test that failed on a `todo!()` the student left: it says the work is
/// unfinished, not what the student misunderstood, so it counts in neither
/// the misconceptions nor the failing tests.
fn unfinished(test: &TestResult) -> bool {
    test.status != TestStatus::Pass && test.message.contains("not yet implemented")
}

fn misconceptions(graded: &[(&str, &Report)], scheme: &Scheme) -> String {
    let mut text = String::from("## What the class did not get\n\n");
    if scheme.misconceptions.is_empty() {
        return text + "The grading scheme names no misconceptions.\n\n";
    }
    text += "How many students failed at least one of each misconception's tests (or, for \
             some, had one time out), out of those whose exercise was graded (not missing, \
             and it compiled). A test can show more than one misconception. A test that \
             failed on a todo!() the student left counts here for nothing, and neither \
             below.\n\n\
             | misconception | students | what it is |\n|---|---:|---|\n";
    let mut rows: Vec<(usize, usize, String)> = Vec::new();
    for misconception in &scheme.misconceptions {
        let (mut hit, mut seen) = (0, 0);
        for (_, report) in graded {
            let covered: Vec<_> = report
                .exercises
                .iter()
                .filter(|e| ran(e.status))
                .flat_map(|e| e.tests.iter().map(move |t| (e, t)))
                .filter(|(e, t)| misconception.covers(&e.krate, &t.name) && !unfinished(t))
                .collect();
            if !covered.is_empty() {
                seen += 1;
                if covered
                    .iter()
                    .any(|(_, t)| misconception.shown_by(t.status))
                {
                    hit += 1;
                }
            }
        }
        let row = format!(
            "| {} | {} | {} |",
            escape(&misconception.name),
            share(hit, seen),
            escape(&misconception.about)
        );
        rows.push((hit, seen, row));
    }
    // The most common first.
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    for (_, _, row) in rows {
        text += &row;
        text += "\n";
    }
    text + "\n"
}

fn share(count: usize, of: usize) -> String {
    if of == 0 {
        "–".to_owned()
    } else {
        format!(
            "{count} of {of} ({:.0} %)",
            100.0 * count as f64 / of as f64
        )
    }
}

/// How one test fared across the class.
#[derive(Default)]
struct Tally {
    /// How many students' exercise ran it, and how many of them failed it.
    ran: usize,
    failed: usize,
    /// Each failure's gist, and how many students got it.
    messages: BTreeMap<String, usize>,
    /// A racing test: its failures move no point.
    racing: bool,
}

fn failing_tests(graded: &[(&str, &Report)]) -> String {
    let mut text = String::from("## Tests that failed\n\n");
    // By exercise (its index) and test.
    let mut tests: BTreeMap<(usize, &str), Tally> = BTreeMap::new();
    for (_, report) in graded {
        for exercise in report.exercises.iter().filter(|e| ran(e.status)) {
            let index = ALL
                .iter()
                .position(|e| e.krate == exercise.krate)
                .unwrap_or(ALL.len());
            for test in exercise.tests.iter().filter(|t| !unfinished(t)) {
                let tally = tests.entry((index, test.name.as_str())).or_default();
                tally.ran += 1;
                tally.racing |= test.racing;
                if test.status != TestStatus::Pass {
                    tally.failed += 1;
                    let message = match test.status {
                        TestStatus::Timeout => format!("(timeout) {}", gist(&test.message)),
                        _ => gist(&test.message),
                    };
                    *tally.messages.entry(message).or_default() += 1;
                }
            }
        }
    }
    let mut failing: Vec<_> = tests
        .into_iter()
        .filter(|(_, tally)| tally.failed > 0)
        .collect();
    if failing.is_empty() {
        return text
            + "No test failed, apart from tests that stopped at a `todo!()` the student left \
               in (counted in the table above).\n\n";
    }
    failing.sort_by(|a, b| b.1.failed.cmp(&a.1.failed).then(a.0.cmp(&b.0)));
    text += "| exercise | test | failed | the most common message |\n|---|---|---:|---|\n";
    for (
        (index, name),
        Tally {
            failed,
            ran,
            messages,
            racing,
        },
    ) in failing
    {
        let krate = ALL.get(index).map_or("?", |e| e.krate);
        let message = messages
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(m, _)| m.as_str())
            .unwrap_or("");
        let racing = if racing { " (racing: no points)" } else { "" };
        let _ = writeln!(
            text,
            "| {krate} | `{}`{racing} | {} | {} |",
            name.replace('`', ""),
            share(failed, ran),
            escape(message)
        );
    }
    text + "\n"
}

fn attention(reports: &[StudentReport]) -> String {
    let mut lines = Vec::new();
    for (name, report) in reports {
        match report {
            Err(error) => lines.push(format!(
                "- {}: could not be graded: {}",
                escape(name),
                escape(error)
            )),
            Ok(report) if !report.message.is_empty() => {
                lines.push(format!("- {}: {}", escape(name), escape(&report.message)))
            }
            Ok(report) => {
                for exercise in report
                    .exercises
                    .iter()
                    .filter(|e| e.status == Status::Rejected)
                {
                    lines.push(format!(
                        "- {}: {} rejected by the static check: {}",
                        escape(name),
                        exercise.krate,
                        escape(&gist(&exercise.message))
                    ));
                }
                for exercise in report.exercises.iter().filter(|e| !e.notices.is_empty()) {
                    lines.push(format!(
                        "- {}: {} has unusual constructs: {}",
                        escape(name),
                        exercise.krate,
                        escape(&exercise.notices.join("; "))
                    ));
                }
                if let Some(found_in) = report.found_in.as_deref().filter(|f| *f != ".") {
                    lines.push(format!(
                        "- {}: files found in {}",
                        escape(name),
                        escape(found_in)
                    ));
                }
            }
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    format!(
        "## Submissions to look at\n\nGraded with no exercise, not graded, with an exercise \
         rejected by the static check (it reaches something off limits, such as \
         `std::process`), with unusual constructs the static check noted (allowed, but used \
         by the known ways to corrupt memory from safe code: read the code), or with files \
         found other than in the exercise layout at the top of the student's folder.\n\n{}\n",
        lines.join("\n")
    )
}

/// Text from a report, safe in a Markdown table cell: no HTML, no cell
/// break, one line.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '`' | '*' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::exercise;

    fn student(tests: &[(&str, TestStatus)], status: Status) -> Result<Report, String> {
        let mut report = Report::new(vec![exercise("lesson13-oneshot", status, tests)]);
        crate::report::score::score(&Scheme::default(), &mut report);
        Ok(report)
    }

    /// An untouched stub: every test fails on its todo!().
    fn stub() -> Report {
        let mut report = Report::new(vec![exercise(
            "lesson13-oneshot",
            Status::Fail,
            &[("hidden::graded::wakes", TestStatus::Fail)],
        )]);
        report.exercises[0].tests[0].message = "not yet implemented: Exercise 1: do it".into();
        report
    }

    fn scheme() -> Scheme {
        Scheme::parse(
            "[[misconception]]\nname = \"lost wakeup\"\nabout = \"send() does not wake\"\n\
             tests = [\"lesson13-oneshot::wakes\"]\n\
             [[misconception]]\nname = \"order\"\nabout = \"LIFO\"\n\
             tests = [\"lesson13-mpsc::order\"]\n\
             [[misconception]]\nname = \"deadlock\"\nabout = \"relock\"\nwhen = \"timeout\"\n\
             tests = [\"lesson13-oneshot::wakes\"]\n",
        )
        .unwrap()
    }

    #[test]
    fn the_page_counts_scores_misconceptions_and_failing_tests() {
        use TestStatus::{Fail, Pass, Timeout};
        let reports = vec![
            (
                "a".to_owned(),
                student(
                    &[("hidden::graded::wakes", Pass), ("hidden::graded::x", Pass)],
                    Status::Pass,
                ),
            ),
            (
                "b".to_owned(),
                student(
                    &[("hidden::graded::wakes", Fail), ("hidden::graded::x", Pass)],
                    Status::Fail,
                ),
            ),
            (
                "c".to_owned(),
                student(
                    &[
                        ("hidden::graded::wakes", Timeout),
                        ("hidden::graded::x", Fail),
                    ],
                    Status::Fail,
                ),
            ),
            ("d".to_owned(), student(&[], Status::CompileError)),
            ("f".to_owned(), Ok(stub())),
            ("e".to_owned(), Err("cannot copy".into())),
        ];
        let page = markdown(&reports, &scheme());
        assert!(
            page.contains("5 students graded, 1 could not be graded"),
            "{page}"
        );
        assert!(page.contains("| 100 % | 1 | █ |"), "{page}");
        assert!(page.contains("| 50–59 % | 1 | █ |"), "{page}");
        assert!(page.contains("| 0–9 % | 3 | ███ |"), "{page}");
        assert!(
            page.contains("| lost wakeup | 2 of 3 (67 %) | send() does not wake |"),
            "{page}"
        );
        assert!(page.contains("| order | – | LIFO |"), "{page}");
        assert!(
            page.contains("| deadlock | 1 of 3 (33 %) | relock |"),
            "{page}"
        );
        assert!(
            page.contains(
                "| lesson13-oneshot | `hidden::graded::wakes` | 2 of 3 (67 %) | (timeout) "
            ),
            "{page}"
        );
        assert!(
            page.contains("| lesson13-oneshot | 7.5 of 25 | 1 | 3 | 0 | 1 | 0 | 0 | 1 |"),
            "{page}"
        );
        assert!(
            page.contains("- e: could not be graded: cannot copy"),
            "{page}"
        );
    }

    #[test]
    fn a_missing_protection_gets_a_section_and_none_gets_none() {
        let mut partial = student(&[], Status::Pass).unwrap();
        partial.sandbox.mode = "auto".into();
        partial.sandbox.missing = vec![lesson13_runner::sandbox::Protection::LandlockFiles];
        let whole = student(&[], Status::Pass);
        let page = markdown(
            &[("a".into(), Ok(partial)), ("b".into(), whole.clone())],
            &scheme(),
        );
        assert!(
            page.contains("## Sandbox")
                && page.contains("- 1 of 2: sandbox (auto) MISSING: landlock_files"),
            "{page}"
        );
        assert!(!markdown(&[("b".into(), whole)], &scheme()).contains("## Sandbox"));
    }

    #[test]
    fn student_text_cannot_break_the_page() {
        assert_eq!(escape("<script>|x\n`y`"), "&lt;script&gt;\\|x \\`y\\`");
    }

    #[test]
    fn a_rejected_exercise_is_a_submission_to_look_at_and_todo_failures_are_not_called_passes() {
        let mut rejected = student(&[], Status::Rejected).unwrap();
        rejected.exercises[0].message = "line 3, column 5: `process`: reaches the OS".into();
        let reports = vec![
            ("dan".to_owned(), Ok(rejected)),
            ("ben".to_owned(), Ok(stub())),
        ];
        let page = markdown(&reports, &scheme());
        assert!(
            page.contains("- dan: lesson13-oneshot rejected by the static check: line 3"),
            "{page}"
        );
        assert!(
            page.contains("No test failed, apart from tests that stopped at a `todo!()`"),
            "{page}"
        );
    }

    #[test]
    fn an_exercise_with_notices_is_a_submission_to_look_at() {
        let mut noted =
            student(&[("hidden::graded::wakes", TestStatus::Pass)], Status::Pass).unwrap();
        noted.exercises[0].notices =
            vec!["line 4, column 9: `fn(…)`: a function pointer type".into()];
        let reports = vec![
            ("eve".to_owned(), Ok(noted)),
            ("ben".to_owned(), Ok(stub())),
        ];
        let page = markdown(&reports, &scheme());
        assert!(
            page.contains(
                "- eve: lesson13-oneshot has unusual constructs: line 4, column 9: \\`fn(…)\\`"
            ),
            "{page}"
        );
        assert!(!page.contains("- ben"), "{page}");
    }
}
