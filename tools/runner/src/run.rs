//! Running every test of a crate, each in its own process under a time limit.

use crate::build::{self, Build, TestBinary};
use crate::capture;
use crate::message::{failure_message, tail};
#[cfg(unix)]
use crate::proof::Proof;
#[cfg(all(unix, feature = "grader"))]
use crate::sandbox::Outcome;
#[cfg(all(unix, feature = "grader"))]
pub use crate::sandbox::Sandbox;
use lesson13_testkit::protocol;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The outcome of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "grader",
    derive(serde::Serialize, serde::Deserialize),
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
#[cfg_attr(feature = "grader", derive(serde::Serialize, serde::Deserialize))]
pub struct TestResult {
    /// The test's name, prefixed by its test target: `hidden::graded::…`.
    pub name: String,
    /// Pass, fail or timeout.
    pub status: TestStatus,
    /// What the test printed when it failed, without backtrace noise.
    pub message: String,
    /// The runner killed it at [`time_limit`]: it hung even past its own
    /// deadline.
    #[cfg_attr(feature = "grader", serde(skip))]
    pub killed: bool,
    /// A racing test, whose verdict may differ from run to run, so it
    /// weighs nothing: set by the grader from its scheme (the runner knows
    /// nothing of points).
    #[cfg_attr(
        feature = "grader",
        serde(default, skip_serializing_if = "std::ops::Not::not")
    )]
    pub racing: bool,
}

/// How long one test may run before it is killed: its own deadline (the
/// harness's, [`protocol::deadline_secs`], set by `envs` or this process's
/// environment) plus a margin, so that the test's own deadline always fails
/// it first.
pub fn time_limit(envs: &[(&str, &str)]) -> Duration {
    const MARGIN_SECS: u64 = 15;
    let value = envs
        .iter()
        .find(|(key, _)| *key == protocol::DEADLINE_VAR)
        .map(|(_, value)| value.to_string())
        .or_else(|| std::env::var(protocol::DEADLINE_VAR).ok());
    Duration::from_secs(protocol::deadline_secs(value.as_deref()) + MARGIN_SECS)
}

/// Runs every test of every binary, `jobs` processes at a time, and returns
/// the results in a stable order (binary, then test name).
pub fn run_all(
    binaries: &[TestBinary],
    crate_dir: &Path,
    options: &Options,
) -> Result<Vec<TestResult>, String> {
    let mut results = run_crates(&[(binaries, crate_dir)], options)?;
    Ok(results.pop().unwrap_or_default())
}

/// How long a test may run before it no longer counts against `jobs`: a
/// correct channel passes every test in well under a second, so a test
/// still running after this most likely hangs until its deadline, using no
/// CPU; the next test need not wait for it.
const SETTLED: Duration = Duration::from_secs(1);

/// How many test processes may run at once, as a multiple of `jobs`,
/// counting those past [`SETTLED`].
const MOST_PER_JOB: usize = 4;

/// Runs the tests of several crates (each its binaries and the folder to
/// run them in) in one pool, so that no crate waits for another's slowest
/// test. At most `jobs` tests that started less than a second ago run at
/// once, and at most four times `jobs` in all: a submission whose tests
/// hang costs about one deadline, not one per `jobs` hung tests.
/// Returns each crate's results in a stable order (binary, then test name).
pub fn run_crates(
    crates: &[(&[TestBinary], &Path)],
    options: &Options,
) -> Result<Vec<Vec<TestResult>>, String> {
    let mut staged = Vec::new();
    let mut work = Vec::new();
    for (index, (binaries, dir)) in crates.iter().enumerate() {
        let copies = Staged::new(options, binaries)?;
        for copy in &copies.binaries {
            for test in list_tests(copy, options)? {
                work.push((index, copy.clone(), test, *dir));
            }
        }
        staged.push(copies);
    }
    let jobs = options.jobs.max(1);
    let started: Mutex<Vec<Option<Instant>>> = Mutex::new(vec![None; jobs * MOST_PER_JOB]);
    let turn = Condvar::new();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(work.len()));
    std::thread::scope(|scope| {
        for worker in 0..jobs * MOST_PER_JOB {
            let (started, turn, next, results, work) = (&started, &turn, &next, &results, &work);
            scope.spawn(move || {
                loop {
                    // Wait for a free job, then take the next test.
                    let mut slots = started.lock().unwrap();
                    while unsettled(&slots, Instant::now()) >= jobs {
                        slots = turn.wait_timeout(slots, SETTLED / 10).unwrap().0;
                    }
                    let Some((index, binary, test, dir)) =
                        work.get(next.fetch_add(1, Ordering::Relaxed))
                    else {
                        return;
                    };
                    slots[worker] = Some(Instant::now());
                    drop(slots);
                    let result = run_one(binary, test, dir, options);
                    started.lock().unwrap()[worker] = None;
                    turn.notify_all();
                    if let Some(on_result) = options.on_result {
                        (on_result.0)(&result);
                    }
                    results.lock().unwrap().push((*index, result));
                }
            });
        }
    });
    drop(staged);
    let mut by_crate: Vec<Vec<TestResult>> = crates.iter().map(|_| Vec::new()).collect();
    for (index, result) in results.into_inner().unwrap() {
        by_crate[index].push(result);
    }
    for results in &mut by_crate {
        results.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(by_crate)
}

