//! Exercise 3: an unbounded multi-producer, single-consumer channel.
//!
//! The oneshot's single value becomes a queue, and the `closed` flag becomes a
//! count of live senders: the channel is closed for the receiver when the last
//! sender (clones included) is gone *and* the queue is drained.
//!
//! Wakers are woken, and dropped, only after the lock is released. A woken
//! task may run on another thread at once, and its first act is to take the
//! lock; and dropping a waker runs the executor's code, which may drop a
//! whole task, and with it a handle of this channel whose `Drop` takes the
//! lock: a deadlock if we still held it.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

// Under `--cfg loom` (see `loom-models/`) this file runs on loom's Arc and
// Mutex, so that loom can check every interleaving; everywhere else, std's.
#[cfg(loom)]
use loom::sync::{Arc, Mutex};
#[cfg(not(loom))]
use std::sync::{Arc, Mutex};

/// Creates an unbounded channel. Clone the [`Sender`] to add producers.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(Inner {
        queue: VecDeque::new(),
        rx_waker: None,
        senders: 1,
        receiver_alive: true,
    }));
    let sender = Sender {
        inner: Arc::clone(&inner),
    };
    (sender, Receiver { inner })
}

/// The state all the handles share.
struct Inner<T> {
    /// Messages sent and not yet received, oldest first. A `VecDeque` keeps
    /// its buffer when it is drained, so once it has grown to the usual
    /// backlog a message costs no allocation at all.
    queue: VecDeque<T>,
    /// The waker of the receiver's last `Pending` poll, if it is waiting.
    rx_waker: Option<Waker>,
    /// Live `Sender`s, clones included. Zero means no message can come.
    senders: usize,
    /// `false` once the receiver is dropped: nobody will read new messages.
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

// Written by hand, not derived, so that they exist for every `T`: the message
// is usually not worth printing, and may not be printable at all.
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
    /// Queues `value` and wakes the receiver if it is waiting. Never waits.
    ///
    /// # Errors
    /// Returns the value in [`SendError`] if the receiver was dropped.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            if !inner.receiver_alive {
                return Err(SendError(value));
            }
            inner.queue.push_back(value);
            // `take`: a receiver is woken once per wait, not once per message.
            // Later sends find `None` until it waits again.
            inner.rx_waker.take()
        };
        // Wake after the lock is released, so the woken receiver can take it.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

// Derived `Clone` would demand `T: Clone`; cloning a sender never clones a `T`.
impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.inner.lock().unwrap().senders += 1;
        Sender {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            inner.senders -= 1;
            // Only the last sender's drop closes the channel, so only it wakes.
            if inner.senders == 0 {
                inner.rx_waker.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// Waits for the next message.
    ///
    /// Returns `None` once every sender is dropped and every message sent
    /// before that has been received; after that, always `None`.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut inner = self.inner.lock().unwrap();
        // Messages first: they were sent before the last sender left.
        if let Some(value) = inner.queue.pop_front() {
            return Poll::Ready(Some(value));
        }
        if inner.senders == 0 {
            return Poll::Ready(None);
        }
        // Empty queue, senders alive: wait. Keep this poll's waker, unless
        // the stored one would wake the same task anyway: `will_wake` is a
        // comparison, where a clone (and dropping the old waker) costs atomic
        // reference counting, or worse, in the executor.
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
        let (unread, rx_waker) = {
            let mut inner = self.inner.lock().unwrap();
            inner.receiver_alive = false;
            (
                std::mem::take(&mut inner.queue),
                // Our own waker: the senders may live on for long, and must
                // not keep our task alive through it.
                inner.rx_waker.take(),
            )
        };
        // Drop them after the lock is released: a message's own `Drop` is
        // user code, a waker's is the executor's.
        drop((unread, rx_waker));
    }
}
