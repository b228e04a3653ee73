//! Public tests for Exercise 1.
//!
//! `lesson.rs` is the lesson's own test; `behaviour.rs` has one test per
//! behaviour in the README's "What is graded" list, with a message that
//! names the likely mistake when it fails. Read them, run them with
//! `cargo xtask check` (or `cargo test -p lesson13-oneshot`), and add your
//! own. Grading runs these and a hidden suite that repeats the same
//! behaviours under stress, on real executors.

use lesson13_oneshot as imp;

mod behaviour;
mod lesson;
