//! Exercise 4, graded: everything Exercise 3 grades, plus backpressure.
//!
//! Send futures are polled by hand with `tokio_test`'s mock tasks, whose
//! wakers record whether they were woken, so every test can say exactly which
//! sender should be waiting, woken or done. The stress tests at the end run
//! real executors.

use super::imp;
use lesson13_testkit::{
    DropCounter, assert_each_sender_in_order, block_on_racing, multi_thread, with_deadline,
};
use std::future::Future;
use std::task::Poll;
use tokio_test::task::{self, Spawn};
use tokio_test::{assert_pending, assert_ready};

/// Exercise 4's channel must still pass every Exercise 3 test.
#[path = "mpsc_view.rs"]
mod exercise3;

const DEADLOCK: &str =
    "a channel call never returned: is a lock taken twice, or held while waiting?";
const STRANDED: &str = "a sender or the receiver waited forever: a lost wakeup? Each pop must \
     wake one waiting sender, and a send must wake the receiver";

/// Pops one message with a fresh `recv()` on a new mock task.
fn pop<T>(rx: &mut imp::Receiver<T>) -> Poll<Option<T>> {
    task::spawn(rx.recv()).poll()
}

/// A channel of capacity 1 that is already full.
fn full_channel() -> (imp::Sender<u32>, imp::Receiver<u32>) {
    let (tx, rx) = imp::channel(1);
    let sent = assert_ready!(
        task::spawn(tx.send(0)).poll(),
        "an empty channel must take a send"
    );
    assert!(sent.is_ok());
    (tx, rx)
}

/// Polls each waiting sender that has been woken and is not done yet, and
/// returns how many of them completed. A woken sender may still return
/// `Pending` (a spurious wakeup is allowed); a sender that was not woken is
/// not polled, so a lost wakeup shows as nobody completing.
fn let_woken_senders_through<F: Future>(senders: &mut [Spawn<F>], done: &mut [bool]) -> usize {
    let mut completed = 0;
    for (sender, done) in senders.iter_mut().zip(done.iter_mut()) {
        if !*done && sender.is_woken() && sender.poll().is_ready() {
            *done = true;
            completed += 1;
        }
    }
    completed
}

/// Which of these waiting senders have been woken.
fn woken<F>(senders: &[Spawn<F>]) -> Vec<bool> {
    senders.iter().map(|s| s.is_woken()).collect()
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
fn the_capacity_is_exact() {
    with_deadline(DEADLOCK, || {
        for capacity in [1, 2, 5] {
            let (tx, mut rx) = imp::channel(capacity);
            for i in 0..capacity {
                let sent = assert_ready!(
                    task::spawn(tx.send(i)).poll(),
                    "channel({capacity}) holds {capacity} messages, but send #{} had to wait \
                     (capacity off by one?)",
                    i + 1
                );
                assert!(sent.is_ok());
            }
            let mut one_too_many = task::spawn(tx.send(capacity));
            assert_pending!(
                one_too_many.poll(),
                "channel({capacity}) must be full after {capacity} sends, but send #{} did not \
                 wait (is the capacity checked?)",
                capacity + 1
            );
            assert_eq!(assert_ready!(pop(&mut rx)), Some(0));
            assert!(assert_ready!(one_too_many.poll(), "one slot came free").is_ok());
        }
    });
}

#[test]
fn a_send_with_room_does_not_wait_and_wakes_the_receiver() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel(3);
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll());
        assert!(assert_ready!(task::spawn(tx.send(7)).poll()).is_ok());
        assert!(recv.is_woken(), "send() did not wake the waiting receiver");
        assert_eq!(assert_ready!(recv.poll()), Some(7));
    });
}

