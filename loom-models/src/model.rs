//! Running one model: [`check`] explores its interleavings and reports to
//! the runner; [`spawn`], [`block_on`], [`poll_once`] and [`call`] are what
//! the model's threads do, each recorded in the replayed run so that the
//! runner can tell the story of the schedule that failed.
//!
//! What [`check`] reads from its environment (the runner sets it):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `LESSON13_LOOM_PREEMPTIONS` | the preemption bound | 3 |
//! | `LESSON13_LOOM_BUDGET_SECS` | how long to explore | 20 |
//! | `LESSON13_LOOM_REPLAY` | a checkpoint file: run that one schedule | none |
//! | `LESSON13_LOOM_TAG` | what the runner's lines carry after the prefix | empty |
//!
//! It prints lines for the runner (see `record`): `checkpoint` (loom's
//! checkpoint of the failing schedule), `event` (one per recorded step)
//! and one `verdict`: `clean` (no failure in any interleaving within the
//! bound), `inconclusive` (the budget ran out first), `race` (a deadlock,
//! a panic or a leak, with loom's message) or `unsupported` (loom could not
//! model the code: a thread that never stops taking steps, as a spin loop
//! does). A race fails the test; the rest pass it.

use crate::record::{self, At};
use serde_json::json;
use std::any::Any;
use std::fmt::Debug;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::{Duration, Instant};

/// Explores every interleaving of `model` (up to the bound and budget),
/// `main` being the role of the thread that runs it, and reports to the
/// runner. Panics (failing the test) when an interleaving fails.
pub fn check<F>(main: &'static str, model: F)
where
    F: Fn() + Send + Sync + 'static,
{
    install_panic_hook();
    let model = Arc::new(model);
    let settings = Settings::from_env();
    if let Some(checkpoint) = &settings.replay {
        return replay_and_report(main, &model, checkpoint, None);
    }
    let started = Instant::now();
    let runs = Arc::new(AtomicUsize::new(0));
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(settings.preemptions);
    builder.max_duration = Some(settings.budget);
    // The budget is only looked at every `checkpoint_interval` runs.
    builder.checkpoint_interval = 1;
    builder.checkpoint_file = None;
    let explored = explore(&builder, main, &model, &runs);
    let iterations = runs.load(Ordering::SeqCst);
    let secs = started.elapsed().as_secs_f64();
    let Err(failure) = explored else {
        let verdict = if started.elapsed() >= settings.budget {
            "inconclusive"
        } else {
            "clean"
        };
        record::print_line(&json!({
            "kind": "verdict", "verdict": verdict, "iterations": iterations,
            "preemptions": settings.preemptions, "secs": secs,
        }));
        return;
    };
    if failure.kind == "unsupported" {
        record::print_line(&json!({
            "kind": "verdict", "verdict": "unsupported", "message": failure.message,
            "iterations": iterations, "preemptions": settings.preemptions,
        }));
        return;
    }
    // Run again up to the failing schedule, saving loom's checkpoint of it
    // on the way, then replay that one schedule with the recording on.
    let checkpoint = checkpoint_path();
    let _ = std::fs::remove_file(&checkpoint);
    let mut again = loom::model::Builder::new();
    again.preemption_bound = Some(settings.preemptions);
    again.checkpoint_interval = iterations;
    again.checkpoint_file = Some(checkpoint.clone());
    let rerun = explore(&again, main, &model, &Arc::new(AtomicUsize::new(0)));
    let saved = std::fs::read_to_string(&checkpoint).ok();
    let _ = std::fs::remove_file(&checkpoint);
    match (rerun, saved) {
        (Err(_), Some(saved)) => {
            record::print_line(&json!({"kind": "checkpoint", "checkpoint": saved}));
            let file = checkpoint_path();
            let replayed = std::fs::write(&file, &saved).is_ok();
            if replayed {
                replay_and_report(main, &model, &file, Some(iterations));
            }
            let _ = std::fs::remove_file(&file);
            if replayed {
                return;
            }
        }
        _ => {}
    }
    // The schedule could not be saved or replayed: report what the
    // exploration saw.
    report_race(&failure, iterations, settings.preemptions)
}

/// Runs `model` once on the schedule in `checkpoint` with every event
/// recorded, prints the events and the verdict, and panics if the
/// schedule failed. `iterations` is how many runs the exploration took to
/// find it, when it did.
fn replay_and_report<F>(main: &'static str, model: &Arc<F>, checkpoint: &Path, iterations: Option<usize>)
where
    F: Fn() + Send + Sync + 'static,
{
    // loom writes the checkpoint back as it goes: work on a copy.
    let copy = checkpoint_path();
    if let Err(e) = std::fs::copy(checkpoint, &copy) {
        record::print_line(&json!({
            "kind": "verdict", "verdict": "error",
            "message": format!("cannot read the checkpoint {}: {e}", checkpoint.display()),
        }));
        panic!("cannot read the checkpoint {}: {e}", checkpoint.display());
    }
    let mut builder = loom::model::Builder::new();
    builder.checkpoint_file = Some(copy.clone());
    builder.checkpoint_interval = 1;
    // The first run is the saved schedule; the second is never started.
    builder.max_permutations = Some(2);
    builder.location = true;
    record::start(true);
    let replayed = explore(&builder, main, model, &Arc::new(AtomicUsize::new(0)));
    record::start(false);
    let _ = std::fs::remove_file(&copy);
    match replayed {
        Ok(()) => record::print_line(&json!({
            "kind": "verdict", "verdict": "replayed_clean",
            "message": "the saved schedule ran to its end without failing: \
                        the code is not the one it was saved from",
        })),
        Err(failure) => {
            let preemptions = Settings::from_env().preemptions;
            report_race(&failure, iterations.unwrap_or(1), preemptions);
        }
    }
}

/// Prints a `race` verdict and fails the test.
fn report_race(failure: &Failure, iterations: usize, preemptions: usize) {
    record::print_line(&json!({
        "kind": "verdict", "verdict": "race", "failure": failure.kind,
        "message": failure.message,
        "iterations": iterations, "preemptions": preemptions,
    }));
    panic!("loom found a failing interleaving: {}", failure.message);
}

/// Why a run of the model failed.
struct Failure {
    /// `deadlock`, `leak`, `panic` or `unsupported`.
    kind: &'static str,
    /// loom's message, or the panic's with where it happened.
    message: String,
}

/// Runs loom's exploration of `model` with `builder`, counting its runs in
/// `runs`; `Err` with why, when a run failed.
fn explore<F>(
    builder: &loom::model::Builder,
    main: &'static str,
    model: &Arc<F>,
    runs: &Arc<AtomicUsize>,
) -> Result<(), Failure>
where
    F: Fn() + Send + Sync + 'static,
{
    let (model, counter) = (Arc::clone(model), Arc::clone(runs));
    *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        builder.check(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            record::set_main_role(main);
            record::start(record::on());
            recording_panics(|| model());
        })
    }));
    result.map_err(|payload| failure(payload.as_ref()))
}

