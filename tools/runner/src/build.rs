//! Building an exercise crate's integration tests with cargo, and listing
//! the tests in each test binary.

use crate::capture::Tail;
use crate::message::tail;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

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

/// Whose code a build compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// This workspace's own (the stubs, the solutions): built as it is.
    Trusted,
    /// A submission's: cargo and the compiler get a scrubbed environment (so
    /// `env!` reads no secret), at most [`BUILD_MEMORY`] of address space
    /// each, and [`BUILD_TIME`] in all, and what they print is read in
    /// bounded pieces.
    Untrusted,
}

/// Builds the integration tests (`tests/*`) of `krate` in the workspace at
/// `workspace`. The crate's own unit tests, if a student wrote some, are not
/// graded.
pub fn build(
    workspace: &Path,
    krate: &str,
    target_dir: &Path,
    locked: bool,
    code: Code,
) -> Result<Build, String> {
    one(run_cargo(
        workspace,
        &[krate],
        None,
        target_dir,
        locked,
        code == Code::Untrusted,
        &Release::No,
    ))
}

/// Builds the test target `test` of the package `package` (whose folder has
/// the same name) in release, with `envs` on top of the usual environment
/// (and of the scrubbed one, for untrusted code): the loom runner's build
/// (`RUSTFLAGS="--cfg loom"`, …; see [`crate::loom`]).
pub fn build_release(
    workspace: &Path,
    package: &str,
    test: &str,
    target_dir: &Path,
    locked: bool,
    code: Code,
    envs: &[(&str, &str)],
) -> Result<Build, String> {
    one(run_cargo(
        workspace,
        &[package],
        Some(test),
        target_dir,
        locked,
        code == Code::Untrusted,
        &Release::With(envs),
    ))
}

/// Builds the test target `test` of each of `krates`, untrusted code, in one
/// cargo call: the crates compile side by side, and one crate's compile
/// error stops none of the others (`--keep-going`). Without debug info or
/// incremental caches, which a grading build never uses: that halves its
/// time. One [`Build`] per crate, in the order given.
pub fn build_graded(
    workspace: &Path,
    krates: &[&str],
    test: &str,
    target_dir: &Path,
    locked: bool,
) -> Result<Vec<Build>, String> {
    run_cargo(
        workspace,
        krates,
        Some(test),
        target_dir,
        locked,
        true,
        &Release::No,
    )
}

/// Which profile a build uses.
enum Release<'a> {
    /// The dev profile (tests), without debug info for a single test target.
    No,
    /// The release profile, with these variables set.
    With(&'a [(&'a str, &'a str)]),
}

fn one(builds: Result<Vec<Build>, String>) -> Result<Build, String> {
    builds?
        .pop()
        .ok_or_else(|| "cargo built nothing".to_owned())
}

/// How long an untrusted build may take, dependencies included.
pub const BUILD_TIME: Duration = Duration::from_secs(300);

/// The address space each process of an untrusted build may use.
pub const BUILD_MEMORY: u64 = 4 << 30;

/// The variables an untrusted build keeps: what cargo, rustup and a proxy
/// need. Tokens and everything else of the grader's are left out.
const BUILD_ENVIRONMENT: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "RUSTC",
    "RUSTC_WRAPPER",
    "CARGO_BUILD_JOBS",
    "CARGO_NET_OFFLINE",
    "CARGO_HTTP_CAINFO",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

/// The longest line of cargo's JSON that is read; longer ones are skipped.
const MAX_LINE: usize = 1 << 20;

