//! Building an exercise crate's integration tests with cargo, and listing
//! the tests in each test binary.

use crate::capture::{self, Tail};
use crate::diagnostic;
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
    /// It built.
    Built {
        /// The test binaries, ready to run.
        binaries: Vec<TestBinary>,
        /// The compiler's warnings about the crate's own `src/lib.rs` (the
        /// student's file), in its words, each once; the tests' and other
        /// crates' warnings are left out (see [`diagnostic`]).
        warnings: Vec<String>,
    },
    /// The compiler's first errors, trimmed; one that points into the
    /// tests is explained (see [`diagnostic::explained`]).
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
    let cargo = Cargo {
        untrusted: code == Code::Untrusted,
        lean: false,
        jail: None,
        release: None,
    };
    one(cargo.run(workspace, &[krate], Step::AllTests, target_dir, locked))
}

/// Builds the test target `test` of the package `package` (whose folder has
/// the same name) in release, with `envs` on top of the usual environment
/// (and of the scrubbed one, for untrusted code): the loom runner's build
/// (`RUSTFLAGS="--cfg loom"`, …; see [`crate::loom`]).
#[allow(clippy::too_many_arguments)]
pub fn build_release(
    workspace: &Path,
    package: &str,
    test: &str,
    target_dir: &Path,
    locked: bool,
    code: Code,
    envs: &[(&str, &str)],
    jail: Option<&BuildJail>,
) -> Result<Build, String> {
    let cargo = Cargo {
        untrusted: code == Code::Untrusted,
        lean: true,
        jail,
        release: Some(envs),
    };
    one(cargo.run(workspace, &[package], Step::Tests(test), target_dir, locked))
}

fn one(built: Result<Graded, String>) -> Result<Build, String> {
    built?
        .builds
        .pop()
        .ok_or_else(|| "cargo built nothing".to_owned())
}

/// What one cargo call of a submission's graded build does, for each crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// Build its library alone (`cargo build --lib`).
    Libraries,
    /// Build its test target of this name (`cargo build --test NAME`).
    Tests(&'a str),
    /// Type-check its test target of this name, without generating code
    /// (`cargo check --test NAME`).
    Check(&'a str),
    /// Build every test target (`cargo test --no-run`): [`build`]'s.
    AllTests,
}

/// What one graded cargo call gave.
pub struct Graded {
    /// One per crate, in the order given; a [`Step::Libraries`] or
    /// [`Step::Check`] build has no test binaries.
    pub builds: Vec<Build>,
    /// The crates whose library this call compiled, rather than found
    /// already built.
    pub compiled_libraries: Vec<String>,
}

/// Builds `step` of each of `krates`, untrusted code, in one cargo call: the
/// crates compile side by side, and one crate's compile error stops none of
/// the others (`--keep-going`). Without debug info or incremental caches,
/// which a grading build never uses: that halves its time. With `jail`,
/// the compiler runs confined to the grading copy (see
/// `sandbox::BuildJail`). Errors that point into the hidden tests are shown
/// without their source (see [`diagnostic`]).
pub fn build_graded(
    workspace: &Path,
    krates: &[&str],
    step: Step,
    target_dir: &Path,
    locked: bool,
    jail: Option<&BuildJail>,
) -> Result<Graded, String> {
    let cargo = Cargo {
        untrusted: true,
        lean: true,
        jail,
        release: None,
    };
    cargo.run(workspace, krates, step, target_dir, locked)
}

/// How long an untrusted build may take, dependencies included.
pub const BUILD_TIME: Duration = Duration::from_secs(300);

/// The address space each process of an untrusted build may use.
pub const BUILD_MEMORY: u64 = 4 << 30;

/// The largest file an untrusted build may write (the largest a correct
/// submission's build writes is tokio's library, about 7 MiB).
pub const BUILD_FILE_BYTES: u64 = 64 << 20;

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

/// The toolchain's own folder (`rustc --print sysroot`, asked once).
pub fn sysroot() -> Option<PathBuf> {
    static SYSROOT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    SYSROOT
        .get_or_init(|| {
            let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
            let output = Command::new(rustc)
                .args(["--print", "sysroot"])
                .output()
                .ok()?;
            let root = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
            (output.status.success() && root.is_absolute()).then_some(root)
        })
        .clone()
}

/// What an untrusted build runs as `rustc`: `RUSTC` if set, else the
/// toolchain's own compiler, not rustup's proxy. A proxy run by a build
/// could install or update a toolchain (rustup's auto-install), as the
/// grader's user, for everyone.
fn untrusted_rustc() -> Option<std::ffi::OsString> {
    std::env::var_os("RUSTC").or_else(|| {
        let rustc = sysroot()?.join("bin").join("rustc");
        rustc.is_file().then(|| rustc.into_os_string())
    })
}

/// The build's compiler confinement; there is none without the grader's
/// sandbox (no value of this type exists then).
#[cfg(not(all(unix, feature = "grader")))]
#[derive(Debug)]
pub enum BuildJail {}

#[cfg(all(unix, feature = "grader"))]
pub use crate::sandbox::BuildJail;

/// The jail `sandbox` puts a build of the workspace at `workspace` in, if
/// the system has one (see `sandbox::BuildJail`).
#[cfg(all(unix, feature = "grader"))]
pub fn jail_of(sandbox: Option<&crate::run::Sandbox>, workspace: &Path) -> Option<BuildJail> {
    sandbox.and_then(|s| s.build_jail(workspace))
}

/// No sandbox, no jail.
#[cfg(not(all(unix, feature = "grader")))]
pub fn jail_of(sandbox: Option<&crate::run::Sandbox>, _: &Path) -> Option<BuildJail> {
    sandbox.map(|s| match *s {})
}

/// One cargo call: whose code, and how.
struct Cargo<'a> {
    /// A submission's code: scrubbed environment, limits, bounded output.
    untrusted: bool,
    /// No debug info and no incremental caches.
    lean: bool,
    jail: Option<&'a BuildJail>,
    /// The release profile, with these variables set.
    release: Option<&'a [(&'a str, &'a str)]>,
}

