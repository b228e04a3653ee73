//! What `std`, `core`, `alloc` (and the solutions' own `loom`) mean in a
//! checked `lib.rs`: std itself, but with a [`sync`] whose types are
//! loom's, so that loom can interleave the threads at every lock, atomic
//! and reference count.
//!
//! The loom runner rewrites each path that starts at one of those names to
//! start here instead (`std::sync::Mutex` becomes
//! `::loom_models::shim::sync::Mutex`), on the same line, so that every
//! line number of the file stays the student's.
//!
//! Not here, so a file that needs them does not build under loom (the
//! runner reports `skipped`, and why): what loom has no model of. `Weak`
//! and `Arc::downgrade`, `Once`, `OnceLock`, `LazyLock`, std's `mpsc`, and
//! timed waits. Threads, sleeping and spinning are std's, and the runner
//! skips a file that names them before building it.

pub use ::std::*;

/// std's `sync`, with loom's types wherever loom has them.
pub mod sync {
    pub use crate::traced::{Condvar, Mutex, MutexGuard};
    pub use ::std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};
    pub use loom::sync::{Arc, Barrier, RwLock, RwLockReadGuard, RwLockWriteGuard};

    /// loom's atomics, which explore every value a load may see.
    pub mod atomic {
        pub use loom::sync::atomic::*;
    }
}
