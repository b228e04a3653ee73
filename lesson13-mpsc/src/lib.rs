#![doc = include_str!("../README.md")]
// The stubs don't use their arguments and fields yet. Delete this line once
// your code does, so the compiler can point out what you forgot.
#![allow(unused_variables, dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Creates an unbounded channel. Clone the [`Sender`] to add producers.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    todo!(
        "Exercise 3: put a new Inner (empty queue, one sender) in an Arc<Mutex<_>>, one clone per half"
    )
}

/// The state all the handles share, as in the lesson. Change it as you need.
struct Inner<T> {
    queue: VecDeque<T>,
    rx_waker: Option<Waker>,
    /// How many `Sender`s (clones included) are alive.
    senders: usize,
    /// `false` once the receiver is dropped: `send` then returns the value.
    receiver_alive: bool,
}

/// A sending half. Clone it to send from several tasks.
pub struct Sender<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

/// The receiving half.
pub struct Receiver<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

/// The receiver was dropped; the message that could not be sent is inside.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> std::fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SendError").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sending on a channel whose receiver was dropped")
    }
}

impl<T> std::error::Error for SendError<T> {}

impl<T> Sender<T> {
    /// Queues `value` and wakes the receiver if it is waiting.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        todo!("Exercise 3: push the value onto the queue, then wake the receiver's waker (if any)")
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        todo!("Exercise 3: count one more sender, and share the same Arc")
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // Exercise 3: count one sender less; the last one wakes the receiver.
        //
        // (This body is empty rather than a todo panic on purpose: a panic in
        // `drop` while a failed test is already unwinding aborts the whole
        // test run.)
    }
}

impl<T> Receiver<T> {
    /// Waits for the next message; `None` once every sender is dropped and
    /// the queue is empty.
    pub async fn recv(&mut self) -> Option<T> {
        // `poll_fn` turns the poll function below into a future: each time
        // the future is polled, it calls `poll_recv` with the task's context.
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        todo!(
            "Exercise 3: pop a message (Ready(Some)), or Ready(None) if no sender is left, else store cx.waker() and return Pending"
        )
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Exercise 3: set `receiver_alive` to false, so that `send` returns
        // the value, and drop the queued messages and your stored waker.
    }
}
