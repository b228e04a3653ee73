//! Drives the student runner in an exported bundle, as a student would but
//! without a terminal: `cargo xtask list | check | hint | next` on the stubs
//! (and `check` on a file the grader would reject), on a half-done workspace
//! (Exercise 1 solved with a compiler warning that `check` shows; the hint
//! for the first failing test of Exercise 2) and on a finished one, `watch`
//! through a save, a hint, `n` and `q` sent on its standard input, and
//! `check` of a bounded channel whose pop wakes no sender (its most basic
//! failure first, the others marked as ones that may follow).
//!
//! Each step checks the exit status and a few lines of the output that a
//! student relies on (the bar, the counts, the hint, the refusal to move
//! on). The bundle's `lib.rs` files are overwritten with the reference
//! solutions as it goes.

use anyhow::{Context, Result, bail};
use lesson13_runner::exercises::{ALL, Exercise};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

/// How long one step may take: the first one builds the runner and an
/// exercise's tests, on a busy machine.
const STEP_LIMIT: Duration = Duration::from_secs(600);

/// The bundle's progress file (see `lesson13_runner::student::progress`).
use lesson13_student::progress::FILE as PROGRESS;

/// Runs the scenarios in the bundle at `bundle`, building into `target`;
/// returns a one-line summary.
pub fn drive(root: &Path, bundle: &Path, target: &Path) -> Result<String> {
    let started = Instant::now();
    let runner = Runner { bundle, target };
    let steps = std::cell::Cell::new(0);
    let step = |args: &[&str], succeeds: bool, expected: &[&str]| {
        steps.set(steps.get() + 1);
        runner.expect(args, succeeds, expected)
    };
    let [one, two, three, four] = ALL;

    // A fresh bundle: Exercise 1 is current, every test fails on its todo!().
    step(
        &["list"],
        true,
        &["▶ current 1 oneshot", "· locked  2 oneshot-drop"],
    )?;
    let stubs = step(
        &["check"],
        false,
        &[
            "not yet implemented: Exercise 1:",
            "[▶ 1 oneshot 0/",
            "[· 2 oneshot-drop] [· 3 mpsc] [· 4 bounded]  0/4 done",
        ],
    )?;
    expect_counts(&stubs, one, |passed, _| passed == 0)?;
    step(
        &["hint"],
        true,
        &["Exercise 1, hint 1 of ", "1. Creating the channel"],
    )?;
    step(&["hint"], true, &["Exercise 1, hint 2 of "])?;
    step(
        &["next"],
        false,
        &["Not yet: every public test of Exercise 1 must pass"],
    )?;

    // Something off limits: the runner says the grader would reject it.
    let stub_path = bundle.join(one.lib_rs());
    let stub = std::fs::read_to_string(&stub_path).context("cannot read the stub")?;
    let off_limits = format!("{stub}\npub fn leave() {{ std::process::exit(0) }}\n");
    std::fs::write(&stub_path, off_limits).context("cannot write lib.rs")?;
    step(
        &["check"],
        false,
        &["The grader would reject lesson13-oneshot/src/lib.rs without building it"],
    )?;
    std::fs::write(&stub_path, stub).context("cannot write lib.rs")?;

    // Half done: Exercise 1 solved, with a step forgotten that the
    // compiler points out, so `check` shows its warning; then `next` moves
    // on, and hints restart.
    solve(root, bundle, one)?;
    let lib_rs = bundle.join(one.lib_rs());
    let solution = std::fs::read_to_string(&lib_rs).context("cannot read lib.rs")?;
    let forgot = format!(
        "{solution}\n/// A step, forgotten.\npub fn forgotten_step() {{\n    let unused_step = 1;\n}}\n"
    );
    std::fs::write(&lib_rs, forgot).context("cannot write lib.rs")?;
    let solved = step(
        &["check"],
        true,
        &[
            "The compiler warns about lesson13-oneshot/src/lib.rs (1 warning;",
            "warning: unused variable: `unused_step`",
        ],
    )?;
    expect_counts(&solved, one, |passed, total| passed == total)?;
    step(
        &["next"],
        true,
        &[
            "Exercise 1 done.",
            "[✓ 1 oneshot] [▶ 2 oneshot-drop] [· 3 mpsc] [· 4 bounded]  1/4 done",
            "Next: Exercise 2",
        ],
    )?;
    step(&["hint"], true, &["Exercise 2, hint 1 of "])?;
    step(&["check"], false, &["not yet implemented: Exercise 2:"])?;
    // The first failing test (Exercise 1's, the most basic) names its hint.
    step(
        &["hint"],
        true,
        &[
            "Exercise 2, hint 2 of ",
            "(for the first failing test, value_sent_before_the_receiver_polls_is_delivered)",
        ],
    )?;

    // Watch: a save re-runs the tests, then h, n and q from standard input.
    runner.watch(root, two)?;
    steps.set(steps.get() + 1);

    // Finished: every exercise solved, and the progress file deleted, so
    // the runner works the progress out again from the tests.
    for exercise in [three, four] {
        solve(root, bundle, exercise)?;
    }
    std::fs::remove_file(bundle.join(PROGRESS))
        .with_context(|| format!("cannot delete {PROGRESS}"))?;
    step(&["list"], true, &["✓ done    4 bounded", "4/4 done"])?;
    step(&["next"], true, &["All four exercises are done"])?;
    let finished = step(&["check"], true, &[])?;
    for exercise in ALL {
        expect_counts(&finished, exercise, |passed, total| passed == total)?;
    }

    // A bounded channel whose pop wakes no sender fails many tests: the
    // first shown is the most basic, and the others may follow from it.
    let bug = "lesson13-bounded/pop-does-not-wake-sender";
    let buggy = crate::catalogue::entry::entries(root)?
        .into_iter()
        .find(|e| e.id() == bug)
        .with_context(|| format!("no catalogued bug {bug}"))?
        .source(root)?;
    std::fs::write(bundle.join(four.lib_rs()), buggy).context("cannot write lib.rs")?;
    let failing = step(&["check", "4"], false, &[])?;
    expect_first_failure(&failing, "behaviour::the_capacity_is_exact")?;
    Ok(format!(
        "the student runner passed {} steps (stubs, half done, watch, finished) in {:.0?}",
        steps.get(),
        started.elapsed()
    ))
}

