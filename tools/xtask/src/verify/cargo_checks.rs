//! The checks that are one cargo command each: formatting, lints, docs,
//! the solutions' tests, and the loom models.

use anyhow::{Context, Result};
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

/// The preemption bound for loom in verify: 3 explores every interleaving
/// with up to three preemptions in about 15 s on 2 cores; unbounded takes
/// more than 5 minutes.
const LOOM_MAX_PREEMPTIONS: &str = "3";

/// The loom models, release build, in their own target folder.
pub fn loom(_: usize) -> Result<String> {
    let target = workspace::root().join("target").join("loom");
    let target = target.to_str().context("the target path is not UTF-8")?;
    workspace::cargo(
        &["test", "--locked", "--release", "-p", "loom-models"],
        &[
            ("RUSTFLAGS", "--cfg loom"),
            ("LOOM_MAX_PREEMPTIONS", LOOM_MAX_PREEMPTIONS),
            // Its own target folder: other flags would rebuild everything.
            ("CARGO_TARGET_DIR", target),
        ],
    )?;
    Ok(format!(
        "every model passed with up to {LOOM_MAX_PREEMPTIONS} preemptions"
    ))
}
