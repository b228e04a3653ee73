//! Exercise 3's loom models: two senders, or the last drop, race the
//! receiver.
//!
//! `imp` is the checked `lib.rs`, from the loom runner's folder (see the
//! crate's docs).

#![cfg(loom)]

#[allow(warnings, clippy::all)]
mod imp {
    include!(concat!(env!("LESSON13_LOOM_SOURCES"), "/lesson13-mpsc.rs"));
}

use imp::channel;
use loom_models::model::{block_on, call, check, poll_once, spawn};
use std::task::Poll;

#[test]
fn two_senders_race_recv_and_the_last_drop_ends_it() {
    check("the receiver", || {
        let (tx, mut rx) = channel();
        let tx2 = tx.clone();
        let a = spawn("the first sender", move || {
            call("tx.send(1)", || tx.send(1)).unwrap()
        });
        let b = spawn("the second sender", move || {
            call("tx2.send(2)", || tx2.send(2)).unwrap()
        });
        let mut received = Vec::new();
        while let Some(message) = block_on("rx.recv()", rx.recv()) {
            received.push(message);
        }
        received.sort();
        assert_eq!(received, [1, 2], "every message sent must be received");
        a.join().unwrap();
        b.join().unwrap();
    });
}

#[test]
fn the_last_drop_races_recv() {
    check("the receiver", || {
        let (tx, mut rx) = channel::<u8>();
        let dropper = spawn("the sender", move || call("drop(tx)", || drop(tx)));
        assert_eq!(block_on("rx.recv()", rx.recv()), None);
        dropper.join().unwrap();
    });
}

/// The sender stays alive (its thread hands it back when joined, after the
/// receive), so only its send can wake the receiver: a wake that comes
/// before the message is in the queue is lost.
#[test]
fn a_send_races_recv_while_the_sender_lives() {
    check("the receiver", || {
        let (tx, mut rx) = channel();
        let sender = spawn("the sender", move || {
            call("tx.send(1)", || tx.send(1)).unwrap();
            tx
        });
        assert_eq!(block_on("rx.recv()", rx.recv()), Some(1));
        let tx = sender.join().unwrap();
        call("drop(tx)", || drop(tx));
    });
}

/// The receiver polls once, then moves to another task (a new thread and
/// waker) while the send races: the send must wake the new task.
#[test]
fn the_receiver_changes_task_while_a_send_races() {
    check("the receiver", || {
        let (tx, mut rx) = channel();
        let sender = spawn("the sender", move || {
            call("tx.send(1)", || tx.send(1)).unwrap();
            tx
        });
        let first = poll_once("rx.recv()", &mut Box::pin(rx.recv()));
        match first {
            Poll::Ready(message) => assert_eq!(message, Some(1)),
            Poll::Pending => {
                let receiver = spawn("the receiver's new task", move || {
                    block_on("rx.recv()", rx.recv())
                });
                assert_eq!(receiver.join().unwrap(), Some(1));
            }
        }
        let tx = sender.join().unwrap();
        call("drop(tx)", || drop(tx));
    });
}
