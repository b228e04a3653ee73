//! The sandbox around every graded test process.
//!
//! The runner does not start a test binary itself: it starts a launcher (the
//! grader's own binary again, with a hidden first argument, see
//! [`run_launcher_if_asked`]), which puts the test in a sandbox and then
//! runs it. On Linux, in layers, each from the kernel's standard mechanisms:
//!
//! - **namespaces**: a user namespace (as root, the test runs as `nobody`),
//!   a network namespace with no interface up, a PID namespace whose init is
//!   the launcher, so that when the test ends, everything it started dies
//!   with it, and a mount namespace in which the test's folder is a private
//!   64 MiB tmpfs;
//! - **resource limits**: address space 1 GiB, files of 64 MiB at most, 256
//!   open files, 60 s of CPU, 128 threads (which binds root too, inside a
//!   user namespace), no core dumps;
//! - **seccomp**: no new processes (threads only), no sockets, no `kill(2)`;
//! - **Landlock**: read and execute only the test binary and the system
//!   libraries, write only the test's own folder, no TCP bind or connect,
//!   and no signals or abstract sockets beyond the sandbox (ABI 6 and up);
//! - a **scrubbed environment**: `PATH`, a temporary `HOME` and `TMPDIR`,
//!   `RUST_BACKTRACE`, `LESSON13_DEADLINE_SECS` and the proof socket's fd.
//!
//! The launcher enforces the test's time limit itself, and it exits only
//! once the test's whole process tree is gone.
//!
//! A submission's build gets a jail of its own (see [`BuildJail`]): each
//! compiler process of the grading copy's crates reads only the copy, the
//! toolchain and the system's programs, with Landlock.
//!
//! [`Mode::Auto`] uses what the kernel offers (found by a probe at the
//! start), [`Mode::Require`] refuses to grade without every protection, and
//! every run says which ones are active.

mod jail;
#[cfg(all(target_os = "linux", feature = "sandbox"))]
mod linux;
mod spec;

pub use jail::BuildJail;
pub use spec::Protection;
use spec::{LAUNCH_ARG, Spec};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

/// How much sandbox to ask for (`cargo xtask grade --sandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Every protection the system offers; say which ones are missing.
    #[default]
    Auto,
    /// Every protection, or no grading at all.
    Require,
    /// No kernel sandbox, only a scrubbed environment and a folder of its
    /// own per test (for debugging the grader on a trusted submission).
    Off,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "auto" => Ok(Mode::Auto),
            "require" => Ok(Mode::Require),
            "off" => Ok(Mode::Off),
            _ => Err(format!("expected auto, require or off, not {s:?}")),
        }
    }
}

/// The sandbox, as found on this system: what it protects with, and where
/// its tests' folders go.
#[derive(Debug, Clone)]
pub struct Sandbox {
    mode: Mode,
    active: Vec<Protection>,
    /// A folder for the tests' own folders and the binaries' copies; it must
    /// be traversable by everyone (the test may run as `nobody`).
    scratch: PathBuf,
    /// This very binary: the compiler's wrapper in a jailed build (tests
    /// start it as `/proc/self/exe`, see `launch`).
    launcher: PathBuf,
}

