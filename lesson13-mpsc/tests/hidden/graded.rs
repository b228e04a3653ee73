//! Exercise 3, graded: an unbounded MPSC channel.
//!
//! Most tests poll `recv()` by hand with `tokio_test`'s mock task, whose waker
//! records whether it was woken: `Pending`, woken, `Ready`, in order, with no
//! timing involved. The stress tests at the end run real executors.
//!
//! Exercise 4 runs this file too, against its bounded channel seen through a
//! synchronous `send` (see `lesson13-bounded/tests/hidden/mpsc_view.rs`).

use super::imp;
use lesson13_testkit::{
    DropCounter, Tracked, assert_each_sender_in_order, block_on_racing, current_thread,
    multi_thread, with_deadline,
};
use std::future::Future;
use tokio_test::{assert_pending, assert_ready, task};

const DEADLOCK: &str =
    "a channel call never returned: is a lock taken twice, or held while waiting?";
const LOST_WAKEUP: &str = "the receiver never finished: a lost wakeup? send() must wake the waker \
     stored by recv()'s latest Pending poll (after pushing), and so must the last sender's drop";

/// Polls a fresh `recv()` once on a new mock task.
fn try_recv<T>(rx: &mut imp::Receiver<T>) -> std::task::Poll<Option<T>> {
    task::spawn(rx.recv()).poll()
}

/// Receives every message until `recv()` returns `None`.
async fn receive_all<T>(mut rx: imp::Receiver<T>) -> Vec<T> {
    let mut received = Vec::new();
    while let Some(message) = rx.recv().await {
        received.push(message);
    }
    received
}

#[test]
fn messages_from_one_sender_arrive_in_the_order_sent() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        for i in 1..=5 {
            tx.send(i)
                .expect("send() failed although the receiver is alive");
        }
        for expected in 1..=5 {
            let got = assert_ready!(
                try_recv(&mut rx),
                "messages were queued, yet recv() is Pending"
            );
            assert_eq!(
                got,
                Some(expected),
                "messages must come out in the order they went in (FIFO: push_back, pop_front)"
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
            "the queue is empty and a sender is alive: recv() must wait, not end"
        );
        assert_pending!(recv.poll(), "recv() must keep waiting on a second poll");
        assert!(
            !recv.is_woken(),
            "the receiver was woken although nothing happened"
        );
        drop(recv);
        drop(tx);
    });
}

#[test]
fn send_wakes_the_waiting_receiver_even_if_the_sender_stays_alive() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll());
        tx.send("ping").unwrap();
        // `tx` stays alive and sends nothing more: only send() can wake us.
        assert!(
            recv.is_woken(),
            "send() did not wake the waiting receiver: store cx.waker() when recv() is Pending \
             and wake it after pushing"
        );
        assert_eq!(assert_ready!(recv.poll()), Some("ping"));
        drop(recv);
        // And again: the receiver waits a second time and is woken a second time.
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll());
        tx.send("pong").unwrap();
        assert!(
            recv.is_woken(),
            "send() woke the receiver once but not a second time"
        );
        assert_eq!(assert_ready!(recv.poll()), Some("pong"));
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
        assert_pending!(first_task.enter(|cx, _| recv.as_mut().poll(cx)));
        // The same recv() future is polled by another task.
        assert_pending!(second_task.enter(|cx, _| recv.as_mut().poll(cx)));
        tx.send(1).unwrap();
        assert!(
            second_task.is_woken(),
            "send() did not wake the task that polled recv() last: replace the stored waker on \
             every Pending poll"
        );
        assert_eq!(
            assert_ready!(second_task.enter(|cx, _| recv.as_mut().poll(cx))),
            Some(1)
        );
        drop(recv);

        // A new recv() call, from a new task, must be woken too.
        assert_pending!(first_task.enter(|cx, _| Box::pin(rx.recv()).as_mut().poll(cx)));
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll());
        tx.send(2).unwrap();
        assert!(
            recv.is_woken(),
            "send() did not wake the newest recv() call"
        );
        assert_eq!(assert_ready!(recv.poll()), Some(2));
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
        assert_eq!(got, None);

        let (tx, mut rx) = imp::channel::<u8>();
        let clones = [tx.clone(), tx.clone(), tx.clone()];
        drop(tx);
        drop(clones);
        assert_eq!(
            assert_ready!(
                try_recv(&mut rx),
                "four senders were created and four dropped"
            ),
            None,
            "after the original and three clones are dropped, recv() must return None"
        );
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
            "a clone of the sender is still alive: recv() must wait (count clones in Clone)"
        );
        clone.send(9).expect("the receiver is alive");
        assert!(recv.is_woken());
        assert_eq!(assert_ready!(recv.poll()), Some(9));
        drop(recv);
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll(), "the clone is still alive: recv() must wait");
        drop(clone);
        assert!(
            recv.is_woken(),
            "the last sender's drop did not wake the receiver"
        );
        assert_eq!(assert_ready!(recv.poll()), None);
    });
}

