//! Hidden tests for Exercise 1: the grading suite.
//!
//! Kept apart from the public tests so that a student bundle can leave them
//! out. The cases live in `graded.rs` and name the channel as `super::imp`,
//! so the solutions crate runs the very same file against its own module.

use lesson13_oneshot as imp;

mod graded;
