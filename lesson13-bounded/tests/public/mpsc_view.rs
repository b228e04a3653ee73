//! Exercise 3's API over the bounded channel, so that Exercise 3's tests run
//! against it: everything an unbounded channel must do, a bounded one with
//! room to spare must do too.
//!
//! Exercise 3's tests call a synchronous `send`, so this adapter's `send`
//! polls the real send future once. With this much room it must be ready at
//! once. The includer names the bounded channel `bounded`.

use std::future::Future;
use std::task::{Context, Poll, Waker};

pub use super::bounded::{Receiver, SendError};

/// More room than any Exercise 3 test ever fills.
const ROOMY: usize = 1 << 16;

/// A bounded sender with Exercise 3's synchronous `send`.
pub struct Sender<T>(super::bounded::Sender<T>);

/// A bounded channel with more room than the tests use.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = super::bounded::channel(ROOMY);
    (Sender(tx), rx)
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(self.0.clone())
    }
}

impl<T> Sender<T> {
    /// Polls one bounded send once: it must be ready, there is room.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut send = std::pin::pin!(self.0.send(value));
        match send.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result,
            Poll::Pending => panic!(
                "send() returned Pending although the channel has free capacity: a send \
                 must only wait while the queue is full"
            ),
        }
    }
}
