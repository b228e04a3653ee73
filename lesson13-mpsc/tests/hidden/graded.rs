//! Exercise 3, graded: an unbounded MPSC channel, under stress.
//!
//! The public tests (`tests/public/behaviour.rs`) check each behaviour once,
//! deterministically; these interleave many senders, on real executors and
//! threads.
//!
//! Exercise 4 runs this file too, against its bounded channel seen through a
//! synchronous `send` (see `lesson13-bounded/tests/public/mpsc_view.rs`).

use super::imp;
use lesson13_testkit::hints::{DEADLOCK, MPSC_LOST_WAKEUP as LOST_WAKEUP};
use lesson13_testkit::{
    assert_each_sender_in_order, block_on_racing, current_thread, multi_thread, with_deadline,
};
use support::{receive_all, try_recv};
use tokio_test::assert_ready;

#[path = "../public/support.rs"]
mod support;

#[test]
fn each_sender_keeps_its_order_when_interleaved() {
    with_deadline(DEADLOCK, || {
        let (a, mut rx) = imp::channel();
        let b = a.clone();
        for i in 0..50 {
            a.send(('a', i))
                .expect("send() returned Err although the receiver is alive");
            if i % 3 == 0 {
                b.send(('b', i))
                    .expect("send() returned Err although the receiver is alive");
            }
        }
        drop((a, b));
        let mut received = Vec::new();
        while let Some(message) = assert_ready!(
            try_recv(&mut rx),
            "every sender is gone: recv() must return the queued messages, then None, never \
             Pending"
        ) {
            received.push(message);
        }
        assert_eq!(
            received.len(),
            50 + 17,
            "two senders sent 67 messages in all: some were lost or duplicated"
        );
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
                        tx.send((sender, i))
                            .expect("send() returned Err although the receiver is alive");
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
fn stress_os_threads_racing_send_against_recv() {
    const SENDERS: usize = 3;
    const PER_SENDER: u32 = 100;
    with_deadline(LOST_WAKEUP, || {
        let (tx, rx) = imp::channel();
        let threads: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..PER_SENDER {
                        tx.send((sender, i))
                            .expect("send() returned Err although the receiver is alive");
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
                                tx.send((sender, i))
                                    .expect("send() returned Err although the receiver is alive");
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