impl Sandbox {
    /// Finds out which protections this system offers (by launching a probe
    /// through the whole sandbox), with `scratch` as the tests' folder.
    /// `Err` if `mode` is [`Mode::Require`] and something is missing.
    pub fn new(mode: Mode, scratch: &Path) -> Result<Sandbox, String> {
        let launcher = std::env::current_exe()
            .map_err(|e| format!("cannot find the grader's own binary: {e}"))?;
        let mut sandbox = Sandbox {
            mode,
            active: vec![Protection::ScrubbedEnvironment],
            scratch: scratch.to_path_buf(),
            launcher,
        };
        if !sandbox.uses_launcher() {
            return sandbox.checked();
        }
        let probe_dir = sandbox.test_dir("probe")?;
        let spec = Spec {
            program: PathBuf::from("/bin/true"),
            args: Vec::new(),
            work: probe_dir.clone(),
            read_exec: Vec::new(),
            limit_ms: 10_000,
            require: Vec::new(),
            probe: true,
        };
        let mut command = sandbox.launch(&spec, &[]);
        command.stdout(std::process::Stdio::null());
        let (status, report) = spec::run_with_status(command)?;
        let _ = std::fs::remove_dir_all(&probe_dir);
        match report.applied {
            Some(mut applied) if status.success() => {
                // The build jail is Landlock too, applied by the same kernel
                // (and it fails the build rather than run without).
                if applied.contains(&Protection::LandlockFiles) {
                    applied.push(Protection::LandlockBuild);
                }
                sandbox.active = Protection::ALL
                    .into_iter()
                    .filter(|p| applied.contains(p) || sandbox.active.contains(p))
                    .collect();
            }
            _ => {
                return Err(format!(
                    "the sandbox probe failed ({status}): {}",
                    report.error.unwrap_or_default()
                ));
            }
        }
        sandbox.checked()
    }

