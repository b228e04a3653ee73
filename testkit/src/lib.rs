//! Test harness shared by the Lesson 13 exercise tests.
//!
//! It holds only what no well-kept crate does for us; counting wakers and the
//! `assert_pending!`/`assert_ready!` macros come from `tokio-test`.
//!
//! - [`with_deadline`] runs a test body on its own thread and fails the test
//!   with a hint when the body does not finish in time, so a channel that
//!   deadlocks or loses a wakeup fails fast instead of hanging the grader.
//!   Under the grader it also proves that the body returned (see
//!   [`with_deadline`]).
//! - [`multi_thread`] and [`current_thread`] build tokio runtimes (the
//!   default `runtimes` feature).
//! - [`block_on_racing`] is a plain-thread executor whose waker hands the CPU
//!   to the woken thread, which turns "wake before the value is stored" races
//!   into failures on every run; [`pending_signal`] lets another thread act
//!   exactly when a future first waits.
//! - [`DropCounter`] counts how often test values are dropped, and
//!   [`assert_each_sender_in_order`] checks a stress test's messages.
//! - [`hints`] holds what a hung test says: the likely bug.
//! - [`protocol`]: what the harness and the runner (grader, student runner)
//!   agree on: the deadline's variable and default, the timeout message,
//!   the proof socket's variable.

pub mod hints;
pub mod protocol;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long one test body may run before it counts as hung.
///
/// [`protocol::DEFAULT_DEADLINE_SECS`] unless `LESSON13_DEADLINE_SECS`
/// ([`protocol::DEADLINE_VAR`]) says otherwise.
pub fn deadline() -> Duration {
    let value = std::env::var(protocol::DEADLINE_VAR).ok();
    Duration::from_secs(protocol::deadline_secs(value.as_deref()))
}

/// Runs `body` on its own thread and waits at most [`deadline`] for it.
///
/// A panic in `body` (a failed assertion) fails the test with the body's own
/// message. If `body` is still running at the deadline, the test fails with
/// `hint`, which should name the likely bug ("lost wakeup?"). The stuck thread
/// is left behind: a thread blocked on a deadlocked mutex cannot be stopped,
/// and the test binary exits without waiting for it.
///
/// Under the grader, the process gets a token on an inherited socket (named
/// by `LESSON13_PROOF_FD`); it is read before `body` runs and written back
/// only once `body` has returned, so the grader can tell a finished test from
/// a process that the code under test ended with exit status 0, or that
/// printed a forged result. Under plain `cargo test` there is no socket and
/// nothing to prove.
#[track_caller] // a timeout is reported at the test, not in this harness
pub fn with_deadline<F>(hint: &str, body: F)
where
    F: FnOnce() + Send + 'static,
{
    proof::take_token();
    let limit = deadline();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // Name the thread after the test so its panic message names the test too.
    let name = thread::current().name().unwrap_or("test").to_owned();
    thread::Builder::new()
        .name(name)
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
            let _ = done_tx.send(outcome);
        })
        .expect("could not spawn the test thread");
    match done_rx.recv_timeout(limit) {
        Ok(Ok(())) => proof::body_returned(),
        // The panic message was already printed by the body's thread.
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!(
            "{} {}s: {hint}",
            protocol::TIMEOUT_MESSAGE,
            limit.as_secs_f32()
        ),
    }
}

/// The harness's half of the grader's proof of pass (`lesson13_runner::proof`).
#[cfg(unix)]
mod proof {
    use std::io::{Read, Write};
    use std::os::fd::FromRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::{Mutex, OnceLock};

    /// The socket from the grader and the token it held.
    struct Channel {
        socket: UnixStream,
        token: Vec<u8>,
    }

    /// Taken once per process, before any test body (the code under test)
    /// runs.
    static CHANNEL: OnceLock<Option<Mutex<Channel>>> = OnceLock::new();

    pub(super) fn take_token() {
        CHANNEL.get_or_init(|| {
            let fd = std::env::var(super::protocol::PROOF_FD_VAR)
                .ok()?
                .parse()
                .ok()?;
            // SAFETY: the grader opened this fd for this harness alone, and
            // this closure, which runs once per process, is its only user.
            let mut socket = unsafe { UnixStream::from_raw_fd(fd) };
            let mut token = Vec::new();
            // The grader shut its end for writing after the token.
            socket.read_to_end(&mut token).ok()?;
            Some(Mutex::new(Channel { socket, token }))
        });
    }

    pub(super) fn body_returned() {
        if let Some(Some(channel)) = CHANNEL.get() {
            let mut channel = channel.lock().unwrap_or_else(|e| e.into_inner());
            let mut line = channel.token.clone();
            line.push(b'\n');
            // A grader that is gone has nothing to read it: not our failure.
            let _ = channel.socket.write_all(&line);
        }
    }
}

