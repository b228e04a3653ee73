//! The events of one run, recorded only while [`start`] has turned the
//! recording on (the one replayed run of a failing schedule), each printed
//! as a line for the runner as it happens: what the checked code prints
//! comes out among them, in order.
//!
//! An event is what one thread did: asked for a lock, got it, let it go,
//! cloned, woke or dropped a waker, polled, waited, called the channel. Each
//! carries the thread's role (`the sender`) and, where it can be known, the
//! line of the checked `lib.rs` it happened at: the caller's location for a
//! lock (`#[track_caller]`), the first frame of a backtrace outside std,
//! loom and this crate for the rest.
//!
//! Every line the runner reads starts with [`PREFIX`] and the tag the
//! runner passed in `LESSON13_LOOM_TAG` (code under test cannot read the
//! environment, so it cannot forge one), then one JSON object.

use serde_json::{Value, json};
use std::panic::Location;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// What every line for the runner starts with, before the tag.
pub(crate) const PREFIX: &str = "lesson13-loom";

/// Whether events are being recorded.
static ON: AtomicBool = AtomicBool::new(false);

/// Each lock's address, in the order they were first used in this run: a
/// lock is named by its place here.
static LOCKS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The role of the thread that runs the model's closure (loom's threads
/// have names; its first thread has none).
static MAIN_ROLE: Mutex<&str> = Mutex::new("the main thread");

/// Where an event happened.
pub(crate) enum At {
    /// The checked code's call, as `#[track_caller]` saw it.
    Caller(&'static Location<'static>),
    /// Wherever the backtrace leaves std, loom and this crate.
    Stack,
    /// Nowhere in the checked code (the model's own doing).
    Model,
}

/// Whether events are being recorded: callers skip the work of describing
/// one when not.
pub(crate) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Forgets the locks seen, and turns the recording on or off.
pub(crate) fn start(on: bool) {
    LOCKS.lock().unwrap_or_else(|e| e.into_inner()).clear();
    ON.store(on, Ordering::Relaxed);
}

/// Names the thread that runs the model's closure.
pub(crate) fn set_main_role(role: &'static str) {
    *MAIN_ROLE.lock().unwrap_or_else(|e| e.into_inner()) = role;
}

/// The current loom thread's number and role.
pub(crate) fn current_thread() -> (usize, String) {
    let thread = loom::thread::current();
    let id = format!("{:?}", thread.id());
    let number = id
        .trim_start_matches("ThreadId(")
        .trim_end_matches(')')
        .parse()
        .unwrap_or(0);
    let role = match thread.name() {
        Some(name) => name.to_owned(),
        None => (*MAIN_ROLE.lock().unwrap_or_else(|e| e.into_inner())).to_owned(),
    };
    (number, role)
}

/// Records (prints) that the current thread did `what` (an object with a
/// `what` field and its details) at `at`. Nothing while the recording is
/// off, or while the thread unwinds (loom's state may be gone by then).
pub(crate) fn event(mut what: Value, at: At) {
    if !on() || std::thread::panicking() {
        return;
    }
    let (thread, role) = current_thread();
    let (file, line) = match at {
        At::Caller(location) => (Some(location.file().to_owned()), Some(location.line())),
        At::Stack => first_frame_outside_the_harness(),
        At::Model => (None, None),
    };
    what["kind"] = json!("event");
    what["thread"] = json!(thread);
    what["role"] = json!(role);
    what["file"] = json!(file);
    what["line"] = json!(line);
    print_line(&what);
}

/// A small number for the lock at `address`, the same for every event of
/// the run.
pub(crate) fn lock_number(address: usize) -> usize {
    let mut locks = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    match locks.iter().position(|a| *a == address) {
        Some(at) => at + 1,
        None => {
            locks.push(address);
            locks.len()
        }
    }
}

/// Prints one line for the runner: the prefix, the tag, the JSON. A line
/// of its own: libtest may have begun one (`test x ... `) without ending it.
pub(crate) fn print_line(value: &Value) {
    let tag = std::env::var("LESSON13_LOOM_TAG").unwrap_or_default();
    println!("\n{PREFIX}{tag} {value}");
}

/// The file and line of the first frame of the current backtrace that is
/// not std's, loom's or this crate's: the checked code's (or the model's,
/// which the runner does not show). Only ever called while recording: a
/// backtrace costs microseconds, and reading its lines far more.
fn first_frame_outside_the_harness() -> (Option<String>, Option<u32>) {
    let backtrace = std::backtrace::Backtrace::force_capture().to_string();
    for line in backtrace.lines() {
        let Some(place) = line.trim_start().strip_prefix("at ") else {
            continue;
        };
        let mut parts = place.rsplitn(3, ':');
        let (Some(_column), Some(number), Some(file)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let theirs = file.starts_with("/rustc/")
            || file.contains("/.cargo/registry/")
            || file.contains("/library/std/")
            || file.contains("/library/core/")
            || file.contains("/library/alloc/")
            || is_this_crates(file);
        if !theirs {
            return (Some(file.to_owned()), number.parse().ok());
        }
    }
    (None, None)
}

/// Whether `file`, as a backtrace names it (relative to the current folder,
/// or absolute), is one of this crate's sources.
fn is_this_crates(file: &str) -> bool {
    let file = std::path::Path::new(file);
    let absolute = match std::env::current_dir() {
        Ok(dir) if file.is_relative() => dir.join(file),
        _ => file.to_path_buf(),
    };
    // Comparing components skips the `.` in `./src/model.rs`.
    let ours = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    absolute
        .parent()
        .is_some_and(|dir| dir.components().eq(ours.components()))
}
