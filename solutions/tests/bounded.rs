//! Exercise 4's public and hidden tests, run against `solutions::bounded`.

use solutions::bounded as imp;

#[path = "../../lesson13-bounded/tests/public/lesson.rs"]
mod public;

#[path = "../../lesson13-bounded/tests/hidden/graded.rs"]
mod hidden;
