//! The same points on every run, on a busy machine (issue 17): the
//! catalogued bugs that only tests on threads catch, and a few whose racing
//! tests catch them on some runs only, graded several times while busy
//! processes load every core, as on a shared grading server. Each
//! submission must get the same points, exercise by exercise, on every
//! run; each bug must cost points (a test that weighs something catches
//! it); the reference solutions must get full marks every time.
//!
//! The busy processes are this binary started again with [`BUSY_VAR`]:
//! each spins for at most [`BUSY_SECS`] on its own, and the check kills
//! them (its own children, by handle) as soon as it is done, whatever
//! happened.

use super::grade_folder;
use crate::catalogue::entry;
use anyhow::{Context, Result, bail};
use lesson13_grader::engine::Settings;
use lesson13_grader::pool::in_slots;
use lesson13_grader::report::{Report, show};
use lesson13_grader::scheme::Scheme;
use lesson13_grader::workspace;
use lesson13_runner::exercises::{ALL, Exercise};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bugs graded again and again, as `<crate>/<name>` in the catalogue.
const BUGS: &[&str] = &[
    // Caught only by a test on threads, which forces the race.
    "lesson13-oneshot/wake-before-store",
    "lesson13-oneshot-drop/sender-drop-wakes-before-closing",
    "lesson13-mpsc/wake-before-push",
    "lesson13-bounded/wake-sender-before-pop",
    "lesson13-bounded/wake-receiver-before-push",
    // Caught by a test on one thread, and by racing tests on some runs only
    // (the last-in-first-out MPSC).
    "lesson13-mpsc/lifo-push-front",
    "lesson13-bounded/lifo-pop-back",
    // A receiver that wakes itself on every poll: slow, so a test that
    // runs it many times on a loaded machine could hit its deadline on one
    // run and not the next (it did, with 100 rounds of a forced race).
    "lesson13-oneshot/busy-self-wake",
];

/// How many times each submission is graded.
const RUNS: usize = 3;

/// Busy processes per core: the shared server had 6 on 2 cores.
const BUSY_PER_CORE: usize = 3;

/// The variable that makes this binary a busy process: it spins for that
/// many seconds at most, then exits (see [`run_busy_if_asked`]).
pub const BUSY_VAR: &str = "LESSON13_XTASK_BUSY_SECS";

/// How long a busy process spins at most, should the check not stop it.
const BUSY_SECS: u64 = 1800;

/// One submission: a folder with one `lib.rs` per exercise it holds.
struct Submission {
    name: String,
    dir: tempfile::TempDir,
    /// Each exercise's file: a catalogued bug, or the reference solution.
    holds: Vec<(Exercise, Option<&'static str>)>,
}

/// Grades the bugs of [`BUGS`] and the solutions [`RUNS`] times under load
/// and requires the same points every time.
pub fn check(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let scheme = Scheme::load(None, &root)?;
    let submissions = submissions(&root)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let busy = cores * BUSY_PER_CORE;
    let load = Load::start(busy)?;
    let started = Instant::now();
    let mut runs: Vec<Vec<Report>> = Vec::new();
    let mut load_averages = Vec::new();
    for run in 1..=RUNS {
        let run_started = Instant::now();
        // All at once, each in a build folder of its own, as a class is
        // graded: the gradings load the machine too, and a run lasts as long
        // as its slowest submission (measured on a loaded machine: 154 s for
        // the three runs, against 318 s two at a time).
        let reports = in_slots(&submissions, submissions.len(), |slot, submission| {
            grade_folder(submission.dir.path(), slot, &Settings::new(&scheme, jobs))
        });
        let reports = reports.into_iter().collect::<Result<Vec<_>>>()?;
        let average = load_average();
        println!(
            "  run {run} of {RUNS}: {} (load average {average}, {:.0?})",
            points_line(&submissions, &reports),
            run_started.elapsed(),
        );
        load_averages.push(average);
        runs.push(reports);
    }
    drop(load);
    let problems = judge(&submissions, &runs, &scheme);
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    Ok(format!(
        "{} bugs and the solutions graded {RUNS} times with {busy} busy processes on {cores} \
         cores (load average {}) in {:.0?}: the same points every run, every bug costs points, \
         the solutions full marks",
        BUGS.len(),
        load_averages.join(", "),
        started.elapsed()
    ))
}

/// The bugs packed into as few submissions as hold one file per exercise,
/// then one of the reference solutions.
fn submissions(root: &Path) -> Result<Vec<Submission>> {
    let entries = entry::entries(root)?;
    let mut packs: Vec<Vec<(Exercise, Option<&'static str>)>> = Vec::new();
    for id in BUGS {
        let exercise = entries
            .iter()
            .find(|e| e.id() == *id && e.is_bug())
            .with_context(|| format!("no catalogued bug {id}"))?
            .exercise;
        match packs
            .iter_mut()
            .find(|pack| pack.iter().all(|(e, _)| *e != exercise))
        {
            Some(pack) => pack.push((exercise, Some(id))),
            None => packs.push(vec![(exercise, Some(id))]),
        }
    }
    packs.push(ALL.iter().map(|e| (*e, None)).collect());
    let mut submissions = Vec::new();
    for (i, holds) in packs.into_iter().enumerate() {
        let dir = workspace::temp_dir("steady-")?;
        for (exercise, bug) in &holds {
            let source = match bug {
                Some(id) => entries
                    .iter()
                    .find(|e| e.id() == *id)
                    .context("a bug went missing")?
                    .source(root)?,
                None => std::fs::read_to_string(root.join(exercise.solution_path()))
                    .with_context(|| format!("cannot read {}", exercise.solution_path()))?,
            };
            let to = dir.path().join(exercise.lib_rs());
            std::fs::create_dir_all(to.parent().context("no folder")?)
                .with_context(|| format!("cannot create {}", to.display()))?;
            std::fs::write(&to, source)
                .with_context(|| format!("cannot write {}", to.display()))?;
        }
        let name = match holds.iter().any(|(_, bug)| bug.is_some()) {
            true => format!("bugs-{}", i + 1),
            false => "solutions".to_owned(),
        };
        submissions.push(Submission { name, dir, holds });
    }
    Ok(submissions)
}

/// What went wrong across the runs: points that changed, a bug that cost
/// nothing, a solution short of full marks.
fn judge(submissions: &[Submission], runs: &[Vec<Report>], scheme: &Scheme) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, submission) in submissions.iter().enumerate() {
        for (exercise, bug) in &submission.holds {
            let points: Vec<f64> = runs
                .iter()
                .filter_map(|reports| {
                    reports[i]
                        .exercises
                        .iter()
                        .find(|e| e.krate == exercise.krate)
                })
                .map(|e| e.score.points)
                .collect();
            let what = bug.map_or_else(|| exercise.solution_path(), str::to_owned);
            let shown: Vec<String> = points.iter().map(|p| show(*p)).collect();
            if points.len() != runs.len() || points.windows(2).any(|w| w[0] != w[1]) {
                problems.push(format!(
                    "{what}: different points on different runs: {}",
                    shown.join(", ")
                ));
            }
            let max = scheme.points(exercise.krate);
            match bug {
                Some(_) if points.iter().any(|p| *p >= max) => problems.push(format!(
                    "{what}: full marks ({}) although it is a bug: no test that weighs \
                     something caught it",
                    shown.join(", ")
                )),
                None if points.iter().any(|p| *p < max) => problems.push(format!(
                    "{what} (a reference solution): {} of {} on a busy machine",
                    shown.join(", "),
                    show(max)
                )),
                _ => {}
            }
        }
    }
    problems
}

