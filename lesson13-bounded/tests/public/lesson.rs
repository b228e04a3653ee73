//! "Test: channel(2), send 3 messages — third blocks until receiver pops one."
//!
//! The futures are polled by hand with `tokio_test`'s mock task, whose waker
//! records whether it was woken: no timing, no guessing.

use super::imp;
use lesson13_testkit::with_deadline;
use tokio_test::{assert_pending, assert_ready, task};

#[test]
fn channel_of_2_the_third_send_waits_until_the_receiver_pops_one() {
    with_deadline(
        "a channel call never returned: is a lock taken twice, or held while waiting?",
        || {
            let (tx, mut rx) = imp::channel(2);
            for message in [1, 2] {
                let sent = assert_ready!(
                    task::spawn(tx.send(message)).poll(),
                    "the channel has room for 2, so send({message}) must not wait"
                );
                assert!(sent.is_ok(), "send() failed although the receiver is alive");
            }
            let mut third = task::spawn(tx.send(3));
            assert_pending!(
                third.poll(),
                "the channel is full, so the third send must wait"
            );

            let first = assert_ready!(task::spawn(rx.recv()).poll(), "two messages are queued");
            assert_eq!(
                first,
                Some(1),
                "recv() must return the first message sent (FIFO)"
            );
            assert!(
                third.is_woken(),
                "recv() popped a message but did not wake the waiting sender"
            );
            let sent = assert_ready!(
                third.poll(),
                "there is room now: the third send must finish"
            );
            assert!(
                sent.is_ok(),
                "send() returned Err although the receiver is alive"
            );
            drop(third);

            for expected in [2, 3] {
                let got = assert_ready!(
                    task::spawn(rx.recv()).poll(),
                    "messages are queued: recv() must not wait"
                );
                assert_eq!(
                    got,
                    Some(expected),
                    "the messages must come out in the order they were sent"
                );
            }
        },
    );
}
