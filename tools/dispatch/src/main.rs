//! `cargo xtask <command>` in the course workspace (a cargo alias for this
//! binary, in `.cargo/config.toml`): it builds the tool that owns the
//! command, and only that tool, then hands the command over to it.
//!
//! | commands | tool | who runs them |
//! |---|---|---|
//! | `check`, `watch`, `hint`, `next`, `list` | `lesson13-student` (`tools/student`) | students |
//! | `grade`, `merge-reports`, `gradescope-autograder`, `gradescope-run` | `lesson13-grader` (`tools/grader`) | instructors |
//! | everything else (`verify`, `bundle`, `catalogue`, `flakes`, `bench-summary`, `help`) | `xtask` (`tools/xtask`) | maintainers |
//!
//! So a student's first `cargo xtask check` builds the student runner, not
//! the grader's sandbox or the maintainers' checks. `xtask` itself knows
//! every command too (`cargo run -p xtask -- grade …` works), and its help
//! lists them all.
//!
//! The tool is built with `cargo build` in this binary's own profile and
//! target folder (so its binary sits beside this one), then run in this
//! process's place. Cargo's output is shown while something is compiled
//! (the first run takes a minute or two) and hidden when nothing was: a warm
//! `cargo xtask` prints only the tool's own output.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// A tool that owns some of the commands.
struct Tool {
    /// Its package.
    package: &'static str,
    /// Its binary.
    binary: &'static str,
    /// What it is, for the line printed while it builds the first time.
    what: &'static str,
}

const STUDENT: Tool = Tool {
    package: "lesson13-student",
    binary: "student",
    what: "the student runner",
};

const GRADER: Tool = Tool {
    package: "lesson13-grader",
    binary: "lesson13-grader",
    what: "the grader",
};

const XTASK: Tool = Tool {
    package: "xtask",
    binary: "xtask",
    what: "the maintainers' tools",
};

/// The tool that owns `command` (the first argument): the student runner's
/// and the grader's commands go to them, everything else to xtask.
fn owner(command: Option<&str>) -> &'static Tool {
    match command {
        Some("check" | "watch" | "hint" | "next" | "list") => &STUDENT,
        Some("grade" | "merge-reports" | "gradescope-autograder" | "gradescope-run") => &GRADER,
        _ => &XTASK,
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let tool = owner(args.first().and_then(|a| a.to_str()));
    match build_and_run(tool, &args) {
        Ok(code) => code,
        Err(why) => {
            eprintln!("cargo xtask: {why}");
            ExitCode::FAILURE
        }
    }
}

/// Builds `tool`, then runs it with `args` in this process's place (on
/// Unix; elsewhere as a child, passing its exit status on).
fn build_and_run(tool: &Tool, args: &[OsString]) -> Result<ExitCode, String> {
    let here =
        std::env::current_exe().map_err(|e| format!("cannot tell where this binary is: {e}"))?;
    let binary = here.with_file_name(format!("{}{}", tool.binary, std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        eprintln!(
            "cargo xtask: building {} (the first time only; later runs start at once)",
            tool.what
        );
    }
    if !build(tool)? {
        return Ok(ExitCode::FAILURE);
    }
    let mut command = Command::new(&binary);
    command.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Only returns if it could not run the tool.
        let error = command.exec();
        Err(format!("cannot run {}: {error}", binary.display()))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        Ok(ExitCode::from(
            status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1)),
        ))
    }
}

/// `cargo build` of the tool's binary, in this workspace, with cargo's own
/// output passed on except for its closing "Finished" line when nothing was
/// compiled. `Ok(false)` if the build failed (cargo has said why).
fn build(tool: &Tool) -> Result<bool, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let colour = if std::io::stderr().is_terminal() {
        "always"
    } else {
        "never"
    };
    let mut child = Command::new(cargo)
        .args(["build", "--package", tool.package, "--bin", tool.binary])
        .arg("--manifest-path")
        .arg(workspace_root().join("Cargo.toml"))
        .args(["--color", colour])
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut compiled_anything = false;
    let mut stderr = std::io::stderr().lock();
    if let Some(output) = child.stderr.take() {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            let finished = without_colours(&line).trim_start().starts_with("Finished ");
            if !finished {
                compiled_anything = true;
            }
            if !finished || compiled_anything {
                let _ = writeln!(stderr, "{line}");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cargo did not finish: {e}"))?;
    Ok(status.success())
}

/// `line` without the terminal's colour codes (`ESC [ … m`).
fn without_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip to the end of the sequence: a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// The workspace root: two folders above this crate's. `cargo run` says
/// where the crate is now (the workspace may have moved since it was built).
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .ancestors()
        .nth(2)
        .map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_command_goes_to_its_tool() {
        for command in ["check", "watch", "hint", "next", "list"] {
            assert_eq!(owner(Some(command)).package, "lesson13-student");
        }
        for command in [
            "grade",
            "merge-reports",
            "gradescope-autograder",
            "gradescope-run",
        ] {
            assert_eq!(owner(Some(command)).package, "lesson13-grader");
        }
        for command in [
            Some("verify"),
            Some("bundle"),
            Some("help"),
            Some("--help"),
            None,
        ] {
            assert_eq!(owner(command).package, "xtask");
        }
    }

    #[test]
    fn colour_codes_are_not_text() {
        let line = "\u{1b}[1m\u{1b}[92m    Finished\u{1b}[0m `dev` profile";
        assert_eq!(without_colours(line), "    Finished `dev` profile");
    }
}
