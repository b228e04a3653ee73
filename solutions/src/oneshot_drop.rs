//! Exercise 2: the oneshot channel of Exercise 1, now noticing when the other
//! side is gone.
//!
//! One `closed` flag serves both directions, as in the lesson: whichever half
//! is dropped sets it, and only the surviving half ever reads it. A receiver
//! that finds it set gets `Err(RecvError)`; a sender gets its value back.
//!
//! A half that has done its job (sent the value, or received it) lets go of
//! the shared state, so that its `Drop` does not lock again for nothing: a
//! send and a receive take no more locks than in Exercise 1.
//!
//! Wakers are woken, and dropped, only after the lock is released. A woken
//! task may run on another thread at once, and its first act is to take the
//! lock; and dropping a waker runs the executor's code, which may drop a
//! whole task, and with it the other half, whose `Drop` takes the lock: a
//! deadlock if we still held it.

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
        closed: false,
    }));
    let sender = Sender {
        inner: Some(Arc::clone(&inner)),
    };
    (sender, Receiver { inner: Some(inner) })
}

/// The state both halves share.
struct Inner<T> {
    /// The value, between `send` and the receiver taking it.
    value: Option<T>,
    /// The waker of the receiver's last `Pending` poll, if it is waiting.
    rx_waker: Option<Waker>,
    /// The other half is gone: set by whichever half is dropped first.
    closed: bool,
}

/// The sending half. [`send`](Sender::send) consumes it: one value at most.
///
/// Dropping it without sending wakes the receiver, which then returns
/// `Err(RecvError)`.
pub struct Sender<T> {
    /// `None` once `send` has run: `send` closes the channel itself, so the
    /// `Drop` that follows it has nothing left to do.
    inner: Option<Arc<Mutex<Inner<T>>>>,
}

/// The receiving half: a future that resolves to the sent value, or to
/// `Err(RecvError)` if the sender was dropped without sending.
pub struct Receiver<T> {
    /// `None` once the value is received: the sender is gone for good then,
    /// and nobody will read `closed`, so `Drop` has nothing left to do.
    inner: Option<Arc<Mutex<Inner<T>>>>,
}

/// The sender was dropped without sending a value.
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
    /// # Errors
    /// Returns `Err(value)`, the value untouched, if the receiver was dropped:
    /// nobody will ever read it.
    pub fn send(mut self, value: T) -> Result<(), T> {
        // Take the shared state out of `self` (always there: `send` consumes
        // `self`, so it runs once), and do the `Drop`'s job (set `closed`)
        // under this same lock: the `Drop` that runs when `send` returns then
        // finds `None` and skips a second lock. tokio's oneshot does the same.
        let shared = self.inner.take().expect("send runs once");
        let waker = {
            let mut inner = shared.lock().unwrap();
            if inner.closed {
                return Err(value);
            }
            inner.value = Some(value);
            // The receiver checks for a value before it checks `closed`, so
            // the value still wins.
            inner.closed = true;
            inner.rx_waker.take()
        };
        // Wake after the lock is released, so the woken receiver can take it.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(shared) = self.inner.take() else {
            return; // `send` ran, and closed the channel already
        };
        let waker = {
            let mut inner = shared.lock().unwrap();
            inner.closed = true;
            inner.rx_waker.take()
        };
        // Wake a waiting receiver so that it sees `closed` and stops waiting.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(shared) = &self.inner else {
            // Polled again after the value was taken: nothing more will come.
            return Poll::Ready(Err(RecvError));
        };
        let mut inner = shared.lock().unwrap();
        // The value first: `send` leaves both a value and `closed`, and the
        // value must be delivered.
        if let Some(value) = inner.value.take() {
            drop(inner);
            // Done: let go of the shared state now, so `Drop` need not lock.
            self.inner = None;
            return Poll::Ready(Ok(value));
        }
        if inner.closed {
            return Poll::Ready(Err(RecvError));
        }
        // Keep the waker of this poll (the receiver may have changed task),
        // unless the stored one would wake the same task anyway.
        let replaced = match &inner.rx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => inner.rx_waker.replace(cx.waker().clone()),
        };
        drop(inner);
        drop(replaced); // outside the lock, as every waker
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let Some(shared) = &self.inner else {
            return; // the value was received: the sender is gone already
        };
        // From now on `send` returns the value instead of storing it. A value
        // that was already sent stays in `Inner` and is dropped with it, once.
        let rx_waker = {
            let mut inner = shared.lock().unwrap();
            inner.closed = true;
            // Our own waker: the sender may live on for long, and must not
            // keep our task alive through it.
            inner.rx_waker.take()
        };
        drop(rx_waker); // outside the lock
    }
}
