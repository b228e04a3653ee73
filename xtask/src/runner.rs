//! Runs one exercise crate's graded tests, each test in its own process under
//! a time limit, on cargo's own test harness (libtest).
//!
//! One process per test costs a few milliseconds each and buys isolation: a
//! test that hangs past its own deadline is killed alone, and one that
//! aborts the process (a panic inside `Drop` while unwinding) takes no other
//! test's result with it.

use serde::Serialize;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wait_timeout::ChildExt;

/// The outcome of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    /// It passed.
    Pass,
    /// It failed: an assertion, a panic or a crash.
    Fail,
    /// It did not finish in time: its own deadline failed it
    /// (`lesson13_testkit::with_deadline`), or the runner killed it.
    Timeout,
}

/// One test's result.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// The test's name, prefixed by its test target: `hidden::graded::…`.
    pub name: String,
    /// Pass, fail or timeout.
    pub status: TestStatus,
    /// What the test printed when it failed, without backtrace noise.
    pub message: String,
    /// The runner killed it at [`time_limit`]: it hung even past its own
    /// deadline.
    #[serde(skip)]
    pub killed: bool,
}

/// How `lesson13_testkit::with_deadline` reports a test body that hung.
const OWN_DEADLINE_MESSAGE: &str = "test timed out after";

/// A built test binary: one `tests/<target>/` of the crate.
#[derive(Debug, Clone)]
pub struct TestBinary {
    /// The test target's name (`public`, `hidden`).
    pub target: String,
    /// The executable.
    pub path: PathBuf,
}

/// What building a crate's tests gave.
pub enum Build {
    /// The test binaries, ready to run.
    Built(Vec<TestBinary>),
    /// The compiler's first errors, trimmed.
    CompileError(String),
}

/// How long one test may run before it is killed: its own deadline
/// (`LESSON13_DEADLINE_SECS`, 5 s unless set, as in `lesson13_testkit`)
/// plus a margin, so that the test's own deadline always fails it first.
pub fn time_limit(envs: &[(&str, &str)]) -> Duration {
    const MARGIN_SECS: u64 = 15;
    let deadline = envs
        .iter()
        .find(|(key, _)| *key == "LESSON13_DEADLINE_SECS")
        .map(|(_, value)| value.to_string())
        .or_else(|| std::env::var("LESSON13_DEADLINE_SECS").ok())
        .and_then(|secs| secs.parse::<u64>().ok())
        .unwrap_or(5);
    Duration::from_secs(deadline + MARGIN_SECS)
}

/// Builds the integration tests (`tests/*`) of `krate` in the workspace at
/// `workspace`. The crate's own unit tests, if a student wrote some, are not
/// graded.
pub fn build(
    workspace: &Path,
    krate: &str,
    target_dir: &Path,
    locked: bool,
) -> Result<Build, String> {
    let output = Command::new(env!("CARGO"))
        .args(["test", "--tests", "--no-run", "--message-format=json"])
        .args(locked.then_some("--locked"))
        .args(["--package", krate])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(workspace)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    let mut binaries = Vec::new();
    let mut errors = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                let is_test = message["target"]["kind"] == serde_json::json!(["test"]);
                if let (true, Some(path)) = (is_test, message["executable"].as_str()) {
                    binaries.push(TestBinary {
                        target: message["target"]["name"].as_str().unwrap_or("?").to_owned(),
                        path: PathBuf::from(path),
                    });
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    // The library is compiled twice (plain, and as its own unit
                    // test target), so the same error comes twice.
                    if !errors.iter().any(|e| e == rendered) {
                        errors.push(rendered.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    if output.status.success() {
        binaries.sort_by(|a, b| a.target.cmp(&b.target));
        return Ok(Build::Built(binaries));
    }
    if errors.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "cargo could not build {krate}'s tests:\n{}",
            tail(&stderr, 20)
        ));
    }
    Ok(Build::CompileError(first_errors(&errors)))
}

