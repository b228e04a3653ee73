#![doc = include_str!("../README.md")]
// The stubs don't use their arguments and fields yet. Delete this line once
// your code does, so the compiler can point out what you forgot.
#![allow(unused_variables, dead_code)]

// Start from your Exercise 3 code: copy in your channel, `Clone`, `recv` and
// `Drop` impls, then add the capacity and the waiting senders.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Creates a channel that holds at most `capacity` messages.
///
/// # Panics
/// If `capacity` is 0.
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    todo!("Exercise 4: your Exercise 3 channel(), plus the capacity; panic if it is 0")
}

/// The state all the handles share. Change it as you need.
struct Inner<T> {
    queue: VecDeque<T>,
    capacity: usize,
    /// Slots that pops kept for the senders they woke, not yet filled (see
    /// hint 3): a new send may only take a slot that is neither filled nor
    /// kept.
    reserved: usize,
    rx_waker: Option<Waker>,
    /// The senders waiting for a slot, oldest first: each one's ticket (see
    /// hint 2) and the waker of its latest poll.
    waiting_senders: VecDeque<(u64, Waker)>,
    /// The ticket the next waiting sender gets.
    next_ticket: u64,
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
    /// Sends `value`, waiting while the channel is full.
    ///
    /// Senders that wait are served in the order they started waiting: the
    /// slot a pop frees belongs to the sender that pop woke, and a send that
    /// starts later waits behind it. Dropping the returned future cancels
    /// the send (see hint 4).
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            sender: self,
            value: Some(value),
            ticket: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`Sender::send`]: resolves once the value is
    /// queued, or to `SendError` once the receiver is gone.
    ///
    /// `pin_project!` lets `poll` reach the fields as plain `&mut` (call
    /// `self.project()`), and gives the future a drop hook (`PinnedDrop`) to
    /// clean up when a waiting send is cancelled. Add fields as you need.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct SendFuture<'a, T> {
        sender: &'a Sender<T>,
        value: Option<T>,
        // This future's ticket in `waiting_senders`, once it has waited; once
        // a pop took it out of the line, its claim to a `reserved` slot.
        ticket: Option<u64>,
    }

    impl<'a, T> PinnedDrop for SendFuture<'a, T> {
        fn drop(this: Pin<&mut Self>) {
            // Exercise 4: a send that is dropped while it waits must not
            // strand the other waiting senders (see the hints).
            //
            // (This body is empty rather than a todo panic on purpose: a panic
            // in `drop` while a failed test is already unwinding aborts the
            // whole test run.)
        }
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!(
            "Exercise 4: push if the queue has room (and wake the receiver), else store cx.waker() among the waiting senders and return Pending"
        )
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        todo!("Exercise 4: your Exercise 3 Clone")
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // Exercise 4: your Exercise 3 Drop for Sender.
    }
}

impl<T> Receiver<T> {
    /// Waits for the next message, and wakes one waiting sender per message
    /// taken; `None` once every sender is dropped and the queue is empty.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        todo!("Exercise 4: your Exercise 3 poll_recv(), and each pop wakes one waiting sender")
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Exercise 4: your Exercise 3 Drop for Receiver, and wake every
        // waiting sender so that it returns its value (see hint 5).
    }
}
