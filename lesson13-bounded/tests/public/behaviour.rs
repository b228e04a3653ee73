//! One test per graded behaviour of Exercise 4, in the order of the README's
//! "What is graded" list: backpressure. (Exercise 3's tests run too, from
//! `exercise3.rs`, through a channel with plenty of room.)
//!
//! Send futures are polled by hand with `tokio_test`'s mock tasks, whose
//! wakers record whether they were woken, so every test can say exactly which
//! sender should be waiting, woken or done.

use super::imp;
use super::support::{
    POP_WOKE_NONE, a_woken_send, full_channel, pop, pop_and_serve_the_oldest, receive_all,
};
use lesson13_testkit::hints::{BOUNDED_STRANDED, DEADLOCK};
use lesson13_testkit::{
    DropCounter, assert_each_sender_in_order, block_on_racing, pending_signal, with_deadline,
};
use std::future::Future;
use tokio_test::task;
use tokio_test::{assert_pending, assert_ready};

const ALIVE: &str = "send() returned Err although the receiver is alive";

#[test]
fn the_capacity_is_exact() {
    with_deadline(DEADLOCK, || {
        for capacity in [1, 2, 5] {
            let (tx, mut rx) = imp::channel(capacity);
            // Send until one send waits (or two more than fit went through).
            let mut waiting = None;
            let mut went_through = 0;
            while waiting.is_none() && went_through <= capacity + 1 {
                let mut send = task::spawn(tx.send(went_through));
                match send.poll() {
                    std::task::Poll::Ready(sent) => {
                        assert!(sent.is_ok(), "{ALIVE}");
                        went_through += 1;
                    }
                    std::task::Poll::Pending => waiting = Some(send),
                }
            }
            let why = if went_through < capacity {
                "off by one? A send may push while the queue holds fewer than `capacity` messages"
            } else if waiting.is_some() {
                "off by one? A send must wait once the queue holds `capacity` messages"
            } else {
                "is the capacity checked at all? A send must wait once the queue holds \
                 `capacity` messages"
            };
            let took = match waiting {
                Some(_) => format!("took {went_through} sends before one waited"),
                None => format!("took {went_through} sends and none waited"),
            };
            assert!(
                went_through == capacity,
                "channel({capacity}) {took}; it must take exactly {capacity}: {why}"
            );
            let mut one_too_many = waiting.expect("the send after the capacity waits");
            let got = assert_ready!(pop(&mut rx), "the channel is full: recv() must not wait");
            assert_eq!(
                got,
                Some(0),
                "recv() must return the first message sent (FIFO: push_back in send, pop_front \
                 in recv)"
            );
            assert!(
                one_too_many.is_woken(),
                "recv() freed a slot but did not wake the waiting sender, which would wait \
                 forever: each pop must wake one waiting sender (after the pop)"
            );
            let sent = assert_ready!(
                one_too_many.poll(),
                "recv() freed a slot and woke the waiting send, yet it is still Pending"
            );
            assert!(sent.is_ok(), "{ALIVE}");
        }
    });
}

#[test]
fn a_send_with_room_does_not_wait_and_wakes_the_receiver() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel(3);
        let mut recv = task::spawn(rx.recv());
        assert_pending!(recv.poll(), "nothing was sent: recv() must wait");
        let sent = assert_ready!(
            task::spawn(tx.send(7)).poll(),
            "the channel is empty: send() must not wait"
        );
        assert!(sent.is_ok(), "{ALIVE}");
        assert!(
            recv.is_woken(),
            "send() did not wake the waiting receiver: wake the receiver's waker after the push"
        );
        let got = assert_ready!(recv.poll(), "woken, but the message is not there");
        assert_eq!(got, Some(7), "recv() must return the message sent");
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
        let mut received = Vec::new();
        let mut done = [false; 3];
        for round in 1..=3 {
            let got =
                pop_and_serve_the_oldest(&mut rx, &mut senders, &mut done, round, POP_WOKE_NONE);
            received.push(got);
            for (i, sender) in senders.iter_mut().enumerate().filter(|(i, _)| !done[*i]) {
                assert_pending!(
                    sender.poll(),
                    "sender {i} was not woken, yet it completed: the channel is full again"
                );
            }
        }
        received.extend(assert_ready!(
            pop(&mut rx),
            "a message is queued: recv() must not wait"
        ));
        assert_eq!(
            received,
            [0, 1, 2, 3],
            "every message must arrive exactly once, the waiting senders' in the order they \
             started waiting"
        );
    });
}

