//! Exercise 4's public and hidden tests, run against `solutions::bounded`.

// Some test files are included twice, each time against a different channel
// (e.g. Exercise 3's helpers, for Exercise 3's and Exercise 4's tests).
#![allow(clippy::duplicate_mod)]

use solutions::bounded as imp;

#[path = "../../lesson13-bounded/tests/public/lesson.rs"]
mod lesson;

#[path = "../../lesson13-bounded/tests/public/behaviour.rs"]
mod behaviour;

#[path = "../../lesson13-bounded/tests/public/support.rs"]
mod support;

#[path = "../../lesson13-bounded/tests/public/exercise3.rs"]
mod exercise3;

#[path = "../../lesson13-bounded/tests/hidden/graded.rs"]
mod hidden;
