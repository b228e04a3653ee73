//! Public tests for Exercise 4.
//!
//! `lesson.rs` is the lesson's own test; `behaviour.rs` has one test per
//! behaviour in the README's "What is graded" list, with a message that
//! names the likely mistake when it fails; `exercise3.rs` runs Exercise 3's
//! tests against this channel (through `mpsc_view.rs`, with plenty of room);
//! `support.rs` holds small helpers. Read them, run them with
//! `cargo xtask check` (or `cargo test -p lesson13-bounded`), and add your
//! own. Grading runs these and a hidden suite that repeats the same
//! behaviours under stress, on real executors.

// Some test files are included twice, each time against a different channel
// (e.g. Exercise 3's helpers, for Exercise 3's and Exercise 4's tests).
#![allow(clippy::duplicate_mod)]

use lesson13_bounded as imp;

mod behaviour;
mod exercise3;
mod lesson;
mod support;