#[test]
fn each_pop_wakes_exactly_one_waiting_sender() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut senders: Vec<_> = (1..=3).map(|i| task::spawn(tx.send(i))).collect();
        for sender in &mut senders {
            assert_pending!(sender.poll(), "the channel is full: a send must wait");
        }
        let mut received = vec![assert_ready!(pop(&mut rx)).unwrap()];
        let mut done = [false; 3];
        for round in 1..=3 {
            let woken = woken(&senders);
            let count = woken.iter().filter(|&&w| w).count();
            assert_eq!(
                count, 1,
                "pop #{round} woke {count} waiting senders ({woken:?}): a pop frees one slot, so \
                 it must wake exactly one (not none: lost wakeup; not all: thundering herd)"
            );
            let index = woken.iter().position(|&w| w).unwrap();
            assert!(
                assert_ready!(
                    senders[index].poll(),
                    "a woken sender must find the free slot"
                )
                .is_ok()
            );
            done[index] = true;
            for (i, sender) in senders.iter_mut().enumerate().filter(|(i, _)| !done[*i]) {
                assert_pending!(sender.poll(), "sender {i} was not woken, yet it completed");
            }
            received.push(assert_ready!(pop(&mut rx)).unwrap());
        }
        received[1..].sort();
        assert_eq!(received, [0, 1, 2, 3]);
    });
}

#[test]
fn every_waiting_sender_keeps_its_own_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut senders = [task::spawn(tx.send(1)), task::spawn(tx.send(2))];
        for sender in &mut senders {
            assert_pending!(sender.poll());
        }
        let mut done = [false; 2];
        for round in 1..=2 {
            assert!(assert_ready!(pop(&mut rx)).is_some());
            let served = let_woken_senders_through(&mut senders, &mut done);
            assert_eq!(
                served, 1,
                "pop #{round} must wake one of the two waiting senders, and it must get \
                 through: store a waker per waiting sender (a queue of wakers), not one slot \
                 that the second sender overwrites"
            );
        }
    });
}

#[test]
fn a_send_cancelled_before_it_was_woken_does_not_strand_the_others() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut cancelled = task::spawn(tx.send(1));
        let mut waiting = task::spawn(tx.send(2));
        assert_pending!(cancelled.poll());
        assert_pending!(waiting.poll());
        drop(cancelled); // e.g. lost a `select!` or hit a timeout
        assert_eq!(assert_ready!(pop(&mut rx)), Some(0));
        assert!(
            waiting.is_woken(),
            "a cancelled send future left its waker behind, and the pop woke that one instead \
             of the sender still waiting: remove the entry when the send future is dropped"
        );
        assert!(assert_ready!(waiting.poll()).is_ok());
        assert_eq!(
            assert_ready!(pop(&mut rx)),
            Some(2),
            "the cancelled send must not arrive"
        );
    });
}

#[test]
fn a_send_cancelled_after_it_was_woken_passes_the_wakeup_on() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut senders = vec![task::spawn(tx.send(1)), task::spawn(tx.send(2))];
        for sender in &mut senders {
            assert_pending!(sender.poll());
        }
        assert_eq!(assert_ready!(pop(&mut rx)), Some(0));
        let woken = woken(&senders);
        let index = woken
            .iter()
            .position(|&w| w)
            .expect("the pop must wake a waiting sender");
        // The woken sender gives up before it uses the free slot.
        drop(senders.remove(index));
        let other = &mut senders[0];
        assert!(
            other.is_woken(),
            "a send future was woken for a free slot and then dropped without using it; the \
             other waiting sender was never woken and would wait forever: in the send future's \
             drop, pass the wakeup on"
        );
        assert!(assert_ready!(other.poll()).is_ok());
    });
}

#[test]
fn a_sender_polled_many_times_waits_in_line_once() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut eager = task::spawn(tx.send(1));
        let mut patient = task::spawn(tx.send(2));
        for _ in 0..3 {
            assert_pending!(eager.poll());
        }
        assert_pending!(patient.poll());
        for _ in 0..3 {
            assert_pending!(
                eager.poll(),
                "polling again must not let a sender skip the line"
            );
        }
        // Two pops must serve both senders, whatever the order.
        let mut senders = [eager, patient];
        let mut done = [false; 2];
        for _ in 0..2 {
            assert!(assert_ready!(pop(&mut rx)).is_some());
            let served = let_woken_senders_through(&mut senders, &mut done);
            assert_eq!(
                served, 1,
                "each pop must let exactly one waiting sender through. A sender polled many \
                 times must not be queued many times: its extra entries take wakeups meant \
                 for others"
            );
        }
    });
}

