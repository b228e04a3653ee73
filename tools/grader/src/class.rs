//! Grading a class folder: every student (or one shard of them), a few at a
//! time, with progress; each student's reports are written as soon as they
//! are graded, so an interrupted run keeps what it did.

use crate::engine::reference::reference_test_count;
use crate::engine::{self, Settings, Submission};
use crate::pool::in_slots;
use crate::progress::Progress;
use crate::report::terminal::escaped;
use crate::report::{Report, StudentReport, json, junit, show};
use crate::shard::{Shard, ShardInfo};
use crate::submissions;
use anyhow::{Result, bail};
use lesson13_runner::{OnResult, TestResult};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How to grade a class.
pub struct Options<'a> {
    /// How many submissions at once.
    pub parallel: usize,
    /// How to grade each submission (points, test processes at once,
    /// sandbox).
    pub settings: Settings<'a>,
    /// Only this slice of the class.
    pub shard: Option<Shard>,
    /// A folder for one `<student>.json` each.
    pub json: Option<&'a Path>,
    /// A folder for one `<student>.xml` each.
    pub junit: Option<&'a Path>,
}

/// Grades the students of `class` (one shard of them, with `--shard`),
/// `parallel` at a time, printing a line per student as each finishes.
pub fn grade_class(class: &Path, options: &Options) -> Result<Vec<StudentReport>> {
    let found = submissions::list(class)?;
    if !found.skipped.is_empty() {
        println!("skipped {}", escaped(&found.skipped.join(", ")));
    }
    let class_size = found.students.len();
    let students = match options.shard {
        Some(shard) => shard.select(found.students),
        None => found.students,
    };
    let count = students.len();
    let parallel = options.parallel.min(count.max(1));
    match options.shard {
        Some(shard) => println!(
            "grading shard {}/{}: {count} of {class_size} students, {parallel} at a time",
            shard.index, shard.count
        ),
        None => println!("grading {count} students, {parallel} at a time"),
    }
    let progress = Progress::new(count);
    let done = AtomicUsize::new(0);
    let write_errors = Mutex::new(Vec::new());
    let mut reports = in_slots(&students, parallel, |slot, student| {
        let report = submissions::locate(&student.path).and_then(|located| {
            let bar = progress.submission(&escaped(&student.name), test_count(&located));
            let tick = |_: &TestResult| bar.inc(1);
            let settings = Settings {
                on_result: Some(OnResult(&tick)),
                ..options.settings
            };
            let report = engine::grade(Submission::Located(&located), slot, &settings);
            bar.finish_and_clear();
            report
        });
        // Grading itself failed for this student: the class goes on, and the
        // reason (with its causes) is their report.
        let mut report = report.map_err(|e| format!("{e:#}"));
        let shard = options.shard.map(|shard| ShardInfo {
            index: shard.index,
            count: shard.count,
            class_size,
        });
        if let Ok(report) = &mut report {
            report.shard = shard;
        }
        if let Err(why) = write_reports(&student.name, &report, shard, options) {
            write_errors.lock().unwrap().push(format!("{why:#}"));
        }
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress.line(&format!(
            "[{finished}/{count}] {}: {}",
            escaped(&student.name),
            escaped(&live_line(&report))
        ));
        progress.student_done();
        (student.name.clone(), report)
    });
    progress.finish();
    let write_errors = write_errors.into_inner().unwrap();
    if !write_errors.is_empty() {
        bail!("{}", write_errors.join("\n"));
    }
    reports.sort_by(|a, b| a.0.cmp(&b.0));
    for (folder, kind) in [(options.json, "json"), (options.junit, "xml")] {
        if let Some(folder) = folder {
            println!(
                "wrote one {kind} report per student to {}",
                folder.display()
            );
        }
    }
    Ok(reports)
}

/// How many tests grading `located` runs: its exercises' reference counts.
fn test_count(located: &submissions::Located) -> usize {
    let root = crate::workspace::root();
    located
        .exercises
        .iter()
        .map(|e| reference_test_count(&root, *e))
        .sum()
}

/// The line printed when a student is done.
fn live_line(report: &Result<Report, String>) -> String {
    match report {
        Err(e) => format!("could not grade: {e}"),
        Ok(r) if !r.message.is_empty() => format!("{} ({:.0}s)", r.message, r.seconds),
        Ok(r) => {
            let found_in = match r.found_in.as_deref() {
                Some(".") | None => String::new(),
                Some(place) => format!(", files found in {place}"),
            };
            format!(
                "{}/{} points, {}/{} tests ({:.0}s{found_in})",
                show(r.score.points),
                show(r.score.max_points),
                r.passed,
                r.total,
                r.seconds
            )
        }
    }
}

/// A student's report file in a report folder.
pub fn report_path(folder: &Path, student: &str, extension: &str) -> PathBuf {
    folder.join(format!("{student}.{extension}"))
}

fn write_reports(
    name: &str,
    report: &Result<Report, String>,
    shard: Option<ShardInfo>,
    options: &Options,
) -> Result<()> {
    if let Some(folder) = options.json {
        json::write_student(report, shard, &report_path(folder, name, "json"))?;
    }
    if let (Some(folder), Ok(report)) = (options.junit, report) {
        junit::write(report, name, &report_path(folder, name, "xml"))?;
    }
    Ok(())
}
