//! Running one model: [`check`] explores its interleavings and reports to
//! the runner; [`spawn`], [`block_on`], [`poll_once`] and [`call`] are what
//! the model's threads do, each recorded in the replayed run so that the
//! runner can tell the story of the schedule that failed.
//!
//! A model runs in one of three modes, one process each, which the runner
//! chains when the first finds a failure:
//!
//! | variables | mode | prints |
//! |---|---|---|
//! | (none) | explore every interleaving up to `LESSON13_LOOM_PREEMPTIONS` (3) preemptions, for at most `LESSON13_LOOM_BUDGET_SECS` (20) | a `verdict` |
//! | `LESSON13_LOOM_SAVE_AT=N` | explore again up to the failing run `N`, saving loom's checkpoint of it | the `checkpoint` |
//! | `LESSON13_LOOM_CHECKPOINT=<json>` | replay that one schedule, every step recorded | each `event` as it happens, then a `verdict` |
//!
//! The lines all carry `LESSON13_LOOM_TAG` (see `record`). A verdict is
//! `clean` (no failure in any interleaving within the bound),
//! `inconclusive` (the budget ran out first), `race` (a deadlock, a panic
//! or a leak, with loom's message and the number of the failing run),
//! `unsupported` (a thread that never stops taking steps, as a spin loop
//! does) or, replaying, `replayed_clean` (the saved schedule no longer
//! fails: the code changed).
//!
//! A failure is reported, and the process ended, by the panic hook, at the
//! first panic: once loom has found a deadlock, unwinding drops loom's
//! objects with no thread left to run them, which aborts the process.

use crate::record::{self, At};
use serde_json::{Value, json};
use std::fmt::Debug;
use std::future::Future;
use std::io::Write;
use std::panic;
use std::path::PathBuf;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::{Duration, Instant};

/// Explores (or saves, or replays: see the module's docs) every
/// interleaving of `model`, `main` being the role of the thread that runs
/// it, and reports to the runner. A failure ends the process.
pub fn check<F>(main: &'static str, model: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let settings = Settings::from_env();
    let runs = Arc::new(AtomicUsize::new(0));
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(settings.preemptions);
    let mode = if let Some(checkpoint) = &settings.checkpoint {
        let file = temporary_file("replay");
        if let Err(e) = std::fs::write(&file, checkpoint) {
            print_verdict(json!({"verdict": "error", "message": format!("{e}")}));
            return;
        }
        builder.checkpoint_file = Some(file.clone());
        // The first run is the saved schedule; the second never starts.
        builder.checkpoint_interval = 1;
        builder.max_permutations = Some(2);
        builder.location = true;
        Mode::Replay(file)
    } else if let Some(at) = settings.save_at {
        let file = temporary_file("save");
        builder.checkpoint_file = Some(file.clone());
        // Saved just before the run `at` starts.
        builder.checkpoint_interval = at;
        Mode::Save(file)
    } else {
        builder.max_duration = Some(settings.budget);
        // The budget is only looked at every `checkpoint_interval` runs.
        builder.checkpoint_interval = 1;
        builder.checkpoint_file = None;
        Mode::Explore
    };
    *PHASE.lock().unwrap_or_else(|e| e.into_inner()) = Some(Phase {
        mode: mode.clone(),
        runs: Arc::clone(&runs),
        preemptions: settings.preemptions,
    });
    install_panic_hook();
    record::start(matches!(mode, Mode::Replay(_)));
    let started = Instant::now();
    let counter = Arc::clone(&runs);
    builder.check(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        record::set_main_role(main);
        record::start(record::on());
        model();
    });
    let iterations = runs.load(Ordering::SeqCst);
    PHASE.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Mode::Save(file) | Mode::Replay(file) = &mode {
        let _ = std::fs::remove_file(file);
    }
    match mode {
        Mode::Explore => {
            let verdict = if started.elapsed() >= settings.budget {
                "inconclusive"
            } else {
                "clean"
            };
            print_verdict(json!({
                "verdict": verdict, "iterations": iterations,
                "preemptions": settings.preemptions,
                "secs": started.elapsed().as_secs_f64(),
            }));
        }
        Mode::Save(_) => print_verdict(json!({
            "verdict": "error",
            "message": "the run that failed before did not fail again",
        })),
        Mode::Replay(_) => print_verdict(json!({"verdict": "replayed_clean"})),
    }
}

/// What this process does with the model.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Explore, and say what was found.
    Explore,
    /// Explore up to a failing run, saving its checkpoint in this file.
    Save(PathBuf),
    /// Replay the schedule saved in this file, recording every step.
    Replay(PathBuf),
}