#[test]
fn a_repolled_waiting_sender_is_woken_through_its_latest_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut send = Box::pin(tx.send(1));
        let mut first_task = task::spawn(());
        let mut second_task = task::spawn(());
        assert_pending!(first_task.enter(|cx, _| send.as_mut().poll(cx)));
        assert_pending!(second_task.enter(|cx, _| send.as_mut().poll(cx)));
        assert_eq!(assert_ready!(pop(&mut rx)), Some(0));
        assert!(
            second_task.is_woken(),
            "the pop did not wake the task that polled the waiting send last: update the \
             stored waker when a waiting sender is polled again"
        );
        assert!(assert_ready!(second_task.enter(|cx, _| send.as_mut().poll(cx))).is_ok());
    });
}

#[test]
fn dropping_the_receiver_wakes_every_waiting_sender_with_its_value() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = full_channel();
        let mut senders: Vec<_> = (1..=3).map(|i| task::spawn(tx.send(i))).collect();
        for sender in &mut senders {
            assert_pending!(sender.poll());
        }
        drop(rx);
        for (i, sender) in senders.iter_mut().enumerate() {
            assert!(
                sender.is_woken(),
                "waiting sender {i} was not woken when the receiver was dropped: it would wait \
                 forever (wake every waiting sender in the Receiver's Drop)"
            );
            match assert_ready!(sender.poll(), "woken, but still Pending with no receiver") {
                Err(imp::SendError(value)) => assert_eq!(value as usize, i + 1),
                Ok(()) => panic!("sender {i} reported success, but the receiver is gone"),
            }
        }
        let late = assert_ready!(task::spawn(tx.send(9)).poll(), "the receiver is gone");
        assert!(matches!(late, Err(imp::SendError(9))));
    });
}

#[test]
fn queued_and_waiting_values_are_dropped_exactly_once() {
    with_deadline(DEADLOCK, || {
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel(2);
        for id in 0..2 {
            assert!(assert_ready!(task::spawn(tx.send(counter.track(id))).poll()).is_ok());
        }
        let mut waiting = task::spawn(tx.send(counter.track(2)));
        assert_pending!(waiting.poll());
        drop(rx);
        let returned = match assert_ready!(waiting.poll()) {
            Err(imp::SendError(value)) => value,
            Ok(()) => panic!("the receiver is gone, yet the waiting send succeeded"),
        };
        assert_eq!(returned.id, 2);
        drop((returned, waiting));
        drop(tx);
        // A cancelled send drops its value too.
        let (tx, rx) = imp::channel(1);
        assert!(assert_ready!(task::spawn(tx.send(counter.track(3))).poll()).is_ok());
        let mut cancelled = task::spawn(tx.send(counter.track(4)));
        assert_pending!(cancelled.poll());
        drop(cancelled);
        drop((tx, rx));
        assert_eq!(
            counter.dropped(),
            5,
            "5 values: 2 queued, 1 returned, 1 queued and 1 cancelled; each must be dropped \
             exactly once (leaked, or dropped twice?)"
        );
    });
}

#[test]
fn channel_zero_panics_with_a_clear_message() {
    with_deadline(DEADLOCK, || {
        drop(imp::channel::<u8>(1)); // a capacity of 1 is fine
        let panic = std::panic::catch_unwind(|| imp::channel::<u8>(0))
            .err()
            .expect("channel(0) must panic: a channel that holds nothing can never deliver");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(
            message.contains("capacity"),
            "channel(0) panicked with {message:?}; the message must mention the capacity"
        );
    });
}

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
                        tx.send((sender, i)).await.expect("the receiver is alive");
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
                        tx.send((sender, i)).await.expect("the receiver is alive");
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
                            result.expect("the receiver is alive");
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
fn stress_capacity_1_with_os_threads() {
    const SENDERS: usize = 3;
    const PER_SENDER: u32 = 300;
    with_deadline(STRANDED, || {
        let (tx, rx) = imp::channel(1);
        let threads: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let tx = tx.clone();
                // The racing executor holds a waking thread back until the
                // woken one has polled, so waking before the state changes
                // (before the pop, or before the push) is caught.
                std::thread::spawn(move || {
                    for i in 0..PER_SENDER {
                        block_on_racing(tx.send((sender, i))).expect("the receiver is alive");
                    }
                })
            })
            .collect();
        drop(tx);
        let received = block_on_racing(receive_all(rx));
        for thread in threads {
            thread.join().expect("a sending thread panicked");
        }
        assert_each_sender_in_order(&received, SENDERS, PER_SENDER);
    });
}