impl Cargo<'_> {
    /// Builds `step` of `krates`. One [`Build`] per crate, in order.
    fn run(
        &self,
        workspace: &Path,
        krates: &[&str],
        step: Step,
        target_dir: &Path,
        locked: bool,
    ) -> Result<Graded, String> {
        let mut command = Command::new(env!("CARGO"));
        match step {
            Step::AllTests => command.args(["test", "--tests", "--no-run"]),
            Step::Libraries => command.args(["build", "--keep-going", "--lib"]),
            Step::Tests(test) => command.args(["build", "--keep-going", "--test", test]),
            Step::Check(test) => command.args(["check", "--keep-going", "--test", test]),
        };
        command
            .arg("--message-format=json")
            .args(locked.then_some("--locked"))
            .args(self.release.is_some().then_some("--release"))
            .args(krates.iter().flat_map(|k| ["--package", k]))
            .current_dir(workspace)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.untrusted {
            scrub_environment(&mut command);
            confine_build(&mut command);
        }
        if let Some(jail) = self.jail {
            jail_build(jail, &mut command, target_dir)?;
        }
        if self.lean {
            // Debug info is most of a test binary's build and link time, and a
            // grading build is never debugged; nor is it rebuilt, so incremental
            // caches would only be written.
            command
                .env("CARGO_PROFILE_DEV_DEBUG", "0")
                .env("CARGO_PROFILE_TEST_DEBUG", "0")
                .env("CARGO_INCREMENTAL", "0");
        }
        if let Some(envs) = self.release {
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
        let (done, timed_out) = watchdog(&child, self.untrusted.then_some(BUILD_TIME));
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
            let at = Context {
                workspace,
                krates,
                manifests: &manifests,
                step,
            };
            read_message(&line, &at, &mut outputs);
        }
        let status = child.wait().map_err(|e| format!("cargo: {e}"))?;
        drop(done);
        let stderr = stderr.join().unwrap_or_default();
        let timed_out = timed_out.load(Ordering::SeqCst);
        let compiled_libraries = krates
            .iter()
            .zip(&outputs)
            .filter(|(_, output)| output.compiled_library)
            .map(|(krate, _)| krate.to_string())
            .collect();
        let builds = krates
            .iter()
            .zip(outputs)
            .map(|(krate, mut output)| {
                if timed_out {
                    return Ok(Build::CompileError(format!(
                        "the build took more than {} s and was stopped",
                        BUILD_TIME.as_secs()
                    )));
                }
                if !output.errors.is_empty() {
                    return Ok(Build::CompileError(first_errors(&output.errors)));
                }
                if output.done || status.success() {
                    output.binaries.sort_by(|a, b| a.target.cmp(&b.target));
                    return Ok(Build::Built {
                        binaries: output.binaries,
                        warnings: output.warnings,
                    });
                }
                if self.untrusted && !stderr.contains("error: failed to") {
                    // Killed by a limit (memory, file size) rather than
                    // refused by cargo.
                    return Ok(Build::CompileError(stopped_by_a_limit(&status, &stderr)));
                }
                Err(format!(
                    "cargo could not build {krate}'s tests:\n{}",
                    tail(&stderr, 20)
                ))
            })
            .collect::<Result<_, String>>()?;
        Ok(Graded {
            builds,
            compiled_libraries,
        })
    }
}

