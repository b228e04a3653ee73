//! `watch`: check the current exercise now and again on every save, and take
//! single keys for the other commands.
//!
//! File changes come from the `notify` crate through its debouncer (one
//! event per save, however many writes an editor makes); `--poll` swaps the
//! OS's change events for a check every second, for file systems that send
//! none (WSL on a Windows drive, network drives, some containers). A key
//! re-runs by hand whatever the file system does. With a terminal, keys are
//! read one at a time; without one (an editor's task, a test), one per line.
//! Reading a file is an event too (the compiler reads them all), so a run
//! starts only when a `.rs` file's size or modification time changed. `m`
//! (or `--loom`, after every check) runs loom's models, as `check --loom`.

use crate::Workspace;
use crate::check::Outcome;
use crate::commands::{check_and_record, current, move_on, not_yet, print_list, show_hint};
use crate::progress::Progress;
use console::{Key, Term};
use lesson13_runner::exercises::Exercise;
use notify_debouncer_mini::notify::{
    self, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher,
};
use notify_debouncer_mini::{Config, DebounceEventHandler, DebounceEventResult, new_debouncer_opt};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

/// What the watch loop waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// A `.rs` file of the current exercise changed.
    Saved,
    /// A key: `r` (or Enter), `h`, `n`, `l`, `q`.
    Key(char),
    /// Standard input ended: no more keys will come.
    InputClosed,
}

const KEYS: &str = "Enter/r: re-run · h: hint · n: next exercise · m: loom · l: list · q: quit";

/// `watch [--poll] [--loom]`: returns when the student quits (true) or
/// every exercise is done.
pub fn watch(workspace: &Workspace, args: &[String]) -> Result<bool, String> {
    let mut poll = false;
    let mut with_loom = false;
    for arg in args {
        match arg.as_str() {
            "--poll" => poll = true,
            "--loom" => with_loom = true,
            other => return Err(format!("unexpected `{other}` (see `cargo xtask help`)")),
        }
    }
    let out = &mut std::io::stdout();
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let (events, receive) = channel();
    // The key reader leaves the terminal in raw mode while it waits for a
    // key; whatever ends the watch, put the terminal back as it was.
    let _terminal = terminal.then(TerminalState::save);
    spawn_key_reader(terminal, events.clone());
    let mut progress = current(workspace, out)?;
    while let Some(exercise) = progress.exercise() {
        // Keep the watcher alive while this exercise is the current one.
        let _watcher = watch_files(workspace, exercise, poll, events.clone())?;
        let watching = Watching {
            terminal,
            with_loom,
        };
        match watch_exercise(workspace, exercise, &mut progress, watching, &receive, out)? {
            Next::Quit => return Ok(true),
            Next::Exercise => continue,
        }
    }
    writeln!(out, "All four exercises are done. Well done!").ok();
    Ok(true)
}

/// How a watch of one exercise ended.
enum Next {
    Quit,
    Exercise,
}

/// How the watch shows each check.
#[derive(Clone, Copy)]
struct Watching {
    /// Clear the screen before each check.
    terminal: bool,
    /// Run loom after each check whose tests ran (`--loom`).
    with_loom: bool,
}

fn watch_exercise(
    workspace: &Workspace,
    exercise: Exercise,
    progress: &mut Progress,
    watching: Watching,
    events: &Receiver<Event>,
    out: &mut dyn Write,
) -> Result<Next, String> {
    let mut keys_work = true;
    loop {
        if watching.terminal {
            Term::stdout().clear_screen().ok();
        } else {
            writeln!(out, "\n{}", "─".repeat(60)).ok();
        }
        let checked = Snapshot::take(workspace, exercise);
        let outcome = check_and_record(workspace, exercise, false, progress, out)?;
        if watching.with_loom && matches!(outcome, Outcome::Ran { .. }) {
            crate::loom::check(workspace, exercise, None, out)?;
        }
        writeln!(out, "\n{}", progress.bar()).ok();
        prompt(exercise, &outcome, keys_work, out);
        // Wait for a save or a key that re-runs; handle the others here.
        loop {
            let event = events
                .recv()
                .map_err(|_| "the file watcher stopped".to_owned())?;
            let changed = || Snapshot::take(workspace, exercise) != checked;
            match event {
                // Reading a file counts as an event too (the compiler reads
                // them all): re-run only if a file really changed.
                Event::Saved if !changed() => {}
                Event::Saved | Event::Key('r') => break,
                Event::Key('q') => return Ok(Next::Quit),
                // What these print pushes the keys off the screen: say them again.
                Event::Key('h') => {
                    show_hint(workspace, progress, out)?;
                    writeln!(out, "{KEYS}").ok();
                }
                Event::Key('l') => {
                    print_list(workspace, progress, out);
                    writeln!(out, "{KEYS}").ok();
                }
                Event::Key('m') => {
                    crate::loom::check(workspace, exercise, None, out)?;
                    writeln!(out, "{KEYS}").ok();
                }
                // A file changed since that check: check it again first.
                Event::Key('n') if changed() => break,
                Event::Key('n') if outcome.all_passed() => {
                    move_on(workspace, progress, exercise, out)?;
                    return Ok(Next::Exercise);
                }
                Event::Key('n') => {
                    writeln!(out, "{}", not_yet(exercise)).ok();
                }
                Event::InputClosed => {
                    keys_work = false;
                    writeln!(
                        out,
                        "(No more input: watching for saves only. Ctrl-C quits.)"
                    )
                    .ok();
                }
                Event::Key(_) => {
                    writeln!(out, "{KEYS}").ok();
                }
            }
            out.flush().ok();
        }
    }
}