#[test]
fn api_matches_the_contract() {
    fn is_send<T: Send>(_: &T) {}
    fn is_clone<T: Clone>(_: &T) {}
    fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
    fn resolves_to<T, F: Future<Output = Result<(), imp::SendError<T>>>>(_: &F) {}
    /// Neither `Clone`, `Debug` nor `Unpin`: the channel must not require them.
    struct Opaque(std::marker::PhantomPinned);
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<Opaque>(1);
        is_clone(&tx);
        is_send(&tx);
        is_send(&rx);
        let send = tx.send(Opaque(std::marker::PhantomPinned));
        resolves_to(&send);
        is_send(&send);
        drop(send);
        let recv = rx.recv();
        is_send(&recv);
        drop(recv);
        is_error::<imp::SendError<Opaque>>();
        let error = imp::SendError(7u8);
        assert_eq!(error, error.clone());
        assert!(!format!("{error} {error:?}").trim().is_empty());
    });
}

#[test]
fn a_slot_freed_by_a_pop_belongs_to_the_sender_it_woke() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut woken = task::spawn(tx.send(1));
        assert_pending!(woken.poll(), "the channel is full: a send must wait");
        assert_eq!(assert_ready!(pop(&mut rx)), Some(0));
        assert!(woken.is_woken(), "the pop must wake the waiting sender");
        // A brand-new send starts before the woken sender runs again.
        let mut newcomer = task::spawn(tx.send(2));
        assert_pending!(
            newcomer.poll(),
            "a send that started after a pop woke a waiting sender took the slot that pop \
             freed (it cut in line): the woken sender would find the channel full again, and \
             under a steady stream of new sends it could wait forever. The slot belongs to \
             the sender the pop woke: count it as reserved, and let a new send push only into \
             a slot that is neither filled nor reserved"
        );
        assert!(
            assert_ready!(
                woken.poll(),
                "the woken sender found no room: the slot its pop freed must be kept for it"
            )
            .is_ok()
        );
        assert_eq!(assert_ready!(pop(&mut rx)), Some(1));
        assert!(
            newcomer.is_woken(),
            "the next pop must wake the send that waited behind the woken one"
        );
        assert!(assert_ready!(newcomer.poll()).is_ok());
        assert_eq!(assert_ready!(pop(&mut rx)), Some(2));
    });
}

#[test]
fn a_woken_send_that_is_cancelled_frees_its_slot() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut woken = task::spawn(tx.send(1));
        assert_pending!(woken.poll());
        assert_eq!(assert_ready!(pop(&mut rx)), Some(0));
        assert!(woken.is_woken(), "the pop must wake the waiting sender");
        // It gives up before it uses the slot, and nobody else waits.
        drop(woken);
        let sent = assert_ready!(
            task::spawn(tx.send(2)).poll(),
            "a send future that a pop had woken (and given the free slot) was dropped without \
             using it, and no other sender waited; yet a new send found the channel full. The \
             slot stayed reserved for nobody: in the send future's drop, pass it on to the next \
             waiting sender, or free it when nobody waits"
        );
        assert!(sent.is_ok());
        assert_eq!(
            assert_ready!(pop(&mut rx)),
            Some(2),
            "the cancelled send must not arrive"
        );
    });
}

#[test]
fn a_woken_send_that_is_cancelled_hands_its_slot_to_a_later_send() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut woken = task::spawn(tx.send(1));
        assert_pending!(woken.poll());
        assert_eq!(assert_ready!(pop(&mut rx)), Some(0));
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
        assert!(assert_ready!(newcomer.poll()).is_ok());
        assert_eq!(assert_ready!(pop(&mut rx)), Some(2));
    });
}

#[test]
fn a_cancelled_send_releases_its_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = full_channel();
        let mut sending_task = task::spawn(());
        {
            let mut send = std::pin::pin!(tx.send(1));
            assert_pending!(sending_task.enter(|cx, _| send.as_mut().poll(cx)));
        }
        // `tx` and `rx` are alive: the channel's state lives on.
        assert_eq!(
            sending_task.waker_ref_count(),
            1,
            "a waiting send future was dropped, but the channel still holds a clone of its \
             waker: that keeps the sending task alive as long as the channel, and a pop would \
             waste its wakeup on it. In the send future's drop, remove its entry from the \
             waiting senders"
        );
        drop((tx, rx));
    });
}
