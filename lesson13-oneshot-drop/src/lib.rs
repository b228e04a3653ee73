#![doc = include_str!("../README.md")]
// The stubs don't use their arguments and fields yet. Delete this line once
// your code does, so the compiler can point out what you forgot.
#![allow(unused_variables, dead_code)]

// Start from your Exercise 1 code: copy your `channel`, `send` and `poll` in
// here, then add the `closed` flag and the two `Drop` impls at the bottom.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Creates a oneshot channel: one value goes from the [`Sender`] to the
/// [`Receiver`].
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    todo!("Exercise 2: start from your Exercise 1 channel(), with `closed: false` in the new Inner")
}

/// The state both halves share, as in the lesson. Change it as you need.
struct Inner<T> {
    value: Option<T>,
    rx_waker: Option<Waker>,
    /// Set when the other half is dropped.
    closed: bool,
}

/// The sending half. `send` consumes it: one value at most.
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
    /// Sends `value`; returns `Err(value)` if the receiver was dropped.
    pub fn send(self, value: T) -> Result<(), T> {
        todo!("Exercise 2: your Exercise 1 send(), but return Err(value) if `closed` is set")
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!(
            "Exercise 2: your Exercise 1 poll(), returning Ready(Err(RecvError)) when `closed` is set and no value is there"
        )
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // Exercise 2: set `closed` and wake the receiver if it is waiting.
        //
        // (This body is empty rather than a todo panic on purpose: a panic in
        // `drop` while a failed test is already unwinding aborts the whole
        // test run.)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Exercise 2: set `closed`, so that a later `send` returns the value,
        // and take out the waker you stored (see hint 4).
    }
}
