//! Building an exercise crate's integration tests with cargo, and listing
//! the tests in each test binary.

use crate::message::tail;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A built test binary: one `tests/<target>/` of the crate.
#[derive(Debug, Clone)]
pub struct TestBinary {
    /// The test target's name (`public`, `hidden`).
    pub target: String,
    /// The executable.
    pub path: PathBuf,
}

/// What building a crate's tests gave.
pub enum Build {
    /// The test binaries, ready to run.
    Built(Vec<TestBinary>),
    /// The compiler's first errors, trimmed.
    CompileError(String),
}

/// Builds the integration tests (`tests/*`) of `krate` in the workspace at
/// `workspace`. The crate's own unit tests, if a student wrote some, are not
/// graded.
pub fn build(
    workspace: &Path,
    krate: &str,
    target_dir: &Path,
    locked: bool,
) -> Result<Build, String> {
    let output = Command::new(env!("CARGO"))
        .args(["test", "--tests", "--no-run", "--message-format=json"])
        .args(locked.then_some("--locked"))
        .args(["--package", krate])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(workspace)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    let mut binaries = Vec::new();
    let mut errors = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                let is_test = message["target"]["kind"] == serde_json::json!(["test"]);
                if let (true, Some(path)) = (is_test, message["executable"].as_str()) {
                    binaries.push(TestBinary {
                        target: message["target"]["name"].as_str().unwrap_or("?").to_owned(),
                        path: PathBuf::from(path),
                    });
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    // The library is compiled twice (plain, and as its own unit
                    // test target), so the same error comes twice.
                    if !errors.iter().any(|e| e == rendered) {
                        errors.push(rendered.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    if output.status.success() {
        binaries.sort_by(|a, b| a.target.cmp(&b.target));
        return Ok(Build::Built(binaries));
    }
    if errors.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "cargo could not build {krate}'s tests:\n{}",
            tail(&stderr, 20)
        ));
    }
    Ok(Build::CompileError(first_errors(&errors)))
}

/// The first three compiler errors, at most 40 lines.
fn first_errors(errors: &[String]) -> String {
    let joined = errors
        .iter()
        .take(3)
        .map(|e| e.trim_end())
        .collect::<Vec<_>>()
        .join("\n\n");
    let lines: Vec<&str> = joined.lines().collect();
    if lines.len() <= 40 {
        return joined;
    }
    format!(
        "{}\n… ({} more lines)",
        lines[..40].join("\n"),
        lines.len() - 40
    )
}

/// The tests in one binary.
pub fn list(binary: &TestBinary) -> Result<Vec<String>, String> {
    let output = Command::new(&binary.path)
        .args(["--list", "--format", "terse"])
        .output()
        .map_err(|e| format!("could not run {}: {e}", binary.path.display()))?;
    if !output.status.success() {
        return Err(format!("{} --list failed", binary.path.display()));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}
