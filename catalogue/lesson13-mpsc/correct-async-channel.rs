//! Correct: a thin wrapper over async_channel::unbounded, in the contract's API.
//! Requires: async-channel.workspace = true

// (futures' unbounded channel is not here: its receiver keeps the waker of
// its last poll in the shared state after it is dropped, which the contract
// forbids, so a wrapper over it fails `dropping_the_receiver_releases_its_waker`.)

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = async_channel::unbounded();
    (Sender(tx), Receiver(rx))
}

pub struct Sender<T>(async_channel::Sender<T>);

pub struct Receiver<T>(async_channel::Receiver<T>);

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

// async-channel's `Sender` is `Clone` for every `T`.
impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(self.0.clone())
    }
}

impl<T> Sender<T> {
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        // An unbounded channel is never full: `try_send` only fails once the
        // last receiver is gone, which closes the channel.
        self.0
            .try_send(value)
            .map_err(|error| SendError(error.into_inner()))
    }
}

impl<T> Receiver<T> {
    pub async fn recv(&mut self) -> Option<T> {
        // `Err` once every sender is gone and the queue is drained.
        self.0.recv().await.ok()
    }
}