/// Builds the tests of `krates`: all of their test targets with `cargo test
/// --no-run` (`test: None`), or the one target `test` of each with `cargo
/// build --keep-going`, in the profile `release` says. One [`Build`] per
/// crate, in order.
fn run_cargo(
    workspace: &Path,
    krates: &[&str],
    test: Option<&str>,
    target_dir: &Path,
    locked: bool,
    untrusted: bool,
    release: &Release,
) -> Result<Vec<Build>, String> {
    let mut command = Command::new(env!("CARGO"));
    match test {
        None => command.args(["test", "--tests", "--no-run"]),
        Some(test) => command.args(["build", "--keep-going", "--test", test]),
    };
    command
        .arg("--message-format=json")
        .args(locked.then_some("--locked"))
        .args(matches!(release, Release::With(_)).then_some("--release"))
        .args(krates.iter().flat_map(|k| ["--package", k]))
        .current_dir(workspace)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if untrusted {
        command.env_clear();
        for name in BUILD_ENVIRONMENT {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        confine_build(&mut command);
    }
    if test.is_some() {
        // Debug info is most of a test binary's build and link time, and a
        // grading build is never debugged; nor is it rebuilt, so incremental
        // caches would only be written.
        command
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("CARGO_PROFILE_TEST_DEBUG", "0")
            .env("CARGO_INCREMENTAL", "0");
    }
    if let Release::With(envs) = release {
        command.envs(envs.iter().copied());
    }
    command.env("CARGO_TARGET_DIR", target_dir);
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    let stderr = child.stderr.take().expect("piped");
    let stderr = std::thread::spawn(move || {
        let mut tail = Tail::default();
        let mut reader = stderr;
        let mut chunk = vec![0; 16 * 1024];
        while let Ok(n @ 1..) = reader.read(&mut chunk) {
            tail.push(&chunk[..n]);
        }
        tail.text()
    });
    let (done, timed_out) = watchdog(&child, untrusted.then_some(BUILD_TIME));
    // Cargo names each message's crate by its manifest, as the OS resolves it.
    let manifests: Vec<PathBuf> = krates
        .iter()
        .map(|k| workspace.join(k).join("Cargo.toml"))
        .map(|m| m.canonicalize().unwrap_or(m))
        .collect();
    let mut outputs: Vec<Output> = krates.iter().map(|_| Output::default()).collect();
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .unwrap_or(0);
        if n == 0 {
            break;
        }
        if n == MAX_LINE && !line.ends_with(b"\n") {
            skip_line(&mut reader);
            continue;
        }
        read_message(&line, &manifests, &mut outputs);
    }
    let status = child.wait().map_err(|e| format!("cargo: {e}"))?;
    drop(done);
    let stderr = stderr.join().unwrap_or_default();
    let timed_out = timed_out.load(Ordering::SeqCst);
    krates
        .iter()
        .zip(outputs)
        .map(
            |(
                krate,
                Output {
                    mut binaries,
                    errors,
                },
            )| {
                if timed_out {
                    return Ok(Build::CompileError(format!(
                        "the build took more than {} s and was stopped",
                        BUILD_TIME.as_secs()
                    )));
                }
                if !errors.is_empty() {
                    return Ok(Build::CompileError(first_errors(&errors)));
                }
                if status.success() || !binaries.is_empty() {
                    binaries.sort_by(|a, b| a.target.cmp(&b.target));
                    return Ok(Build::Built(binaries));
                }
                if untrusted && !stderr.contains("error: failed to") {
                    // Killed by a limit (memory, say) rather than refused by cargo.
                    return Ok(Build::CompileError(format!(
                        "the build failed ({status}):\n{}",
                        tail(&stderr, 20)
                    )));
                }
                Err(format!(
                    "cargo could not build {krate}'s tests:\n{}",
                    tail(&stderr, 20)
                ))
            },
        )
        .collect()
}

/// What cargo said about one crate.
#[derive(Default)]
struct Output {
    binaries: Vec<TestBinary>,
    errors: Vec<String>,
}

