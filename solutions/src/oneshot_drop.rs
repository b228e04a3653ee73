//! Exercise 2: the oneshot channel of Exercise 1, now noticing when the other
//! side is gone.
//!
//! One `closed` flag serves both directions, as in the lesson: whichever half
//! is dropped sets it, and only the surviving half ever reads it. A receiver
//! that finds it set gets `Err(RecvError)`; a sender gets its value back.

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
    /// The other half is gone: set by whichever half is dropped first.
    closed: bool,
}

/// The sending half. [`send`](Sender::send) consumes it: one value at most.
///
/// Dropping it without sending wakes the receiver, which then returns
/// `Err(RecvError)`.
pub struct Sender<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

/// The receiving half: a future that resolves to the sent value, or to
/// `Err(RecvError)` if the sender was dropped without sending.
pub struct Receiver<T> {
    inner: Arc<Mutex<Inner<T>>>,
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
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            if inner.closed {
                return Err(value);
            }
            inner.value = Some(value);
            inner.rx_waker.take()
        };
        // Wake after the lock is released, so the woken receiver can take it.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
        // `self` is dropped here and sets `closed`. The value is already
        // stored, and the receiver checks for a value before it checks
        // `closed`, so the value still wins.
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
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

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut inner = self.inner.lock().unwrap();
        // The value first: `send` followed by the sender's drop leaves both a
        // value and `closed`, and the value must be delivered.
        if let Some(value) = inner.value.take() {
            return Poll::Ready(Ok(value));
        }
        if inner.closed {
            return Poll::Ready(Err(RecvError));
        }
        // Keep the waker of this poll (the receiver may have changed task),
        // unless the stored one would wake the same task anyway.
        match &inner.rx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => inner.rx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // From now on `send` returns the value instead of storing it. A value
        // that was already sent stays in `Inner` and is dropped with it, once.
        self.inner.lock().unwrap().closed = true;
    }
}
