//! Exercise 1: a oneshot channel, built from shared state plus a waker.
//!
//! The sender and the receiver share one `Inner` behind an `Arc<Mutex<_>>`.
//! `send` stores the value and wakes the receiver if it is waiting; polling the
//! receiver takes the value, or stores the task's waker and returns `Pending`.
//!
//! This exercise only sends and receives. Noticing a dropped sender or
//! receiver is Exercise 2 (`oneshot_drop`), so nothing here implements `Drop`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

// Under `--cfg loom` (see `loom-models/`) this file runs on loom's Arc and
// Mutex, so that loom can check every interleaving; everywhere else, std's.
#[cfg(loom)]
use loom::sync::{Arc, Mutex};
#[cfg(not(loom))]
use std::sync::{Arc, Mutex};

/// Creates a oneshot channel: one value goes from the [`Sender`] to the
/// [`Receiver`].
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(Inner {
        value: None,
        rx_waker: None,
    }));
    let sender = Sender {
        inner: Arc::clone(&inner),
    };
    (sender, Receiver { inner })
}

/// The state both halves share.
struct Inner<T> {
    /// The value, between `send` and the receiver taking it.
    value: Option<T>,
    /// The waker of the receiver's last `Pending` poll, if it is waiting.
    rx_waker: Option<Waker>,
}

/// The sending half. [`send`](Sender::send) consumes it: one value at most.
pub struct Sender<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

/// The receiving half: a future that resolves to the sent value.
pub struct Receiver<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

/// The error a [`Receiver`] returns when no value will ever come.
///
/// This exercise never returns it; Exercise 2 does, when the sender is
/// dropped without sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl std::fmt::Display for RecvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sender was dropped without sending a value")
    }
}

impl std::error::Error for RecvError {}

impl<T> Sender<T> {
    /// Sends `value` to the receiver and wakes it if it is waiting.
    ///
    /// Always `Ok(())` here. The `Err(value)` case, a receiver that is gone,
    /// is Exercise 2.
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            inner.value = Some(value);
            inner.rx_waker.take()
        };
        // Wake only after the lock is released: the woken receiver may run on
        // another thread at once, and its first act is to take this lock.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

// No `T: Unpin` bound: `poll` only reaches `inner` through a shared reference,
// so the receiver never needs to move `T` out of a pinned place.
impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut inner = self.inner.lock().unwrap();
        if let Some(value) = inner.value.take() {
            return Poll::Ready(Ok(value));
        }
        // Checking for the value and storing the waker under one lock is what
        // makes this race-free: a `send` either came first (we took its value
        // above) or comes after, and then finds this waker.
        // Keep the waker of *this* poll: the receiver may have moved to another
        // task since the last one. Cloning is skipped when it would wake the
        // same task anyway: `will_wake` is a comparison, a clone is atomic
        // reference counting (or worse) in the executor.
        match &inner.rx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => inner.rx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
