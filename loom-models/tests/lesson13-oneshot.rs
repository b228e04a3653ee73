//! Exercise 1's loom models: a send races the receiver's polls.
//!
//! `imp` is the checked `lib.rs`, from the loom runner's folder (see the
//! crate's docs).

#![cfg(loom)]

#[allow(warnings, clippy::all)]
mod imp {
    include!(concat!(
        env!("LESSON13_LOOM_SOURCES"),
        "/lesson13-oneshot.rs"
    ));
}

use imp::channel;
use loom_models::model::{block_on, call, check, poll_once, spawn};
use std::task::Poll;

#[test]
fn send_races_the_receivers_poll() {
    check("the receiver", || {
        let (tx, rx) = channel();
        let sender = spawn("the sender", move || call("tx.send(1)", || tx.send(1)));
        assert_eq!(block_on("rx", rx), Ok(1));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

#[test]
fn the_receiver_changes_task_while_send_races() {
    check("the receiver", || {
        let (tx, mut rx) = channel();
        let sender = spawn("the sender", move || call("tx.send(2)", || tx.send(2)));
        match poll_once("rx", &mut rx) {
            Poll::Ready(result) => assert_eq!(result, Ok(2)),
            // Waiting: the receiver moves to another thread and waker.
            Poll::Pending => {
                let receiver = spawn("the receiver's new task", move || block_on("rx", rx));
                assert_eq!(receiver.join().unwrap(), Ok(2));
            }
        }
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}