/// The first three compiler errors, at most 40 lines.
fn first_errors(errors: &[String]) -> String {
    let joined = errors
        .iter()
        .take(3)
        .map(|e| e.trim_end())
        .collect::<Vec<_>>()
        .join("\n\n");
    let lines: Vec<&str> = joined.lines().collect();
    if lines.len() <= 40 {
        return joined;
    }
    format!(
        "{}\n… ({} more lines)",
        lines[..40].join("\n"),
        lines.len() - 40
    )
}

/// The tests in one binary.
pub fn list(binary: &TestBinary) -> Result<Vec<String>, String> {
    let output = Command::new(&binary.path)
        .args(["--list", "--format", "terse"])
        .output()
        .map_err(|e| format!("could not run {}: {e}", binary.path.display()))?;
    if !output.status.success() {
        return Err(format!("{} --list failed", binary.path.display()));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}

/// Runs every test of every binary, `jobs` processes at a time, and returns
/// the results in a stable order (binary, then test name).
pub fn run_all(
    binaries: &[TestBinary],
    crate_dir: &Path,
    options: &Options,
) -> Result<Vec<TestResult>, String> {
    let mut work = Vec::new();
    for binary in binaries {
        for test in list(binary)? {
            work.push((binary, test));
        }
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(work.len()));
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| {
                while let Some((binary, test)) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = run_one(binary, test, crate_dir, options.envs);
                    results.lock().unwrap().push(result);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(results)
}

/// Runs one test in its own process.
fn run_one(binary: &TestBinary, test: &str, crate_dir: &Path, envs: &[(&str, &str)]) -> TestResult {
    let name = format!("{}::{test}", binary.target);
    let limit = time_limit(envs);
    let outcome = (|| -> std::io::Result<(Option<std::process::ExitStatus>, String)> {
        let mut log = tempfile::tempfile()?;
        let mut child = Command::new(&binary.path)
            .args([test, "--exact", "--test-threads=1"])
            .env("RUST_BACKTRACE", "0")
            .envs(envs.iter().copied())
            .current_dir(crate_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log.try_clone()?)
            .spawn()?;
        let status = match child.wait_timeout(limit)? {
            Some(status) => Some(status),
            None => {
                child.kill()?;
                child.wait()?;
                None
            }
        };
        let mut output = String::new();
        log.rewind()?;
        log.read_to_string(&mut output)?;
        Ok((status, output))
    })();
    let (status, message) = match outcome {
        Err(e) => (TestStatus::Fail, format!("could not run the test: {e}")),
        Ok((None, output)) => {
            let message = format!(
                "killed after {}s, past the test's own deadline: something blocked outside \
                 the test body\n{}",
                limit.as_secs(),
                tail(&output, 10)
            );
            return TestResult {
                name,
                status: TestStatus::Timeout,
                message,
                killed: true,
            };
        }
        Ok((Some(status), _)) if status.success() => (TestStatus::Pass, String::new()),
        Ok((Some(status), output)) => {
            let message = failure_message(test, status, &output);
            if message.contains(OWN_DEADLINE_MESSAGE) {
                (TestStatus::Timeout, message)
            } else {
                (TestStatus::Fail, message)
            }
        }
    };
    TestResult {
        name,
        status,
        message,
        killed: false,
    }
}

/// The failure text libtest printed for `test`, without backtrace notes.
fn failure_message(test: &str, status: std::process::ExitStatus, output: &str) -> String {
    let header = format!("---- {test} stdout ----\n");
    let section = output.find(&header).map(|start| {
        let body = &output[start + header.len()..];
        let end = body.find("\nfailures:\n").unwrap_or(body.len());
        &body[..end]
    });
    let text = match section {
        Some(section) => section.to_owned(),
        // No failure section: the process died before libtest could report.
        None => crash_report(status, output),
    };
    text.lines()
        .filter(|l| !is_backtrace_noise(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Why a test process died: every panic it printed, the first one being the
/// cause. A typical crash is a panic while a lock is held, which poisons the
/// lock, then a `Drop` impl that panics on the poisoned lock during
/// unwinding, which aborts the process.
fn crash_report(status: std::process::ExitStatus, output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let panics: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.contains("panicked at"))
        .map(|(i, line)| format!("{line}\n{}", lines.get(i + 1).unwrap_or(&"")))
        .collect();
    let mut report = format!("the test process crashed ({status}).");
    match panics.split_first() {
        None => report.push_str(&format!(" Its last output:\n{}", tail(output, 15))),
        Some((cause, rest)) => {
            report.push_str(&format!(" The first panic, the likely cause:\n{cause}"));
            if !rest.is_empty() {
                report.push_str(
                    "\nThen, while unwinding (a panic in Drop, often on a lock poisoned by the \
                     first panic), which aborts the process:",
                );
                for panic in rest {
                    report.push_str(&format!("\n{panic}"));
                }
            }
        }
    }
    report
}

/// Backtrace lines and notes, which say nothing to a student.
fn is_backtrace_noise(line: &str) -> bool {
    let trimmed = line.trim_start();
    line.starts_with("note: run with `RUST_BACKTRACE")
        || line.starts_with("note: Some details are omitted")
        || line.starts_with("stack backtrace:")
        || trimmed.starts_with("at ")
        || trimmed
            .split_once(": ")
            .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Builds and runs one crate's graded tests in one go.
pub enum CrateRun {
    /// It built; one result per test.
    Ran(Vec<TestResult>),
    /// It did not compile.
    CompileError(String),
}

/// How to run a crate's tests.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// How many test processes at once.
    pub jobs: usize,
    /// Extra environment for the test processes.
    pub envs: &'a [(&'a str, &'a str)],
    /// Build with `--locked`: the dependencies are exactly `Cargo.lock`'s.
    pub locked: bool,
}

impl Options<'_> {
    /// `jobs` processes at once, locked dependencies, no extra environment.
    pub fn jobs(jobs: usize) -> Options<'static> {
        Options {
            jobs,
            envs: &[],
            locked: true,
        }
    }
}

/// Builds `krate` in `workspace` and runs all its integration tests.
pub fn test_crate(
    workspace: &Path,
    krate: &str,
    target_dir: &Path,
    options: &Options,
) -> Result<CrateRun, String> {
    match build(workspace, krate, target_dir, options.locked)? {
        Build::CompileError(errors) => Ok(CrateRun::CompileError(errors)),
        Build::Built(binaries) => {
            let results = run_all(&binaries, &workspace.join(krate), options)?;
            Ok(CrateRun::Ran(results))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    #[test]
    fn a_failure_keeps_the_panic_and_drops_backtrace_notes() {
        let output = "running 1 test\ntest graded::x ... FAILED\n\nfailures:\n\n---- graded::x stdout ----\n\
            thread 'graded::x' (7) panicked at tests/hidden/graded.rs:9:5:\nsend() did not wake\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
            failures:\n    graded::x\n";
        let message = failure_message("graded::x", ExitStatus::from_raw(101 << 8), output);
        assert_eq!(
            message,
            "thread 'graded::x' (7) panicked at tests/hidden/graded.rs:9:5:\nsend() did not wake"
        );
    }

    #[test]
    fn a_crash_names_the_first_panic_as_the_cause() {
        let output = "running 1 test\n\
            thread 'graded::x' (7) panicked at src/lib.rs:103:39:\ncalled `Option::unwrap()` on a `None` value\n\
            thread 'graded::x' (7) panicked at src/lib.rs:164:40:\ncalled `Result::unwrap()` on an `Err` value: PoisonError { .. }\n\
            stack backtrace:\n   0: std::panicking::begin_panic\n             at /rustc/library/std/src/panicking.rs:1\n\
            thread 'graded::x' (7) panicked at library/core/src/panicking.rs:1:5:\npanic in a destructor during cleanup\n";
        let message = failure_message("graded::x", ExitStatus::from_raw(6), output);
        assert!(message.contains("The first panic, the likely cause:\nthread 'graded::x' (7) panicked at src/lib.rs:103:39:\ncalled `Option::unwrap()` on a `None` value"), "{message}");
        assert!(message.contains("PoisonError"), "{message}");
        assert!(
            !message.contains("begin_panic") && !message.contains("at /rustc"),
            "{message}"
        );
    }

    #[test]
    fn the_outer_limit_follows_the_tests_own_deadline() {
        assert_eq!(
            time_limit(&[("LESSON13_DEADLINE_SECS", "30")]),
            Duration::from_secs(45)
        );
    }
}