/// The environment of an untrusted build: [`BUILD_ENVIRONMENT`] only, and
/// the toolchain's own `rustc`, so that no rustup proxy runs (a dependency's
/// `rust-toolchain.toml`, in the folder cargo compiles it in, would make
/// one install a toolchain); should one run anyway, it installs nothing.
fn scrub_environment(command: &mut Command) {
    command.env_clear();
    for name in BUILD_ENVIRONMENT {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    if let Some(rustc) = untrusted_rustc() {
        command.env("RUSTC", rustc);
    }
    command.env("RUSTUP_AUTO_INSTALL", "0");
}

/// Why a build that the compiler did not refuse failed: a limit, said
/// plainly when it is one the grader sets, else cargo's last words.
fn stopped_by_a_limit(status: &std::process::ExitStatus, stderr: &str) -> String {
    // Cargo names the signal that killed the compiler by its number, and
    // sometimes its name too.
    if stderr.contains("SIGXFSZ") || stderr.contains(&format!("(signal: {}", signal::FILE_SIZE)) {
        format!(
            "your crate's build wrote more than {} MiB to one file and was stopped: a very \
             large `static` or `const`?",
            BUILD_FILE_BYTES >> 20
        )
    } else if stderr.contains("memory allocation of") {
        format!(
            "the compiler ran out of memory ({} GiB) on your crate and was stopped: a very \
             large `static`, `const` or array?",
            BUILD_MEMORY >> 30
        )
    } else {
        format!("the build failed ({status}):\n{}", tail(stderr, 20))
    }
}

/// The signals a build's limits send.
mod signal {
    /// Past the file-size limit (`SIGXFSZ`).
    #[cfg(unix)]
    pub const FILE_SIZE: i32 = libc::SIGXFSZ;
    #[cfg(not(unix))]
    pub const FILE_SIZE: i32 = 25;
}

/// What cargo said about one crate.
#[derive(Default)]
struct Output {
    binaries: Vec<TestBinary>,
    errors: Vec<String>,
    /// The step's artifact (the library, or the test target) was made.
    done: bool,
    /// The crate's library was compiled by this call.
    compiled_library: bool,
    /// The compiler's warnings about the crate's own `lib.rs`.
    warnings: Vec<String>,
    /// Each kept error's message and place: the same error comes once per
    /// target that includes its file.
    seen_errors: Vec<String>,
}

/// The most warnings kept per crate.
const MOST_WARNINGS: usize = 50;

/// What a message of a cargo call is read against.
struct Context<'a> {
    /// The workspace cargo runs in (the compiler names files from there).
    workspace: &'a Path,
    /// The crates built, and their manifests as the OS resolves them.
    krates: &'a [&'a str],
    manifests: &'a [PathBuf],
    step: Step<'a>,
}

