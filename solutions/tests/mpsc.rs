//! Exercise 3's public and hidden tests, run against `solutions::mpsc`.

// Some test files are included twice, each time against a different channel
// (e.g. Exercise 3's helpers, for Exercise 3's and Exercise 4's tests).
#![allow(clippy::duplicate_mod)]

use solutions::mpsc as imp;

#[path = "../../lesson13-mpsc/tests/public/lesson.rs"]
mod lesson;

#[path = "../../lesson13-mpsc/tests/public/behaviour.rs"]
mod behaviour;

#[path = "../../lesson13-mpsc/tests/public/support.rs"]
mod support;

#[path = "../../lesson13-mpsc/tests/hidden/graded.rs"]
mod hidden;
