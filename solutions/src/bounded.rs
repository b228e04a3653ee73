//! Exercise 4: the MPSC channel of Exercise 3 with a capacity, so that a fast
//! producer waits for a slow consumer (backpressure).
//!
//! `send` becomes a future. When the queue is full the sender joins a FIFO of
//! waiting senders. Every pop frees a slot and hands it to the oldest waiting
//! sender: it takes that sender out of the line, counts the slot as
//! *reserved*, and wakes it. A reserved slot belongs to the woken sender, so a
//! send that starts before it runs again finds no room and queues behind it:
//! nobody cuts in line (no "barging"), and no waiting sender starves.
//!
//! The subtle part is a send future that is dropped while it waits: it must
//! leave the line, and if a pop had already given it a slot, hand that slot on
//! to the next waiting sender (or free it). Otherwise the slot is lost for
//! good, and the senders behind it wait forever.
//!
//! Wakers are woken, and dropped, only after the lock is released. A woken
//! task may run on another thread at once, and its first act is to take the
//! lock; and dropping a waker runs the executor's code, which may drop a
//! whole task, and with it a handle of this channel whose `Drop` takes the
//! lock: a deadlock if we still held it.

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
        reserved: 0,
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
    /// Messages sent and not yet received, oldest first.
    queue: VecDeque<T>,
    capacity: usize,
    /// Slots that pops gave to woken senders that have not pushed yet.
    /// `queue.len() + reserved` never exceeds `capacity`; a new send only
    /// gets what is left.
    reserved: usize,
    /// The waker of the receiver's last `Pending` poll, if it is waiting.
    rx_waker: Option<Waker>,
    /// Send futures waiting for a slot, oldest first, each with its ticket
    /// and the waker of its latest poll. Tickets only grow and senders only
    /// join at the back, so the line is sorted by ticket. Like `queue`, it
    /// keeps its buffer: waiting costs no allocation once it has grown.
    waiting_senders: VecDeque<(u64, Waker)>,
    /// The ticket the next sender to wait gets.
    next_ticket: u64,
    /// Live `Sender`s, clones included. Zero means no message can come.
    senders: usize,
    /// `false` once the receiver is dropped: nobody will read new messages.
    receiver_alive: bool,
}

impl<T> Inner<T> {
    /// A slot nobody holds: not filled, and not promised to a woken sender.
    /// While senders wait there is none, since every pop gives its slot to
    /// one of them.
    fn has_free_slot(&self) -> bool {
        self.queue.len() + self.reserved < self.capacity
    }

    /// Whether the sender holding `ticket` is still in line, or was taken
    /// out of it and given a reserved slot. Senders are only ever taken out
    /// from the front (a cancelled one removes itself, but never asks
    /// again), and the line is sorted by ticket: so a sender is still in it
    /// exactly when the front's ticket is not past its own. No search.
    fn is_waiting(&self, ticket: u64) -> bool {
        self.waiting_senders
            .front()
            .is_some_and(|(first, _)| *first <= ticket)
    }

    /// Where the waiting sender holding `ticket` stands in the line: the
    /// line is sorted by ticket, so a binary search finds it.
    fn position(&self, ticket: u64) -> usize {
        self.waiting_senders
            .binary_search_by_key(&ticket, |(t, _)| *t)
            .expect("a waiting sender's ticket is in the line")
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
    /// Senders are served in the order they started waiting: a slot that a
    /// receive frees goes to the oldest waiting send, and a send that starts
    /// while others wait queues behind them, even if it finds that slot not
    /// yet filled. Dropping the returned future before it completes cancels
    /// the send: the value is dropped, nothing is queued, and a slot the
    /// send had been given passes to the next waiting send.
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
    /// The future returned by [`Sender::send`]: resolves once `value` is
    /// queued, or to [`SendError`] once the receiver is gone.
    ///
    /// `pin_project!` gives `poll` plain `&mut` access to the fields, so `T`
    /// need not be `Unpin`, and lets the future clean up in `drop` (leave the
    /// line, or pass its slot on) through `PinnedDrop`.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct SendFuture<'a, T> {
        sender: &'a Sender<T>,
        // `None` once the send has completed.
        value: Option<T>,
        // `Some` from the first `Pending` on: this future's place in
        // `waiting_senders`, and once a pop took it out, its claim to one of
        // the `reserved` slots.
        ticket: Option<u64>,
    }

