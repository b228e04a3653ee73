//! Hidden tests for Exercise 3: the grading suite.
//!
//! Kept apart from the public tests so that a student bundle can leave them
//! out. The cases live in `graded.rs` and name the channel as `super::imp`,
//! so the solutions crate runs the very same file against its own module,
//! and Exercise 4 runs it against its bounded channel.

use lesson13_mpsc as imp;

mod graded;
