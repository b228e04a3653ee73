//! Where a submission's build may run: a folder whose cargo configuration is
//! the grader's alone.
//!
//! Cargo reads `.cargo/config.toml` (and the older `.cargo/config`) in the
//! folder it runs in and in every folder above it, and rustup reads
//! `rust-toolchain.toml` (and `rust-toolchain`) there too. Either can run
//! any program as the grader: a `rustc-wrapper`, a `linker`, a toolchain of
//! one's own. So before a submission is built, every folder from the build
//! folder up to `/` is checked:
//!
//! - it belongs to the grader's user (or root), and no one else may write
//!   in it: else another user could plant a configuration there at any
//!   time, after this check too;
//! - it holds none of those files, but for those the grader's user put
//!   there: cargo's own (`$CARGO_HOME/config.toml`, which cargo reads
//!   wherever it runs) and the workspace's own (`.cargo/config.toml` at the
//!   root of the workspace grading uses, and of the one the grader was built
//!   in: its `cargo xtask` alias).
//!
//! A folder that fails is refused with its path and what to do: grading
//! stops rather than build.

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// The files in a folder that cargo or rustup read as configuration.
const CONFIGURATION: [&str; 4] = [
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
];

/// `Ok` if cargo, run in `dir`, reads no configuration but the grader's
/// (see the module); `workspaces` are the instructor's workspace roots.
pub fn check(dir: &Path, workspaces: &[PathBuf]) -> Result<()> {
    let dir = dir.canonicalize()?;
    let allowed: Vec<PathBuf> = allowed_configuration(workspaces);
    for folder in dir.ancestors() {
        writable_only_by_the_grader(folder)?;
        for name in CONFIGURATION {
            let file = folder.join(name);
            if std::fs::symlink_metadata(&file).is_err() {
                continue;
            }
            let canonical = file.canonicalize().unwrap_or_else(|_| file.clone());
            if !allowed.contains(&canonical) {
                bail!(
                    "{} would configure the build of every submission (cargo and rustup read \
                     it in every folder above the build, {}): a planted one runs any program \
                     as you. Remove it, or set XDG_CACHE_HOME to a folder outside it",
                    file.display(),
                    dir.display()
                );
            }
        }
    }
    Ok(())
}

/// The configuration files the grader's user put there themselves.
fn allowed_configuration(workspaces: &[PathBuf]) -> Vec<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let mut files: Vec<PathBuf> = workspaces
        .iter()
        .map(|w| w.join(".cargo/config.toml"))
        .collect();
    if let Some(home) = cargo_home {
        files.extend([home.join("config.toml"), home.join("config")]);
    }
    files
        .into_iter()
        .filter_map(|f| f.canonicalize().ok())
        .collect()
}

#[cfg(unix)]
fn writable_only_by_the_grader(folder: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(folder)?;
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        bail!(
            "{} belongs to another user (uid {}), who could plant a cargo configuration in \
             it that runs any program as you while submissions are built: set \
             XDG_CACHE_HOME to a folder of your own",
            folder.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o022 != 0 {
        bail!(
            "{} can be written by other users (mode {:o}), who could plant a cargo \
             configuration in it that runs any program as you while submissions are built: \
             set XDG_CACHE_HOME to a folder only you can write",
            folder.display(),
            meta.mode() & 0o7777
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn writable_only_by_the_grader(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A private folder where grading copies go (the system's temporary
    /// folder is open to all, and so may be the workspace's).
    fn private() -> tempfile::TempDir {
        let base = crate::grading_copy::base();
        std::fs::create_dir_all(&base).unwrap();
        let dir = tempfile::Builder::new()
            .prefix("build-folder-test-")
            .tempdir_in(base)
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    #[test]
    fn a_folder_of_the_graders_own_with_no_configuration_passes() {
        let dir = private();
        let build = dir.path().join("a/b");
        std::fs::create_dir_all(&build).unwrap();
        check(&build, &[crate::workspace::root()]).unwrap();
    }

    #[test]
    fn a_planted_configuration_in_any_folder_above_is_refused() {
        for planted in [".cargo/config.toml", ".cargo/config", "rust-toolchain.toml"] {
            let dir = private();
            let build = dir.path().join("a/b");
            std::fs::create_dir_all(&build).unwrap();
            let file = dir.path().join("a").join(planted);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, "[build]\nrustc-wrapper = \"/tmp/evil\"\n").unwrap();
            let error = format!(
                "{:#}",
                check(&build, &[crate::workspace::root()]).unwrap_err()
            );
            assert!(
                error.starts_with(&format!("{} would configure", file.display())),
                "{error}"
            );
        }
    }

    #[test]
    fn a_folder_others_can_write_is_refused() {
        let dir = private();
        let build = dir.path().join("shared/b");
        std::fs::create_dir_all(&build).unwrap();
        let shared = dir.path().join("shared");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = format!(
            "{:#}",
            check(&build, &[crate::workspace::root()]).unwrap_err()
        );
        assert!(
            error.contains("can be written by other users (mode 777)"),
            "{error}"
        );
        let error = format!("{:#}", check(Path::new("/tmp"), &[]).unwrap_err());
        assert!(
            error.contains("/tmp can be written by other users"),
            "{error}"
        );
    }
}
