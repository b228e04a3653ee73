//! Exercise 4, graded: everything Exercise 3 grades, plus backpressure,
//! under stress.
//!
//! The public tests (`tests/public/behaviour.rs`) check each behaviour once,
//! deterministically; these run many senders at capacity 1 on a
//! multi-threaded runtime, some of them cancelling their sends, and add
//! variants of the public tests.

use super::imp;
use lesson13_testkit::hints::{BOUNDED_STRANDED as STRANDED, DEADLOCK};
use lesson13_testkit::{assert_each_sender_in_order, multi_thread, with_deadline};
use std::future::Future;
use std::task::Poll;
use support::*;
use tokio_test::{assert_pending, assert_ready, task};

#[path = "../public/support.rs"]
mod support;

/// Exercise 4's channel must still pass every Exercise 3 test.
#[path = "mpsc_view.rs"]
mod exercise3;

#[test]
fn stress_capacity_1_with_producer_tasks_on_a_multi_thread_runtime() {
    const SENDERS: usize = 4;
    const PER_SENDER: u32 = 1_000;
    with_deadline(STRANDED, || {
        multi_thread().block_on(async {
            let (tx, rx) = imp::channel(1);
            for sender in 0..SENDERS {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for i in 0..PER_SENDER {
                        tx.send((sender, i))
                            .await
                            .expect("send() returned Err although the receiver is alive");
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
fn stress_capacity_1_with_cancelled_sends_on_a_multi_thread_runtime() {
    const SENDERS: usize = 3;
    const PER_SENDER: u32 = 500;
    with_deadline(STRANDED, || {
        multi_thread().block_on(async {
            let (tx, rx) = imp::channel(1);
            for sender in 0..SENDERS {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for i in 0..PER_SENDER {
                        tx.send((sender, i))
                            .await
                            .expect("send() returned Err although the receiver is alive");
                    }
                });
            }
            // A fourth sender that keeps giving up: each of its sends is
            // polled once and dropped, waiting or woken.
            let quitter = {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut delivered = 0u32;
                    for _ in 0..PER_SENDER {
                        let mut send = Box::pin(tx.send((SENDERS, delivered)));
                        let polled = std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx)));
                        if let Poll::Ready(result) = polled.await {
                            result.expect("send() returned Err although the receiver is alive");
                            delivered += 1;
                        }
                        drop(send);
                        tokio::task::yield_now().await;
                    }
                    delivered
                })
            };
            drop(tx);
            let received = receive_all(rx).await;
            let delivered = quitter.await.expect("the quitting task panicked");
            let (quits, others): (Vec<_>, Vec<_>) = received
                .into_iter()
                .partition(|&(sender, _)| sender == SENDERS);
            assert_eq!(
                quits.len() as u32,
                delivered,
                "a cancelled send was delivered anyway"
            );
            assert_each_sender_in_order(&others, SENDERS, PER_SENDER);
        });
    });
}

#[test]
fn a_woken_send_that_is_cancelled_hands_its_slot_to_a_later_send() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let woken = a_woken_send(&tx, &mut rx);
        let mut newcomer = task::spawn(tx.send(2));
        assert_pending!(
            newcomer.poll(),
            "the slot the pop freed is the woken sender's: a later send must wait"
        );
        drop(woken);
        assert!(
            newcomer.is_woken(),
            "a woken send future was dropped without using its slot while another send waited \
             behind it; that one was never woken and would wait forever: in the send future's \
             drop, hand the slot on to the next waiting sender and wake it"
        );
        let sent = assert_ready!(
            newcomer.poll(),
            "woken, but the handed-on slot is not there"
        );
        assert!(
            sent.is_ok(),
            "send() returned Err although the receiver is alive"
        );
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(
            got,
            Some(2),
            "the cancelled send must not arrive; the later one must"
        );
    });
}