/// The tests in `binary`: listed in the sandbox when there is one (the
/// binary is a submission's), each way under a deadline and with bounded
/// output (see [`build::list`]).
fn list_tests(binary: &TestBinary, options: &Options) -> Result<Vec<String>, String> {
    #[cfg(all(unix, feature = "grader"))]
    if let Some(sandbox) = options.sandbox {
        let work = sandbox.test_dir("list")?;
        let launch = sandbox.command(
            &binary.path,
            &build::LIST_ARGS,
            &work,
            build::LIST_TIME,
            &[],
        );
        let ran = launch.run();
        let _ = std::fs::remove_dir_all(&work);
        let (outcome, output) =
            ran.map_err(|e| format!("could not list {}: {e}", binary.path.display()))?;
        let ok = match outcome? {
            Outcome::Ended(status) => status.success(),
            Outcome::Killed => {
                return Err(format!(
                    "{} --list took more than {} s",
                    binary.path.display(),
                    build::LIST_TIME.as_secs()
                ));
            }
        };
        let cut = output.starts_with(crate::capture::CUT_MARK);
        return build::listed(&binary.path, ok, cut, &output);
    }
    let _ = options;
    build::list(binary)
}

/// How many of the running tests (each its start time) started less than
/// [`SETTLED`] before `now`.
fn unsettled(started: &[Option<Instant>], now: Instant) -> usize {
    started
        .iter()
        .flatten()
        .filter(|t| now.saturating_duration_since(**t) < SETTLED)
        .count()
}

/// The test binaries as the tests run them: the sandbox's copies (deleted
/// when this is dropped), or, without a sandbox, the binaries themselves.
pub(crate) struct Staged {
    /// One per binary given, in order.
    pub(crate) binaries: Vec<TestBinary>,
    copied: bool,
}