/// Takes one message of cargo's JSON output into account, for the crate
/// whose manifest it names.
fn read_message(line: &[u8], manifests: &[PathBuf], outputs: &mut [Output]) {
    let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
        return;
    };
    let Some(output) = message["manifest_path"]
        .as_str()
        .map(|m| {
            Path::new(m)
                .canonicalize()
                .unwrap_or_else(|_| PathBuf::from(m))
        })
        .and_then(|m| manifests.iter().position(|p| *p == m))
        .and_then(|i| outputs.get_mut(i))
    else {
        return;
    };
    match message["reason"].as_str() {
        Some("compiler-artifact") => {
            let is_test = message["target"]["kind"] == serde_json::json!(["test"]);
            if let (true, Some(path)) = (is_test, message["executable"].as_str()) {
                output.binaries.push(TestBinary {
                    target: message["target"]["name"].as_str().unwrap_or("?").to_owned(),
                    path: PathBuf::from(path),
                });
            }
        }
        Some("compiler-message") if message["message"]["level"] == "error" => {
            if let Some(rendered) = message["message"]["rendered"].as_str() {
                // The library is compiled twice (plain, and as its own unit
                // test target), so the same error comes twice. Three are
                // shown; no more are kept.
                let errors = &mut output.errors;
                if errors.len() < 3 && !errors.iter().any(|e| e == rendered) {
                    errors.push(rendered.chars().take(8 * 1024).collect());
                }
            }
        }
        _ => {}
    }
}

/// Reads up to the end of an overlong line, keeping nothing.
fn skip_line(reader: &mut impl BufRead) {
    loop {
        let Ok(buffer) = reader.fill_buf() else {
            return;
        };
        if buffer.is_empty() {
            return;
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => {
                reader.consume(at + 1);
                return;
            }
            None => {
                let all = buffer.len();
                reader.consume(all);
            }
        }
    }
}

/// Kills the build (its whole process group) if it is not done within
/// `limit`. Dropping the first value returned tells the watchdog the build
/// is done; the flag says whether it had to kill it.
fn watchdog(
    child: &std::process::Child,
    limit: Option<Duration>,
) -> (mpsc::Sender<()>, Arc<AtomicBool>) {
    let (done, wait) = mpsc::channel::<()>();
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(limit) = limit {
        let (pid, flag) = (child.id(), Arc::clone(&timed_out));
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
                flag.store(true, Ordering::SeqCst);
                kill_group(pid);
            }
        });
    }
    (done, timed_out)
}

#[cfg(unix)]
fn confine_build(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: BUILD_MEMORY,
                rlim_max: BUILD_MEMORY,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn confine_build(_: &mut Command) {}

#[cfg(unix)]
fn kill_group(pid: u32) {
    // SAFETY: a signal to the build's own process group.
    unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
}

#[cfg(not(unix))]
fn kill_group(_: u32) {}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_message_counts_for_the_crate_whose_manifest_it_names() {
        let workspace = tempfile::tempdir().unwrap();
        for krate in ["a", "b"] {
            std::fs::create_dir(workspace.path().join(krate)).unwrap();
            std::fs::write(workspace.path().join(krate).join("Cargo.toml"), "").unwrap();
        }
        let manifests: Vec<PathBuf> = ["a", "b"]
            .iter()
            .map(|k| {
                workspace
                    .path()
                    .join(k)
                    .join("Cargo.toml")
                    .canonicalize()
                    .unwrap()
            })
            .collect();
        let mut outputs = vec![Output::default(), Output::default()];
        let manifest = |k: &str| workspace.path().join(k).join("Cargo.toml");
        let error = serde_json::json!({
            "reason": "compiler-message",
            "manifest_path": manifest("b"),
            "message": {"level": "error", "rendered": "error[E0308]: mismatched types"},
        });
        let binary = serde_json::json!({
            "reason": "compiler-artifact",
            "manifest_path": manifest("a"),
            "target": {"kind": ["test"], "name": "graded"},
            "executable": "/bin/graded-a",
        });
        let testkit = serde_json::json!({
            "reason": "compiler-message",
            "manifest_path": workspace.path().join("testkit/Cargo.toml"),
            "message": {"level": "error", "rendered": "not a crate of ours"},
        });
        for message in [error.clone(), binary, testkit, error] {
            read_message(message.to_string().as_bytes(), &manifests, &mut outputs);
        }
        assert_eq!(outputs[0].binaries.len(), 1);
        assert!(outputs[0].errors.is_empty());
        assert_eq!(outputs[1].errors, ["error[E0308]: mismatched types"]);
        assert!(outputs[1].binaries.is_empty());
    }
}
