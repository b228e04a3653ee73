//! Bug: every waiting sender shares one Option<Waker> slot, so a second waiting sender overwrites the first one's waker.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

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
        queue: VecDeque::with_capacity(capacity.min(1024)),
        capacity,
        rx_waker: None,
        send_waker: None,
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
    /// The waker of the receiver's last `Pending` poll, if it is waiting.
    rx_waker: Option<Waker>,
    // BUG: one slot for every waiting sender, as for the receiver. The second
    // sender to wait overwrites the first one's waker, and the first one is
    // never woken.
    send_waker: Option<Waker>,
    /// Live `Sender`s, clones included.
    senders: usize,
    /// `false` once the receiver is dropped.
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
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            sender: self,
            value: Some(value),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`Sender::send`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct SendFuture<'a, T> {
        sender: &'a Sender<T>,
        value: Option<T>,
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
            return Poll::Ready(Err(SendError(value)));
        }
        if inner.queue.len() < inner.capacity {
            inner.queue.push_back(value);
            let rx_waker = inner.rx_waker.take();
            drop(inner); // wake after the lock is released
            if let Some(waker) = rx_waker {
                waker.wake();
            }
            return Poll::Ready(Ok(()));
        }
        // Full: wait for a pop, keeping the value for the next poll.
        *this.value = Some(value);
        inner.send_waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

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
    /// Waits for the next message, and wakes the waiting sender: a slot just
    /// came free.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut inner = self.inner.lock().unwrap();
        if let Some(value) = inner.queue.pop_front() {
            let next = inner.send_waker.take();
            drop(inner); // wake after the lock is released
            if let Some(waker) = next {
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
            (std::mem::take(&mut inner.queue), inner.send_waker.take())
        };
        drop(unread);
        if let Some(waker) = waiting {
            waker.wake();
        }
    }
}