/// No proof of pass off Unix: the grader needs Unix.
#[cfg(not(unix))]
mod proof {
    pub(super) fn take_token() {}
    pub(super) fn body_returned() {}
}

/// A tokio multi-threaded runtime with two workers, so that tasks really run
/// in parallel on a two-core machine.
#[cfg(feature = "runtimes")]
pub fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("could not build a tokio runtime")
}

/// A tokio runtime that runs every task on the calling thread.
#[cfg(feature = "runtimes")]
pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("could not build a tokio runtime")
}

/// How long a waker waits for the woken thread to start polling when that
/// thread was in the middle of a poll at the wake (see [`block_on_racing`]):
/// that poll may be blocked on a lock the waking thread holds. A thread
/// parked between polls is waited for without a bound.
const HANDOFF: Duration = Duration::from_millis(2);

/// How long a waker waits for a poll that has started to finish. A poll
/// that does not take its lock in the gap finishes in microseconds; one that
/// takes longer is blocked on a lock the waking thread still holds.
const BLOCKED: Duration = Duration::from_micros(100);

/// The waker of [`block_on_racing`].
struct Handoff {
    thread: Thread,
    woken: AtomicBool,
    /// Polls begun and polls finished, counted by the polling thread.
    polls_started: AtomicUsize,
    polls: AtomicUsize,
    /// The future is done: no poll will come again.
    done: AtomicBool,
}

impl Wake for Handoff {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let started_before = self.polls_started.load(SeqCst);
        let finished_before = self.polls.load(SeqCst);
        let between_polls = started_before == finished_before;
        self.woken.store(true, SeqCst);
        self.thread.unpark();
        if thread::current().id() == self.thread.id() {
            return; // a future that wakes itself: nobody else to wait for
        }
        // Hold the waking thread back until the woken thread has polled again.
        // A channel that calls `wake()` before it stores the value is then
        // polled exactly in the gap where the value is missing, so that race
        // fails every time instead of once in a million runs. A woken thread
        // that was parked between polls needs no lock to start its next
        // poll, so it is waited for however long a busy machine takes to
        // run it: a time bound there would let the load hide the race. Once
        // its poll has started, the wait is bounded: a channel that wakes
        // while still holding its lock (as the lesson's code does) blocks
        // that poll on the lock, so a poll that does not finish quickly is
        // blocked, and the waking thread goes on.
        let start = Instant::now();
        let mut poll_began = None;
        while self.polls.load(SeqCst) == finished_before && !self.done.load(SeqCst) {
            let now = Instant::now();
            if poll_began.is_none() && self.polls_started.load(SeqCst) != started_before {
                poll_began = Some(now);
            }
            let waited_enough = match poll_began {
                Some(began) => now - began > BLOCKED,
                None if between_polls => false,
                None => now - start > HANDOFF,
            };
            if waited_enough {
                break;
            }
            thread::yield_now();
        }
    }
}

/// Runs a future to completion on the current thread, parking between polls.
///
/// Unlike `futures::executor::block_on`, its waker makes the waking thread wait
/// (briefly) until this thread has polled again, which exposes channels that
/// wake the receiver before the message is really there.
pub fn block_on_racing<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let handoff = Arc::new(Handoff {
        thread: thread::current(),
        woken: AtomicBool::new(false),
        polls_started: AtomicUsize::new(0),
        polls: AtomicUsize::new(0),
        done: AtomicBool::new(false),
    });
    let waker = Waker::from(handoff.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        handoff.polls_started.fetch_add(1, SeqCst);
        let poll = future.as_mut().poll(&mut cx);
        handoff.polls.fetch_add(1, SeqCst);
        if let Poll::Ready(output) = poll {
            handoff.done.store(true, SeqCst);
            return output;
        }
        while !handoff.woken.swap(false, SeqCst) {
            thread::park();
        }
    }
}

/// A pair that lets one thread act exactly when a future on another one
/// first waits: [`Signal::on_first_pending`] wraps the future, and
/// [`Waiting::wait`] blocks until it has returned `Pending` once. With
/// [`block_on_racing`], a test then forces the interleaving it is after on
/// every run (a send while the receiver waits, say), instead of the
/// scheduler deciding whether the receiver polled before the send.
pub fn pending_signal() -> (Signal, Waiting) {
    let (tell, told) = std::sync::mpsc::channel();
    (Signal(tell), Waiting(told))
}

/// The half of [`pending_signal`] that goes with the future.
pub struct Signal(std::sync::mpsc::Sender<()>);

