//! Correct: a thin wrapper over tokio::sync::mpsc::unbounded_channel, in the contract's API.
//! Requires: tokio = { workspace = true, features = ["sync"] }

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (Sender(tx), Receiver(rx))
}

pub struct Sender<T>(tokio::sync::mpsc::UnboundedSender<T>);

pub struct Receiver<T>(tokio::sync::mpsc::UnboundedReceiver<T>);

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
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.0
            .send(value)
            .map_err(|tokio::sync::mpsc::error::SendError(value)| SendError(value))
    }
}

impl<T> Receiver<T> {
    pub async fn recv(&mut self) -> Option<T> {
        self.0.recv().await
    }
}
