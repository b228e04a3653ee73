//! What the test harness and the tools that run its tests (the grader and
//! the student runner, through `lesson13-runner`) agree on: one definition
//! each, read by both sides.
//!
//! The runner depends on this crate without its default `runtimes` feature,
//! so it gets these definitions without tokio.

/// The variable that sets a test body's deadline, in whole seconds.
pub const DEADLINE_VAR: &str = "LESSON13_DEADLINE_SECS";

/// A test body's deadline when [`DEADLINE_VAR`] is not set: a correct
/// channel passes every test in well under a second; the margin is for a
/// loaded grading machine.
pub const DEFAULT_DEADLINE_SECS: u64 = 5;

/// How a test whose body missed its deadline fails: its panic message
/// starts with this, then the seconds and the hint (`test timed out after
/// 5s: …`). The runner tells such a test from one that failed an assertion
/// by it.
pub const TIMEOUT_MESSAGE: &str = "test timed out after";

/// The variable that names the fd of the grader's proof-of-pass socket in a
/// test process (see `with_deadline`).
pub const PROOF_FD_VAR: &str = "LESSON13_PROOF_FD";

/// The deadline in seconds that the value of [`DEADLINE_VAR`] sets:
/// [`DEFAULT_DEADLINE_SECS`] when it is unset or not a whole number.
pub fn deadline_secs(value: Option<&str>) -> u64 {
    value
        .and_then(|secs| secs.trim().parse().ok())
        .unwrap_or(DEFAULT_DEADLINE_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_the_variables_or_the_default() {
        assert_eq!(deadline_secs(Some("30")), 30);
        assert_eq!(deadline_secs(None), DEFAULT_DEADLINE_SECS);
        assert_eq!(deadline_secs(Some("soon")), DEFAULT_DEADLINE_SECS);
    }
}
