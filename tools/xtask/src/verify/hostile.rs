//! The hostile fixtures: submissions that attack the grader, one per class
//! of attack, each graded twice, to test each layer on its own:
//!
//! 1. as an instructor grades: the static check must reject every one that
//!    names something off limits (and pass the one correct channel); memory,
//!    threads and output, which every program uses, are the sandbox's;
//! 2. with the static check off and the whole sandbox required: no mark may
//!    be unearned, and the attack must not have happened: no file written
//!    outside the test's folder (canary files, the instructor's hidden
//!    tests), no connection made (a listener counts them), no variable of
//!    the grader's seen, no process left behind (a scan of `/proc`), and the
//!    grader's own memory stays under 256 MiB however much the tests print.
//!
//! Each fixture in `xtask/fixtures/hostile/` is a function `attack() ->
//! String`; it is appended to Exercise 1's stub, whose `channel()` first
//! panics with the attack's own account of what it managed (so the test
//! message is evidence that the attack ran). The one correct channel is
//! appended to the reference solution and called without the panic. Every
//! report must say which protections were in force: all of them.
//!
//! The attacks that are not a `lib.rs` (links, special files, a zip bomb,
//! a planted cargo configuration) are [`super::hostile_layout`]'s.

use super::{grade_folder, hostile_layout};
use anyhow::{Context, Result, bail};
use lesson13_grader::engine::Settings;
use lesson13_grader::pool::in_slots;
use lesson13_grader::report::{ExerciseReport, Status};
use lesson13_grader::scheme::Scheme;
use lesson13_grader::workspace;
use lesson13_runner::TestStatus;
use lesson13_runner::exercises::{ALL, Exercise};
use lesson13_runner::run::UNPROVEN_MESSAGE;
use lesson13_runner::sandbox::{Mode, Protection};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Where the fixtures aim their side effects (open to everyone, so only the
/// sandbox stands in the way).
const CANARY_DIR: &str = "/tmp/lesson13-hostile";
/// The variable the environment fixtures look for.
const CANARY_VAR: &str = "LESSON13_HOSTILE_CANARY";
const CANARY_VALUE: &str = "canary-3f9a1c";
/// The port the network fixture connects to.
const PORT: u16 = 47013;
/// Every process the fixtures start carries this in its command line.
const PROCESS_MARK: &str = "lesson13-hostile";
/// The grader's memory bound.
const MAX_GRADER_KIB: u64 = 256 * 1024;

/// One hostile fixture and what grading it with only the sandbox must give.
struct Hostile {
    file: &'static str,
    /// Whether the static check rejects it. Memory, threads and output are
    /// what every program uses: only the sandbox bounds them.
    named: bool,
    /// Checks the report with the static check off (and, for a fixture the
    /// static check cannot name, with it on as well).
    sandboxed: fn(&ExerciseReport) -> Result<()>,
}

const FIXTURES: &[Hostile] = &[
    Hostile {
        file: "tamper-with-reports.rs",
        named: true,
        sandboxed: |r| no_marks_and_says(r, &["tamper: spawn Err", "write Err"]),
    },
    Hostile {
        file: "exit-with-forged-output.rs",
        named: true,
        sandboxed: |r| {
            no_marks(r)?;
            match r.tests.iter().find(|t| t.message != UNPROVEN_MESSAGE) {
                None => Ok(()),
                Some(t) => Err(anyhow::anyhow!("{} says {:?}", t.name, t.message)),
            }
        },
    },
    Hostile {
        file: "panic-hook-exits.rs",
        named: true,
        sandboxed: no_marks,
    },
    Hostile {
        file: "files-outside.rs",
        named: true,
        sandboxed: |r| no_marks_and_says(r, &["outside: []"]),
    },
    Hostile {
        file: "include-the-solutions.rs",
        named: true,
        sandboxed: |r| match r.status {
            Status::CompileError if r.message.contains("solutions") => Ok(()),
            _ => Err(anyhow::anyhow!(
                "expected compile_error (no solutions in the grading copy), got {:?}",
                r.status
            )),
        },
    },
    Hostile {
        file: "network.rs",
        named: true,
        sandboxed: |r| no_marks_and_says(r, &["network: connected 0 times, listened false"]),
    },
    Hostile {
        file: "environment-at-run-time.rs",
        named: true,
        sandboxed: |r| no_marks_and_says(r, &["environment: canary seen false"]),
    },
    Hostile {
        file: "environment-at-compile-time.rs",
        named: true,
        sandboxed: |r| match r.status {
            Status::CompileError if !r.message.contains(CANARY_VALUE) => Ok(()),
            _ => Err(anyhow::anyhow!(
                "expected compile_error without the variable, got {:?}: {}",
                r.status,
                r.message
            )),
        },
    },
    Hostile {
        file: "commands.rs",
        named: true,
        sandboxed: |r| no_marks_and_says(r, &["command: Err"]),
    },
    Hostile {
        file: "memory-bomb.rs",
        named: false,
        sandboxed: |r| {
            no_marks(r)?;
            for test in &r.tests {
                let mib = number_after(&test.message, "memory: allocated ");
                let crashed = test.message.contains("crashed");
                if !crashed && mib.is_none_or(|mib| mib >= 1024) {
                    bail!("{}: {}", test.name, test.message);
                }
            }
            Ok(())
        },
    },
    Hostile {
        file: "thread-bomb.rs",
        named: false,
        sandboxed: |r| {
            no_marks(r)?;
            for test in &r.tests {
                let threads = number_after(&test.message, "threads: started ");
                if threads.is_none_or(|n| n > 128) {
                    bail!("{}: {}", test.name, test.message);
                }
            }
            Ok(())
        },
    },
    Hostile {
        file: "output-flood.rs",
        named: false,
        sandboxed: no_marks,
    },
    Hostile {
        file: "orphans.rs",
        named: true,
        sandboxed: |r| no_marks_and_says(r, &["orphans: spawn Err"]),
    },
    Hostile {
        // rust-lang/rust#25860 in safe Rust. With the static check off the
        // hole works (its transmute runs, and the message says so), and the
        // fixture earns nothing only because it forges nothing: against a
        // real forgery the static check is the layer that holds. A compiler
        // that closes the hole makes it a compile_error.
        file: "lifetime-expansion.rs",
        named: true,
        sandboxed: |r| match r.status {
            Status::CompileError => no_marks(r),
            _ => no_marks_and_says(r, &["lifetime expansion: the hole works true"]),
        },
    },
    Hostile {
        // rust-lang/rust#57893 in safe Rust, as lifetime-expansion.rs: with
        // the static check off the hole works and forges nothing; the static
        // check's `?Sized` rule is the layer that holds.
        file: "trait-object-transmute.rs",
        named: true,
        sandboxed: |r| match r.status {
            Status::CompileError => no_marks(r),
            _ => no_marks_and_says(r, &["trait object transmute: the hole works true"]),
        },
    },
    Hostile {
        // A trait object that relates two lifetimes (#25860 without
        // `&'a &'b ()`), as lifetime-expansion.rs.
        file: "trait-object-lifetimes.rs",
        named: true,
        sandboxed: |r| match r.status {
            Status::CompileError => no_marks(r),
            _ => no_marks_and_says(r, &["trait object lifetimes: the hole works true"]),
        },
    },
    Hostile {
        // A type whose parameter must outlive 'static (#25860 with its two
        // lifetimes in two items), as lifetime-expansion.rs.
        file: "bounded-type-parameter.rs",
        named: true,
        sandboxed: |r| match r.status {
            Status::CompileError => no_marks(r),
            _ => no_marks_and_says(r, &["bounded type parameter: the hole works true"]),
        },
    },
    Hostile {
        // `&'a Self` of a type with a lifetime, and a function pointer
        // inferred from two functions in an `if` (#25860 without `fn(`).
        file: "self-reference-coercion.rs",
        named: true,
        sandboxed: |r| match r.status {
            Status::CompileError => no_marks(r),
            _ => no_marks_and_says(r, &["self reference coercion: the hole works true"]),
        },
    },
    Hostile {
        file: "kill-the-grader.rs",
        named: true,
        sandboxed: |r| no_marks_and_says(r, &["kill: parent", "Err"]),
    },
    Hostile {
        file: "read-the-hidden-tests-at-compile-time.rs",
        named: true,
        // Each of its three reads refused: the copy holds no hidden test
        // while the library compiles, and the build jail reads nothing
        // outside the copy.
        sandboxed: |r| {
            let refused = r.message.matches("couldn't read").count();
            match r.status {
                Status::CompileError if refused == 3 && !r.message.contains("leaked") => Ok(()),
                _ => Err(anyhow::anyhow!(
                    "expected compile_error with its 3 reads refused, got {:?} ({refused} \
                     refused): {}",
                    r.status,
                    r.message
                )),
            }
        },
    },
    Hostile {
        file: "huge-static.rs",
        named: false,
        sandboxed: |r| match r.status {
            Status::CompileError if r.message.contains("wrote more than 64 MiB") => Ok(()),
            _ => Err(anyhow::anyhow!(
                "expected compile_error at the build's file-size limit, got {:?}: {}",
                r.status,
                r.message
            )),
        },
    },
    Hostile {
        file: "terminal-escapes.rs",
        named: false,
        sandboxed: |r| {
            no_marks_and_says(r, &["✓ all tests passed"])?;
            let shown = |c: char| c.is_control() && c != '\n' && c != '\t';
            match r.tests.iter().find(|t| t.message.contains(shown)) {
                Some(t) => bail!("{} keeps a control character: {:?}", t.name, t.message),
                None => Ok(()),
            }
        },
    },
];

/// The correct channel whose tests print bytes that are not UTF-8.
const NON_UTF8: &str = "non-utf8-output.rs";

fn no_marks(report: &ExerciseReport) -> Result<()> {
    let earned = report
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Pass)
        .count();
    if report.passed == 0 && earned == 0 && report.total > 0 {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "earned marks: {:?} {}/{}",
            report.status,
            report.passed,
            report.total
        ))
    }
}

