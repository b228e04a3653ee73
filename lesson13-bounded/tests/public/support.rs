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

/// Why a pop woke none of the waiting senders, when nothing else could
/// have taken its wakeup.
pub const POP_WOKE_NONE: &str = "a lost wakeup: after each pop, take the oldest waiting \
    sender's entry out of the line and wake its waker";

/// Pops one message, which must be there, and returns it, after checking
/// that the pop woke exactly one of the waiting `senders` that are not
/// `done`: the one that has waited longest (the first not done, as they
/// started waiting in order), and that it then gets through (it is marked
/// done). `round` names the pop in the messages, and `woke_none` says why
/// no sender would be woken (what else could take the wakeup): each
/// message names only what the failure shows.
pub fn pop_and_serve_the_oldest<F>(
    rx: &mut imp::Receiver<u32>,
    senders: &mut [Spawn<F>],
    done: &mut [bool],
    round: usize,
    woke_none: &str,
) -> u32
where
    F: Future<Output = Result<(), imp::SendError<u32>>>,
{
    let got = assert_ready!(pop(rx), "a message is queued: recv() must not wait");
    let got = got.expect("a message is queued, yet recv() returned None");
    let waiting: Vec<usize> = (0..senders.len()).filter(|&i| !done[i]).collect();
    let woken: Vec<usize> = waiting
        .iter()
        .copied()
        .filter(|&i| senders[i].is_woken())
        .collect();
    assert!(
        !woken.is_empty(),
        "pop #{round} woke none of the {} waiting senders, which would wait forever: {woke_none}",
        waiting.len()
    );
    assert!(
        woken.len() == 1,
        "pop #{round} woke {} of the {} waiting senders: a pop frees one slot, so it must wake \
         exactly one (the others find the channel full and wait again: a thundering herd)",
        woken.len(),
        waiting.len()
    );
    assert!(
        woken[0] == waiting[0],
        "pop #{round} woke a sender that started waiting after another one that still waits: \
         senders are served in the order they started waiting. Keep each waiting sender's own \
         waker with its entry (a queue of (ticket, waker), oldest first), and wake the entry \
         the pop takes"
    );
    let sent = assert_ready!(
        senders[woken[0]].poll(),
        "pop #{round} woke the oldest waiting sender, but its next poll is still Pending: a \
         woken sender must take the slot the pop kept for it, not wait in line again"
    );
    assert!(
        sent.is_ok(),
        "send() returned Err although the receiver is alive"
    );
    done[woken[0]] = true;
    got
}
