//! One test per graded behaviour of Exercise 3, in the order of the README's
//! "What is graded" list.
//!
//! Most tests poll `recv()` by hand with `tokio_test`'s mock task, whose waker
//! records whether it was woken: `Pending`, woken, `Ready`, in order, with no
//! timing involved. Exercise 4 runs this file too, against its bounded
//! channel with plenty of room.

use super::imp;
use super::support::try_recv;
use lesson13_testkit::hints::{DEADLOCK, MPSC_LOST_WAKEUP};
use lesson13_testkit::{DropCounter, Tracked, block_on_racing, pending_signal, with_deadline};
use std::future::Future;
use tokio_test::{assert_pending, assert_ready, task};

#[test]
fn messages_from_one_sender_arrive_in_the_order_sent() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        for i in 1..=5 {
            tx.send(i)
                .expect("send() returned Err although the receiver is alive");
        }
        for expected in 1..=5 {
            let got = assert_ready!(
                try_recv(&mut rx),
                "messages are queued, yet recv() returned Pending"
            );
            assert_eq!(
                got,
                Some(expected),
                "messages must come out in the order they went in (FIFO: push_back in send(), \
                 pop_front in recv())"
            );
        }
    });
}

#[test]
fn recv_waits_while_a_sender_is_alive() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<u8>();
        let mut recv = task::spawn(rx.recv());
        assert_pending!(
            recv.poll(),
            "the queue is empty and a sender is alive: recv() must wait (Pending), not end"
        );
        assert_pending!(recv.poll(), "recv() must keep waiting on a second poll");
        assert!(
            !recv.is_woken(),
            "the receiver was woken although nothing happened: poll_recv() must not wake its \
             own waker"
        );
        drop(recv);
        drop(tx);
    });
}

#[test]
fn clones_count_as_senders() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let clone = tx.clone();
        drop(tx);
        let mut recv = task::spawn(rx.recv());
        assert_pending!(
            recv.poll(),
            "the original sender was dropped but its clone is alive, yet recv() ended: the \
             channel must close only when the LAST sender is gone. Count the senders (+1 in \
             Clone, -1 in Drop) and close only when the count reaches zero"
        );
        clone
            .send(9)
            .expect("send() returned Err although the receiver is alive");
        assert!(
            recv.is_woken(),
            "send() on the clone did not wake the waiting receiver (a lost wakeup): poll_recv() \
             must store cx.waker() before it returns Pending, send() must wake it after pushing, \
             and every clone must share the same state (the same Arc)"
        );
        let got = assert_ready!(recv.poll(), "woken, but still Pending");
        assert_eq!(
            got,
            Some(9),
            "recv() must return the message the clone sent"
        );
        drop(recv);
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll(), "the clone is still alive: recv() must wait");
        drop(clone);
        assert_woken_and_closed(&mut recv);
    });
}

#[test]
fn recv_returns_none_once_every_sender_is_dropped() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<u8>();
        drop(tx);
        let got = assert_ready!(
            try_recv(&mut rx),
            "every sender is gone and the queue is empty: recv() must return None, not wait"
        );
        assert_eq!(got, None, "no sender is left: recv() must return None");

        let (tx, mut rx) = imp::channel::<u8>();
        let clones = [tx.clone(), tx.clone(), tx.clone()];
        drop(tx);
        drop(clones);
        let got = assert_ready!(
            try_recv(&mut rx),
            "four senders were created (one and three clones) and all four dropped, yet recv() \
             waits: does Clone add one to the count, and Drop take one off?"
        );
        assert_eq!(got, None, "no sender is left: recv() must return None");
    });
}

#[test]
fn messages_sent_before_the_last_drop_are_delivered_and_then_none_stays_none() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let clone = tx.clone();
        tx.send("a")
            .expect("send() returned Err although the receiver is alive");
        clone
            .send("b")
            .expect("send() returned Err although the receiver is alive");
        drop(tx);
        drop(clone);
        let got = assert_ready!(try_recv(&mut rx), "two messages are queued");
        assert_eq!(
            got,
            Some("a"),
            "{}",
            match got {
                None => {
                    "messages sent before the senders were dropped must still be delivered: pop \
                     from the queue first, and return None only when it is empty and no sender \
                     is left"
                }
                Some(_) => {
                    "the first message sent must come out first (FIFO: push_back in send(), \
                     pop_front in recv())"
                }
            }
        );
        let got = assert_ready!(try_recv(&mut rx), "one message is still queued");
        assert_eq!(got, Some("b"), "the second message must be delivered too");
        for _ in 0..3 {
            let got = assert_ready!(
                try_recv(&mut rx),
                "the channel is closed and drained: recv() must return None, not wait"
            );
            assert_eq!(
                got, None,
                "once recv() returned None it must keep returning None"
            );
        }
    });
}

#[test]
fn the_last_senders_drop_wakes_the_waiting_receiver() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<u8>();
        let other = tx.clone();
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll(), "two senders are alive: recv() must wait");
        drop(other);
        assert_pending!(
            recv.poll(),
            "one of two senders was dropped; the other can still send, so recv() must wait. Is \
             the channel closed by every Drop instead of only the last one?"
        );
        drop(tx);
        assert_woken_and_closed(&mut recv);
    });
}

