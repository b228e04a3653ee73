//! The target folders a grading builds in (`grade-N` under the grader's
//! scratch folder, and `loom-N` for loom's models), held by one grading at
//! a time, in this process or another: two graders run at once in one
//! workspace would otherwise build into the same folder, remove each
//! other's build output, and grade each other's binaries (an independent
//! review saw correct channels get 0 that way).

use crate::lock::Lock;
use crate::workspace;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// A claimed slot: its folders are this grading's until it is dropped.
pub struct BuildSlot {
    number: usize,
    _lock: Lock,
}

impl BuildSlot {
    /// The slot `wanted`, or, if another grading holds it, the first free
    /// one above it (whose first build compiles the dependencies again).
    pub fn claim(wanted: usize) -> Result<BuildSlot> {
        let locks = workspace::scratch_target_dir().join("slots");
        std::fs::create_dir_all(&locks)
            .with_context(|| format!("cannot create {}", locks.display()))?;
        for number in wanted.. {
            if let Some(lock) = Lock::try_at(&locks.join(format!("grade-{number}.lock")))? {
                return Ok(BuildSlot {
                    number,
                    _lock: lock,
                });
            }
        }
        unreachable!("an unbounded range ends")
    }

    /// The cargo target folder of the submission's build.
    pub fn target(&self) -> PathBuf {
        workspace::scratch_target_dir().join(format!("grade-{}", self.number))
    }

    /// The target folder of loom's models of the submission.
    pub fn loom_target(&self) -> PathBuf {
        workspace::scratch_target_dir().join(format!("loom-{}", self.number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_slot_is_skipped_and_freed_on_drop() {
        let first = BuildSlot::claim(1000).unwrap();
        let second = BuildSlot::claim(1000).unwrap();
        assert_eq!((first.number, second.number), (1000, 1001));
        assert_ne!(first.target(), second.target());
        drop(first);
        assert_eq!(BuildSlot::claim(1000).unwrap().number, 1000);
    }
}