/// Checks that the first failing test `check` lists is `test`, and that
/// the failures after it are marked as ones that may follow from it.
fn expect_first_failure(stdout: &str, test: &str) -> Result<()> {
    // The list's lines (the first failure in full comes after it, unindented).
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  ✗ ")).collect();
    let first = failures.first().map(|l| l.trim_start_matches("  ✗ "));
    let marked = failures[1.min(failures.len())..]
        .iter()
        .all(|l| l.contains(lesson13_runner::order::MAY_FOLLOW));
    if first.is_some_and(|f| f.starts_with(test)) && failures.len() > 1 && marked {
        Ok(())
    } else {
        bail!(
            "expected {test} to fail first and the other failures to be marked \"{}\"; it \
             printed:\n{stdout}",
            lesson13_runner::order::MAY_FOLLOW
        )
    }
}

/// Checks the `N of M public tests pass in <crate>.` line of `stdout`.
fn expect_counts(
    stdout: &str,
    exercise: Exercise,
    good: impl Fn(usize, usize) -> bool,
) -> Result<()> {
    let counts = counts(stdout, exercise);
    match counts {
        Some((passed, total)) if total > 0 && good(passed, total) => Ok(()),
        _ => Err(anyhow::anyhow!(
            "unexpected counts {counts:?} for {}; it printed:\n{stdout}",
            exercise.krate
        )),
    }
}

/// `(N, M)` from `N of M public tests pass in <crate>.`
fn counts(stdout: &str, exercise: Exercise) -> Option<(usize, usize)> {
    let suffix = format!(" public tests pass in {}.", exercise.krate);
    let line = stdout.lines().find(|l| l.ends_with(&suffix))?;
    let (passed, total) = line.strip_suffix(&suffix)?.split_once(" of ")?;
    Some((passed.trim().parse().ok()?, total.trim().parse().ok()?))
}

/// Copies `exercise`'s reference solution over its `lib.rs` in the bundle.
fn solve(root: &Path, bundle: &Path, exercise: Exercise) -> Result<()> {
    let solution = root.join("solutions/src").join(exercise.solution);
    std::fs::copy(&solution, bundle.join(exercise.lib_rs()))
        .map(drop)
        .with_context(|| format!("cannot copy {}", solution.display()))
}

