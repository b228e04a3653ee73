//! An exclusive `flock` on a file, released when dropped (or when the
//! process dies, however it dies): what keeps two gradings, in one process
//! or two, out of each other's folders.

use anyhow::{Context, Result};
use std::fs::File;
use std::path::Path;

/// A held lock.
pub struct Lock(#[allow(dead_code)] LockInner);

#[cfg(unix)]
type LockInner = nix::fcntl::Flock<File>;
#[cfg(not(unix))]
type LockInner = File;

/// Locks `file` without waiting; gives it back if someone holds it.
fn try_lock(file: File) -> Option<Lock> {
    #[cfg(unix)]
    {
        use nix::fcntl::{Flock, FlockArg};
        Flock::lock(file, FlockArg::LockExclusiveNonblock)
            .ok()
            .map(Lock)
    }
    #[cfg(not(unix))]
    Some(Lock(file))
}

impl Lock {
    /// Creates the lock file at `path`, locked. It is locked under another
    /// name and then renamed, so no other run ever finds it unlocked.
    pub fn create(path: &Path) -> Result<Lock> {
        let fail = || format!("cannot lock {}", path.display());
        let partial = path.with_extension("new");
        let file = File::create(&partial).with_context(fail)?;
        let lock = try_lock(file).with_context(fail)?;
        std::fs::rename(&partial, path).with_context(fail)?;
        Ok(lock)
    }

    /// Locks the existing lock file at `path`; `None` if it is missing or
    /// someone else holds it.
    pub fn existing(path: &Path) -> Option<Lock> {
        try_lock(File::options().write(true).open(path).ok()?)
    }

    /// Locks the file at `path`, made if missing; `None` if someone else
    /// holds it.
    pub fn try_at(path: &Path) -> Result<Option<Lock>> {
        let file = File::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        Ok(try_lock(file))
    }
}
