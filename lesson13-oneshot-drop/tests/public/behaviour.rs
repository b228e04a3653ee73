//! One test per graded behaviour of Exercise 2, in the order of the README's
//! "What is graded" list: noticing that the other half is gone. (Exercise 1's
//! tests run too, from `main.rs`: the channel must still send and receive.)
//!
//! The futures are polled by hand with `tokio_test`'s mock task, whose waker
//! records whether it was woken: `Pending`, woken, `Ready`, in order, with no
//! timing involved.

use super::imp;
use lesson13_testkit::hints::{DEADLOCK, ONESHOT_DROP_LOST_WAKEUP};
use lesson13_testkit::{DropCounter, block_on_racing, pending_signal, with_deadline};
use std::future::Future;
use tokio_test::{assert_pending, assert_ready, task};

#[test]
fn dropping_the_sender_wakes_the_waiting_receiver_with_an_error() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<u32>();
        let mut rx = task::spawn(rx);
        assert_pending!(
            rx.poll(),
            "nothing was sent and the sender is alive: the receiver must wait"
        );
        drop(tx);
        assert!(
            rx.is_woken(),
            "dropping the sender did not wake the waiting receiver, which would wait forever: \
             in the Sender's Drop, set `closed` and then wake the stored waker"
        );
        let result = assert_ready!(
            rx.poll(),
            "woken, but still Pending after the sender was dropped: poll() must return \
             Ready(Err(RecvError)) when `closed` is set and no value is there"
        );
        assert_eq!(
            result,
            Err(imp::RecvError),
            "the sender is gone without sending: the receiver must resolve to Err(RecvError)"
        );
    });
}

#[test]
fn sender_dropped_before_the_receiver_polls_gives_an_error() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<u32>();
        drop(tx);
        let mut rx = task::spawn(rx);
        let result = assert_ready!(
            rx.poll(),
            "the sender was dropped before the first poll, yet the receiver waits: poll() must \
             check `closed` (after checking for a value), not only be woken by the Drop"
        );
        assert_eq!(
            result,
            Err(imp::RecvError),
            "the sender is gone without sending: the receiver must resolve to Err(RecvError)"
        );
    });
}

#[test]
fn the_latest_waker_is_woken_when_the_sender_drops() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<u8>();
        let mut rx = Box::pin(rx);
        let mut first = task::spawn(());
        let mut second = task::spawn(());
        assert_pending!(
            first.enter(|cx, _| rx.as_mut().poll(cx)),
            "the sender is alive: the receiver must wait"
        );
        // The receiver moves to a second task, with a different waker.
        assert_pending!(
            second.enter(|cx, _| rx.as_mut().poll(cx)),
            "the sender is alive: the receiver must wait"
        );
        drop(tx);
        assert!(
            second.is_woken(),
            "{}",
            if first.is_woken() {
                "the sender's drop woke the task that polled the receiver first, not the one \
                 that polled it last: replace the stored waker on every Pending poll, not only \
                 the first"
            } else {
                "the sender's drop woke no task at all, and the receiver would wait forever: in \
                 the Sender's Drop, set `closed` and then wake the stored waker"
            }
        );
        let result = assert_ready!(
            second.enter(|cx, _| rx.as_mut().poll(cx)),
            "woken, but still Pending: poll() must return Ready(Err(RecvError)) when `closed` is \
             set and no value is there"
        );
        assert_eq!(
            result,
            Err(imp::RecvError),
            "the sender is gone without sending: the receiver must resolve to Err(RecvError)"
        );
    });
}

#[test]
fn a_value_sent_before_the_sender_drops_wins_over_closed() {
    with_deadline(DEADLOCK, || {
        // `send` consumes the sender, so its Drop runs right after the value
        // is stored: the receiver sees a value *and* `closed`.
        let (tx, rx) = imp::channel();
        tx.send(11)
            .expect("send() returned Err although the receiver is alive");
        let mut rx = task::spawn(rx);
        let result = assert_ready!(rx.poll(), "the value was sent: the receiver is Ready");
        assert_eq!(
            result,
            Ok(11),
            "the value was sent, then the sender dropped (send() consumes it): poll() must \
             check for a value before it checks `closed`"
        );
    });
}

#[test]
fn a_value_sent_to_a_waiting_receiver_wins_over_closed() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let mut rx = task::spawn(rx);
        assert_pending!(rx.poll(), "nothing was sent: the receiver must wait");
        tx.send(12)
            .expect("send() returned Err although the receiver is alive");
        assert!(
            rx.is_woken(),
            "send() did not wake the waiting receiver (a lost wakeup)"
        );
        let result = assert_ready!(rx.poll(), "woken, but still Pending");
        assert_eq!(
            result,
            Ok(12),
            "the value must be delivered although the sender is gone by now: poll() must check \
             for a value before it checks `closed`"
        );
    });
}

