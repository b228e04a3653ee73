//! Exercise 4's loom models: waiting senders race the pops, a cancelled
//! send and a dropped receiver.
//!
//! `imp` is the checked `lib.rs`, from the loom runner's folder (see the
//! crate's docs).

#![cfg(loom)]

#[allow(warnings, clippy::all)]
mod imp {
    include!(concat!(
        env!("LESSON13_LOOM_SOURCES"),
        "/lesson13-bounded.rs"
    ));
}

use imp::{Receiver, SendError, SendFuture, channel};
use loom_models::model::{block_on, call, check, poll_once, spawn};
use std::pin::Pin;

#[test]
fn two_blocked_senders_race_the_pops() {
    check("the receiver", || {
        let (tx, mut rx) = channel(1);
        block_on("tx.send(0)", tx.send(0)).unwrap(); // full
        let tx2 = tx.clone();
        let a = spawn("the first sender", move || {
            block_on("tx.send(1)", tx.send(1)).unwrap()
        });
        let b = spawn("the second sender", move || {
            block_on("tx2.send(2)", tx2.send(2)).unwrap()
        });
        let received = receive_all(&mut rx);
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(
            sorted(received),
            [0, 1, 2],
            "every message sent must be received"
        );
    });
}

#[test]
fn a_cancelled_sender_races_a_pop() {
    check("the receiver", || {
        let (tx, mut rx) = channel(1);
        block_on("tx.send(0)", tx.send(0)).unwrap(); // full
        let tx2 = tx.clone();
        // One sender polls once and gives up, waiting or woken...
        let quitter = spawn("the sender that gives up", move || {
            let mut send = Box::pin(tx.send(1));
            let sent = poll_once("tx.send(1)", &mut send).is_ready();
            call("drop(the send future)", || drop(send));
            sent
        });
        // ...and must not strand the other one.
        let waiter = spawn("the waiting sender", move || {
            block_on("tx2.send(2)", tx2.send(2)).unwrap()
        });
        let received = receive_all(&mut rx);
        let quitter_sent = quitter.join().unwrap();
        waiter.join().unwrap();
        let expected: &[u32] = if quitter_sent { &[0, 1, 2] } else { &[0, 2] };
        assert_eq!(sorted(received), expected, "the messages received");
    });
}

/// Receives the rest once every sender is gone.
fn receive_all(rx: &mut Receiver<u32>) -> Vec<u32> {
    let mut received = Vec::new();
    while let Some(message) = block_on("rx.recv()", rx.recv()) {
        received.push(message);
    }
    received
}

fn sorted(mut messages: Vec<u32>) -> Vec<u32> {
    messages.sort();
    messages
}

/// The race of the two models below: a full channel of capacity 1 and
/// a sender waiting in line (polled once on this thread), then a pop and
/// a brand-new send on two other threads, while `waiting_sender` goes on
/// with the waiting send future here. Returns what `waiting_sender`
/// returned, and the messages received after the pop's.
fn a_pop_races_a_new_send<R>(
    waiting_sender: impl for<'a> FnOnce(Pin<Box<SendFuture<'a, u32>>>) -> R,
) -> (R, Vec<u32>) {
    let (tx, mut rx) = channel(1);
    block_on("tx.send(0)", tx.send(0)).unwrap(); // full
    let mut waiting = Box::pin(tx.send(1));
    assert!(
        poll_once("tx.send(1)", &mut waiting).is_pending(),
        "the channel is full"
    );
    let pop = spawn("the receiver", move || {
        (block_on("rx.recv()", rx.recv()), rx)
    });
    let tx2 = tx.clone();
    let newcomer = spawn("the new sender", move || {
        block_on("tx2.send(2)", tx2.send(2)).unwrap()
    });
    let result = waiting_sender(waiting);
    call("drop(tx)", || drop(tx));
    let (first, mut rx) = pop.join().unwrap();
    assert_eq!(first, Some(0));
    let rest = receive_all(&mut rx);
    newcomer.join().unwrap();
    (result, rest)
}

/// In every interleaving the waiting sender's message comes next: the
/// slot the pop frees is its own, so the new send, whenever it starts,
/// queues behind it. If the new send took that slot, the woken sender
/// would wait for a second pop, which this thread only does after it:
/// loom reports that as a deadlock.
#[test]
fn a_woken_sender_is_not_overtaken_by_a_new_send() {
    check("the waiting sender", || {
        let ((), rest) = a_pop_races_a_new_send(|waiting| block_on("tx.send(1)", waiting).unwrap());
        assert_eq!(rest, [1, 2], "the new send overtook the woken sender");
    });
}

/// The waiting sender gives up after one more poll, in line or already
/// woken: a slot the pop gave it must pass to the new send (waiting
/// behind it), or be freed for it. A slot kept for nobody leaves the new
/// send waiting forever, which loom reports as a deadlock.
#[test]
fn a_woken_sender_that_is_cancelled_passes_its_slot_to_a_new_send() {
    check("the waiting sender", || {
        let (sent, rest) = a_pop_races_a_new_send(|mut waiting| {
            let sent = poll_once("tx.send(1)", &mut waiting).is_ready();
            call("drop(the send future)", || drop(waiting));
            sent
        });
        let expected: &[u32] = if sent { &[1, 2] } else { &[2] };
        assert_eq!(rest, expected, "the messages received after the pop");
    });
}

/// Every sender waiting when the receiver goes must be woken, and get its
/// message back.
#[test]
fn the_receivers_drop_races_two_waiting_senders() {
    check("the receiver", || {
        let (tx, rx) = channel(1);
        block_on("tx.send(0)", tx.send(0)).unwrap(); // full
        let tx2 = tx.clone();
        let a = spawn("the first sender", move || {
            block_on("tx.send(1)", tx.send(1))
        });
        let b = spawn("the second sender", move || {
            block_on("tx2.send(2)", tx2.send(2))
        });
        call("drop(rx)", || drop(rx));
        assert_eq!(a.join().unwrap(), Err(SendError(1)));
        assert_eq!(b.join().unwrap(), Err(SendError(2)));
    });
}
