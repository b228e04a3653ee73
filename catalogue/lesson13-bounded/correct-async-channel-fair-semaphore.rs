//! Correct: async-channel's queue behind tokio's fair semaphore, whose permits are the free slots and go to the waiting senders in order.
//! Requires: async-channel.workspace = true
//! Requires: tokio = { workspace = true, features = ["sync", "rt"] }

// (A plain wrapper over `async_channel::bounded` is not correct under the
// contract: a send that starts after a receive woke a waiting sender can take
// the slot that receive freed. Here the slot is a semaphore permit, and
// tokio's semaphore hands a released permit straight to the oldest waiting
// acquirer, so nobody cuts in line; a cancelled acquire that was handed
// permits gives them back, to the next in line or to the pool.)

use std::sync::Arc;
use tokio::sync::Semaphore;

pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    // The semaphore would take 0 permits; the contract asks for a panic that
    // says "capacity".
    assert!(
        capacity > 0,
        "bounded channel capacity must be at least 1, got 0"
    );
    let slots = Arc::new(Semaphore::new(capacity));
    // Never fuller than `capacity`: every message in it holds a permit.
    let (queue_tx, queue_rx) = async_channel::unbounded();
    let sender = Sender {
        queue: queue_tx,
        slots: Arc::clone(&slots),
    };
    (sender, Receiver { queue: queue_rx, slots })
}

pub struct Sender<T> {
    queue: async_channel::Sender<T>,
    slots: Arc<Semaphore>,
}

pub struct Receiver<T> {
    queue: async_channel::Receiver<T>,
    slots: Arc<Semaphore>,
}

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

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            queue: self.queue.clone(),
            slots: Arc::clone(&self.slots),
        }
    }
}

impl<T> Sender<T> {
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        // Inside a tokio task, the semaphore spends the task's cooperative
        // budget and may say Pending with a permit free once it runs out; the
        // contract says a send only waits while the channel is full.
        let acquire = tokio::task::coop::unconstrained(self.slots.acquire());
        let Ok(permit) = acquire.await else {
            return Err(SendError(value)); // closed: the receiver is gone
        };
        // The slot now belongs to the message; the receiver gives it back.
        permit.forget();
        self.queue
            .try_send(value)
            .map_err(|error| SendError(error.into_inner()))
    }
}

impl<T> Receiver<T> {
    pub async fn recv(&mut self) -> Option<T> {
        let value = self.queue.recv().await.ok()?;
        // One slot came free: the semaphore gives it to the oldest waiting
        // send, if any, and wakes it.
        self.slots.add_permits(1);
        Some(value)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Every waiting send wakes up with an error and returns its value; a
        // send that already has its permit finds the queue closed (once
        // `queue` is dropped, right after this) and returns its value too.
        self.slots.close();
    }
}
