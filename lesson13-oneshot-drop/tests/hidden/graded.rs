//! Exercise 2, graded: everything Exercise 1 grades, plus noticing that the
//! other half is gone.

use super::imp;
use lesson13_testkit::{DropCounter, block_on_racing, multi_thread, with_deadline};
use tokio_test::{assert_pending, assert_ready, task};

/// Exercise 2's channel must still pass every Exercise 1 test.
#[path = "../../../lesson13-oneshot/tests/hidden/graded.rs"]
mod exercise1;

const DEADLOCK: &str =
    "a channel call never returned: is a lock taken twice, or held while waiting?";
const LOST_WAKEUP: &str = "a receiver never completed: a lost wakeup? The Sender's Drop must set \
     `closed` and then wake the waker stored by the receiver's latest Pending poll";

#[test]
fn dropping_the_sender_wakes_the_waiting_receiver_with_an_error() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<u32>();
        let mut rx = task::spawn(rx);
        assert_pending!(rx.poll(), "nothing was sent, yet the receiver is Ready");
        drop(tx);
        assert!(
            rx.is_woken(),
            "dropping the sender did not wake the waiting receiver: implement Drop for Sender \
             and wake the stored waker"
        );
        let result = assert_ready!(
            rx.poll(),
            "woken, but still Pending after the sender was dropped"
        );
        assert_eq!(result, Err(imp::RecvError));
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
            "the sender was dropped before the first poll: poll() must check `closed`"
        );
        assert_eq!(result, Err(imp::RecvError));
    });
}

#[test]
fn a_value_sent_before_the_sender_drops_wins_over_closed() {
    with_deadline(DEADLOCK, || {
        // `send` consumes the sender, so its Drop runs right after the value
        // is stored: the receiver sees a value *and* `closed`.
        let (tx, rx) = imp::channel();
        tx.send(11).unwrap();
        let mut rx = task::spawn(rx);
        let result = assert_ready!(rx.poll());
        assert_eq!(
            result,
            Ok(11),
            "the value was sent before the sender dropped: poll() must check for a value before \
             it checks `closed`"
        );
    });
}

#[test]
fn a_value_sent_to_a_waiting_receiver_wins_over_closed() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let mut rx = task::spawn(rx);
        assert_pending!(rx.poll());
        tx.send(12).unwrap();
        assert!(rx.is_woken(), "send() did not wake the waiting receiver");
        assert_eq!(
            assert_ready!(rx.poll()),
            Ok(12),
            "the value must be delivered although the sender is gone by now (check the value \
             before `closed`)"
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
            "the receiver is gone: send() must return Err(value) with the value intact (does the \
             Receiver's Drop set `closed`?)"
        );
    });
}

#[test]
fn send_to_a_receiver_dropped_while_waiting_returns_the_value() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let mut rx = task::spawn(rx);
        assert_pending!(rx.poll());
        drop(rx);
        assert_eq!(
            tx.send(vec![1, 2, 3]),
            Err(vec![1, 2, 3]),
            "the receiver was dropped while waiting: send() must return Err(value)"
        );
    });
}

#[test]
fn a_value_that_is_never_received_is_dropped_exactly_once() {
    with_deadline(DEADLOCK, || {
        // Sent, then the receiver dropped without reading it.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel();
        tx.send(counter.track(1)).unwrap();
        assert_eq!(
            counter.dropped(),
            0,
            "the value was dropped before anyone could receive it"
        );
        drop(rx);
        assert_eq!(
            counter.dropped(),
            1,
            "both halves are gone, so the unread value must be dropped exactly once (leaked?)"
        );

        // Sent to a receiver that was already gone: the caller gets it back.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel();
        drop(rx);
        let returned = tx.send(counter.track(2)).expect_err("the receiver is gone");
        assert_eq!((returned.id, counter.dropped()), (2, 0));
        drop(returned);
        assert_eq!(counter.dropped(), 1);

        // Received: the receiver's caller owns it, and the channel drops nothing.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel();
        tx.send(counter.track(3)).unwrap();
        let received = assert_ready!(task::spawn(rx).poll()).expect("the value was sent");
        assert_eq!((received.id, counter.dropped()), (3, 0));
        drop(received);
        assert_eq!(counter.dropped(), 1);
    });
}

#[test]
fn the_latest_waker_is_woken_when_the_sender_drops() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<u8>();
        let mut first = task::spawn(rx);
        assert_pending!(first.poll());
        // Move the receiver to a second mock task.
        let mut second = task::spawn(first.into_inner());
        assert_pending!(second.poll());
        drop(tx);
        assert!(
            second.is_woken(),
            "the sender's drop did not wake the task that polled the receiver last"
        );
        assert_eq!(assert_ready!(second.poll()), Err(imp::RecvError));
    });
}

#[test]
fn halves_dropped_in_either_order_on_other_threads() {
    with_deadline(LOST_WAKEUP, || {
        for i in 0..300u32 {
            let (tx, rx) = imp::channel::<u32>();
            let sender = std::thread::spawn(move || {
                if i % 2 == 0 {
                    drop(tx);
                    None
                } else {
                    Some(tx.send(i))
                }
            });
            // The racing executor holds the dropping thread back until this
            // one has polled, so a wake before `closed` is set is caught.
            let received = block_on_racing(rx);
            match sender.join().expect("the sending thread panicked") {
                None => assert_eq!(received, Err(imp::RecvError), "round {i}"),
                Some(sent) => {
                    assert_eq!(sent, Ok(()), "round {i}");
                    assert_eq!(received, Ok(i), "round {i}");
                }
            }
        }
    });
}

#[test]
fn a_task_that_drops_the_sender_wakes_a_receiver_task() {
    with_deadline(LOST_WAKEUP, || {
        multi_thread().block_on(async {
            for _ in 0..200 {
                let (tx, rx) = imp::channel::<String>();
                let receiver = tokio::spawn(rx);
                tokio::spawn(async move { drop(tx) });
                let result = receiver.await.expect("the receiving task panicked");
                assert_eq!(result, Err(imp::RecvError));
            }
        });
    });
}

#[test]
fn receiver_dropped_on_another_thread_while_sending() {
    with_deadline(DEADLOCK, || {
        let counter = DropCounter::new();
        for i in 0..300 {
            let (tx, rx) = imp::channel();
            let dropper = std::thread::spawn(move || drop(rx));
            // Either the value got in before the drop (and is dropped with the
            // channel) or it comes back: never lost, never dropped twice.
            if let Err(value) = tx.send(counter.track(i)) {
                assert_eq!(value.id, i);
            }
            dropper.join().expect("the dropping thread panicked");
        }
        assert_eq!(
            counter.dropped(),
            300,
            "every value must be dropped exactly once"
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
            assert_pending!(receiving_task.enter(|cx, _| rx.as_mut().poll(cx)));
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