/// Takes one message of cargo's JSON output into account, for the crate
/// whose manifest it names.
fn read_message(line: &[u8], at: &Context, outputs: &mut [Output]) {
    let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
        return;
    };
    let Some((krate, output)) = message["manifest_path"]
        .as_str()
        .map(|m| {
            Path::new(m)
                .canonicalize()
                .unwrap_or_else(|_| PathBuf::from(m))
        })
        .and_then(|m| at.manifests.iter().position(|p| *p == m))
        .and_then(|i| Some((*at.krates.get(i)?, outputs.get_mut(i)?)))
    else {
        return;
    };
    match message["reason"].as_str() {
        Some("compiler-artifact") => {
            let target = &message["target"];
            let is_test = target["kind"] == serde_json::json!(["test"]);
            let is_lib = target["kind"] == serde_json::json!(["lib"]);
            if is_lib && message["fresh"] == false {
                output.compiled_library = true;
            }
            output.done |= match at.step {
                Step::Libraries => is_lib,
                Step::Tests(name) | Step::Check(name) => is_test && target["name"] == name,
                Step::AllTests => is_test,
            };
            if let (true, Some(path)) = (is_test, message["executable"].as_str()) {
                output.binaries.push(TestBinary {
                    target: target["name"].as_str().unwrap_or("?").to_owned(),
                    path: PathBuf::from(path),
                });
            }
        }
        Some("compiler-message") => {
            let diagnostic = &message["message"];
            if diagnostic["level"] == "error" {
                // The library is compiled twice (plain, and as its own unit
                // test target), and a test file may be in two targets, so
                // the same error comes twice. Three are shown, those with
                // the test's own comment first (they say what it needs); no
                // more are kept.
                let key = diagnostic::identity(diagnostic);
                let Some(shown) = diagnostic::explained(diagnostic, at.workspace) else {
                    return;
                };
                if output.seen_errors.contains(&key) || output.errors.contains(&shown) {
                    return;
                }
                output.seen_errors.push(key);
                let first = !diagnostic::test_comment(diagnostic, at.workspace).is_empty();
                let shown = shown.chars().take(8 * 1024).collect();
                output
                    .errors
                    .insert(if first { 0 } else { output.errors.len() }, shown);
                output.errors.truncate(3);
            } else if diagnostic::is_students_warning(diagnostic, krate) {
                let rendered = diagnostic["rendered"].as_str().unwrap_or_default();
                let warnings = &mut output.warnings;
                if warnings.len() < MOST_WARNINGS && !warnings.iter().any(|w| w == rendered) {
                    warnings.push(rendered.to_owned());
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
            let limits = [
                (libc::RLIMIT_AS, BUILD_MEMORY),
                (libc::RLIMIT_FSIZE, BUILD_FILE_BYTES),
                (libc::RLIMIT_CORE, 0),
            ];
            for (resource, value) in limits {
                let limit = libc::rlimit {
                    rlim_cur: value,
                    rlim_max: value,
                };
                if libc::setrlimit(resource, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn confine_build(_: &mut Command) {}

#[cfg(all(unix, feature = "grader"))]
fn jail_build(jail: &BuildJail, command: &mut Command, target_dir: &Path) -> Result<(), String> {
    jail.configure(command, target_dir)
}

#[cfg(not(all(unix, feature = "grader")))]
fn jail_build(jail: &BuildJail, _: &mut Command, _: &Path) -> Result<(), String> {
    match *jail {}
}

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
        "{}\n… ({} more lines: `cargo test --no-run` in the exercise's folder shows every error)",
        lines[..40].join("\n"),
        lines.len() - 40
    )
}

/// The arguments that make a test binary list its tests.
pub const LIST_ARGS: [&str; 3] = ["--list", "--format", "terse"];

/// How long a test binary may take to list its tests.
pub const LIST_TIME: Duration = Duration::from_secs(30);

/// The tests in one binary (run directly: trusted code; the grader lists a
/// submission's tests in the sandbox), under [`LIST_TIME`], its output
/// bounded.
pub fn list(binary: &TestBinary) -> Result<Vec<String>, String> {
    list_within(binary, LIST_TIME)
}

fn list_within(binary: &TestBinary, limit: Duration) -> Result<Vec<String>, String> {
    let mut command = Command::new(&binary.path);
    command.args(LIST_ARGS).stdin(Stdio::null());
    let ended = capture::run(command, limit)
        .map_err(|e| format!("could not run {}: {e}", binary.path.display()))?;
    if ended.status.is_none() {
        return Err(format!(
            "{} --list took more than {} s",
            binary.path.display(),
            limit.as_secs_f64()
        ));
    }
    let ok = ended.status.is_some_and(|s| s.success());
    listed(&binary.path, ok, ended.cut, &ended.output)
}

/// The tests a binary's `--list` printed, or why the list cannot be trusted:
/// it failed, hung, or printed more than the runner keeps.
pub fn listed(binary: &Path, ok: bool, cut: bool, output: &str) -> Result<Vec<String>, String> {
    if !ok {
        return Err(format!("{} --list failed", binary.display()));
    }
    if cut {
        return Err(format!(
            "{} --list printed more than {} KiB",
            binary.display(),
            capture::TAIL_BYTES >> 10
        ));
    }
    Ok(output
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}

/// The value `command` sets `key` to, for tests.
#[cfg(test)]
pub(crate) fn env_of(command: &Command, key: &str) -> Option<String> {
    command
        .get_envs()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v)
        .map(|v| v.to_string_lossy().into_owned())
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
        let at = Context {
            workspace: workspace.path(),
            krates: &["a", "b"],
            manifests: &manifests,
            step: Step::Tests("graded"),
        };
        for message in [error.clone(), binary, testkit, error] {
            read_message(message.to_string().as_bytes(), &at, &mut outputs);
        }
        assert_eq!(outputs[0].binaries.len(), 1);
        assert!(outputs[0].errors.is_empty());
        assert_eq!(outputs[1].errors, ["error[E0308]: mismatched types"]);
        assert!(outputs[1].binaries.is_empty());
    }

    #[test]
    fn a_library_compiled_by_the_call_is_told_apart_from_one_found_built() {
        let workspace = tempfile::tempdir().unwrap();
        std::fs::create_dir(workspace.path().join("a")).unwrap();
        let manifest = workspace.path().join("a/Cargo.toml");
        std::fs::write(&manifest, "").unwrap();
        let manifests = [manifest.canonicalize().unwrap()];
        let lib = |fresh: bool| {
            serde_json::json!({
                "reason": "compiler-artifact", "manifest_path": manifest, "fresh": fresh,
                "target": {"kind": ["lib"], "name": "a"}, "executable": null,
            })
        };
        let at = |step| Context {
            workspace: workspace.path(),
            krates: &["a"],
            manifests: &manifests,
            step,
        };
        for (fresh, compiled) in [(true, false), (false, true)] {
            let mut outputs = vec![Output::default()];
            let line = lib(fresh).to_string();
            read_message(line.as_bytes(), &at(Step::Libraries), &mut outputs);
            assert!(outputs[0].done);
            assert_eq!(outputs[0].compiled_library, compiled);
            let mut outputs = vec![Output::default()];
            read_message(line.as_bytes(), &at(Step::Tests("t")), &mut outputs);
            assert!(!outputs[0].done, "a library is not the test target");
        }
    }

    #[test]
    fn a_build_stopped_by_a_limit_says_which_in_plain_words() {
        use std::os::unix::process::ExitStatusExt;
        let status = std::process::ExitStatus::from_raw(101 << 8);
        let named = "Caused by:\n  process didn't exit successfully: `rustc …` (signal: 25, \
                     SIGXFSZ: file size limit exceeded)";
        let numbered = format!(
            "process didn't exit successfully: `rustc …` (signal: {})",
            libc::SIGXFSZ
        );
        for fsize in [named, numbered.as_str()] {
            assert!(stopped_by_a_limit(&status, fsize).starts_with(
                "your crate's build wrote more than 64 MiB to one file and was stopped: a very \
                 large `static` or `const`?"
            ));
        }
        let memory = "memory allocation of 8589934592 bytes failed\n(signal: 6, SIGABRT)";
        assert!(stopped_by_a_limit(&status, memory).contains("ran out of memory (4 GiB)"));
        assert!(stopped_by_a_limit(&status, "linker `cc` not found").contains("cc"));
    }

    #[test]
    fn a_list_that_hangs_fails_or_floods_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let script = |name: &str, body: &str| {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            TestBinary {
                target: name.to_owned(),
                path,
            }
        };
        let good = script(
            "good",
            "echo 'a::x: test'; echo 'b::y: test'; echo '2 tests'",
        );
        assert_eq!(list(&good).unwrap(), ["a::x", "b::y"]);
        let hangs = script("hangs", "exec sleep 30");
        let error = list_within(&hangs, Duration::from_millis(300)).unwrap_err();
        assert!(error.ends_with("--list took more than 0.3 s"), "{error}");
        let fails = script("fails", "exit 3");
        assert!(list(&fails).unwrap_err().ends_with("--list failed"));
        let floods = script("floods", "yes 'x::y: test' | head -c 200000");
        assert!(
            list(&floods)
                .unwrap_err()
                .ends_with("printed more than 64 KiB")
        );
    }

    #[test]
    fn an_untrusted_build_runs_the_toolchains_own_compiler_and_installs_nothing() {
        let mut command = Command::new("cargo");
        scrub_environment(&mut command);
        let get = |key: &str| env_of(&command, key);
        assert_eq!(get("RUSTUP_AUTO_INSTALL").as_deref(), Some("0"));
        let rustc = get("RUSTC").unwrap();
        if std::env::var_os("RUSTC").is_none() {
            let sysroot = sysroot().unwrap();
            assert_eq!(Path::new(&rustc), sysroot.join("bin/rustc"));
        }
        assert!(get("GITHUB_TOKEN").is_none() && get("RUSTFLAGS").is_none());
    }
}