/// What the panic hook needs to report a failure.
struct Phase {
    mode: Mode,
    /// How many runs have started: the last one is the failing one.
    runs: Arc<AtomicUsize>,
    preemptions: usize,
}

static PHASE: Mutex<Option<Phase>> = Mutex::new(None);

/// Prints a verdict line.
fn print_verdict(mut verdict: Value) {
    verdict["kind"] = json!("verdict");
    record::print_line(&verdict);
}

/// Reports the first panic, which is the failure loom found, as the mode
/// says (a verdict, the checkpoint, or the replay's last event and
/// verdict), then ends the process. A hook must not call loom: its state
/// may be borrowed at this point.
///
/// Installed once, before loom's first run: the `generator` crate under
/// loom ends each of its coroutines with a panic of its own, and filters
/// those out with a hook that wraps the one it finds at its first use.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| panic::set_hook(Box::new(report_and_exit)));
}

/// The panic hook of [`install_panic_hook`].
fn report_and_exit(info: &panic::PanicHookInfo<'_>) {
    let message = info
        .payload()
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| {
            info.payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
        })
        .unwrap_or_else(|| "a panic with no message".to_owned());
    let location = info.location();
    // The generator crate's own (a coroutine ending), should its filter
    // ever come after this hook.
    if location.is_some_and(|l| l.file().contains("/generator-")) {
        return;
    }
    let phase = PHASE.lock().unwrap_or_else(|e| e.into_inner()).take();
    let Some(phase) = phase else {
        return;
    };
    let (failure, verdict) = if message.starts_with("deadlock;") {
        ("deadlock", "race")
    } else if message.contains(" leaked.") {
        ("leak", "race")
    } else if message.contains("Model exceeded maximum number of branches") {
        ("unsupported", "unsupported")
    } else {
        ("panic", "race")
    };
    let message = match location {
        Some(at) if failure == "panic" => format!("{message} (at {}:{})", at.file(), at.line()),
        _ => message,
    };
    let iterations = phase.runs.load(Ordering::SeqCst);
    match &phase.mode {
        Mode::Save(file) => {
            match std::fs::read_to_string(file) {
                Ok(saved) => {
                    record::print_line(&json!({"kind": "checkpoint", "checkpoint": saved}))
                }
                Err(e) => print_verdict(json!({
                    "verdict": "error", "message": format!("loom saved no checkpoint: {e}"),
                })),
            }
            let _ = std::fs::remove_file(file);
        }
        Mode::Explore | Mode::Replay(_) => {
            if let Mode::Replay(file) = &phase.mode {
                let _ = std::fs::remove_file(file);
            }
            if matches!(phase.mode, Mode::Replay(_)) && failure == "panic" {
                // The panicking thread is the last one recorded.
                record::print_line(&json!({
                    "kind": "event", "what": "panicked", "message": message,
                    "file": location.map(|l| l.file()), "line": location.map(|l| l.line()),
                }));
            }
            print_verdict(json!({
                "verdict": verdict, "failure": failure, "message": message,
                "iterations": iterations, "preemptions": phase.preemptions,
            }));
        }
    }
    let _ = std::io::stdout().flush();
    std::process::exit(1);
}

/// The settings the runner passes.
struct Settings {
    preemptions: usize,
    budget: Duration,
    save_at: Option<usize>,
    checkpoint: Option<String>,
}

impl Settings {
    fn from_env() -> Settings {
        let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
        Settings {
            preemptions: number("LESSON13_LOOM_PREEMPTIONS").unwrap_or(3),
            budget: Duration::from_secs(number("LESSON13_LOOM_BUDGET_SECS").unwrap_or(20) as u64),
            save_at: number("LESSON13_LOOM_SAVE_AT").filter(|n| *n > 0),
            checkpoint: std::env::var("LESSON13_LOOM_CHECKPOINT").ok(),
        }
    }
}

/// A fresh file name in the temporary folder.
fn temporary_file(what: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "lesson13-loom-{what}-{}-{}.json",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ))
}

/// Starts a loom thread in the role `role` (`the sender`), which the steps
/// name it by.
pub fn spawn<F, T>(role: &'static str, f: F) -> loom::thread::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    loom::thread::Builder::new()
        .name(role.to_owned())
        .spawn(move || {
            let value = f();
            record::event(json!({"what": "finished"}), At::Model);
            value
        })
        .expect("loom starts the thread")
}

/// Calls `f`, the model's use of the channel that `what` spells
/// (`tx.send(1)`), recording the call and what it returned.
pub fn call<T: Debug>(what: &str, f: impl FnOnce() -> T) -> T {
    record::event(json!({"what": "called", "call": what}), At::Model);
    let value = f();
    if record::on() {
        record::event(
            json!({"what": "returned", "call": what, "value": format!("{value:?}")}),
            At::Model,
        );
    }
    value
}

