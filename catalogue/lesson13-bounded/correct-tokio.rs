//! Correct: a thin wrapper over tokio::sync::mpsc::channel, in the contract's API.
//! Requires: tokio = { workspace = true, features = ["sync", "rt"] }

pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    // tokio panics on 0 too, but its message ("buffer > 0") does not say
    // "capacity", which the contract asks for.
    assert!(
        capacity > 0,
        "bounded channel capacity must be at least 1, got 0"
    );
    let (tx, rx) = tokio::sync::mpsc::channel(capacity);
    (Sender(tx), Receiver(rx))
}

pub struct Sender<T>(tokio::sync::mpsc::Sender<T>);

pub struct Receiver<T>(tokio::sync::mpsc::Receiver<T>);

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

// tokio's sender is `Clone` for every `T`; derive would demand `T: Clone`.
impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(self.0.clone())
    }
}

impl<T> Sender<T> {
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        // Inside a tokio task, tokio's send spends the task's cooperative
        // budget and may return Pending with room in the channel once it runs
        // out. The contract says a send only waits while the channel is full,
        // so it opts out of the budget.
        tokio::task::coop::unconstrained(self.0.send(value))
            .await
            .map_err(|tokio::sync::mpsc::error::SendError(value)| SendError(value))
    }
}

impl<T> Receiver<T> {
    pub async fn recv(&mut self) -> Option<T> {
        self.0.recv().await
    }
}
