//! The checks that are one cargo command each: formatting, lints, docs,
//! the solutions' tests.

use anyhow::Result;
use lesson13_grader::workspace;

/// `cargo fmt --check`.
pub fn fmt(_: usize) -> Result<String> {
    workspace::cargo(&["fmt", "--all", "--check"], &[])?;
    Ok("formatted".into())
}

/// clippy on every target, warnings denied.
pub fn clippy(_: usize) -> Result<String> {
    workspace::cargo(
        &[
            "clippy",
            "--locked",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    Ok("no warnings".into())
}

/// rustdoc on the workspace, warnings denied.
pub fn docs(_: usize) -> Result<String> {
    workspace::cargo(
        &["doc", "--locked", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    Ok("no warnings".into())
}

/// Every public and hidden test against the solutions, and the testkit's own.
pub fn solutions(_: usize) -> Result<String> {
    workspace::cargo(
        &[
            "test",
            "--locked",
            "-p",
            "solutions",
            "-p",
            "lesson13-testkit",
        ],
        &[],
    )?;
    Ok("all passed".into())
}

/// The tools' own unit tests: the runner's messages, the grader's
/// reports, the student runner's progress, the catalogue's patches, the
/// docs' command finder.
pub fn tools(_: usize) -> Result<String> {
    let mut args = vec!["test", "--locked"];
    for package in TOOLS {
        args.extend(["-p", package]);
    }
    workspace::cargo(&args, &[])?;
    Ok("all passed".into())
}

/// The tools' packages.
const TOOLS: [&str; 5] = [
    "lesson13-runner",
    "lesson13-grader",
    "lesson13-student",
    "lesson13-dispatch",
    "xtask",
];