#[test]
fn the_last_senders_drop_wakes_the_waiting_receiver() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<u8>();
        let other = tx.clone();
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll());
        drop(other);
        assert_pending!(
            recv.poll(),
            "one of two senders was dropped; the other can still send, so recv() must wait"
        );
        drop(tx);
        assert!(
            recv.is_woken(),
            "the last sender's drop did not wake the waiting receiver: it would wait forever"
        );
        assert_eq!(
            assert_ready!(recv.poll(), "woken, but still Pending with no sender left"),
            None
        );
    });
}

#[test]
fn messages_sent_before_the_last_drop_are_delivered_and_then_none_stays_none() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let clone = tx.clone();
        tx.send("a").unwrap();
        clone.send("b").unwrap();
        drop(tx);
        drop(clone);
        assert_eq!(
            assert_ready!(try_recv(&mut rx)),
            Some("a"),
            "messages sent before the senders were dropped must still be delivered (check the \
             queue before the sender count)"
        );
        assert_eq!(assert_ready!(try_recv(&mut rx)), Some("b"));
        for _ in 0..3 {
            assert_eq!(
                assert_ready!(
                    try_recv(&mut rx),
                    "the channel is closed and drained: return None"
                ),
                None,
                "once recv() returned None it must keep returning None"
            );
        }
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
            Err(imp::SendError(returned)) => assert_eq!(returned, message),
            Ok(()) => panic!(
                "the receiver is gone: send() must return Err(SendError(value)) (does the \
                 Receiver's Drop tell the senders?)"
            ),
        }
        assert!(
            clone.send(String::new()).is_err(),
            "every sender must see the receiver is gone"
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
            tx.send(counter.track(i)).unwrap();
        }
        let first = assert_ready!(try_recv(&mut rx)).expect("four messages were queued");
        assert_eq!((first.id, counter.dropped()), (0, 0));
        drop(first);
        drop(rx);
        let refused = tx
            .send(counter.track(99))
            .expect_err("the receiver is gone");
        drop(refused);
        drop(tx);
        assert_eq!(
            counter.dropped(),
            5,
            "every message must be dropped exactly once: 1 received, 3 left in the queue, 1 \
             refused (leaked, or dropped twice?)"
        );

        // Sender dropped first, receiver after.
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel::<Tracked>();
        tx.send(counter.track(1)).unwrap();
        tx.send(counter.track(2)).unwrap();
        drop(tx);
        assert_eq!(
            counter.dropped(),
            0,
            "messages were dropped before they could be received"
        );
        drop(rx);
        assert_eq!(
            counter.dropped(),
            2,
            "both unread messages must be dropped exactly once"
        );
    });
}

#[test]
fn each_sender_keeps_its_order_when_interleaved() {
    with_deadline(DEADLOCK, || {
        let (a, mut rx) = imp::channel();
        let b = a.clone();
        for i in 0..50 {
            a.send(('a', i)).unwrap();
            if i % 3 == 0 {
                b.send(('b', i)).unwrap();
            }
        }
        drop((a, b));
        let mut received = Vec::new();
        while let Some(message) = assert_ready!(try_recv(&mut rx)) {
            received.push(message);
        }
        assert_eq!(received.len(), 50 + 17, "messages were lost or duplicated");
        for sender in ['a', 'b'] {
            let order: Vec<_> = received
                .iter()
                .filter(|m| m.0 == sender)
                .map(|m| m.1)
                .collect();
            assert!(
                order.is_sorted(),
                "sender {sender}'s messages arrived out of order: {order:?}"
            );
        }
    });
}