fn no_marks_and_says(report: &ExerciseReport, evidence: &[&str]) -> Result<()> {
    no_marks(report)?;
    if report.tests.is_empty() {
        bail!("no test ran: {:?} {}", report.status, report.message);
    }
    for test in &report.tests {
        if let Some(missing) = evidence.iter().find(|e| !test.message.contains(*e)) {
            bail!(
                "{}: expected the attack to report {missing:?}, got {:?}",
                test.name,
                test.message
            );
        }
    }
    Ok(())
}

/// The number right after `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> Option<usize> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The check in `cargo xtask verify`.
pub fn check(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let exercise = ALL[0];
    let stub = read(&root.join(exercise.lib_rs()))?;
    let solution = read(&root.join("solutions/src").join(exercise.solution))?;
    let layouts = hostile_layout::check(jobs)?;
    let hidden_tests = root.join(exercise.krate).join("tests/hidden/graded.rs");
    let hidden_before = read(&hidden_tests)?;
    let mut problems = Vec::new();

    stale_folders_are_deleted().unwrap_or_else(|e| problems.push(format!("{e:#}")));
    problems.extend(known_good_files_pass_the_static_check(&root)?);

    let canaries = Canaries::set_up()?;
    let scheme = Scheme::default();
    let everything = Settings {
        sandbox: Mode::Require,
        ..Settings::new(&scheme, jobs)
    };
    let sandbox_alone = Settings {
        static_check: false,
        ..everything
    };
    // Two at a time, each in a build folder of its own (a grading slot):
    // a fixture's time is its build and its tests' waiting. Printed in
    // order at the end.
    let stub: &str = &stub;
    let verdicts = in_slots(FIXTURES, 2, |slot, fixture| {
        let started = std::time::Instant::now();
        let verdict = held(fixture, stub, exercise, slot, &everything, &sandbox_alone);
        (verdict, started.elapsed())
    });
    for (fixture, (verdict, took)) in FIXTURES.iter().zip(verdicts) {
        let file = fixture.file;
        println!(
            "  {file}: {} ({took:.0?})",
            if verdict.is_ok() { "held" } else { "BROKEN" },
        );
        if let Err(why) = verdict {
            problems.push(format!("{file}: {why:#}"));
        }
    }

    let attack = read(&fixture_path(NON_UTF8))?;
    let submission = submission(exercise, &hostile_lib_rs(&solution, &attack, false))?;
    for settings in [&everything, &sandbox_alone] {
        let report = graded(submission.path(), 0, settings, exercise)?;
        if report.status != Status::Pass || report.passed != report.total {
            problems.push(format!(
                "{NON_UTF8}: a correct channel got {:?} {}/{}: {:?}",
                report.status,
                report.passed,
                report.total,
                report.tests.iter().find(|t| t.status != TestStatus::Pass)
            ));
        }
    }
    println!("  {NON_UTF8}: full marks");

    problems.extend(canaries.check());
    problems.extend(layouts.problems);
    if read(&hidden_tests)? != hidden_before {
        problems.push(format!("{} was changed", hidden_tests.display()));
    }
    match peak_memory_kib() {
        Some(kib) if kib < MAX_GRADER_KIB => {
            println!("  the grader's peak memory: {} MiB", kib / 1024)
        }
        peak => problems.push(format!(
            "the grader's peak memory {peak:?} KiB is not under {MAX_GRADER_KIB} KiB"
        )),
    }
    if problems.is_empty() {
        Ok(format!(
            "{} hostile submissions rejected by the static check, and held by the sandbox \
             alone; {} hostile layouts and planted configurations held; a correct channel \
             printing non-UTF-8 got full marks",
            FIXTURES.len(),
            layouts.held
        ))
    } else {
        Err(anyhow::anyhow!("{}", problems.join("\n")))
    }
}

