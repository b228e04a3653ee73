//! Loom models of the solutions: loom runs each closure once for every
//! interleaving of the threads' steps (up to `LOOM_MAX_PREEMPTIONS`
//! preemptions), with the solutions' `Arc` and `Mutex` swapped for loom's.
//! A lost wakeup shows up as a deadlock in `loom::future::block_on`.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test -p loom-models --release
//! ```

#![cfg(loom)]

use loom::future::block_on;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Polls once with a waker that does nothing, as a task that then moves on.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

mod oneshot {
    use super::*;
    use solutions::oneshot::channel;

    #[test]
    fn send_races_the_receivers_poll() {
        loom::model(|| {
            let (tx, rx) = channel();
            let sender = thread::spawn(move || tx.send(1));
            assert_eq!(block_on(rx), Ok(1));
            assert_eq!(sender.join().unwrap(), Ok(()));
        });
    }

    #[test]
    fn the_receiver_changes_task_while_send_races() {
        loom::model(|| {
            let (tx, mut rx) = channel();
            let sender = thread::spawn(move || tx.send(2));
            match poll_once(&mut rx) {
                Poll::Ready(result) => assert_eq!(result, Ok(2)),
                // Waiting: the receiver moves to another thread and waker.
                Poll::Pending => {
                    let receiver = thread::spawn(move || block_on(rx));
                    assert_eq!(receiver.join().unwrap(), Ok(2));
                }
            }
            assert_eq!(sender.join().unwrap(), Ok(()));
        });
    }
}

mod oneshot_drop {
    use super::*;
    use solutions::oneshot_drop::{RecvError, channel};

    #[test]
    fn the_senders_drop_races_the_receivers_poll() {
        loom::model(|| {
            let (tx, rx) = channel::<u8>();
            let dropper = thread::spawn(move || drop(tx));
            assert_eq!(block_on(rx), Err(RecvError));
            dropper.join().unwrap();
        });
    }

    #[test]
    fn send_then_drop_races_the_receivers_poll() {
        loom::model(|| {
            let (tx, rx) = channel();
            let sender = thread::spawn(move || tx.send(3));
            assert_eq!(
                block_on(rx),
                Ok(3),
                "the value must win over the closed flag"
            );
            assert_eq!(sender.join().unwrap(), Ok(()));
        });
    }

    #[test]
    fn the_receivers_drop_races_send() {
        loom::model(|| {
            let (tx, rx) = channel();
            let sender = thread::spawn(move || tx.send(4));
            drop(rx);
            // Either outcome is right; the send must just not hang or panic.
            assert!(matches!(sender.join().unwrap(), Ok(()) | Err(4)));
        });
    }
}

mod mpsc {
    use super::*;
    use solutions::mpsc::channel;

    #[test]
    fn two_senders_race_recv_and_the_last_drop_ends_it() {
        loom::model(|| {
            let (tx, mut rx) = channel();
            let tx2 = tx.clone();
            let a = thread::spawn(move || tx.send(1).unwrap());
            let b = thread::spawn(move || tx2.send(2).unwrap());
            let mut received = Vec::new();
            while let Some(message) = block_on(rx.recv()) {
                received.push(message);
            }
            received.sort();
            assert_eq!(received, [1, 2]);
            a.join().unwrap();
            b.join().unwrap();
        });
    }

    #[test]
    fn the_last_drop_races_recv() {
        loom::model(|| {
            let (tx, mut rx) = channel::<u8>();
            let dropper = thread::spawn(move || drop(tx));
            assert_eq!(block_on(rx.recv()), None);
            dropper.join().unwrap();
        });
    }
}

mod bounded {
    use super::*;
    use solutions::bounded::{Receiver, SendError, SendFuture, channel};

    #[test]
    fn two_blocked_senders_race_the_pops() {
        loom::model(|| {
            let (tx, mut rx) = channel(1);
            block_on(tx.send(0)).unwrap(); // full
            let tx2 = tx.clone();
            let a = thread::spawn(move || block_on(tx.send(1)).unwrap());
            let b = thread::spawn(move || block_on(tx2.send(2)).unwrap());
            let mut received = Vec::new();
            while let Some(message) = block_on(rx.recv()) {
                received.push(message);
            }
            received.sort();
            assert_eq!(received, [0, 1, 2]);
            a.join().unwrap();
            b.join().unwrap();
        });
    }

