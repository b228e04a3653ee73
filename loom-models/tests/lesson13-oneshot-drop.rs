//! Exercise 2's loom models: a send or a drop races the other half.
//!
//! `imp` is the checked `lib.rs`, from the loom runner's folder (see the
//! crate's docs).

#![cfg(loom)]

#[allow(warnings, clippy::all)]
mod imp {
    include!(concat!(
        env!("LESSON13_LOOM_SOURCES"),
        "/lesson13-oneshot-drop.rs"
    ));
}

use imp::{RecvError, channel};
use loom_models::model::{block_on, call, check, poll_once, spawn};
use std::task::Poll;

#[test]
fn the_senders_drop_races_the_receivers_poll() {
    check("the receiver", || {
        let (tx, rx) = channel::<u8>();
        let dropper = spawn("the sender", move || call("drop(tx)", || drop(tx)));
        assert_eq!(block_on("rx", rx), Err(RecvError));
        dropper.join().unwrap();
    });
}

#[test]
fn the_receiver_changes_task_while_the_sender_drops() {
    check("the receiver", || {
        let (tx, mut rx) = channel::<u8>();
        let dropper = spawn("the sender", move || call("drop(tx)", || drop(tx)));
        match poll_once("rx", &mut rx) {
            Poll::Ready(result) => assert_eq!(result, Err(RecvError)),
            // Waiting: the receiver moves to another thread and waker.
            Poll::Pending => {
                let receiver = spawn("the receiver's new task", move || block_on("rx", rx));
                assert_eq!(receiver.join().unwrap(), Err(RecvError));
            }
        }
        dropper.join().unwrap();
    });
}

#[test]
fn send_then_drop_races_the_receivers_poll() {
    check("the receiver", || {
        let (tx, rx) = channel();
        let sender = spawn("the sender", move || call("tx.send(3)", || tx.send(3)));
        assert_eq!(
            block_on("rx", rx),
            Ok(3),
            "the value must win over the closed flag"
        );
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

#[test]
fn the_receivers_drop_races_send() {
    check("the receiver", || {
        let (tx, rx) = channel();
        let sender = spawn("the sender", move || call("tx.send(4)", || tx.send(4)));
        call("drop(rx)", || drop(rx));
        // Either outcome is right; the send must just not hang or panic.
        assert!(matches!(sender.join().unwrap(), Ok(()) | Err(4)));
    });
}