#[test]
fn send_wakes_the_waiting_receiver_even_if_the_sender_stays_alive() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll(), "nothing was sent: recv() must wait");
        tx.send("ping")
            .expect("send() returned Err although the receiver is alive");
        // `tx` stays alive and sends nothing more: only send() can wake us.
        assert!(
            recv.is_woken(),
            "send() did not wake the waiting receiver (a lost wakeup): store cx.waker() when \
             recv() is Pending, and wake it in send() after pushing"
        );
        let got = assert_ready!(recv.poll(), "woken, but the message is not there");
        assert_eq!(got, Some("ping"), "recv() must return the message sent");
        drop(recv);
        // And again: the receiver waits a second time and is woken a second time.
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll(), "the queue is empty again: recv() must wait");
        tx.send("pong")
            .expect("send() returned Err although the receiver is alive");
        assert!(
            recv.is_woken(),
            "send() woke the receiver once but not a second time: store the waker on every \
             Pending poll"
        );
        let got = assert_ready!(recv.poll(), "woken, but the message is not there");
        assert_eq!(got, Some("pong"), "recv() must return the message sent");
        drop(recv);
        drop(tx);
    });
}

#[test]
fn the_waker_of_the_latest_poll_is_woken() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let mut recv = Box::pin(rx.recv());
        let mut first_task = task::spawn(());
        let mut second_task = task::spawn(());
        assert_pending!(
            first_task.enter(|cx, _| recv.as_mut().poll(cx)),
            "nothing was sent: recv() must wait"
        );
        // The same recv() future is polled by another task.
        assert_pending!(
            second_task.enter(|cx, _| recv.as_mut().poll(cx)),
            "nothing was sent: recv() must wait"
        );
        tx.send(1)
            .expect("send() returned Err although the receiver is alive");
        assert!(
            second_task.is_woken(),
            "{}",
            if first_task.is_woken() {
                "send() woke the task that polled recv() first, not the one that polled it \
                 last: replace the stored waker on every Pending poll, not only the first"
            } else {
                "send() woke no task at all (a lost wakeup): after pushing the message, take \
                 the receiver's stored waker and wake it"
            }
        );
        let got = assert_ready!(
            second_task.enter(|cx, _| recv.as_mut().poll(cx)),
            "woken, but the message is not there"
        );
        assert_eq!(got, Some(1), "recv() must return the message sent");
        drop(recv);

        // A new recv() call, from a new task, must be woken too.
        assert_pending!(
            first_task.enter(|cx, _| Box::pin(rx.recv()).as_mut().poll(cx)),
            "nothing was sent: recv() must wait"
        );
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll(), "nothing was sent: recv() must wait");
        tx.send(2)
            .expect("send() returned Err although the receiver is alive");
        assert!(
            recv.is_woken(),
            "send() did not wake the newest recv() call: replace the stored waker on every \
             Pending poll"
        );
        let got = assert_ready!(recv.poll(), "woken, but the message is not there");
        assert_eq!(got, Some(2), "recv() must return the message sent");
    });
}

#[test]
fn send_after_the_receiver_is_dropped_returns_the_value() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let clone = tx.clone();
        drop(rx);
        let message = String::from("undeliverable");
        match tx.send(message.clone()) {
            Err(imp::SendError(returned)) => assert_eq!(
                returned, message,
                "send() must return the very value it was given"
            ),
            Ok(()) => panic!(
                "the receiver is gone, yet send() returned Ok: it must return \
                 Err(SendError(value)). Does the Receiver's Drop set `receiver_alive = false`, \
                 and does send() check it?"
            ),
        }
        assert!(
            clone.send(String::new()).is_err(),
            "the receiver is gone, yet send() on a clone returned Ok: every sender must see it"
        );
    });
}

#[test]
fn queued_messages_are_dropped_exactly_once() {
    with_deadline(DEADLOCK, || {
        // Receiver dropped with messages queued, sender dropped after.
        let counter = DropCounter::new();
        let (tx, mut rx) = imp::channel();
        for i in 0..4 {
            tx.send(counter.track(i))
                .expect("send() returned Err although the receiver is alive");
        }
        let first = assert_ready!(try_recv(&mut rx), "four messages are queued");
        let first = first.expect("four messages are queued, yet recv() returned None");
        assert_eq!(
            first.id, 0,
            "recv() must return the first message sent (FIFO: push_back in send(), pop_front in \
             recv())"
        );
        assert_eq!(
            counter.dropped(),
            0,
            "a message was dropped while it was still queued: the channel must drop a message \
             only when it is received or when the channel goes away"
        );
        drop(first);
        drop(rx);
        let Err(refused) = tx.send(counter.track(99)) else {
            panic!(
                "the receiver is gone, yet send() returned Ok: it must return \
                 Err(SendError(value)). Does the Receiver's Drop set `receiver_alive = false`?"
            );
        };
        drop(refused);
        drop(tx);
        assert_eq!(
            counter.dropped(),
            5,
            "5 messages: 1 received, 3 left in the queue when the receiver was dropped, 1 \
             refused. Each must be dropped exactly once (fewer: leaked; more: dropped twice). \
             The Receiver's Drop should drop the queued messages"
        );

        // Sender dropped first, receiver after.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel::<Tracked>();
        tx.send(counter.track(1))
            .expect("send() returned Err although the receiver is alive");
        tx.send(counter.track(2))
            .expect("send() returned Err although the receiver is alive");
        drop(tx);
        assert_eq!(
            counter.dropped(),
            0,
            "messages were dropped before they could be received: the last sender's drop must \
             not clear the queue"
        );
        drop(rx);
        assert_eq!(
            counter.dropped(),
            2,
            "both unread messages must be dropped exactly once when the channel goes away"
        );
    });
}