    impl<'a, T> PinnedDrop for SendFuture<'a, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let (Some(ticket), Some(_)) = (*this.ticket, this.value.as_ref()) else {
                return; // never waited, or already done
            };
            let mut inner = this.sender.inner.lock().unwrap();
            if !inner.receiver_alive {
                return; // its drop emptied the line; slots no longer matter
            }
            if inner.is_waiting(ticket) {
                // Cancelled while still in line: just leave the line.
                let position = inner.position(ticket);
                let entry = inner.waiting_senders.remove(position);
                drop(inner);
                drop(entry); // our waker, dropped outside the lock
            } else {
                // A pop gave us a slot we will not use: it goes to the next
                // waiting sender, still reserved, or becomes free.
                let next = inner.waiting_senders.pop_front();
                if next.is_none() {
                    inner.reserved -= 1;
                }
                drop(inner);
                if let Some((_, waker)) = next {
                    waker.wake();
                }
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
        let may_push = match *this.ticket {
            // A new send takes a free slot; a slot that a pop freed while
            // others wait is theirs (it is reserved), so it finds none.
            None => inner.has_free_slot(),
            Some(ticket) if inner.is_waiting(ticket) => false,
            // A pop took us out of the line and reserved a slot for us.
            Some(_) => {
                inner.reserved -= 1;
                true
            }
        };
        if may_push {
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
        let replaced = match *this.ticket {
            // Polled again while in line (another `select!` branch woke the
            // task, say): keep our place, only refresh the waker, and only if
            // it would wake another task: `will_wake` is a comparison, a
            // clone is reference counting in the executor. Never queue
            // twice, or one sender would take two pops' slots.
            Some(ticket) => {
                let position = inner.position(ticket);
                let stored = &mut inner.waiting_senders[position].1;
                (!stored.will_wake(cx.waker()))
                    .then(|| std::mem::replace(stored, cx.waker().clone()))
            }
            // First time waiting: take a ticket, join the back of the line.
            None => {
                let ticket = inner.next_ticket;
                inner.next_ticket += 1;
                *this.ticket = Some(ticket);
                inner
                    .waiting_senders
                    .push_back((ticket, cx.waker().clone()));
                None
            }
        };
        drop(inner);
        drop(replaced); // outside the lock, as every waker
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
    /// Waits for the next message. Each message taken frees a slot, which
    /// goes to the oldest waiting sender, if any: that sender is woken.
    ///
    /// Returns `None` once every sender is dropped and every message sent
    /// before that has been received; after that, always `None`.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut inner = self.inner.lock().unwrap();
        if let Some(value) = inner.queue.pop_front() {
            // One slot came free. If senders wait, it is the oldest one's:
            // reserve it, so that a send starting meanwhile cannot take it,
            // and wake that sender (exactly one: one slot).
            let next = inner.waiting_senders.pop_front();
            if next.is_some() {
                inner.reserved += 1;
            }
            drop(inner); // wake after the lock is released
            if let Some((_, waker)) = next {
                waker.wake();
            }
            return Poll::Ready(Some(value));
        }
        if inner.senders == 0 {
            return Poll::Ready(None);
        }
        // Keep this poll's waker, unless the stored one would wake the same
        // task anyway.
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
        let (unread, waiting, rx_waker) = {
            let mut inner = self.inner.lock().unwrap();
            inner.receiver_alive = false;
            (
                std::mem::take(&mut inner.queue),
                std::mem::take(&mut inner.waiting_senders),
                // Our own waker: the senders may live on for long, and must
                // not keep our task alive through it.
                inner.rx_waker.take(),
            )
        };
        // Outside the lock: drop the unread messages (their `Drop` is user
        // code) and our waker, then wake every waiting sender to return its
        // value.
        drop((unread, rx_waker));
        for (_, waker) in waiting {
            waker.wake();
        }
    }
}