#[test]
fn a_slot_freed_by_a_pop_belongs_to_the_sender_it_woke() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut woken = a_woken_send(&tx, &mut rx);
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
        let sent = assert_ready!(
            woken.poll(),
            "the woken sender found no room: the slot its pop freed must be kept for it"
        );
        assert!(sent.is_ok(), "{ALIVE}");
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(
            got,
            Some(1),
            "the woken sender's message comes before the newcomer's"
        );
        assert!(
            newcomer.is_woken(),
            "the next pop must wake the send that waited behind the woken one"
        );
        let sent = assert_ready!(newcomer.poll(), "woken, but the free slot is not there");
        assert!(sent.is_ok(), "{ALIVE}");
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(got, Some(2), "the newcomer's message must arrive last");
    });
}

#[test]
fn every_waiting_sender_keeps_its_own_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut senders = [task::spawn(tx.send(1)), task::spawn(tx.send(2))];
        for sender in &mut senders {
            assert_pending!(sender.poll(), "the channel is full: a send must wait");
        }
        // Two pops serve both senders, oldest first: each must have kept
        // its own waker (one slot for all would hold only the second's).
        let mut done = [false; 2];
        for round in 1..=2 {
            pop_and_serve_the_oldest(&mut rx, &mut senders, &mut done, round, POP_WOKE_NONE);
        }
    });
}

#[test]
fn a_send_cancelled_before_it_was_woken_does_not_strand_the_others() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        // The cancelled send's task outlives it, to tell whose waker a pop woke.
        let mut cancelled_task = task::spawn(());
        let mut waiting = task::spawn(tx.send(2));
        {
            let mut cancelled = Box::pin(tx.send(1));
            assert_pending!(
                cancelled_task.enter(|cx, _| cancelled.as_mut().poll(cx)),
                "the channel is full: a send must wait"
            );
            assert_pending!(waiting.poll(), "the channel is full: a send must wait");
        } // dropped: e.g. lost a `select!` or hit a timeout
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(got, Some(0), "recv() must return the first message sent");
        assert!(
            waiting.is_woken(),
            "{}",
            if cancelled_task.is_woken() {
                "a cancelled send future left its entry in the line, and the pop woke its waker \
                 instead of the sender still waiting: remove the entry when the send future is \
                 dropped"
            } else {
                "the pop woke no waiting sender, and the one still waiting would wait forever (a \
                 lost wakeup): after each pop, take the oldest waiting sender's entry out of the \
                 line and wake its waker"
            }
        );
        let sent = assert_ready!(waiting.poll(), "woken, but the free slot is not there");
        assert!(sent.is_ok(), "{ALIVE}");
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(
            got,
            Some(2),
            "the cancelled send must not arrive; the other sender's message must"
        );
    });
}

#[test]
fn a_send_cancelled_after_it_was_woken_passes_the_wakeup_on() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut senders = vec![task::spawn(tx.send(1)), task::spawn(tx.send(2))];
        for sender in &mut senders {
            assert_pending!(sender.poll(), "the channel is full: a send must wait");
        }
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(got, Some(0), "recv() must return the first message sent");
        let index = senders
            .iter()
            .position(|s| s.is_woken())
            .expect("the pop freed a slot but woke no waiting sender (a lost wakeup)");
        assert_eq!(
            index, 0,
            "the pop woke the sender that started waiting last, not the one that waited longest: \
             senders are served in the order they started waiting. Keep each waiting sender's own \
             waker with its entry (a queue of (ticket, waker), oldest first), and wake the entry \
             the pop takes"
        );
        // The woken sender gives up before it uses the free slot.
        drop(senders.remove(index));
        let other = &mut senders[0];
        assert!(
            other.is_woken(),
            "a send future was woken for a free slot and then dropped without using it; the \
             other waiting sender was never woken and would wait forever: in the send future's \
             drop, pass the wakeup on"
        );
        let sent = assert_ready!(other.poll(), "woken, but the free slot is not there");
        assert!(sent.is_ok(), "{ALIVE}");
    });
}

#[test]
fn a_woken_send_that_is_cancelled_frees_its_slot() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let woken = a_woken_send(&tx, &mut rx);
        // It gives up before it uses the slot, and nobody else waits.
        drop(woken);
        let sent = assert_ready!(
            task::spawn(tx.send(2)).poll(),
            "a send future that a pop had woken (and given the free slot) was dropped without \
             using it, and no other sender waited; yet a new send found the channel full. The \
             slot stayed reserved for nobody: in the send future's drop, pass it on to the next \
             waiting sender, or free it when nobody waits"
        );
        assert!(sent.is_ok(), "{ALIVE}");
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(got, Some(2), "the cancelled send must not arrive");
    });
}