/// Grades `fixture` (appended to `stub`) as an instructor would, and, if
/// the static check rejected it, again with the sandbox alone: whether every
/// layer held.
fn held(
    fixture: &Hostile,
    stub: &str,
    exercise: Exercise,
    slot: usize,
    everything: &Settings,
    sandbox_alone: &Settings,
) -> Result<()> {
    let attack = read(&fixture_path(fixture.file))?;
    let submission = submission(exercise, &hostile_lib_rs(stub, &attack, true))?;
    let checked = graded(submission.path(), slot, everything, exercise)?;
    match (fixture.named, checked.status) {
        (true, Status::Rejected) if checked.passed == 0 => {
            (fixture.sandboxed)(&graded(submission.path(), slot, sandbox_alone, exercise)?)
        }
        (true, status) => Err(anyhow::anyhow!(
            "the static check let it through: {status:?}"
        )),
        // Passed by the static check: that run was the sandbox's alone.
        (false, _) => (fixture.sandboxed)(&checked),
    }
}

fn fixture_path(file: &str) -> PathBuf {
    workspace::root()
        .join("tools/xtask/fixtures/hostile")
        .join(file)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// `base` (a stub or a solution) with `attack` appended, and `channel()`
/// starting with the attack: panicking with its account if `panics`.
fn hostile_lib_rs(base: &str, attack: &str, panics: bool) -> String {
    let call = if panics {
        "panic!(\"hostile: {}\", attack());"
    } else {
        "attack();"
    };
    let opening = "pub fn channel<T>() -> (Sender<T>, Receiver<T>) {";
    format!(
        "{}\n{attack}",
        base.replacen(opening, &format!("{opening}\n    {call}"), 1)
    )
}

/// A submission folder holding `lib_rs` as `exercise`'s.
fn submission(exercise: Exercise, lib_rs: &str) -> Result<tempfile::TempDir> {
    let dir = workspace::temp_dir("hostile-")?;
    let to = dir.path().join(exercise.lib_rs());
    std::fs::create_dir_all(to.parent().unwrap())
        .and_then(|()| std::fs::write(&to, lib_rs))
        .with_context(|| format!("cannot write {}", to.display()))?;
    Ok(dir)
}

/// Grades the submission folder `source` and returns `exercise`'s report,
/// once the report says that every protection was in force.
fn graded(
    source: &Path,
    slot: usize,
    settings: &Settings,
    exercise: Exercise,
) -> Result<ExerciseReport> {
    let report = grade_folder(source, slot, settings)?;
    if report.sandbox.active != Protection::ALL || !report.sandbox.missing.is_empty() {
        bail!(
            "the report does not say that every protection was in force: {:?}",
            report.sandbox
        );
    }
    report
        .exercises
        .into_iter()
        .find(|e| e.krate == exercise.krate)
        .with_context(|| format!("no report for {}", exercise.krate))
}

/// The side effects the fixtures aim at, set up before and checked after.
struct Canaries {
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    report: PathBuf,
    report_text: &'static str,
}

impl Canaries {
    fn set_up() -> Result<Canaries> {
        let dir = Path::new(CANARY_DIR);
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777))
                .with_context(|| format!("cannot open up {}", dir.display()))?;
        }
        let report = dir.join("report.json");
        let report_text = "{\"passed\":0,\"total\":12}\n";
        std::fs::write(&report, report_text)?;
        // SAFETY: verify runs its checks one at a time on the main thread;
        // no other thread reads the environment while this one writes it.
        unsafe { std::env::set_var(CANARY_VAR, CANARY_VALUE) };
        let listener = std::net::TcpListener::bind(("127.0.0.1", PORT))
            .with_context(|| format!("cannot listen on port {PORT} for the network fixture"))?;
        listener.set_nonblocking(true)?;
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, done) = (Arc::clone(&connections), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok(_) => {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
        });
        Ok(Canaries {
            connections,
            stop,
            report,
            report_text,
        })
    }

    /// Every side effect that happened.
    fn check(self) -> Vec<String> {
        let mut problems = Vec::new();
        self.stop.store(true, Ordering::Relaxed);
        // SAFETY: as in set_up.
        unsafe { std::env::remove_var(CANARY_VAR) };
        let connections = self.connections.load(Ordering::Relaxed);
        if connections > 0 {
            problems.push(format!("{connections} connections reached the listener"));
        }
        for canary in ["canary-file", "canary-command"] {
            if Path::new(CANARY_DIR).join(canary).exists() {
                problems.push(format!("{CANARY_DIR}/{canary} was written"));
            }
        }
        if std::fs::read_to_string(&self.report).ok().as_deref() != Some(self.report_text) {
            problems.push(format!("{} was rewritten", self.report.display()));
        }
        let survivors = processes_marked(PROCESS_MARK);
        if !survivors.is_empty() {
            problems.push(format!("processes outlived grading: {survivors:?}"));
        }
        let _ = std::fs::remove_dir_all(CANARY_DIR);
        problems
    }
}