/// Polls `future` (what `what` spells: `rx`, `rx.recv()`) to completion on
/// this thread, waiting between polls until its waker is woken (or, as
/// executors may, not).
pub fn block_on<F>(what: &str, future: F) -> F::Output
where
    F: Future,
    F::Output: Debug,
{
    let mut future = pin!(future);
    let owner = record::on().then(|| record::current_thread().1);
    let waiter = Arc::new(Waiter {
        notify: Some(loom::sync::Notify::new()),
        owner: owner.unwrap_or_default(),
        woken: AtomicBool::new(false),
    });
    let waker = waiter.waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        record::event(json!({"what": "polls", "future": what}), At::Model);
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            if record::on() {
                record::event(
                    json!({"what": "polled", "future": what, "ready": format!("{value:?}")}),
                    At::Model,
                );
            }
            return value;
        }
        record::event(
            json!({"what": "polled", "future": what, "ready": null}),
            At::Model,
        );
        waiter.woken.store(false, Ordering::SeqCst);
        record::event(json!({"what": "waits"}), At::Model);
        if let Some(notify) = &waiter.notify {
            notify.wait();
        }
        let woken = waiter.woken.load(Ordering::SeqCst);
        record::event(json!({"what": "resumed", "woken": woken}), At::Model);
    }
}

/// Polls `future` once, as a task that then moves on, with a waker whose
/// wakes reach nobody.
pub fn poll_once<F>(what: &str, future: &mut F) -> Poll<F::Output>
where
    F: Future + Unpin,
    F::Output: Debug,
{
    let owner = record::on().then(|| format!("{}'s old task", record::current_thread().1));
    let waiter = Arc::new(Waiter {
        notify: None,
        owner: owner.unwrap_or_default(),
        woken: AtomicBool::new(false),
    });
    let waker = waiter.waker();
    record::event(json!({"what": "polls", "future": what}), At::Model);
    let polled = Pin::new(future).poll(&mut Context::from_waker(&waker));
    if record::on() {
        let ready = match &polled {
            Poll::Ready(value) => Some(format!("{value:?}")),
            Poll::Pending => None,
        };
        record::event(
            json!({"what": "polled", "future": what, "ready": ready}),
            At::Model,
        );
    }
    polled
}

/// What a waker made by [`block_on`] or [`poll_once`] points at.
struct Waiter {
    /// What a wake notifies: the waiting thread's (none for a task that
    /// moved on).
    notify: Option<loom::sync::Notify>,
    /// Whose waker it is, for the steps (`the receiver`).
    owner: String,
    /// Set by a wake, cleared before each wait: tells a wake from a
    /// spurious return of the wait.
    woken: AtomicBool,
}

impl Waiter {
    /// A waker for `self`, whose clones, wakes and drops are recorded.
    fn waker(self: &Arc<Self>) -> Waker {
        let data = Arc::into_raw(Arc::clone(self)).cast::<()>();
        // SAFETY: `data` is a strong count of an `Arc<Waiter>`, which the
        // vtable's functions own and release as `RawWaker` requires.
        unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
    }

    fn wake_by_ref(&self) {
        record::event(json!({"what": "woke", "owner": self.owner}), At::Stack);
        self.woken.store(true, Ordering::SeqCst);
        if let Some(notify) = &self.notify {
            notify.notify();
        }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// The `Waiter` behind a waker's data, without taking its count.
///
/// # Safety
/// `data` must come from [`Waiter::waker`] and still hold its count.
unsafe fn waiter<'a>(data: *const ()) -> &'a Waiter {
    // SAFETY: the caller's promise: a live `Arc<Waiter>` points there.
    unsafe { &*data.cast::<Waiter>() }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a live waker's, so its count is at least one.
    let waiter = unsafe {
        Arc::increment_strong_count(data.cast::<Waiter>());
        waiter(data)
    };
    record::event(
        json!({"what": "waker_cloned", "owner": waiter.owner}),
        At::Stack,
    );
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker: its count is ours to release.
    unsafe {
        waiter(data).wake_by_ref();
        drop_waker(data);
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: `data` is a live waker's.
    unsafe { waiter(data) }.wake_by_ref();
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: dropping a waker releases the count it held.
    unsafe {
        record::event(
            json!({"what": "waker_dropped", "owner": waiter(data).owner}),
            At::Stack,
        );
        drop(Arc::from_raw(data.cast::<Waiter>()));
    }
}
