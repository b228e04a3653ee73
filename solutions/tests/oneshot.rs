//! Exercise 1's public and hidden tests, run against `solutions::oneshot`.

use solutions::oneshot as imp;

#[path = "../../lesson13-oneshot/tests/public/lesson.rs"]
mod lesson;

#[path = "../../lesson13-oneshot/tests/public/behaviour.rs"]
mod behaviour;

#[path = "../../lesson13-oneshot/tests/hidden/graded.rs"]
mod hidden;
