//! Exercise 3's graded tests, run against the bounded channel with plenty of
//! room, through Exercise 3's API (`../public/mpsc_view.rs`).

use super::imp as bounded;

#[path = "../public/mpsc_view.rs"]
mod imp;

#[path = "../../../lesson13-mpsc/tests/hidden/graded.rs"]
mod tests;
