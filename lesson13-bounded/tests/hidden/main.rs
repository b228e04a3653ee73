//! Hidden tests for Exercise 4: the grading suite.
//!
//! Kept apart from the public tests so that a student bundle can leave them
//! out. The cases live in `graded.rs` and name the channel as `super::imp`,
//! so the solutions crate runs the very same file against its own module.

// Some test files are included twice, each time against a different channel
// (e.g. Exercise 3's helpers, for Exercise 3's and Exercise 4's tests).
#![allow(clippy::duplicate_mod)]

use lesson13_bounded as imp;

mod graded;