/// `bugs-1 22.92+…, solutions 100`: each submission's total on one run.
fn points_line(submissions: &[Submission], reports: &[Report]) -> String {
    submissions
        .iter()
        .zip(reports)
        .map(|(s, r)| format!("{} {}", s.name, show(r.score.points)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The 1-minute load average, or `?` where the system does not say.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Busy processes, killed when this is dropped.
struct Load(Vec<Child>);

impl Load {
    /// `count` busy processes (this binary, with [`BUSY_VAR`] set).
    fn start(count: usize) -> Result<Load> {
        let exe = std::env::current_exe().context("cannot find this program to start it again")?;
        let mut load = Load(Vec::new());
        for _ in 0..count {
            let child = Command::new(&exe)
                .env(BUSY_VAR, BUSY_SECS.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("cannot start a busy process")?;
            load.0.push(child);
        }
        Ok(load)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// If this process was started as a busy process (with [`BUSY_VAR`]),
/// keeps one core busy for that many seconds at most, then exits.
pub fn run_busy_if_asked() {
    let Some(secs) = std::env::var(BUSY_VAR)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return;
    };
    let until = Instant::now() + Duration::from_secs(secs.min(BUSY_SECS));
    let mut x = 1u64;
    while Instant::now() < until {
        for _ in 0..100_000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    std::process::exit(0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use lesson13_grader::report::{ExerciseReport, Score, Status};

    /// One run's report of a submission holding Exercise 3 only, with these
    /// points of 25.
    fn graded(points: f64) -> Report {
        Report::new(vec![ExerciseReport {
            krate: ALL[2].krate.to_owned(),
            status: Status::Fail,
            passed: 0,
            total: 0,
            score: Score::of(points, 25.0),
            message: String::new(),
            notices: Vec::new(),
            tests: Vec::new(),
            loom: None,
        }])
    }

    fn submission(bug: Option<&'static str>) -> Submission {
        Submission {
            name: "one".into(),
            dir: tempfile::tempdir().unwrap(),
            holds: vec![(ALL[2], bug)],
        }
    }

    #[test]
    fn changed_points_a_free_bug_and_a_short_solution_are_each_a_problem() {
        let scheme = Scheme::default();
        let bug = || vec![submission(Some("lesson13-mpsc/lifo-push-front"))];
        let runs = |points: &[f64]| -> Vec<Vec<Report>> {
            points.iter().map(|p| vec![graded(*p)]).collect()
        };
        assert!(judge(&bug(), &runs(&[20.0, 20.0, 20.0]), &scheme).is_empty());
        let flapping = judge(&bug(), &runs(&[20.0, 21.0, 20.0]), &scheme);
        assert!(flapping[0].contains("different points"), "{flapping:?}");
        let free = judge(&bug(), &runs(&[25.0, 25.0, 25.0]), &scheme);
        assert!(free[0].contains("although it is a bug"), "{free:?}");
        let solution = vec![submission(None)];
        assert!(judge(&solution, &runs(&[25.0, 25.0]), &scheme).is_empty());
        let short = judge(&solution, &runs(&[25.0, 24.0]), &scheme);
        assert!(
            short.iter().any(|p| p.contains("a reference solution")),
            "{short:?}"
        );
    }
}
