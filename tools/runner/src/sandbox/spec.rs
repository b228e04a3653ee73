//! What the runner and the launcher say to each other: the launch spec (in
//! the launcher's argv, JSON; it holds no secret) and the launcher's report
//! (on a socket at fd [`STATUS_FD`], one line per event, which the test
//! itself never holds).

use super::Outcome;
use crate::capture;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, ExitStatus};
use std::time::Duration;

/// The hidden first argument that makes the grader's binary a launcher.
pub const LAUNCH_ARG: &str = "__lesson13-sandbox-launch";

/// Where the launcher writes its report: a socket the runner reads. The
/// test binary never holds it (close-on-exec).
pub const STATUS_FD: i32 = 4;

/// One protection of the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Only `PATH`, a temporary `HOME` and `TMPDIR`, `RUST_BACKTRACE`,
    /// `LESSON13_DEADLINE_SECS` and the proof socket's fd.
    ScrubbedEnvironment,
    /// A user namespace; as root, the test runs as `nobody`.
    UserNamespace,
    /// A PID namespace: the test's whole tree dies with it.
    PidNamespace,
    /// A network namespace with no interface up.
    NetworkNamespace,
    /// A mount namespace in which the test's folder is a private tmpfs.
    PrivateTmpfs,
    /// setrlimit: address space, file size, open files, CPU time, threads,
    /// core dumps.
    ResourceLimits,
    /// A seccomp filter: no new processes, no sockets, no `kill(2)`.
    Seccomp,
    /// Landlock on files: read/execute only the test binary and the system
    /// libraries, write only the test's folder.
    LandlockFiles,
    /// Landlock on the network: no TCP bind or connect (ABI 4).
    LandlockNetwork,
    /// Landlock scopes: no signals or abstract unix sockets beyond the
    /// sandbox (ABI 6).
    LandlockScopes,
    /// Landlock on the build: the compiler reads only the grading copy, the
    /// toolchain and the system's programs (no `include_str!` of anything
    /// else), and writes only the build's folder.
    LandlockBuild,
}

impl Protection {
    /// Every protection, in the order they are listed.
    pub const ALL: [Protection; 11] = [
        Protection::ScrubbedEnvironment,
        Protection::UserNamespace,
        Protection::PidNamespace,
        Protection::NetworkNamespace,
        Protection::PrivateTmpfs,
        Protection::ResourceLimits,
        Protection::Seccomp,
        Protection::LandlockFiles,
        Protection::LandlockNetwork,
        Protection::LandlockScopes,
        Protection::LandlockBuild,
    ];

    /// One line for people.
    pub fn describe(self) -> &'static str {
        match self {
            Protection::ScrubbedEnvironment => {
                "scrubbed environment (PATH, a temporary HOME, RUST_BACKTRACE, LESSON13_DEADLINE_SECS)"
            }
            Protection::UserNamespace => {
                "user namespace (no privileges; as root, the test runs as nobody)"
            }
            Protection::PidNamespace => {
                "PID namespace (everything a test starts dies with it; no other process is visible)"
            }
            Protection::NetworkNamespace => "network namespace (no network interface at all)",
            Protection::PrivateTmpfs => {
                "mount namespace (the test's folder is a private 64 MiB tmpfs)"
            }
            Protection::ResourceLimits => {
                "resource limits (1 GiB address space, 64 MiB files, 256 open files, 60 s CPU, 128 threads)"
            }
            Protection::Seccomp => "seccomp (no new processes, no sockets, no kill(2))",
            Protection::LandlockFiles => {
                "Landlock files (read only the test binary and system libraries, write only the test's folder)"
            }
            Protection::LandlockNetwork => "Landlock network (no TCP bind or connect; ABI 4)",
            Protection::LandlockScopes => {
                "Landlock scopes (no signals or abstract sockets beyond the sandbox; ABI 6)"
            }
            Protection::LandlockBuild => {
                "Landlock build jail (the compiler reads only the grading copy and the toolchain: no include_str! of other files)"
            }
        }
    }
}