#[test]
fn a_sender_polled_many_times_waits_in_line_once() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut eager = task::spawn(tx.send(1));
        let mut patient = task::spawn(tx.send(2));
        for _ in 0..3 {
            assert_pending!(eager.poll(), "the channel is full: a send must wait");
        }
        assert_pending!(patient.poll(), "the channel is full: a send must wait");
        for _ in 0..3 {
            assert_pending!(
                eager.poll(),
                "the channel is still full: polling again must not let a sender through"
            );
        }
        // Two pops serve both senders, the eager one first.
        let mut senders = [eager, patient];
        let mut done = [false; 2];
        pop_and_serve_the_oldest(&mut rx, &mut senders, &mut done, 1, POP_WOKE_NONE);
        let extra_entries = "the first pop served the sender that was polled many times; this \
            one's wakeup went elsewhere. A sender polled many times must wait in line once: its \
            extra entries take the wakeups meant for others";
        pop_and_serve_the_oldest(&mut rx, &mut senders, &mut done, 2, extra_entries);
    });
}

#[test]
fn a_repolled_waiting_sender_is_woken_through_its_latest_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = full_channel();
        let mut send = Box::pin(tx.send(1));
        let mut first_task = task::spawn(());
        let mut second_task = task::spawn(());
        assert_pending!(
            first_task.enter(|cx, _| send.as_mut().poll(cx)),
            "the channel is full: a send must wait"
        );
        assert_pending!(
            second_task.enter(|cx, _| send.as_mut().poll(cx)),
            "the channel is full: a send must wait"
        );
        let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
        assert_eq!(got, Some(0), "recv() must return the first message sent");
        assert!(
            second_task.is_woken(),
            "{}",
            if first_task.is_woken() {
                "the pop woke the task that polled the waiting send first, not the one that \
                 polled it last: update the stored waker when a waiting sender is polled again"
            } else {
                "the pop woke no task at all, and the sender would wait forever (a lost wakeup): \
                 after each pop, take the oldest waiting sender's entry out of the line and wake \
                 its waker"
            }
        );
        let sent = assert_ready!(
            second_task.enter(|cx, _| send.as_mut().poll(cx)),
            "woken, but the free slot is not there"
        );
        assert!(sent.is_ok(), "{ALIVE}");
    });
}

#[test]
fn dropping_the_receiver_wakes_every_waiting_sender_with_its_value() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = full_channel();
        let mut senders: Vec<_> = (1..=3).map(|i| task::spawn(tx.send(i))).collect();
        for sender in &mut senders {
            assert_pending!(sender.poll(), "the channel is full: a send must wait");
        }
        drop(rx);
        for (i, sender) in senders.iter_mut().enumerate() {
            assert!(
                sender.is_woken(),
                "waiting sender {i} was not woken when the receiver was dropped: it would wait \
                 forever (wake every waiting sender in the Receiver's Drop)"
            );
            match assert_ready!(
                sender.poll(),
                "woken, but still Pending with no receiver: a send must check that the \
                 receiver is alive before it waits"
            ) {
                Err(imp::SendError(value)) => assert_eq!(
                    value as usize,
                    i + 1,
                    "each sender must get back its own value"
                ),
                Ok(()) => panic!(
                    "sender {i} reported success, but the receiver is gone: a send must check \
                     that the receiver is alive (`receiver_alive`) and return \
                     Err(SendError(value))"
                ),
            }
        }
        let late = assert_ready!(
            task::spawn(tx.send(9)).poll(),
            "the receiver is gone: a send must not wait"
        );
        assert!(
            matches!(late, Err(imp::SendError(9))),
            "the receiver is gone: send() must return Err(SendError(value))"
        );
    });
}

#[test]
fn queued_and_waiting_values_are_dropped_exactly_once() {
    with_deadline(DEADLOCK, || {
        let counter = DropCounter::new();
        let (tx, rx) = imp::channel(2);
        for id in 0..2 {
            let sent = assert_ready!(
                task::spawn(tx.send(counter.track(id))).poll(),
                "channel(2) has room: send() must not wait"
            );
            assert!(sent.is_ok(), "{ALIVE}");
        }
        let mut waiting = task::spawn(tx.send(counter.track(2)));
        assert_pending!(waiting.poll(), "the channel is full: a send must wait");
        drop(rx);
        let returned = match assert_ready!(waiting.poll(), "the receiver is gone: stop waiting") {
            Err(imp::SendError(value)) => value,
            Ok(()) => panic!("the receiver is gone, yet the waiting send succeeded"),
        };
        assert_eq!(returned.id, 2, "the waiting send must return its own value");
        drop((returned, waiting));
        drop(tx);
        // A cancelled send drops its value too.
        let (tx, rx) = imp::channel(1);
        let sent = assert_ready!(
            task::spawn(tx.send(counter.track(3))).poll(),
            "channel(1) is empty: send() must not wait"
        );
        assert!(sent.is_ok(), "{ALIVE}");
        let mut cancelled = task::spawn(tx.send(counter.track(4)));
        assert_pending!(cancelled.poll(), "the channel is full: a send must wait");
        drop(cancelled);
        drop((tx, rx));
        assert_eq!(
            counter.dropped(),
            5,
            "5 values: 2 queued, 1 returned, 1 queued and 1 cancelled; each must be dropped \
             exactly once (fewer: leaked; more: dropped twice)"
        );
    });
}