struct Runner<'a> {
    bundle: &'a Path,
    target: &'a Path,
}

impl Runner<'_> {
    /// `cargo xtask <args>` in the bundle, through its own alias.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO"));
        command
            .arg("xtask")
            .args(args)
            .current_dir(self.bundle)
            .env("CARGO_TARGET_DIR", self.target)
            // This process runs under `cargo run` of the course workspace:
            // the runner must find the bundle's root on its own.
            .env_remove("CARGO_MANIFEST_DIR");
        command
    }

    /// Runs one command, checks its exit status and output, and returns
    /// the output.
    fn expect(&self, args: &[&str], succeeds: bool, expected: &[&str]) -> Result<String> {
        let output = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .context("could not run cargo xtask")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let shown = || {
            format!(
                "`cargo xtask {}` printed:\n{stdout}{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            )
        };
        if output.status.success() != succeeds {
            let wanted = if succeeds { "succeed" } else { "fail" };
            bail!("expected it to {wanted}; {}", shown());
        }
        match expected.iter().find(|line| !stdout.contains(*line)) {
            Some(missing) => Err(anyhow::anyhow!("expected {missing:?}; {}", shown())),
            None => Ok(stdout.into_owned()),
        }
    }

    /// `watch` on the half-done bundle (`exercise`, a stub, current): save
    /// a solution, see the tests pass, ask for a hint, move on, quit.
    fn watch(&self, root: &Path, exercise: Exercise) -> Result<()> {
        let mut child = self
            .command(&["watch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("could not run cargo xtask watch")?;
        let mut stdin = child.stdin.take().context("no stdin")?;
        let (sender, lines) = channel();
        read_lines(child.stdout.take().context("no stdout")?, sender.clone());
        read_lines(child.stderr.take().context("no stderr")?, sender);
        let mut seen = String::new();
        let mut wait_for = |marker: &str| wait_for(&lines, &mut seen, marker);
        let krate = exercise.krate;
        let number = exercise.number;
        let result = (|| {
            wait_for("0 of ")?;
            wait_for(&format!("Watching {krate}/src"))?;
            solve(root, self.bundle, exercise)?;
            wait_for("All public tests pass: n moves on.")?;
            // Hints 1 and 2 were seen, and nothing fails: the next in order.
            send(&mut stdin, "h")?;
            wait_for(&format!("Exercise {number}, hint 3 of "))?;
            send(&mut stdin, "n")?;
            wait_for(&format!("Exercise {number} done."))?;
            wait_for(&format!("Watching {}/src", ALL[usize::from(number)].krate))?;
            send(&mut stdin, "q")
        })();
        if let Err(why) = result {
            child.kill().ok();
            child.wait().ok();
            bail!("cargo xtask watch: {why:#}");
        }
        match child.wait_timeout(Duration::from_secs(60)) {
            Ok(Some(status)) if status.success() => Ok(()),
            Ok(Some(status)) => Err(anyhow::anyhow!(
                "cargo xtask watch ended with {status} after q"
            )),
            _ => {
                child.kill().ok();
                child.wait().ok();
                Err(anyhow::anyhow!("cargo xtask watch did not quit on q"))
            }
        }
    }
}

/// Sends the lines of a child's output as they come.
fn read_lines(output: impl std::io::Read + Send + 'static, lines: Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
}

/// Waits until a line containing `marker` comes, keeping what came.
fn wait_for(lines: &Receiver<String>, seen: &mut String, marker: &str) -> Result<()> {
    let deadline = Instant::now() + STEP_LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(marker) {
                    return Ok(());
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                bail!("no {marker:?} within {STEP_LIMIT:?}; it printed:\n{seen}");
            }
            Err(RecvTimeoutError::Disconnected) => {
                bail!("it exited before {marker:?}; it printed:\n{seen}");
            }
        }
    }
}

fn send(stdin: &mut impl Write, key: &str) -> Result<()> {
    writeln!(stdin, "{key}")
        .and_then(|()| stdin.flush())
        .with_context(|| format!("cannot send {key:?}"))
}
