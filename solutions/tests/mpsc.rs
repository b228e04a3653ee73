//! Exercise 3's public and hidden tests, run against `solutions::mpsc`.

use solutions::mpsc as imp;

#[path = "../../lesson13-mpsc/tests/public/lesson.rs"]
mod public;

#[path = "../../lesson13-mpsc/tests/hidden/graded.rs"]
mod hidden;
