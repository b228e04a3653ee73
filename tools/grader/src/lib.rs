//! Grading Lesson 13 submissions: the instructors' product, as a library
//! with a thin command line on top (`lesson13-grader`, which `cargo xtask
//! grade …` runs), on the model of nextest's runner library and CLI.
//!
//! From the bottom up; each module uses only those above it in this list,
//! never one that uses it back:
//!
//! - [`workspace`]: where the instructor's workspace and its build folders
//!   are; [`lock`]: a lock file that keeps two gradings apart;
//! - [`manifest`]: the manifest and lock file of a partial copy of the
//!   workspace (also the student bundle's);
//! - [`submissions`]: finding the students of a class folder and the
//!   exercise files in a submission, however it was unpacked (zip included);
//!   [`intake`]: refusing one that holds a link or a special file, or is too
//!   large;
//! - [`build_folder`]: no cargo configuration but the grader's where a
//!   submission is built;
//! - [`grading_copy`]: the fresh, locked folder a submission is built in;
//!   [`build_slot`]: the target folders it builds into, one grading's at a
//!   time;
//! - [`hidden`]: no line of the hidden tests in any report;
//! - [`scheme`]: `grading.toml`, the points, weights and misconceptions;
//! - [`stamp`], [`shard`]: who graded, when, and which slice of a class;
//! - [`report`]: the report types, their points (by the scheme), and their
//!   writers (terminal, JSON, JUnit, CSV gradebook, Gradescope, class
//!   report);
//! - [`engine`]: one submission: static check, grading copy, build, run,
//!   score, report;
//! - [`pool`], [`progress`]: a few submissions at a time, and the bars;
//! - [`class`]: the class loop, on top of the engine;
//! - [`commands`]: `grade`, `merge-reports`, `gradescope-autograder`,
//!   `gradescope-run`; [`cli`]: their arguments, as the binary parses them.
//!
//! Errors: an `Err` (`anyhow`, with context) always means grading itself
//! failed (a missing folder, an unwritable report, cargo not found). What a
//! student's code does, however badly, is a [`report::Status`] in a report.

pub mod build_folder;
pub mod build_slot;
pub mod class;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod grading_copy;
pub mod hidden;
pub mod intake;
pub mod lock;
pub mod manifest;
pub mod pool;
pub mod progress;
pub mod report;
pub mod scheme;
pub mod shard;
pub mod stamp;
pub mod submissions;
pub mod workspace;

pub use lesson13_runner::default_jobs;
