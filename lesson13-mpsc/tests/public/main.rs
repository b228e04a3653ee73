//! Public tests for Exercise 3.
//!
//! `lesson.rs` is the lesson's own test; `behaviour.rs` has one test per
//! behaviour in the README's "What is graded" list, with a message that
//! names the likely mistake when it fails; `support.rs` holds their small
//! helpers. Read them, run them with `cargo xtask check` (or
//! `cargo test -p lesson13-mpsc`), and add your own. Grading runs these and
//! a hidden suite that repeats the same behaviours under stress, on real
//! executors.

use lesson13_mpsc as imp;

mod behaviour;
mod lesson;
mod support;
