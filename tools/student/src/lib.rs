//! The student runner: `cargo xtask check | watch | hint | next | list`.
//!
//! In the student workspace `cargo xtask` is a cargo alias for this crate's
//! `student` binary; in the course workspace, `cargo xtask`'s dispatcher
//! runs the same binary for these commands. Tests run exactly as the grader runs them (one process per
//! test, under the same deadline, with the same crash summaries), so a
//! student sees locally what the instructor will see.
//!
//! - [`check`]: build and run an exercise's public tests, and print them.
//! - [`commands`]: `check`, `hint`, `next` and `list`.
//! - [`mod@loom`]: `check --loom`, loom's models on the student's `lib.rs`,
//!   a race told as steps, and its replay.
//! - [`watch`]: re-run on every save, with keys for the other commands.
//! - [`progress`]: where the student is, kept in a small file, and the bar.
//! - [`readme`]: an exercise's title and hints, read from its README.

pub mod check;
pub mod commands;
pub mod loom;
pub mod progress;
pub mod readme;
pub mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the exercises are, where they build, and how many tests run at once.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root (the folder with the four exercise crates).
    pub root: PathBuf,
    /// Cargo's target folder: `CARGO_TARGET_DIR`, or `target/` at the root,
    /// shared with a plain `cargo test`.
    pub target: PathBuf,
    /// How many test processes run at once.
    pub jobs: usize,
}

impl Workspace {
    /// The workspace at `root`, with the target folder cargo would use.
    pub fn new(root: &Path) -> Self {
        Workspace {
            root: root.to_path_buf(),
            target: lesson13_runner::target_dir(root),
            jobs: lesson13_runner::default_jobs(),
        }
    }
}

/// The commands, as `cargo xtask help` prints them.
pub const HELP: &str = "\
Lesson 13's exercises, one at a time: cargo xtask <command>

Commands:
  check [N] [--verbose] [--loom [--replay MODEL]]
                         Run the current exercise's public tests (or exercise N's,
                         1 to 4), each in its own process under a deadline, as
                         the grader does. Exits non-zero until they all pass.
                         --verbose prints every failure's message, not only the
                         first. --loom then runs loom's models of the exercise
                         on your lib.rs: every interleaving of their threads up
                         to 3 preemptions, and a race as numbered steps of your
                         code. --replay MODEL runs again the interleaving in
                         which MODEL last failed, with what lib.rs prints.
  watch [--poll] [--loom]
                         Run `check` now and again on every save of the current
                         exercise's files. Keys: Enter or r re-runs, h shows a
                         hint, n moves on (once the tests pass), m runs loom's
                         models (see check --loom), l lists the exercises, q
                         quits. Without a terminal, type the key and Enter.
                         --poll checks the files every second instead of
                         waiting for change events (WSL, network drives, some
                         containers). --loom runs loom after every check.
  hint                   Show the current exercise's next hint.
  next                   Move on to the next exercise, once the current one's
                         public tests all pass.
  list                   Show the four exercises: done, current or locked.
  help                   Show this (so does --help after any command).

Your progress is kept in .lesson13-progress at the workspace root. It is safe
to delete: the runner then works it out again from the tests.
";

/// Runs one command, `args` being what follows `cargo xtask`.
pub fn main(root: &Path, args: &[String]) -> ExitCode {
    let workspace = Workspace::new(root);
    let wants_help = args.iter().any(|a| a == "--help" || a == "-h");
    let (command, rest) = match args.split_first() {
        Some((command, rest)) if !wants_help => (command.as_str(), rest),
        _ => ("help", &[][..]),
    };
    let result = match command {
        "check" => commands::check(&workspace, rest),
        "watch" => watch::watch(&workspace, rest),
        "hint" => no_options(rest).and_then(|()| commands::hint(&workspace)),
        "next" => no_options(rest).and_then(|()| commands::next(&workspace)),
        "list" => no_options(rest).and_then(|()| commands::list(&workspace)),
        "help" => {
            print!("{HELP}");
            Ok(true)
        }
        other => Err(format!(
            "no command `{other}`: the commands are check, watch, hint, next, list and help"
        )),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::from(2)
        }
    }
}

fn no_options(rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(format!("unexpected `{arg}` (see `cargo xtask help`)")),
    }
}
