//! Grading a class folder: every student (or one shard of them), a few at a
//! time, with progress; each student's reports are written as soon as they
//! are graded, so an interrupted run keeps what it did.

use crate::grade::{self, Settings, Source};
use crate::progress::Progress;
use crate::report::{self, Report, StudentReport};
use crate::scheme::Scheme;
use crate::shard::{Shard, ShardInfo};
use crate::slots::in_slots;
use crate::students;
use lesson13_runner::{OnResult, TestResult};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// How to grade a class.
pub struct Options<'a> {
    /// How many submissions at once.
    pub parallel: usize,
    /// How to grade each submission (test processes at once, sandbox).
    pub settings: Settings<'a>,
    /// Only this slice of the class.
    pub shard: Option<Shard>,
    /// Points and weights.
    pub scheme: &'a Scheme,
    /// A folder for one `<student>.json` each.
    pub json: Option<&'a Path>,
    /// A folder for one `<student>.xml` each.
    pub junit: Option<&'a Path>,
}

/// Grades one submission, a folder or a zip, wherever its files are in it
/// (see `students`), and scores it.
pub fn grade_student(
    path: &Path,
    slot: usize,
    settings: &Settings,
    scheme: &Scheme,
) -> Result<Report, String> {
    let started = Instant::now();
    let located = students::locate(path)?;
    grade_located(&located, started, slot, settings, scheme)
}

/// Grades a located submission (its exercises may be none: all missing,
/// with what was found instead) and scores it; `started` is when locating
/// it began.
pub fn grade_located(
    located: &students::Located,
    started: Instant,
    slot: usize,
    settings: &Settings,
    scheme: &Scheme,
) -> Result<Report, String> {
    let mut report = grade::grade_with(&Source::Submission(located.dir.clone()), slot, settings)?;
    report.found_in = Some(located.found_in.clone());
    if located.exercises.is_empty() {
        report.message = format!("no exercise found: {}", located.hint);
    }
    report.seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    scheme.score(&mut report);
    Ok(report)
}

/// Grades the students of `class` (one shard of them, with `--shard`),
/// `parallel` at a time, printing a line per student as each finishes.
pub fn grade_class(class: &Path, options: &Options) -> Result<Vec<StudentReport>, String> {
    let found = students::list(class)?;
    if !found.skipped.is_empty() {
        println!("skipped {}", found.skipped.join(", "));
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
        let started = Instant::now();
        let mut report = students::locate(&student.path).and_then(|located| {
            let bar = progress.submission(&student.name, test_count(&located));
            let tick = |_: &TestResult| bar.inc(1);
            let settings = Settings {
                on_result: Some(OnResult(&tick)),
                ..options.settings
            };
            let report = grade_located(&located, started, slot, &settings, options.scheme);
            bar.finish_and_clear();
            report
        });
        let shard = options.shard.map(|shard| ShardInfo {
            index: shard.index,
            count: shard.count,
            class_size,
        });
        if let Ok(report) = &mut report {
            report.shard = shard;
        }
        if let Err(why) = write_reports(&student.name, &report, shard, options) {
            write_errors.lock().unwrap().push(why);
        }
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress.line(&format!(
            "[{finished}/{count}] {}: {}",
            student.name,
            live_line(&report)
        ));
        progress.student_done();
        (student.name.clone(), report)
    });
    progress.finish();
    let write_errors = write_errors.into_inner().unwrap();
    if !write_errors.is_empty() {
        return Err(write_errors.join("\n"));
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
fn test_count(located: &students::Located) -> usize {
    let root = crate::workspace::root();
    located
        .exercises
        .iter()
        .map(|e| grade::reference_test_count(&root, *e))
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
                crate::scheme::show(r.score.points),
                crate::scheme::show(r.score.max_points),
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
) -> Result<(), String> {
    if let Some(folder) = options.json {
        report::write_student_json(report, shard, &report_path(folder, name, "json"))?;
    }
    if let (Some(folder), Ok(report)) = (options.junit, report) {
        report::write_junit(report, name, &report_path(folder, name, "xml"))?;
    }
    Ok(())
}
