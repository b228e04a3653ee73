//! Public tests for Exercise 2: the lesson's own test.
//!
//! Read them, run them with `cargo test -p lesson13-oneshot-drop`, and add
//! your own. The grade comes from a fuller hidden suite; the crate docs list
//! what it checks.

use lesson13_oneshot_drop as imp;

mod lesson;
