//! The build jail: what the compiler may read while it compiles a
//! submission.
//!
//! A submission is code that runs inside the compiler too: `include_str!`,
//! `include_bytes!`, `include!` and `#[path]` read any file the compiler can
//! read, at build time, outside every sandbox of the tests. So each `rustc`
//! that compiles a crate of the grading copy runs through the grader's own
//! binary first (cargo's `RUSTC_WORKSPACE_WRAPPER`, which applies to the
//! workspace's members only: the exercise crates and the testkit, not the
//! dependencies), which restricts itself with Landlock and then becomes
//! `rustc`. It may read and execute only the grading copy, the toolchain,
//! cargo's `bin/` and crate sources, and the system's programs and
//! libraries, and write only the build's target folder: not the
//! instructor's workspace (the hidden tests wherever they are), not cargo's
//! credentials, not `/proc` (no other process's environment), not `/home`.
//!
//! The rules travel in an environment variable ([`JAIL_VAR`]), since cargo
//! runs the wrapper with rustc's arguments and nothing else.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable that makes the grader's binary the build jail, and holds
/// its rules (JSON).
pub const JAIL_VAR: &str = "LESSON13_BUILD_JAIL";

/// The system's programs and libraries, which the compiler may read and
/// run: the linker (`cc`, `ld`), their libraries, and the dynamic loader's
/// cache. (`/dev/null` it may write too.)
pub const SYSTEM: [&str; 10] = [
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/lib32",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
];

/// The compiler's confinement in one submission's build (see the module).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildJail {
    /// Folders and files the compiler may read and execute.
    pub read: Vec<PathBuf>,
    /// Folders it may write: the target folder, set by [`BuildJail::configure`].
    pub write: Vec<PathBuf>,
    /// The wrapper: the grader's own binary.
    pub wrapper: PathBuf,
}

impl BuildJail {
    /// The jail of a build of the grading copy at `copy`, run by `wrapper`
    /// (the grader's binary): the copy, the toolchain (rustup's home, or
    /// the compiler's own folders), cargo's `bin/` and crate sources.
    pub fn new(copy: &Path, wrapper: &Path) -> BuildJail {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let under_home = |name: &str| home.as_ref().map(|h| h.join(name));
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| under_home(".cargo"));
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .or_else(|| under_home(".rustup"));
        let mut read = vec![copy.to_path_buf()];
        read.extend(rustup_home);
        if let Some(cargo_home) = cargo_home {
            read.extend(["bin", "registry/src"].map(|p| cargo_home.join(p)));
        }
        read.extend(crate::build::sysroot());
        BuildJail {
            read,
            write: Vec::new(),
            wrapper: wrapper.to_path_buf(),
        }
    }

    /// Makes `command` (a cargo build) compile the workspace's crates in
    /// this jail, writing only under `target_dir` (its temporary files
    /// too).
    pub fn configure(&self, command: &mut Command, target_dir: &Path) -> Result<(), String> {
        let temporary = target_dir.join("tmp");
        std::fs::create_dir_all(&temporary)
            .map_err(|e| format!("cannot create {}: {e}", temporary.display()))?;
        let mut jail = self.clone();
        jail.write = vec![target_dir.to_path_buf()];
        let rules = serde_json::to_string(&jail).map_err(|e| e.to_string())?;
        command
            .env("RUSTC_WORKSPACE_WRAPPER", &self.wrapper)
            .env(JAIL_VAR, rules)
            .env("TMPDIR", temporary);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_name_the_copy_and_the_target_folder_and_travel_in_one_variable() {
        let jail = BuildJail::new(Path::new("/g/ws"), Path::new("/bin/grader"));
        assert_eq!(jail.read[0], Path::new("/g/ws"));
        let target = tempfile::tempdir().unwrap();
        let mut command = Command::new("cargo");
        jail.configure(&mut command, target.path()).unwrap();
        let get = |key: &str| crate::build::env_of(&command, key);
        assert_eq!(get("RUSTC_WORKSPACE_WRAPPER").unwrap(), "/bin/grader");
        let rules: BuildJail = serde_json::from_str(&get(JAIL_VAR).unwrap()).unwrap();
        assert_eq!(rules.write, [target.path()]);
        assert!(target.path().join("tmp").is_dir());
        assert!(
            !rules
                .read
                .iter()
                .any(|p| p.starts_with("/proc") || p == Path::new("/"))
        );
    }
}