/// What a failed run's panic says about the failure.
fn failure(payload: &(dyn Any + Send)) -> Failure {
    let seen = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
    let message = panic_message(payload);
    let kind = if message.starts_with("deadlock;") {
        "deadlock"
    } else if message.contains(" leaked.") {
        "leak"
    } else if message.contains("Model exceeded maximum number of branches") {
        "unsupported"
    } else {
        "panic"
    };
    let message = match seen {
        Some(Seen {
            message,
            location: Some((file, line)),
        }) if kind == "panic" => format!("{message} (at {file}:{line})"),
        _ => message,
    };
    Failure { kind, message }
}

/// The first panic of a run, as the hook saw it: its message and where.
#[derive(Clone)]
struct Seen {
    message: String,
    location: Option<(String, u32)>,
}

static LAST_PANIC: Mutex<Option<Seen>> = Mutex::new(None);

/// Keeps panics quiet (loom's exploration panics on purpose, and the
/// verdict says what matters) and remembers the first of each run. A hook
/// must not call loom (its state may be borrowed, and a panic in a hook
/// aborts): [`recording_panics`] records the panic once it has unwound.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let mut last = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_none() {
                *last = Some(Seen {
                    message: panic_message(info.payload()),
                    location: info.location().map(|l| (l.file().to_owned(), l.line())),
                });
            }
        }));
    });
}

/// A panic's message, if it has one.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic with no message".to_owned())
}

/// Runs `f` on a model's thread; if it panics, records the panic as that
/// thread's event (unless it is loom's own report of a deadlock, which is
/// no thread's doing) and lets it go on unwinding.
fn recording_panics<T>(f: impl FnOnce() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            let seen = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if let Some(seen) = seen.filter(|s| !s.message.starts_with("deadlock;")) {
                let (file, line) = seen.location.unzip();
                record::event(
                    json!({"what": "panicked", "message": seen.message,
                           "panic_file": file, "panic_line": line}),
                    At::Model,
                );
            }
            panic::resume_unwind(payload)
        }
    }
}

/// The settings the runner passes.
struct Settings {
    preemptions: usize,
    budget: Duration,
    replay: Option<PathBuf>,
}

impl Settings {
    fn from_env() -> Settings {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            preemptions: number("LESSON13_LOOM_PREEMPTIONS", 3) as usize,
            budget: Duration::from_secs(number("LESSON13_LOOM_BUDGET_SECS", 20)),
            replay: std::env::var_os("LESSON13_LOOM_REPLAY").map(PathBuf::from),
        }
    }
}

/// A fresh file name for a checkpoint, in the temporary folder.
fn checkpoint_path() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "lesson13-loom-{}-{}.json",
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
            let value = recording_panics(f);
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
    record::event(json!({"what": "waker_cloned", "owner": waiter.owner}), At::Stack);
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
        record::event(json!({"what": "waker_dropped", "owner": waiter(data).owner}), At::Stack);
        drop(Arc::from_raw(data.cast::<Waiter>()));
    }
}
