//! Exercise 4: the MPSC channel of Exercise 3 with a capacity, so that a fast
//! producer waits for a slow consumer (backpressure).
//!
//! `send` becomes a future. When the queue is full the sender joins a FIFO of
//! waiting senders; every message the receiver pops wakes the oldest one.
//! The subtle part is a send future that is dropped while it waits: it must
//! leave the FIFO, and if a pop had already woken it, hand that wakeup on to
//! the next waiting sender. Otherwise the free slot is never used and the
//! other senders wait forever.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

// Under `--cfg loom` (see `loom-models/`) this file runs on loom's Arc and
// Mutex, so that loom can check every interleaving; everywhere else, std's.
#[cfg(loom)]
use loom::sync::{Arc, Mutex};
#[cfg(not(loom))]
use std::sync::{Arc, Mutex};

/// Creates a channel that holds at most `capacity` messages; a `send` to a
/// full channel waits until the receiver takes one.
///
/// # Panics
/// If `capacity` is 0: such a channel could never hold a message.
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "bounded channel capacity must be at least 1, got 0"
    );
    let inner = Arc::new(Mutex::new(Inner {
        // Room for the messages up front (up to a sane limit), so that no
        // send ever allocates; the queue never grows past `capacity`.
        queue: VecDeque::with_capacity(capacity.min(1024)),
        capacity,
        rx_waker: None,
        waiting_senders: VecDeque::new(),
        next_ticket: 0,
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
    /// Messages sent and not yet received, oldest first. Never longer than
    /// `capacity`.
    queue: VecDeque<T>,
    capacity: usize,
    /// The waker of the receiver's last `Pending` poll, if it is waiting.
    rx_waker: Option<Waker>,
    /// Send futures waiting for a free slot, oldest first, each with the
    /// ticket that identifies it and the waker of its latest poll.
    /// A pop removes the first one and wakes it. Like `queue`, it keeps its
    /// buffer, so waiting costs no allocation once it has grown.
    waiting_senders: VecDeque<(u64, Waker)>,
    next_ticket: u64,
    /// Live `Sender`s, clones included. Zero means no message can come.
    senders: usize,
    /// `false` once the receiver is dropped: nobody will read new messages.
    receiver_alive: bool,
}

impl<T> Inner<T> {
    /// Where the send future holding `ticket` stands in the waiting FIFO.
    /// `None` means a pop (or the receiver's drop) took it out and woke it.
    fn waiting_position(&self, ticket: u64) -> Option<usize> {
        self.waiting_senders.iter().position(|(t, _)| *t == ticket)
    }
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

// Written by hand, not derived, so that they exist for every `T`.
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
    /// Senders that find the channel full are served in the order they
    /// started waiting. Dropping the returned future before it completes
    /// cancels the send; the value is dropped and nothing is queued.
    ///
    /// # Errors
    /// Returns the value in [`SendError`] if the receiver was dropped, also
    /// while this send was waiting.
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            sender: self,
            value: Some(value),
            ticket: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`Sender::send`].
    ///
    /// `pin_project!` gives `poll` plain `&mut` access to the fields, so `T`
    /// need not be `Unpin`, and lets the future clean up in `drop` (leave the
    /// waiting FIFO) through `PinnedDrop`.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct SendFuture<'a, T> {
        sender: &'a Sender<T>,
        // `None` once the send has completed.
        value: Option<T>,
        // `Some` from the first `Pending` until completion: this future's
        // place in `waiting_senders`, or its claim to a slot once woken.
        ticket: Option<u64>,
    }

    impl<'a, T> PinnedDrop for SendFuture<'a, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let (Some(ticket), Some(_)) = (*this.ticket, this.value.as_ref()) else {
                return; // never waited, or already done
            };
            let next = {
                let mut inner = this.sender.inner.lock().unwrap();
                match inner.waiting_position(ticket) {
                    // Cancelled while still in line: just leave the line.
                    Some(position) => {
                        inner.waiting_senders.remove(position);
                        None
                    }
                    // A pop already woke us for a free slot we will not use:
                    // pass the wakeup on, or the next sender waits forever.
                    None if inner.queue.len() < inner.capacity => {
                        inner.waiting_senders.pop_front()
                    }
                    None => None,
                }
            };
            if let Some((_, waker)) = next {
                waker.wake();
            }
        }
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut inner = this.sender.inner.lock().unwrap();
        let value = this
            .value
            .take()
            .expect("SendFuture polled after it completed");
        if !inner.receiver_alive {
            // The receiver's drop emptied `waiting_senders`: nothing to leave.
            return Poll::Ready(Err(SendError(value)));
        }
        let position = this
            .ticket
            .and_then(|ticket| inner.waiting_position(ticket));
        // Take a free slot unless others are ahead of us: a new send waits
        // behind the waiting ones, and a waiting one waits until a pop picks
        // it (takes it out of the line).
        let my_turn = match this.ticket {
            None => inner.waiting_senders.is_empty(),
            Some(_) => position.is_none(),
        };
        if my_turn && inner.queue.len() < inner.capacity {
            inner.queue.push_back(value);
            let rx_waker = inner.rx_waker.take();
            drop(inner); // wake after the lock is released
            if let Some(waker) = rx_waker {
                waker.wake();
            }
            return Poll::Ready(Ok(()));
        }
        // Wait. Keep the value for the next poll.
        *this.value = Some(value);
        match (position, *this.ticket) {
            // Polled again while in line: keep our place, only refresh the
            // waker (no clone if it would wake the same task anyway). Never
            // queue twice, or one sender would take two pops' wakeups.
            (Some(position), _) => {
                let stored = &mut inner.waiting_senders[position].1;
                if !stored.will_wake(cx.waker()) {
                    *stored = cx.waker().clone();
                }
            }
            // Woken by a pop, but a new send took the slot first: back to
            // the front of the line, where we were.
            (None, Some(ticket)) => inner
                .waiting_senders
                .push_front((ticket, cx.waker().clone())),
            // First time waiting: join the back of the line.
            (None, None) => {
                let ticket = inner.next_ticket;
                inner.next_ticket += 1;
                *this.ticket = Some(ticket);
                inner
                    .waiting_senders
                    .push_back((ticket, cx.waker().clone()));
            }
        }
        Poll::Pending
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
    /// Waits for the next message, and wakes one waiting sender per message
    /// taken: a slot just came free.
    ///
    /// Returns `None` once every sender is dropped and every message sent
    /// before that has been received; after that, always `None`.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut inner = self.inner.lock().unwrap();
        if let Some(value) = inner.queue.pop_front() {
            // One slot came free: wake exactly one waiting sender, the oldest.
            let next = inner.waiting_senders.pop_front();
            drop(inner); // wake after the lock is released
            if let Some((_, waker)) = next {
                waker.wake();
            }
            return Poll::Ready(Some(value));
        }
        if inner.senders == 0 {
            return Poll::Ready(None);
        }
        match &inner.rx_waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => inner.rx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (unread, waiting) = {
            let mut inner = self.inner.lock().unwrap();
            inner.receiver_alive = false;
            (
                std::mem::take(&mut inner.queue),
                std::mem::take(&mut inner.waiting_senders),
            )
        };
        // Outside the lock: drop the unread messages (their `Drop` is user
        // code), then wake every waiting sender to return its value.
        drop(unread);
        for (_, waker) in waiting {
            waker.wake();
        }
    }
}
