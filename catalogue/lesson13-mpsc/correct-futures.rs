//! Correct: a thin wrapper over futures::channel::mpsc::unbounded, in the contract's API.
//! Requires: futures.workspace = true

use futures::Stream;
use std::pin::Pin;

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = futures::channel::mpsc::unbounded();
    (Sender(tx), Receiver(rx))
}

pub struct Sender<T>(futures::channel::mpsc::UnboundedSender<T>);

pub struct Receiver<T>(futures::channel::mpsc::UnboundedReceiver<T>);

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

// futures' sender is `Clone` for every `T`; derive would demand `T: Clone`.
impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(self.0.clone())
    }
}

impl<T> Sender<T> {
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        // An unbounded channel only refuses a message once the receiver is gone.
        self.0
            .unbounded_send(value)
            .map_err(|error| SendError(error.into_inner()))
    }
}

impl<T> Receiver<T> {
    pub async fn recv(&mut self) -> Option<T> {
        // The receiver is a `Stream` and `Unpin`; `None` once every sender is
        // gone and the queue is drained, and `None` from then on.
        std::future::poll_fn(|cx| Pin::new(&mut self.0).poll_next(cx)).await
    }
}