#[test]
fn send_to_a_dropped_receiver_returns_the_value() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        drop(rx);
        let letter = String::from("return to sender");
        assert_eq!(
            tx.send(letter.clone()),
            Err(letter),
            "the receiver is gone: send() must return Err(value), with the value intact. Does \
             the Receiver's Drop set `closed`, and does send() check it before storing?"
        );
    });
}

#[test]
fn send_to_a_receiver_dropped_while_waiting_returns_the_value() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let mut rx = task::spawn(rx);
        assert_pending!(rx.poll(), "nothing was sent: the receiver must wait");
        drop(rx);
        assert_eq!(
            tx.send(vec![1, 2, 3]),
            Err(vec![1, 2, 3]),
            "the receiver was dropped while it waited: send() must return Err(value). Does the \
             Receiver's Drop set `closed`?"
        );
    });
}

#[test]
fn a_value_that_is_never_received_is_dropped_exactly_once() {
    with_deadline(DEADLOCK, || {
        // Sent, then the receiver dropped without reading it.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel();
        tx.send(counter.track(1))
            .expect("send() returned Err although the receiver is alive");
        assert_eq!(
            counter.dropped(),
            0,
            "the value was dropped before anyone could receive it"
        );
        drop(rx);
        assert_eq!(
            counter.dropped(),
            1,
            "the value was sent and both halves are gone: the unread value must be dropped \
             exactly once (0: leaked: is the shared state kept alive, or the value or a half \
             forgotten with mem::forget? 2: dropped twice)"
        );

        // Sent to a receiver that was already gone: the caller gets it back.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel();
        drop(rx);
        let Err(returned) = tx.send(counter.track(2)) else {
            panic!(
                "the receiver is gone, yet send() returned Ok: it must return Err(value). Does \
                 the Receiver's Drop set `closed`?"
            );
        };
        assert_eq!(
            (returned.id, counter.dropped()),
            (2, 0),
            "send() must hand back the very value it was given, not drop it"
        );
        drop(returned);
        assert_eq!(
            counter.dropped(),
            1,
            "the returned value belongs to the caller"
        );

        // Received: the receiver's caller owns it, and the channel drops nothing.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel();
        tx.send(counter.track(3))
            .expect("send() returned Err although the receiver is alive");
        let received = assert_ready!(task::spawn(rx).poll(), "the value was sent: Ready");
        let Ok(received) = received else {
            panic!(
                "the value was sent, yet the receiver resolved to Err(RecvError): poll() must \
                 check for a value before it checks `closed`"
            );
        };
        assert_eq!(
            (received.id, counter.dropped()),
            (3, 0),
            "the received value must be the one sent, and not dropped by the channel"
        );
        drop(received);
        assert_eq!(
            counter.dropped(),
            1,
            "the received value belongs to the caller"
        );
    });
}

#[test]
fn dropping_the_receiver_releases_its_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<u32>();
        let mut receiving_task = task::spawn(());
        {
            let mut rx = std::pin::pin!(rx);
            assert_pending!(
                receiving_task.enter(|cx, _| rx.as_mut().poll(cx)),
                "nothing was sent and the sender is alive: the receiver must wait"
            );
        }
        // `tx` is alive: the channel's state lives on.
        assert_eq!(
            receiving_task.waker_ref_count(),
            1,
            "the receiver was dropped, but the channel still holds a clone of the waker of its \
             last Pending poll: as long as the sender lives, that keeps the receiving task (and \
             all it owns) alive. In the Receiver's Drop, take the stored waker out (and drop it \
             after releasing the lock)"
        );
        drop(tx);
    });
}

#[test]
fn halves_dropped_in_either_order_on_other_threads() {
    with_deadline(ONESHOT_DROP_LOST_WAKEUP, || {
        for i in 0..20u32 {
            let (tx, rx) = imp::channel::<u32>();
            let (signal, waiting) = pending_signal();
            // The sender goes once the receiver waits...
            let sender = std::thread::spawn(move || {
                waiting.wait();
                if i % 2 == 0 {
                    drop(tx);
                    None
                } else {
                    Some(tx.send(i))
                }
            });
            // ...and the racing executor holds the dropping thread back until
            // this one has polled, so a wake before `closed` is set is caught.
            let received = block_on_racing(signal.on_first_pending(rx));
            match sender.join().expect("the sending thread panicked") {
                None => assert_eq!(
                    received,
                    Err(imp::RecvError),
                    "round {i}: the sender was dropped without sending"
                ),
                Some(sent) => {
                    assert_eq!(
                        sent,
                        Ok(()),
                        "round {i}: send() returned Err although the receiver is alive"
                    );
                    assert_eq!(
                        received,
                        Ok(i),
                        "round {i}: the value was sent, then the sender dropped: the value wins \
                         over `closed`"
                    );
                }
            }
        }
    });
}
