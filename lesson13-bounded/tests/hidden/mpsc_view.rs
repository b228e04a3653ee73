//! Exercise 3's graded tests, run against the bounded channel: everything an
//! unbounded channel must do, a bounded one with room to spare must do too.
//!
//! The tests call a synchronous `send`, so this module shows them the bounded
//! channel through a thin adapter whose `send` polls the real send future
//! once. With this much room it must be ready at once.

use super::imp as bounded;

/// More room than any Exercise 3 test ever fills.
const ROOMY: usize = 1 << 16;

/// Exercise 3's API over the bounded channel.
mod imp {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    pub use super::bounded::{Receiver, SendError};

    pub struct Sender<T>(super::bounded::Sender<T>);

    pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
        let (tx, rx) = super::bounded::channel(super::ROOMY);
        (Sender(tx), rx)
    }

    impl<T> Clone for Sender<T> {
        fn clone(&self) -> Self {
            Sender(self.0.clone())
        }
    }

    impl<T> Sender<T> {
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
}

#[path = "../../../lesson13-mpsc/tests/hidden/graded.rs"]
mod tests;