    #[test]
    fn a_cancelled_sender_races_a_pop() {
        loom::model(|| {
            let (tx, mut rx) = channel(1);
            block_on(tx.send(0)).unwrap(); // full
            let tx2 = tx.clone();
            // One sender polls once and gives up, waiting or woken...
            let quitter = thread::spawn(move || {
                let mut send = Box::pin(tx.send(1));
                poll_once(&mut send).is_ready()
            });
            // ...and must not strand the other one.
            let waiter = thread::spawn(move || block_on(tx2.send(2)).unwrap());
            let mut received = Vec::new();
            while let Some(message) = block_on(rx.recv()) {
                received.push(message);
            }
            let quitter_sent = quitter.join().unwrap();
            waiter.join().unwrap();
            received.sort();
            let expected: &[u32] = if quitter_sent { &[0, 1, 2] } else { &[0, 2] };
            assert_eq!(received, expected);
        });
    }

    /// Receives the rest once every sender is gone.
    fn receive_all(rx: &mut Receiver<u32>) -> Vec<u32> {
        let mut received = Vec::new();
        while let Some(message) = block_on(rx.recv()) {
            received.push(message);
        }
        received
    }

    /// The race of the two models below: a full channel of capacity 1 and
    /// a sender waiting in line (polled once on this thread), then a pop and
    /// a brand-new send on two other threads, while `waiting_sender` goes on
    /// with the waiting send future here. Returns what `waiting_sender`
    /// returned, and the messages received after the pop's.
    fn a_pop_races_a_new_send<R>(
        waiting_sender: impl for<'a> FnOnce(Pin<Box<SendFuture<'a, u32>>>) -> R,
    ) -> (R, Vec<u32>) {
        let (tx, mut rx) = channel(1);
        block_on(tx.send(0)).unwrap(); // full
        let mut waiting = Box::pin(tx.send(1));
        assert!(poll_once(&mut waiting).is_pending(), "the channel is full");
        let pop = thread::spawn(move || (block_on(rx.recv()), rx));
        let tx2 = tx.clone();
        let newcomer = thread::spawn(move || block_on(tx2.send(2)).unwrap());
        let result = waiting_sender(waiting);
        drop(tx);
        let (first, mut rx) = pop.join().unwrap();
        assert_eq!(first, Some(0));
        let rest = receive_all(&mut rx);
        newcomer.join().unwrap();
        (result, rest)
    }

    /// In every interleaving the waiting sender's message comes next: the
    /// slot the pop frees is its own, so the new send, whenever it starts,
    /// queues behind it. If the new send took that slot, the woken sender
    /// would wait for a second pop, which this thread only does after it:
    /// loom reports that as a deadlock.
    #[test]
    fn a_woken_sender_is_not_overtaken_by_a_new_send() {
        loom::model(|| {
            let ((), rest) = a_pop_races_a_new_send(|waiting| block_on(waiting).unwrap());
            assert_eq!(rest, [1, 2], "the new send overtook the woken sender");
        });
    }

    /// The waiting sender gives up after one more poll, in line or already
    /// woken: a slot the pop gave it must pass to the new send (waiting
    /// behind it), or be freed for it. A slot kept for nobody leaves the new
    /// send waiting forever, which loom reports as a deadlock.
    #[test]
    fn a_woken_sender_that_is_cancelled_passes_its_slot_to_a_new_send() {
        loom::model(|| {
            let (sent, rest) =
                a_pop_races_a_new_send(|mut waiting| poll_once(&mut waiting).is_ready());
            let expected: &[u32] = if sent { &[1, 2] } else { &[2] };
            assert_eq!(rest, expected);
        });
    }

    #[test]
    fn the_receivers_drop_races_a_waiting_sender() {
        loom::model(|| {
            let (tx, rx) = channel(1);
            block_on(tx.send(0)).unwrap(); // full
            let sender = thread::spawn(move || block_on(tx.send(1)));
            drop(rx);
            assert_eq!(sender.join().unwrap(), Err(SendError(1)));
        });
    }
}
