//! Exercise 2's public and hidden tests, run against `solutions::oneshot_drop`.

use solutions::oneshot_drop as imp;

#[path = "../../lesson13-oneshot-drop/tests/public/lesson.rs"]
mod lesson;

#[path = "../../lesson13-oneshot-drop/tests/public/behaviour.rs"]
mod behaviour;

#[path = "../../lesson13-oneshot/tests/public/behaviour.rs"]
mod exercise1;

#[path = "../../lesson13-oneshot-drop/tests/hidden/graded.rs"]
mod hidden;