impl Signal {
    /// `future`, telling the [`Waiting`] half the first time it returns
    /// `Pending`.
    pub fn on_first_pending<F: Future>(self, future: F) -> impl Future<Output = F::Output> {
        let mut tell = Some(self.0);
        let mut future = Box::pin(future);
        std::future::poll_fn(move |cx| {
            let poll = future.as_mut().poll(cx);
            if poll.is_pending() {
                if let Some(tell) = tell.take() {
                    // The waiting half may be gone (its test failed): no matter.
                    let _ = tell.send(());
                }
            }
            poll
        })
    }
}

/// The half of [`pending_signal`] that waits.
pub struct Waiting(std::sync::mpsc::Receiver<()>);

impl Waiting {
    /// Blocks until the future has first returned `Pending`: `true`; or
    /// `false` if it finished (or was dropped) without ever waiting.
    pub fn wait(self) -> bool {
        self.0.recv().is_ok()
    }
}

/// Checks a stress test's messages, each `(sender, i)` with `i` counting up
/// from 0 per sender: every message arrived exactly once, and each sender's
/// in the order it sent them.
#[track_caller]
pub fn assert_each_sender_in_order(received: &[(usize, u32)], senders: usize, per_sender: u32) {
    let mut next = vec![0; senders];
    for &(sender, i) in received {
        assert_eq!(
            i, next[sender],
            "sender {sender}: expected message {} next, got {i} (lost, duplicated or reordered)",
            next[sender]
        );
        next[sender] += 1;
    }
    assert!(
        next.iter().all(|&n| n == per_sender),
        "some messages never arrived: got {next:?} of {per_sender} per sender"
    );
}

/// Counts drops of the [`Tracked`] values it hands out.
#[derive(Clone, Debug, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// A value that adds one to this counter when it is dropped.
    pub fn track(&self, id: u64) -> Tracked {
        Tracked {
            id,
            counter: self.clone(),
        }
    }

    /// How many tracked values have been dropped so far.
    pub fn dropped(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// A test value that records its drop in a [`DropCounter`].
#[derive(Debug)]
pub struct Tracked {
    /// Which value this is, to check order and identity.
    pub id: u64,
    counter: DropCounter,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counter.0.fetch_add(1, SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_passes_a_quick_body() {
        with_deadline("unused", || assert_eq!(1 + 1, 2));
    }

    #[test]
    #[should_panic(expected = "inner failure")]
    fn deadline_keeps_the_body_panic_message() {
        with_deadline("unused", || panic!("inner failure"));
    }

    #[test]
    #[should_panic(expected = "timed out after 1s: stuck on purpose")]
    fn deadline_fails_a_stuck_body() {
        // SAFETY of the env change: this test binary sets no other variables.
        unsafe { std::env::set_var(protocol::DEADLINE_VAR, "1") };
        with_deadline("stuck on purpose", || {
            loop {
                thread::park();
            }
        });
    }

    #[test]
    fn block_on_racing_runs_a_future_woken_from_another_thread() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let waker_thread = thread::spawn(move || rx.recv().unwrap().wake());
        let mut polled = false;
        let value = block_on_racing(std::future::poll_fn(|cx| {
            if polled {
                Poll::Ready(7)
            } else {
                polled = true;
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            }
        }));
        assert_eq!(value, 7);
        waker_thread.join().unwrap();
    }

    #[test]
    fn a_waker_woken_after_its_future_finished_does_not_wait() {
        let mut kept = None;
        block_on_racing(std::future::poll_fn(|cx| {
            kept = Some(cx.waker().clone());
            Poll::Ready(())
        }));
        // Nothing will poll again: a stale waker (a channel that keeps one)
        // must return at once rather than wait for a poll.
        let waker = kept.expect("the future was polled");
        thread::spawn(move || waker.wake())
            .join()
            .expect("the waking thread panicked");
    }

    #[test]
    fn the_waiting_half_learns_when_the_future_first_waits() {
        let (signal, waiting) = pending_signal();
        let mut polls = 0;
        let waiter = thread::spawn(move || waiting.wait());
        let future = signal.on_first_pending(std::future::poll_fn(|cx| {
            polls += 1;
            cx.waker().wake_by_ref();
            if polls < 3 {
                Poll::Pending
            } else {
                Poll::Ready(polls)
            }
        }));
        assert_eq!(block_on_racing(future), 3);
        assert!(waiter.join().unwrap(), "the future waited twice");
        // A future that never waits: the waiting half is told so.
        let (signal, waiting) = pending_signal();
        block_on_racing(signal.on_first_pending(std::future::ready(())));
        assert!(!waiting.wait());
    }

    #[test]
    fn drop_counter_counts() {
        let counter = DropCounter::new();
        let a = counter.track(1);
        let b = counter.track(2);
        assert_eq!((a.id, b.id, counter.dropped()), (1, 2, 0));
        drop((a, b));
        assert_eq!(counter.dropped(), 2);
    }
}
