//! Correct: a thin wrapper over futures::channel::oneshot, which reports either half being dropped, in the contract's API.
//! Requires: futures.workspace = true

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = futures::channel::oneshot::channel();
    (Sender(tx), Receiver(rx))
}

pub struct Sender<T>(futures::channel::oneshot::Sender<T>);

pub struct Receiver<T>(futures::channel::oneshot::Receiver<T>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl std::fmt::Display for RecvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the sender was dropped without sending a value")
    }
}

impl std::error::Error for RecvError {}

impl<T> Sender<T> {
    pub fn send(self, value: T) -> Result<(), T> {
        self.0.send(value)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // futures' receiver is `Unpin` for every `T`, and so is this wrapper.
        Pin::new(&mut self.get_mut().0)
            .poll(cx)
            .map(|result| result.map_err(|futures::channel::oneshot::Canceled| RecvError))
    }
}