#[test]
fn dropping_the_receiver_releases_its_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<u32>();
        let mut receiving_task = task::spawn(());
        {
            let mut recv = std::pin::pin!(rx.recv());
            assert_pending!(
                receiving_task.enter(|cx, _| recv.as_mut().poll(cx)),
                "nothing was sent: recv() must wait"
            );
        }
        drop(rx);
        // `tx` is alive: the channel's state lives on.
        assert_eq!(
            receiving_task.waker_ref_count(),
            1,
            "the receiver was dropped, but the channel still holds a clone of the waker of its \
             last Pending poll: as long as any sender lives, that keeps the receiving task (and \
             all it owns) alive. In the Receiver's Drop, take the stored waker out (and drop it \
             after releasing the lock)"
        );
        drop(tx);
    });
}

#[test]
fn a_send_on_another_thread_wakes_the_waiting_receiver_after_pushing() {
    with_deadline(MPSC_LOST_WAKEUP, || {
        for i in 0..20u64 {
            let (tx, mut rx) = imp::channel();
            let (signal, waiting) = pending_signal();
            // The send comes once the receiver waits. The sender stays alive
            // until the message is received, so only send()'s own wakeup can
            // end the wait, not the last sender's drop.
            let sender = std::thread::spawn(move || {
                waiting.wait();
                let sent = tx.send(i).is_ok();
                (sent, tx)
            });
            // The racing executor holds the sending thread back inside wake()
            // until the receiver has polled again, so a send that wakes before
            // it pushes (and does not wake again) is caught every time.
            let received = block_on_racing(signal.on_first_pending(rx.recv()));
            let (sent, tx) = sender.join().expect("the sending thread panicked");
            assert!(
                sent,
                "round {i}: send() returned Err although the receiver is alive"
            );
            assert_eq!(
                received,
                Some(i),
                "round {i}: the sender is alive and sent one message, so recv() must return it \
                 (None comes only after the last sender is dropped)"
            );
            drop(tx);
        }
    });
}

#[test]
fn api_matches_the_contract() {
    fn is_send<T: Send>(_: &T) {}
    fn is_clone<T: Clone>(_: &T) {}
    fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
    fn is_value<E: Clone + Copy + PartialEq + Eq + std::fmt::Debug>() {}
    /// Neither `Clone` nor `Debug`: the channel must not require them.
    /// (If this does not compile, write `Clone` for `Sender` by hand instead
    /// of deriving it, and remove any `T: Clone` or `T: Debug` bound.)
    struct Opaque;
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<Opaque>();
        // `Sender<T>: Clone` for every `T`: `Opaque` is not `Clone`, so a
        // `#[derive(Clone)]` (which asks for `T: Clone`) does not do; write
        // `impl<T> Clone for Sender<T>` by hand.
        is_clone(&tx);
        // The handles and the `recv` future can move to another thread when
        // `T: Send`.
        is_send(&tx);
        is_send(&rx);
        let recv = rx.recv();
        is_send(&recv);
        drop(recv);
        // `SendError<T>` stays as given: an error for any `T`, and a plain
        // value (`Clone`, `Copy`, `PartialEq`, `Eq`, `Debug`) when `T` is.
        is_error::<imp::SendError<Opaque>>();
        is_value::<imp::SendError<u8>>();
        let error = imp::SendError(Opaque);
        assert!(
            !format!("{error}").is_empty(),
            "SendError's Display prints nothing: say what went wrong"
        );
        assert!(
            !format!("{error:?}").is_empty(),
            "SendError's Debug prints nothing"
        );
        let imp::SendError(_inner) = error;
        drop((tx, rx));
    });
}

/// The last sender was just dropped while `recv` waited: it must have been
/// woken, and must now return `None`.
#[track_caller]
fn assert_woken_and_closed<T: std::fmt::Debug + PartialEq>(
    recv: &mut task::Spawn<impl Future<Output = Option<T>>>,
) {
    assert!(
        recv.is_woken(),
        "the last sender's drop did not wake the waiting receiver, which would wait forever: \
         the Drop that takes the count to zero must wake the stored waker"
    );
    let got = assert_ready!(recv.poll(), "woken, but still Pending with no sender left");
    assert_eq!(got, None, "no sender is left: recv() must return None");
}