fn prompt(exercise: Exercise, outcome: &Outcome, keys_work: bool, out: &mut dyn Write) {
    let what = match outcome {
        _ if outcome.all_passed() => "All public tests pass: n moves on.",
        Outcome::CompileError => {
            "Fix the first compile error (the others often follow from it) and save: the tests run \
             again."
        }
        Outcome::Rejected => "Take out what is off limits and save: the tests run again.",
        Outcome::Ran { .. } => "Fix the first failure and save: the tests run again.",
    };
    writeln!(
        out,
        "{what}\nWatching {}/src and {}/tests.",
        exercise.krate, exercise.krate
    )
    .ok();
    if keys_work {
        writeln!(out, "{KEYS}").ok();
    }
    out.flush().ok();
}

/// Sends a key event per key press (terminal) or per line (no terminal).
fn spawn_key_reader(terminal: bool, events: Sender<Event>) {
    std::thread::spawn(move || {
        if terminal {
            let term = Term::stdout();
            loop {
                let key = match term.read_key() {
                    Ok(Key::Enter) => 'r',
                    Ok(Key::Char(c)) => c.to_ascii_lowercase(),
                    Ok(_) => continue,
                    Err(_) => break,
                };
                // After q, read no more: the watch ends.
                if events.send(Event::Key(key)).is_err() || key == 'q' {
                    return;
                }
            }
        } else {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                let key = line.trim().chars().next().unwrap_or('r');
                if events.send(Event::Key(key.to_ascii_lowercase())).is_err() {
                    return;
                }
            }
        }
        events.send(Event::InputClosed).ok();
    });
}

/// The exercise's `.rs` files as they were: path, size and modification
/// time of each.
#[derive(PartialEq, Eq)]
struct Snapshot(Vec<(PathBuf, u64, Option<std::time::SystemTime>)>);

impl Snapshot {
    fn take(workspace: &Workspace, exercise: Exercise) -> Self {
        let mut files = Vec::new();
        for folder in ["src", "tests"] {
            collect_rs(
                &workspace.root.join(exercise.krate).join(folder),
                &mut files,
            );
        }
        files.sort();
        Snapshot(files)
    }
}

fn collect_rs(dir: &Path, files: &mut Vec<(PathBuf, u64, Option<std::time::SystemTime>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if metadata.is_dir() {
            collect_rs(&path, files);
        } else if path.extension().is_some_and(|x| x == "rs") {
            files.push((path, metadata.len(), metadata.modified().ok()));
        }
    }
}

/// The terminal's settings when the watch began (`stty -g`), restored when
/// it ends. Unix only; elsewhere reading a key changes no setting.
struct TerminalState(Option<String>);

impl TerminalState {
    fn save() -> Self {
        let saved = std::process::Command::new("stty")
            .arg("-g")
            .stdin(std::process::Stdio::inherit())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        TerminalState(saved)
    }
}

impl Drop for TerminalState {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            std::process::Command::new("stty")
                .arg(saved)
                .stdin(std::process::Stdio::inherit())
                .status()
                .ok();
        }
    }
}

/// Watches the exercise's `src/` and `tests/` for saved `.rs` files.
fn watch_files(
    workspace: &Workspace,
    exercise: Exercise,
    poll: bool,
    events: Sender<Event>,
) -> Result<Box<dyn std::any::Any>, String> {
    let handler = move |result: DebounceEventResult| {
        let saved = result.is_ok_and(|changes| {
            changes
                .iter()
                .any(|c| c.path.extension().is_some_and(|x| x == "rs"))
        });
        if saved {
            events.send(Event::Saved).ok();
        }
    };
    // Short enough to feel instant, long enough to gather an editor's writes.
    let config = Config::default().with_timeout(Duration::from_millis(200));
    let folders = ["src", "tests"].map(|f| workspace.root.join(exercise.krate).join(f));
    let started = if poll {
        let every_second = notify::Config::default().with_poll_interval(Duration::from_secs(1));
        start::<PollWatcher>(config.with_notify_config(every_second), handler, &folders)
    } else {
        start::<RecommendedWatcher>(config, handler, &folders)
    };
    started.map_err(|e| {
        format!(
            "cannot watch {}'s files ({e}); try `cargo xtask watch --poll`",
            exercise.krate
        )
    })
}

/// A debounced watcher of type `T` on `folders` (those that exist).
fn start<T: Watcher + 'static>(
    config: Config,
    handler: impl DebounceEventHandler,
    folders: &[PathBuf],
) -> Result<Box<dyn std::any::Any>, notify::Error> {
    let mut debouncer = new_debouncer_opt::<_, T>(config, handler)?;
    for folder in folders.iter().filter(|f| f.is_dir()) {
        debouncer
            .watcher()
            .watch(folder, RecursiveMode::Recursive)?;
    }
    Ok(Box::new(debouncer))
}