#[test]
fn a_cancelled_send_releases_its_waker() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = full_channel();
        let mut sending_task = task::spawn(());
        {
            let mut send = std::pin::pin!(tx.send(1));
            assert_pending!(
                sending_task.enter(|cx, _| send.as_mut().poll(cx)),
                "the channel is full: a send must wait"
            );
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
            "channel(0) panicked with {message:?}; the message must mention the capacity, e.g. \
             assert!(capacity > 0, \"a channel needs a capacity of at least 1\")"
        );
    });
}

#[test]
fn a_pop_on_another_thread_wakes_the_sender_after_keeping_its_slot() {
    with_deadline(BOUNDED_STRANDED, || {
        for round in 0..20u32 {
            let (tx, mut rx) = imp::channel(1);
            let sent = assert_ready!(
                task::spawn(tx.send(round)).poll(),
                "channel(1) is empty: the first send must not wait"
            );
            assert!(sent.is_ok(), "{ALIVE}");
            let (signal, waiting) = pending_signal();
            let sender = std::thread::spawn(move || {
                let sent = block_on_racing(signal.on_first_pending(tx.send(round + 1)));
                (sent, tx)
            });
            // Pop once the send waits, so that the pop wakes it.
            assert!(
                waiting.wait(),
                "channel(1) holds a message, yet a second send did not wait"
            );
            // The racing executor holds this thread inside the pop's wake()
            // until the woken sender has polled, so a pop that wakes the
            // sender before it has freed and kept its slot (in two lock
            // sections) is caught every time.
            let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
            assert_eq!(
                got,
                Some(round),
                "recv() must return the first message sent"
            );
            let (sent, tx) = sender.join().expect(
                "the woken sender's thread panicked: did the pop wake it before it freed and \
                 kept its slot? Pop, keep the slot (reserved += 1) and take the sender's entry \
                 under one lock, and wake it after",
            );
            assert!(sent.is_ok(), "{ALIVE}");
            let got = assert_ready!(pop(&mut rx), "a message is queued: recv() must not wait");
            assert_eq!(
                got,
                Some(round + 1),
                "the woken sender's message must be in the slot its pop kept for it"
            );
            drop(tx);
        }
    });
}

#[test]
fn senders_on_os_threads_at_capacity_1_lose_nothing() {
    const SENDERS: usize = 3;
    const PER_SENDER: u32 = 100;
    with_deadline(BOUNDED_STRANDED, || {
        let (tx, rx) = imp::channel(1);
        let threads: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let tx = tx.clone();
                // The racing executor holds a waking thread back until the
                // woken one has polled, so waking before the state changes
                // (before the pop, or before the push) is caught.
                std::thread::spawn(move || {
                    for i in 0..PER_SENDER {
                        block_on_racing(tx.send((sender, i))).expect(ALIVE);
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
    /// (If this does not compile, write `Clone` for `Sender` by hand instead
    /// of deriving it, and remove any `T: Clone`, `T: Debug` or `T: Unpin`
    /// bound.)
    struct Opaque(std::marker::PhantomPinned);
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel::<Opaque>(1);
        // `Sender<T>: Clone` for every `T`: `Opaque` is not `Clone`, so a
        // `#[derive(Clone)]` (which asks for `T: Clone`) does not do; write
        // `impl<T> Clone for Sender<T>` by hand.
        is_clone(&tx);
        // The handles and both futures can move to another thread when
        // `T: Send`.
        is_send(&tx);
        is_send(&rx);
        // `send(&self, value: T)` returns a future whose output is
        // `Result<(), SendError<T>>`, for every `T` (no `T: Unpin` bound).
        let send = tx.send(Opaque(std::marker::PhantomPinned));
        resolves_to(&send);
        is_send(&send);
        drop(send);
        let recv = rx.recv();
        is_send(&recv);
        drop(recv);
        // `SendError<T>` stays as given: an error for any `T`.
        is_error::<imp::SendError<Opaque>>();
        let error = imp::SendError(7u8);
        assert_eq!(
            error,
            error.clone(),
            "a cloned SendError must equal the original"
        );
        assert!(
            !format!("{error} {error:?}").trim().is_empty(),
            "SendError's Display and Debug print nothing"
        );
    });
}
