//! `watch`: check the current exercise now and again on every save, and take
//! single keys for the other commands.
//!
//! File changes come from the `notify` crate through its debouncer (one
//! event per save, however many writes an editor makes); `--poll` swaps the
//! OS's change events for a check every second, for file systems that send
//! none (WSL on a Windows drive, network drives, some containers). A key
//! re-runs by hand whatever the file system does. With a terminal, keys are
//! read one at a time; without one (an editor's task, a test), one per line.

use super::Workspace;
use super::check::Outcome;
use super::commands::{advance, check_and_record, current, print_list, show_hint};
use super::progress::Progress;
use crate::exercises::Exercise;
use console::{Key, Term};
use notify_debouncer_mini::notify::{
    self, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher,
};
use notify_debouncer_mini::{Config, DebounceEventHandler, DebounceEventResult, new_debouncer_opt};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
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

const KEYS: &str = "Enter/r: re-run · h: hint · n: next exercise · l: list · q: quit";

/// `watch [--poll]`: returns when the student quits (true) or every
/// exercise is done.
pub fn watch(workspace: &Workspace, args: &[String]) -> Result<bool, String> {
    let mut poll = false;
    for arg in args {
        match arg.as_str() {
            "--poll" => poll = true,
            other => return Err(format!("unexpected `{other}` (see `cargo xtask help`)")),
        }
    }
    let out = &mut std::io::stdout();
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let (events, receive) = channel();
    spawn_key_reader(terminal, events.clone());
    let mut progress = current(workspace, out)?;
    while let Some(exercise) = progress.exercise() {
        // Keep the watcher alive while this exercise is the current one.
        let _watcher = watch_files(workspace, exercise, poll, events.clone())?;
        match watch_exercise(workspace, exercise, &mut progress, terminal, &receive, out)? {
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

fn watch_exercise(
    workspace: &Workspace,
    exercise: Exercise,
    progress: &mut Progress,
    terminal: bool,
    events: &Receiver<Event>,
    out: &mut dyn Write,
) -> Result<Next, String> {
    let mut keys_work = true;
    loop {
        if terminal {
            Term::stdout().clear_screen().ok();
        } else {
            writeln!(out, "\n{}", "─".repeat(60)).ok();
        }
        let outcome = check_and_record(workspace, exercise, false, progress, out)?;
        writeln!(out, "\n{}", progress.bar()).ok();
        prompt(exercise, &outcome, keys_work, out);
        // Wait for a save or a key that re-runs; handle the others here.
        loop {
            let event = events
                .recv()
                .map_err(|_| "the file watcher stopped".to_owned())?;
            match event {
                Event::Saved | Event::Key('r') => break,
                Event::Key('q') => return Ok(Next::Quit),
                Event::Key('h') => show_hint(workspace, progress, out)?,
                Event::Key('l') => print_list(workspace, progress, out),
                Event::Key('n') if outcome.all_passed() => {
                    if advance(workspace, progress, out)? {
                        return Ok(Next::Exercise);
                    }
                }
                Event::Key('n') => {
                    writeln!(
                        out,
                        "Not yet: every public test of Exercise {} must pass before you move on.",
                        exercise.number
                    )
                    .ok();
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
        // One run for any number of saves that came in meanwhile.
        while let Ok(Event::Saved) = events.try_recv() {}
    }
}

fn prompt(exercise: Exercise, outcome: &Outcome, keys_work: bool, out: &mut dyn Write) {
    let what = if outcome.all_passed() {
        "All public tests pass: n moves on."
    } else {
        "Fix the first failure and save: the tests run again."
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
                if events.send(Event::Key(key)).is_err() {
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
