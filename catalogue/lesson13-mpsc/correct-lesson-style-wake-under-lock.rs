//! Correct: the reference channel, but waking while holding the lock, exactly as the lesson's code does.

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
    /// Messages sent and not yet received, oldest first.
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
        // As in the lesson: wake while still holding the lock. Slower (the
        // woken receiver may block on the lock at once) but correct.
        let mut inner = self.inner.lock().unwrap();
        if !inner.receiver_alive {
            return Err(SendError(value));
        }
        inner.queue.push_back(value);
        if let Some(waker) = inner.rx_waker.take() {
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
        let mut inner = self.inner.lock().unwrap();
        inner.senders -= 1;
        if inner.senders == 0 {
            if let Some(waker) = inner.rx_waker.take() {
                waker.wake(); // under the lock, as in the lesson
            }
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
        // the stored one would wake the same task anyway.
        match &inner.rx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => inner.rx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (unread, rx_waker) = {
            let mut inner = self.inner.lock().unwrap();
            inner.receiver_alive = false;
            // Our own waker too: the senders must not keep our task alive.
            (std::mem::take(&mut inner.queue), inner.rx_waker.take())
        };
        // Drop them after the lock is released: a message's own `Drop` is
        // user code, a waker's is the executor's.
        drop((unread, rx_waker));
    }
}
