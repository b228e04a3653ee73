//! The instructors' commands, on top of the engine and the class loop.
//!
//! - [`grade`]: `grade`, a workspace, a submission or a class;
//! - [`merge_reports`]: `merge-reports`, the shards of a class as one;
//! - [`gradescope`]: `gradescope-autograder`, the package, and
//!   `gradescope-run`, what it runs.

pub mod grade;
pub mod gradescope;
pub mod merge_reports;
