#![doc = include_str!("../README.md")]
// The stubs don't use their arguments and fields yet. Delete this line once
// your code does, so the compiler can point out what you forgot.
#![allow(unused_variables, dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Creates a oneshot channel: one value goes from the [`Sender`] to the
/// [`Receiver`].
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    todo!("Exercise 1: put a new Inner in an Arc<Mutex<_>> and give each half a clone of the Arc")
}

/// The state both halves share, as in the lesson. Change it as you need.
struct Inner<T> {
    value: Option<T>,
    rx_waker: Option<Waker>,
}

/// The sending half. `send` consumes it: one value at most.
pub struct Sender<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

/// The receiving half: a future that resolves to the sent value.
pub struct Receiver<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

/// The error a [`Receiver`] returns when no value will ever come (used from
/// Exercise 2 on).
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
    pub fn send(self, value: T) -> Result<(), T> {
        todo!("Exercise 1: store the value, then wake the waker the receiver stored (if any)")
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!(
            "Exercise 1: take the value if it is there (Ready), else store cx.waker() and return Pending"
        )
    }
}