    fn checked(self) -> Result<Sandbox, String> {
        let missing = self.missing();
        if self.mode == Mode::Require && !missing.is_empty() {
            return Err(format!(
                "--sandbox require: this system lacks {}",
                missing
                    .iter()
                    .map(|p| p.describe())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        Ok(self)
    }

    /// The protections in force for every test.
    pub fn active(&self) -> &[Protection] {
        &self.active
    }

    /// The jail for a build of the grading copy at `copy` (see
    /// [`BuildJail`]), when this system has it.
    pub fn build_jail(&self, copy: &Path) -> Option<BuildJail> {
        self.active
            .contains(&Protection::LandlockBuild)
            .then(|| BuildJail::new(copy, &self.launcher))
    }

    /// The protections this system does not give.
    pub fn missing(&self) -> Vec<Protection> {
        Protection::ALL
            .iter()
            .copied()
            .filter(|p| !self.active.contains(p))
            .collect()
    }

    /// What the sandbox does, for the top of a grading run: one line per
    /// protection, missing ones first and loud.
    pub fn describe(&self) -> String {
        let mode = match self.mode {
            Mode::Auto => "auto",
            Mode::Require => "require",
            Mode::Off => "off",
        };
        let mut text = format!("sandbox ({mode}):");
        for missing in self.missing() {
            text.push_str(&format!("\n  MISSING  {}", missing.describe()));
        }
        for active in &self.active {
            text.push_str(&format!("\n  active   {}", active.describe()));
        }
        text
    }

    /// A fresh folder of the test's own, that the test (maybe `nobody`)
    /// may write.
    pub(crate) fn test_dir(&self, name: &str) -> Result<PathBuf, String> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir_in(&self.scratch)
            .map_err(|e| format!("cannot create a test folder: {e}"))?
            .keep();
        set_mode(&dir, 0o777)?;
        Ok(dir)
    }

    /// Puts a test binary into the scratch folder (a hard link, or else a
    /// copy), readable and executable by everyone, so that the test can run as `nobody` and nothing else of
    /// the build is within its reach.
    pub(crate) fn stage(&self, binary: &Path) -> Result<PathBuf, String> {
        let dir = tempfile::Builder::new()
            .prefix("bin-")
            .tempdir_in(&self.scratch)
            .map_err(|e| format!("cannot create a folder for the test binary: {e}"))?
            .keep();
        set_mode(&dir, 0o755)?;
        let to = dir.join(binary.file_name().unwrap_or("test".as_ref()));
        std::fs::copy(binary, &to).map_err(|e| format!("cannot copy {}: {e}", binary.display()))?;
        set_mode(&to, 0o755)?;
        Ok(to)
    }

    /// The command that runs `program args` in the sandbox, in `work`,
    /// killed (with everything it started) after `limit`, with only the
    /// environment `envs` (on top of the sandbox's own).
    pub(crate) fn command(
        &self,
        program: &Path,
        args: &[&str],
        work: &Path,
        limit: Duration,
        envs: &[(&str, &str)],
    ) -> Launch {
        let spec = Spec {
            program: program.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            work: work.to_path_buf(),
            read_exec: vec![program.to_path_buf()],
            limit_ms: limit.as_millis() as u64,
            // The build jail is the build's, not the test's.
            require: self
                .active
                .iter()
                .copied()
                .filter(|p| *p != Protection::LandlockBuild)
                .collect(),
            probe: false,
        };
        Launch {
            command: self.launch(&spec, envs),
            via_launcher: self.uses_launcher(),
            limit,
        }
    }

    /// Whether tests go through the launcher (or, sandbox off or not
    /// Linux, run directly).
    fn uses_launcher(&self) -> bool {
        self.mode != Mode::Off && cfg!(all(target_os = "linux", feature = "sandbox"))
    }

    fn launch(&self, spec: &Spec, envs: &[(&str, &str)]) -> Command {
        let mut command = if self.uses_launcher() {
            // The launcher is Linux's, and there this very process's binary is
            // `/proc/self/exe` in the child before it runs it: the same file
            // even if the grader's binary is rebuilt while a class is graded
            // (its path would then name the new one, or nothing for a while).
            let mut command = Command::new("/proc/self/exe");
            command.arg(LAUNCH_ARG).arg(spec.to_json());
            command
        } else {
            let mut command = Command::new(&spec.program);
            command.args(&spec.args);
            command
        };
        command
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &spec.work)
            .env("TMPDIR", &spec.work)
            .env("RUST_BACKTRACE", "0")
            .envs(envs.iter().copied())
            .current_dir(&spec.work)
            .stdin(std::process::Stdio::null());
        command
    }
}

/// A test ready to start in the sandbox.
pub(crate) struct Launch {
    /// The command to start (more may be attached to it, e.g. the proof).
    pub command: Command,
    via_launcher: bool,
    limit: Duration,
}

/// How a sandboxed test ended.
pub(crate) enum Outcome {
    /// The test process ended by itself.
    Ended(ExitStatus),
    /// Its whole tree was killed at the time limit.
    Killed,
}

impl Launch {
    /// Runs the test with its output captured: how it ended (or why the
    /// sandbox could not run it), and the end of its output.
    pub fn run(self) -> std::io::Result<(Result<Outcome, String>, String)> {
        if self.via_launcher {
            return spec::run_captured(self.command, self.limit);
        }
        let ended = crate::capture::run(self.command, self.limit)?;
        let outcome = match ended.status {
            Some(status) => Outcome::Ended(status),
            None => Outcome::Killed,
        };
        Ok((Ok(outcome), ended.output))
    }
}

/// If this process was started as the sandbox's launcher (or as a build's
/// jail, see [`BuildJail`]), runs it and never returns. A binary that runs
/// tests through the sandbox (the grader) calls this first thing in `main`.
pub fn run_launcher_if_asked() {
    if let Some(rules) = std::env::var_os(jail::JAIL_VAR) {
        #[cfg(all(target_os = "linux", feature = "sandbox"))]
        linux::build_jail_main(&rules.to_string_lossy());
        #[allow(unreachable_code)]
        {
            let _ = rules;
            eprintln!("error: this binary was built without the build jail");
            std::process::exit(101);
        }
    }
    if std::env::args_os().nth(1).is_some_and(|a| a == LAUNCH_ARG) {
        #[cfg(all(target_os = "linux", feature = "sandbox"))]
        linux::launcher_main();
        #[allow(unreachable_code)]
        {
            eprintln!("this binary was built without the sandbox");
            std::process::exit(111);
        }
    }
}

/// Sets `path`'s permission bits to `mode` (a no-op where there are none),
/// with an error that names the path. The grader's copies use it too.
#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))
}

/// Sets `path`'s permission bits: nothing to do where there are none.
#[cfg(not(unix))]
pub fn set_mode(_: &Path, _: u32) -> Result<(), String> {
    Ok(())
}
