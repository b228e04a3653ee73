//! Exercise 3's public tests, run against the bounded channel with plenty of
//! room, through Exercise 3's API (`mpsc_view.rs`).

use super::imp as bounded;

#[path = "mpsc_view.rs"]
mod imp;

#[path = "../../../lesson13-mpsc/tests/public/support.rs"]
mod support;

#[path = "../../../lesson13-mpsc/tests/public/behaviour.rs"]
mod behaviour;