impl Staged {
    /// Stages `binaries` for the sandbox of `options`, if it has one.
    pub(crate) fn new(options: &Options, binaries: &[TestBinary]) -> Result<Staged, String> {
        Ok(match options.sandbox {
            Some(sandbox) => Staged {
                binaries: stage(sandbox, binaries)?,
                copied: true,
            },
            None => Staged {
                binaries: binaries.to_vec(),
                copied: false,
            },
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.copied {
            return;
        }
        for copy in &self.binaries {
            if let Some(dir) = copy.path.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

/// The sandbox's copies of the test binaries.
#[cfg(all(unix, feature = "grader"))]
fn stage(sandbox: &Sandbox, binaries: &[TestBinary]) -> Result<Vec<TestBinary>, String> {
    binaries
        .iter()
        .map(|b| {
            Ok(TestBinary {
                target: b.target.clone(),
                path: sandbox.stage(&b.path)?,
            })
        })
        .collect()
}

#[cfg(not(all(unix, feature = "grader")))]
fn stage(sandbox: &Sandbox, _: &[TestBinary]) -> Result<Vec<TestBinary>, String> {
    match *sandbox {}
}

/// Why a test that exited 0 still failed, when its pass is not proven.
pub const UNPROVEN_MESSAGE: &str =
    "the test process ended without finishing the test (exit, abort or a forged result)";

/// The longest message a result carries (a report is read by people, and a
/// test can print anything).
pub const MESSAGE_BYTES: usize = 2048;

/// Runs one test in its own process.
fn run_one(binary: &TestBinary, test: &str, crate_dir: &Path, options: &Options) -> TestResult {
    let name = format!("{}::{test}", binary.target);
    let limit = time_limit(options.envs);
    let args = [test, "--exact", "--test-threads=1", "--color", "never"];
    let (ended, output) = match run_process(binary, &args, crate_dir, options, limit) {
        Ok(ended) => ended,
        Err(e) => (Err(format!("could not run the test: {e}")), String::new()),
    };
    let (status, message) = match ended {
        Err(why) => (TestStatus::Fail, why),
        Ok(Ended::Killed) => {
            let message = format!(
                "killed after {}s, past the test's own deadline: something blocked outside \
                 the test body\n{}",
                limit.as_secs(),
                tail(&output, 10)
            );
            return TestResult {
                name,
                status: TestStatus::Timeout,
                message: cap(message),
                killed: true,
                racing: false,
            };
        }
        Ok(Ended::Exited(status, proven)) if status.success() => {
            if libtest_says_ok(&output, test) && proven {
                (TestStatus::Pass, String::new())
            } else {
                (TestStatus::Fail, UNPROVEN_MESSAGE.to_owned())
            }
        }
        Ok(Ended::Exited(status, _)) => {
            let message = failure_message(test, status, &output);
            if message.contains(protocol::TIMEOUT_MESSAGE) {
                (TestStatus::Timeout, message)
            } else {
                (TestStatus::Fail, message)
            }
        }
    };
    TestResult {
        name,
        status,
        message: cap(message),
        killed: false,
        racing: false,
    }
}

/// How a test process ended.
pub(crate) enum Ended {
    /// By itself, with this status; `true` if its pass is proven (or no
    /// proof was asked for).
    Exited(ExitStatus, bool),
    /// Killed at the time limit.
    Killed,
}

/// Runs the test binary with `args`, directly or in the sandbox: how it
/// ended (or why it could not run), and the end of its output.
pub(crate) fn run_process(
    binary: &TestBinary,
    args: &[&str],
    crate_dir: &Path,
    options: &Options,
    limit: Duration,
) -> std::io::Result<(Result<Ended, String>, String)> {
    #[cfg(all(unix, feature = "grader"))]
    if let Some(sandbox) = options.sandbox {
        let work = sandbox.test_dir("test").map_err(std::io::Error::other)?;
        let mut launch = sandbox.command(&binary.path, args, &work, limit, options.envs);
        let proof = options
            .proof
            .then(|| Proof::attach(&mut launch.command))
            .transpose()?;
        let ran = launch.run();
        let _ = std::fs::remove_dir_all(&work);
        let (outcome, output) = ran?;
        let ended = outcome.map(|outcome| match outcome {
            Outcome::Killed => Ended::Killed,
            Outcome::Ended(status) => Ended::Exited(status, proof.is_none_or(Proof::confirmed)),
        });
        return Ok((ended, output));
    }
    let mut command = Command::new(&binary.path);
    command
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .envs(options.envs.iter().copied())
        .current_dir(crate_dir)
        .stdin(Stdio::null());
    let proof = options
        .proof
        .then(|| attach_proof(&mut command))
        .transpose()?;
    let captured = capture::run(command, limit)?;
    let ended = match captured.status {
        None => Ended::Killed,
        Some(status) => Ended::Exited(status, proof.is_none_or(Proof::confirmed)),
    };
    Ok((Ok(ended), captured.output))
}

/// Whether libtest itself says that `test`, run alone, passed: its own
/// line for the test (whose `ok` may come after output the test printed
/// around libtest's capture) and its summary, one passed and none failed.
fn libtest_says_ok(output: &str, test: &str) -> bool {
    let started = format!("test {test} ... ");
    let mut lines = output.lines();
    lines.any(|l| l.starts_with(&started))
        && lines.any(|l| l.starts_with("test result: ok. 1 passed; 0 failed;"))
}

#[cfg(unix)]
fn attach_proof(command: &mut Command) -> std::io::Result<Proof> {
    Proof::attach(command)
}

#[cfg(not(unix))]
fn attach_proof(_: &mut Command) -> std::io::Result<Proof> {
    Err(std::io::Error::other("a proof of pass needs Unix"))
}

/// No proof channel off Unix: [`attach_proof`] refuses.
#[cfg(not(unix))]
struct Proof;

/// No sandbox off Unix, or without the `grader` feature (there is no value
/// of this type).
#[cfg(not(all(unix, feature = "grader")))]
#[derive(Debug)]
pub enum Sandbox {}

#[cfg(not(unix))]
impl Proof {
    fn confirmed(self) -> bool {
        false
    }
}

/// `message`, safe to show and store: control characters (a terminal escape
/// sequence, say) replaced by `�`, and cut to at most [`MESSAGE_BYTES`] at a
/// character boundary.
pub fn cap(message: String) -> String {
    let is_control = |c: char| c.is_control() && c != '\n' && c != '\t';
    let mut message = if message.contains(is_control) {
        message.replace(is_control, "\u{FFFD}")
    } else {
        message
    };
    if message.len() <= MESSAGE_BYTES {
        return message;
    }
    let mut cut = MESSAGE_BYTES - 40;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    let more = message.len() - cut;
    message.truncate(cut);
    message.push_str(&format!("\n… ({more} more bytes cut)"));
    message
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
    /// Pass a test only when the harness proves that its body returned
    /// (see [`crate::proof`]): for grading, where the code under test is not
    /// trusted. Every graded test must then run its body under
    /// `lesson13_testkit::with_deadline`.
    pub proof: bool,
    /// Run each test in this sandbox (see the `sandbox` module), in a folder
    /// of its own with a scrubbed environment, rather than directly.
    pub sandbox: Option<&'a Sandbox>,
    /// Told each test's result as soon as it is known (a progress bar).
    pub on_result: Option<OnResult<'a>>,
}

/// What [`Options::on_result`] calls.
#[derive(Clone, Copy)]
pub struct OnResult<'a>(pub &'a (dyn Fn(&TestResult) + Sync));

impl std::fmt::Debug for OnResult<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnResult(..)")
    }
}

impl Options<'_> {
    /// `jobs` processes at once, locked dependencies, no extra environment,
    /// no proof of pass, no sandbox.
    pub fn jobs(jobs: usize) -> Options<'static> {
        Options {
            jobs,
            envs: &[],
            locked: true,
            proof: false,
            sandbox: None,
            on_result: None,
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
    let code = match options.sandbox {
        Some(_) => build::Code::Untrusted,
        None => build::Code::Trusted,
    };
    match build::build(workspace, krate, target_dir, options.locked, code)? {
        Build::CompileError(errors) => Ok(CrateRun::CompileError(errors)),
        Build::Built { binaries, .. } => {
            let results = run_all(&binaries, &workspace.join(krate), options)?;
            Ok(CrateRun::Ran(results))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_loses_its_control_characters_and_its_excess() {
        let message = cap("red \u{1b}[31mtext\u{7}\n\tnext line".to_owned());
        assert_eq!(message, "red \u{FFFD}[31mtext\u{FFFD}\n\tnext line");
        let long = cap("é".repeat(MESSAGE_BYTES));
        assert!(long.len() <= MESSAGE_BYTES, "{}", long.len());
        assert!(long.ends_with("more bytes cut)"), "{long}");
    }

    #[test]
    fn a_test_running_past_settled_no_longer_holds_a_job() {
        let now = Instant::now() + SETTLED * 10;
        let started = [
            Some(now - SETTLED / 2),
            None,
            Some(now - SETTLED * 3),
            Some(now),
        ];
        assert_eq!(unsettled(&started, now), 2);
        assert_eq!(unsettled(&[None, None], now), 0);
    }

    #[test]
    fn libtest_must_say_the_one_test_passed() {
        let ok = "running 1 test\ntest graded::x ... printed by the test\nok\n\n\
                  test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 9 filtered out\n";
        assert!(libtest_says_ok(ok, "graded::x"));
        assert!(!libtest_says_ok(ok, "graded::y"));
        let forged = "test result: ok. 1 passed; 0 failed;\ntest graded::x ... ok\n";
        assert!(!libtest_says_ok(forged, "graded::x"));
    }
}
