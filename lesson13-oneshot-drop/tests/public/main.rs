//! Public tests for Exercise 2.
//!
//! `lesson.rs` is the lesson's own test; `behaviour.rs` has one test per
//! behaviour in the README's "What is graded" list, with a message that
//! names the likely mistake when it fails; `exercise1` runs Exercise 1's
//! tests against this channel, which must still send and receive. Read
//! them, run them with `cargo xtask check` (or
//! `cargo test -p lesson13-oneshot-drop`), and add your own. Grading runs
//! these and a hidden suite that repeats the same behaviours under stress,
//! on real executors.

use lesson13_oneshot_drop as imp;

mod behaviour;
mod lesson;

/// Exercise 2's channel must still pass Exercise 1's tests.
#[path = "../../../lesson13-oneshot/tests/public/behaviour.rs"]
mod exercise1;
