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
//! - [`mod@build`]: build a crate's test binaries with cargo, and list their tests.
//! - [`mod@run`]: run every test in its own process, `jobs` at a time.
//! - [`mod@message`]: a failure's message without backtrace noise, a crash's
//!   first panic as its likely cause.
//! - [`exercises`]: the four exercise crates.
//! - [`student`]: the student runner (`cargo xtask check | watch | hint |
//!   next | list`), on top of the above.

pub mod build;
pub mod exercises;
pub mod message;
pub mod run;
pub mod student;

pub use build::{Build, TestBinary, build, list};
pub use message::gist;
pub use run::{CrateRun, Options, TestResult, TestStatus, run_all, test_crate, time_limit};
