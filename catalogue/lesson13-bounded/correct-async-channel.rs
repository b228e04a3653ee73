//! Correct: a thin wrapper over async_channel::bounded, in the contract's API.
//! Requires: async-channel.workspace = true

pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    // async-channel panics on 0 too, but its message does not say
    // "capacity", which the contract asks for.
    assert!(
        capacity > 0,
        "bounded channel capacity must be at least 1, got 0"
    );
    let (tx, rx) = async_channel::bounded(capacity);
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
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.0.send(value).await.map_err(|e| SendError(e.0))
    }
}

impl<T> Receiver<T> {
    pub async fn recv(&mut self) -> Option<T> {
        self.0.recv().await.ok()
    }
}