/// The command lines of the processes that carry `mark`.
fn processes_marked(mark: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| {
            let mut bytes = Vec::new();
            std::fs::File::open(e.path().join("cmdline"))
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .ok()?;
            let line = String::from_utf8_lossy(&bytes).replace('\0', " ");
            line.contains(mark).then_some(line)
        })
        .collect()
}

/// This process's peak resident memory (VmHWM), in KiB.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The stubs, the solutions and the catalogue's entries, bugs applied (the
/// correct channels must keep their grades; the bugs must be graded, not
/// rejected), all pass the static check, with no notice: notices are kept
/// for what an honest channel does not do.
fn known_good_files_pass_the_static_check(root: &Path) -> Result<Vec<String>> {
    let mut files: Vec<(PathBuf, Exercise)> = ALL
        .iter()
        .flat_map(|e| {
            [
                (root.join(e.lib_rs()), *e),
                (root.join("solutions/src").join(e.solution), *e),
            ]
        })
        .collect();
    for exercise in ALL {
        let dir = root.join("catalogue").join(exercise.krate);
        let entries = std::fs::read_dir(&dir).with_context(|| format!("{}", dir.display()))?;
        files.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "rs" || x == "patch"))
                .map(|p| (p, exercise)),
        );
    }
    let mut problems = Vec::new();
    for (file, exercise) in &files {
        let source = match file.extension().is_some_and(|x| x == "patch") {
            true => crate::catalogue::entry::parse(*exercise, file)?.source(root)?,
            false => read(file)?,
        };
        let verdict = match lesson13_runner::static_check::inspect(&source) {
            Ok(found) => found
                .offences
                .into_iter()
                .chain(found.notices)
                .next()
                .map(|f| f.to_string()),
            Err(unparsable) => Some(unparsable.to_string()),
        };
        if let Some(first) = verdict {
            problems.push(format!("{}: the static check says {first}", file.display()));
        }
    }
    println!(
        "  {} stubs, solutions and catalogue entries: all pass the static check, with no notice",
        files.len()
    );
    Ok(problems)
}

/// A killed grader's folders (its lock file unlocked) are deleted by the
/// next grading run: its build folder and its tests' folder.
fn stale_folders_are_deleted() -> Result<()> {
    let id = std::process::id();
    let base = lesson13_grader::grading_copy::base();
    let stale = base.join(format!("lesson13-grade-killed-{id}"));
    let tests = std::env::temp_dir().join(format!("lesson13-sandbox-killed-{id}"));
    std::fs::create_dir_all(stale.join("ws"))
        .and_then(|()| std::fs::create_dir_all(tests.join("test-1")))
        .and_then(|()| std::fs::write(stale.join(".grading.lock"), ""))
        .and_then(|()| {
            std::fs::write(
                stale.join("sandbox.path"),
                tests.as_os_str().as_encoded_bytes(),
            )
        })
        .context("cannot make a stale grading folder")?;
    drop(lesson13_grader::grading_copy::GradingCopy::new()?);
    if stale.exists() || tests.exists() {
        let _ = std::fs::remove_dir_all(&stale);
        let _ = std::fs::remove_dir_all(&tests);
        bail!("a killed grader's folders were not deleted by the next run");
    }
    println!("  a killed grader's folder: deleted by the next run");
    Ok(())
}
