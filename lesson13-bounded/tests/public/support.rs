//! Small helpers for the tests, shared by the public and the hidden tests.
//!
//! Each test binary uses some of them, not all.
#![allow(dead_code, unused_imports)]

use super::imp;
use std::future::Future;
use tokio_test::task::{self, Spawn};
use tokio_test::{assert_pending, assert_ready};

/// Exercise 3's helpers work here too: `recv()` is the same.
#[path = "../../../lesson13-mpsc/tests/public/support.rs"]
mod exercise3;

/// Pops one message with a fresh `recv()` on a new mock task.
pub use exercise3::try_recv as pop;

pub use exercise3::receive_all;

/// A channel of capacity 1 that is already full (it holds the message 0).
pub fn full_channel() -> (imp::Sender<u32>, imp::Receiver<u32>) {
    let (tx, rx) = imp::channel(1);
    let sent = assert_ready!(
        task::spawn(tx.send(0)).poll(),
        "channel(1) is empty: the first send must not wait"
    );
    assert!(
        sent.is_ok(),
        "send() returned Err although the receiver is alive"
    );
    (tx, rx)
}

/// On a [`full_channel`]: a send of 1 that waits, and the pop (of 0) that
/// wakes it. Returns the woken send, not yet polled again.
pub fn a_woken_send<'a>(
    tx: &'a imp::Sender<u32>,
    rx: &mut imp::Receiver<u32>,
) -> Spawn<impl Future<Output = Result<(), imp::SendError<u32>>> + use<'a>> {
    let mut woken = task::spawn(tx.send(1));
    assert_pending!(woken.poll(), "the channel is full: a send must wait");
    let got = assert_ready!(pop(rx), "the channel is full: recv() must not wait");
    assert_eq!(got, Some(0), "recv() must return the first message sent");
    assert!(
        woken.is_woken(),
        "the pop freed a slot but did not wake the waiting sender"
    );
    woken
}

/// Polls each waiting sender that has been woken and is not done yet, and
/// returns how many of them completed. A woken sender may still return
/// `Pending` (a spurious wakeup is allowed); a sender that was not woken is
/// not polled, so a lost wakeup shows as nobody completing.
pub fn let_woken_senders_through<F: Future>(senders: &mut [Spawn<F>], done: &mut [bool]) -> usize {
    let mut completed = 0;
    for (sender, done) in senders.iter_mut().zip(done.iter_mut()) {
        if !*done && sender.is_woken() && sender.poll().is_ready() {
            *done = true;
            completed += 1;
        }
    }
    completed
}

/// Pops one message, which must be there, and then lets the woken waiting
/// senders through (see [`let_woken_senders_through`]): how many got through.
pub fn pop_and_let_woken_senders_through<F: Future>(
    rx: &mut imp::Receiver<u32>,
    senders: &mut [Spawn<F>],
    done: &mut [bool],
) -> usize {
    let got = assert_ready!(pop(rx), "a message is queued: recv() must not wait");
    assert!(
        got.is_some(),
        "a message is queued, yet recv() returned None"
    );
    let_woken_senders_through(senders, done)
}

/// Which of these waiting senders have been woken.
pub fn woken<F>(senders: &[Spawn<F>]) -> Vec<bool> {
    senders.iter().map(|s| s.is_woken()).collect()
}
