//! Running every test of a crate, each in its own process under a time limit.

use crate::build::{self, Build, TestBinary};
use crate::message::{failure_message, tail};
use std::io::{Read, Seek};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wait_timeout::ChildExt;

/// The outcome of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
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
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TestResult {
    /// The test's name, prefixed by its test target: `hidden::graded::…`.
    pub name: String,
    /// Pass, fail or timeout.
    pub status: TestStatus,
    /// What the test printed when it failed, without backtrace noise.
    pub message: String,
    /// The runner killed it at [`time_limit`]: it hung even past its own
    /// deadline.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub killed: bool,
}

/// How `lesson13_testkit::with_deadline` reports a test body that hung.
const OWN_DEADLINE_MESSAGE: &str = "test timed out after";

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

/// Runs every test of every binary, `jobs` processes at a time, and returns
/// the results in a stable order (binary, then test name).
pub fn run_all(
    binaries: &[TestBinary],
    crate_dir: &Path,
    options: &Options,
) -> Result<Vec<TestResult>, String> {
    let mut work = Vec::new();
    for binary in binaries {
        for test in build::list(binary)? {
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
    match build::build(workspace, krate, target_dir, options.locked)? {
        Build::CompileError(errors) => Ok(CrateRun::CompileError(errors)),
        Build::Built(binaries) => {
            let results = run_all(&binaries, &workspace.join(krate), options)?;
            Ok(CrateRun::Ran(results))
        }
    }
}
