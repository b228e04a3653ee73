//! Runs one exercise crate's tests, each test in its own process under a
//! time limit, on cargo's own test harness (libtest), and turns each result
//! into the message a student should read.
//!
//! One process per test costs a few milliseconds each and buys isolation: a
//! test that hangs past its own deadline is killed alone, and one that
//! aborts the process (a panic inside `Drop` while unwinding) takes no other
//! test's result with it.
//!
//! The grader (`cargo xtask grade`), the project's own checks (`cargo xtask
//! verify`, `catalogue`, `flakes`) and the student's runner all run tests
//! through this crate, so a student sees locally what the grader reports.
//!
//! - [`mod@build`]: build a crate's test binaries with cargo (or several
//!   crates' in one call, as grading does), and list their tests.
//! - [`mod@run`]: run every test in its own process, `jobs` at a time, one
//!   crate's or several crates' in one pool.
//! - [`mod@diagnostic`]: what the compiler says, as a student may read it:
//!   an error without the hidden tests' source, an error in the tests
//!   explained as an API that does not match, and the warnings of the
//!   student's own file.
//! - [`mod@capture`]: a test process's output, its last 64 KiB only, decoded
//!   lossily.
//! - [`mod@proof`] (Unix): a pass proven by a token that the test harness
//!   writes back only once the test body has returned.
//! - `sandbox` (Unix, with the `grader` feature; the kernel sandbox on Linux
//!   with the `sandbox` feature): each graded test in namespaces, under
//!   limits, seccomp and Landlock, with a scrubbed environment.
//! - [`mod@static_check`]: a submitted `lib.rs` whose paths, macros or
//!   attributes reach the OS, the files, the network or the process, or
//!   that has the shape of a known hole in the compiler's checks, is
//!   rejected unbuilt; unusual constructs are noted for an instructor.
//! - [`mod@message`]: a failure's message without backtrace noise, a crash's
//!   first panic as its likely cause.
//! - [`mod@order`]: failures in the order a student should read them, the
//!   most basic behaviour first.
//! - [`exercises`]: the four exercise crates.
//! - [`mod@loom`]: loom's models on any `lib.rs`, a failing interleaving
//!   told as numbered steps of that file.

pub mod build;
pub mod capture;
pub mod diagnostic;
pub mod exercises;
pub mod loom;
pub mod message;
pub mod order;
#[cfg(unix)]
pub mod proof;
pub mod run;
#[cfg(all(unix, feature = "grader"))]
pub mod sandbox;
pub mod static_check;

pub use build::{Build, Code, TestBinary, build, list};

use std::path::{Path, PathBuf};

/// How many test processes to run at once by default: twice the cores,
/// since most tests wait rather than compute. The grader and the student
/// runner both start from it.
pub fn default_jobs() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The target folder cargo uses for the workspace at `root`:
/// `CARGO_TARGET_DIR` (relative to `root` when relative), else `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"))
}
pub use message::gist;
pub use run::{
    CrateRun, OnResult, Options, TestResult, TestStatus, run_all, run_crates, test_crate,
    time_limit,
};