#[test]
fn stress_tasks_on_a_multi_thread_runtime() {
    const SENDERS: usize = 4;
    const PER_SENDER: u32 = 2_000;
    with_deadline(LOST_WAKEUP, || {
        multi_thread().block_on(async {
            let (tx, rx) = imp::channel();
            for sender in 0..SENDERS {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for i in 0..PER_SENDER {
                        tx.send((sender, i)).expect("the receiver is alive");
                        if i % 64 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                });
            }
            drop(tx);
            let receiver = tokio::spawn(receive_all(rx));
            let received = receiver.await.expect("the receiving task panicked");
            assert_each_sender_in_order(&received, SENDERS, PER_SENDER);
        });
    });
}

#[test]
fn a_send_on_another_thread_wakes_the_waiting_receiver_after_pushing() {
    with_deadline(LOST_WAKEUP, || {
        for i in 0..300u64 {
            let (tx, mut rx) = imp::channel();
            // The sender stays alive until the message is received, so only
            // send()'s own wakeup can end the wait, not the last sender's drop.
            let sender = std::thread::spawn(move || {
                let sent = tx.send(i).is_ok();
                (sent, tx)
            });
            // The racing executor holds the sending thread back inside wake()
            // until the receiver has polled again, so a send that wakes before
            // it pushes (and does not wake again) is caught every time.
            let received = block_on_racing(rx.recv());
            let (sent, tx) = sender.join().expect("the sending thread panicked");
            assert!(sent, "send() failed although the receiver is alive");
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
fn stress_os_threads_racing_send_against_recv() {
    const SENDERS: usize = 3;
    const PER_SENDER: u32 = 300;
    with_deadline(LOST_WAKEUP, || {
        let (tx, rx) = imp::channel();
        let threads: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..PER_SENDER {
                        tx.send((sender, i)).expect("the receiver is alive");
                        std::thread::yield_now(); // let the receiver wait often
                    }
                })
            })
            .collect();
        drop(tx);
        // The racing executor holds each sending thread back until the
        // receiver has polled, so a send that wakes before it pushes is caught.
        let received = block_on_racing(receive_all(rx));
        for thread in threads {
            thread.join().expect("a sending thread panicked");
        }
        assert_each_sender_in_order(&received, SENDERS, PER_SENDER);
    });
}

#[test]
fn stress_futures_executor_and_current_thread_runtime() {
    with_deadline(LOST_WAKEUP, || {
        // Senders are tasks on a current-thread runtime in another thread;
        // the receiver runs on the futures executor.
        let (tx, rx) = imp::channel();
        let producers = std::thread::spawn(move || {
            current_thread().block_on(async move {
                let tasks: Vec<_> = (0..2usize)
                    .map(|sender| {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for i in 0..500u32 {
                                tx.send((sender, i)).expect("the receiver is alive");
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                drop(tx);
                for task in tasks {
                    task.await.expect("a sending task panicked");
                }
            })
        });
        let received = futures::executor::block_on(receive_all(rx));
        producers.join().expect("the producer thread panicked");
        assert_each_sender_in_order(&received, 2, 500);
    });
}

#[test]
fn api_matches_the_contract() {
    fn is_send<T: Send>(_: &T) {}
    fn is_clone<T: Clone>(_: &T) {}
    fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
    fn is_value<E: Clone + Copy + PartialEq + Eq + std::fmt::Debug>() {}
    /// Neither `Clone` nor `Debug`: the channel must not require them.
    struct Opaque;
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<Opaque>();
        is_clone(&tx);
        is_send(&tx);
        is_send(&rx);
        let recv = rx.recv();
        is_send(&recv);
        drop(recv);
        is_error::<imp::SendError<Opaque>>();
        is_value::<imp::SendError<u8>>();
        let error = imp::SendError(Opaque);
        assert!(
            !format!("{error}").is_empty(),
            "SendError's Display says nothing"
        );
        assert!(
            !format!("{error:?}").is_empty(),
            "SendError's Debug says nothing"
        );
        let imp::SendError(_inner) = error;
        drop((tx, rx));
    });
}

#[test]
fn dropping_the_receiver_releases_its_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<u32>();
        let mut receiving_task = task::spawn(());
        {
            let mut recv = std::pin::pin!(rx.recv());
            assert_pending!(receiving_task.enter(|cx, _| recv.as_mut().poll(cx)));
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