/// What to launch and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    /// The test binary (its sandbox copy).
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// The test's own folder: its working directory, `HOME` and `TMPDIR`,
    /// and the only place it may write.
    pub work: PathBuf,
    /// Files it may read and execute, besides the system libraries.
    pub read_exec: Vec<PathBuf>,
    /// Kill the test's whole tree after this long.
    pub limit_ms: u64,
    /// Fail rather than run without any of these.
    pub require: Vec<Protection>,
    /// Only report which protections could be applied; run nothing.
    pub probe: bool,
}

impl Spec {
    /// As the launcher's argument.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a spec always serialises")
    }
}

/// What the launcher reported.
#[derive(Debug, Default)]
pub struct Report {
    /// The protections the sandbox applied before it ran the test.
    pub applied: Option<Vec<Protection>>,
    /// Why the sandbox could not run the test.
    pub error: Option<String>,
    /// The test's exit status.
    pub ended: Option<ExitStatus>,
    /// The launcher killed the tree at the time limit.
    pub killed: bool,
}

impl Report {
    fn parse(text: &str) -> Report {
        let mut report = Report::default();
        for line in text.lines() {
            let (event, rest) = line.split_once(' ').unwrap_or((line, ""));
            match event {
                "applied" => report.applied = serde_json::from_str(rest).ok(),
                "error" => report.error = Some(rest.to_owned()),
                "exit" => {
                    let code: i32 = rest.parse().unwrap_or(255);
                    report.ended = Some(ExitStatus::from_raw((code & 0xff) << 8));
                }
                "signal" => {
                    let signal: i32 = rest.parse().unwrap_or(9);
                    report.ended = Some(ExitStatus::from_raw(signal & 0x7f));
                }
                "killed" => report.killed = true,
                _ => {}
            }
        }
        report
    }
}

/// Gives `command` the status socket at [`STATUS_FD`]; returns our end.
fn attach_status(command: &mut Command) -> std::io::Result<UnixStream> {
    let (ours, theirs) = UnixStream::pair()?;
    let fd = theirs.as_raw_fd();
    // SAFETY: only dup2/fcntl between fork and exec (async-signal-safe);
    // the closure owns `theirs`, so the fd stays open until the command is
    // dropped.
    unsafe {
        command.pre_exec(move || {
            let _keep = &theirs;
            crate::proof::pass_fd(fd, STATUS_FD)
        });
    }
    Ok(ours)
}

/// Everything on `socket` until every writer has closed it.
fn read_report(mut socket: UnixStream) -> Report {
    let mut text = String::new();
    let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = (&mut socket).take(64 * 1024).read_to_string(&mut text);
    Report::parse(&text)
}

/// Runs a launcher `command` to the end (the probe) and returns its exit
/// status and report.
pub fn run_with_status(mut command: Command) -> Result<(ExitStatus, Report), String> {
    let status_socket = attach_status(&mut command).map_err(|e| e.to_string())?;
    let status = command
        .status()
        .map_err(|e| format!("cannot start the sandbox's launcher: {e}"))?;
    drop(command);
    Ok((status, read_report(status_socket)))
}

/// Runs a launcher `command` with its output captured, and says how the test
/// ended. The launcher kills the test at `limit`; the runner kills the
/// launcher itself only if it overstays by far.
pub(super) fn run_captured(
    mut command: Command,
    limit: Duration,
) -> std::io::Result<(Result<Outcome, String>, String)> {
    let status_socket = attach_status(&mut command)?;
    let ended = capture::run(command, limit + Duration::from_secs(10))?;
    let report = read_report(status_socket);
    let outcome = match (report.error, report.killed, report.ended, ended.status) {
        (Some(error), _, _, _) => Err(format!("the sandbox could not run the test: {error}")),
        (None, true, _, _) => Ok(Outcome::Killed),
        (None, false, Some(status), Some(_)) => Ok(Outcome::Ended(status)),
        (None, false, _, None) => Ok(Outcome::Killed),
        (None, false, None, Some(status)) => Err(format!(
            "the sandbox's launcher ended ({status}) without a report"
        )),
    };
    Ok((outcome, ended.output))
}
