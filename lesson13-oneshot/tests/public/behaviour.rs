//! One test per graded behaviour of Exercise 1, in the order of the README's
//! "What is graded" list.
//!
//! Most tests poll the receiver by hand with `tokio_test`'s mock task, whose
//! waker records whether it was woken: `Pending`, woken, `Ready`, in order,
//! with no timing involved. Exercise 2 runs this file too, so its messages
//! also name the Exercise 2 mistake that breaks a test.

use super::imp;
use lesson13_testkit::hints::{DEADLOCK, ONESHOT_LOST_WAKEUP};
use lesson13_testkit::{block_on_racing, pending_signal, with_deadline};
use std::future::Future;
use std::pin::Pin;
use tokio_test::{assert_pending, assert_ready, task};

/// Why a sent value may come out as `Err(RecvError)` in Exercise 2, which
/// runs these tests too.
const VALUE_BEFORE_CLOSED: &str = "(From Exercise 2 on: send() consumes the sender, whose Drop \
     sets `closed` right after the value is stored, so poll() must check for a value before it \
     checks `closed`.)";

#[test]
fn value_sent_before_the_receiver_polls_is_delivered() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        assert_eq!(
            tx.send(42),
            Ok(()),
            "send() returned Err although the receiver is alive: a receiver that has not polled \
             yet is still there (no stored waker only means nobody to wake yet)"
        );
        let mut rx = task::spawn(rx);
        let received = assert_ready!(
            rx.poll(),
            "the value was sent before the first poll, yet the receiver returned Pending: poll() \
             must take a value that is already there, and both halves must share one Inner \
             (Arc::clone, not a second Arc::new)"
        );
        assert_eq!(
            received,
            Ok(42),
            "the receiver must resolve to Ok(the value sent). {VALUE_BEFORE_CLOSED}"
        );
    });
}

#[test]
fn value_sent_while_the_receiver_waits_wakes_it_and_is_delivered() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<String>();
        let mut rx = task::spawn(rx);
        assert_pending!(
            rx.poll(),
            "nothing was sent yet, so the receiver must return Pending"
        );
        assert!(
            !rx.is_woken(),
            "the receiver was woken before anything was sent: poll() must store its waker for \
             send(), not wake it (waking at once makes the executor poll again and again)"
        );
        tx.send("hello".to_string())
            .expect("send() returned Err although the receiver is alive");
        assert!(
            rx.is_woken(),
            "send() did not wake the waiting receiver (a lost wakeup): poll() must store \
             cx.waker() before it returns Pending, and send() must wake it"
        );
        let received = assert_ready!(
            rx.poll(),
            "the receiver was woken, but its next poll is still Pending: send() must store the \
             value, and poll() must take it"
        );
        assert_eq!(
            received,
            Ok("hello".to_string()),
            "the receiver must resolve to Ok(the value sent). {VALUE_BEFORE_CLOSED}"
        );
    });
}

#[test]
fn receiver_polled_several_times_is_still_woken() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let mut rx = task::spawn(rx);
        for _ in 0..3 {
            assert_pending!(
                rx.poll(),
                "nothing was sent yet, so the receiver must return Pending"
            );
        }
        tx.send(7u8)
            .expect("send() returned Err although the receiver is alive");
        assert!(
            rx.is_woken(),
            "send() did not wake a receiver that had been polled three times: every Pending \
             poll must leave a waker behind"
        );
        let received = assert_ready!(rx.poll(), "woken, but the value is not there");
        assert_eq!(
            received,
            Ok(7),
            "the receiver must resolve to Ok(the value sent). {VALUE_BEFORE_CLOSED}"
        );
    });
}

#[test]
fn the_waker_of_the_latest_poll_is_woken_when_the_receiver_moves_task() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let mut first_task = task::spawn(());
        let mut second_task = task::spawn(());
        let first = first_task.enter(|cx, _| Pin::new(&mut rx).poll(cx));
        assert_pending!(first, "nothing was sent yet, so the receiver must wait");
        // The receiver moves to another task, as `select!` or a spawned
        // wrapper may do, and is polled there with a different waker.
        let second = second_task.enter(|cx, _| Pin::new(&mut rx).poll(cx));
        assert_pending!(second, "nothing was sent yet, so the receiver must wait");
        tx.send(5)
            .expect("send() returned Err although the receiver is alive");
        assert!(
            second_task.is_woken(),
            "{}",
            if first_task.is_woken() {
                "send() woke the task that polled the receiver first, not the one that polled \
                 it last: replace the stored waker on every Pending poll, not only the first \
                 (keep it only if `will_wake` says it wakes the same task)"
            } else {
                "send() woke no task at all (a lost wakeup): after storing the value, take the \
                 stored waker and wake it"
            }
        );
        let received = second_task.enter(|cx, _| Pin::new(&mut rx).poll(cx));
        let received = assert_ready!(received, "woken, but the value is not there");
        assert_eq!(
            received,
            Ok(5),
            "the receiver must resolve to Ok(the value sent). {VALUE_BEFORE_CLOSED}"
        );
    });
}

#[test]
fn values_that_are_not_copy_arrive_intact() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let letter = vec![
            "blood".to_string(),
            "test".to_string(),
            "result".to_string(),
        ];
        tx.send(letter.clone())
            .expect("send() returned Err although the receiver is alive");
        let received = assert_ready!(task::spawn(rx).poll(), "the value was sent: Ready");
        assert_eq!(
            received,
            Ok(letter),
            "a Vec<String> must arrive exactly as it was sent. {VALUE_BEFORE_CLOSED}"
        );

        // A value of size zero: `Option<()>` still tells "sent" from "not yet".
        let (tx, rx) = imp::channel::<()>();
        tx.send(())
            .expect("send() returned Err although the receiver is alive");
        let received = assert_ready!(
            task::spawn(rx).poll(),
            "() was sent, yet the receiver is Pending"
        );
        assert_eq!(
            received,
            Ok(()),
            "the receiver must resolve to Ok(()). {VALUE_BEFORE_CLOSED}"
        );
    });
}

#[test]
fn channels_are_independent() {
    with_deadline(DEADLOCK, || {
        let (tx_a, rx_a) = imp::channel();
        let (tx_b, rx_b) = imp::channel();
        let (mut rx_a, mut rx_b) = (task::spawn(rx_a), task::spawn(rx_b));
        assert_pending!(rx_a.poll(), "nothing was sent on channel a yet");
        assert_pending!(rx_b.poll(), "nothing was sent on channel b yet");
        tx_b.send('b')
            .expect("send() returned Err although the receiver is alive");
        assert!(
            !rx_a.is_woken(),
            "a send on one channel woke the receiver of another: is some state shared by every \
             channel (a static) instead of one Arc per channel() call?"
        );
        assert_pending!(rx_a.poll(), "a send on channel b reached channel a");
        let received = assert_ready!(rx_b.poll(), "'b' was sent on channel b");
        assert_eq!(
            received,
            Ok('b'),
            "channel b's receiver must resolve to Ok('b'). {VALUE_BEFORE_CLOSED}"
        );
        tx_a.send('a')
            .expect("send() returned Err although the receiver is alive");
        let received = assert_ready!(rx_a.poll(), "'a' was sent on channel a");
        assert_eq!(
            received,
            Ok('a'),
            "channel a's receiver must resolve to Ok('a'). {VALUE_BEFORE_CLOSED}"
        );
    });
}

#[test]
fn a_send_on_another_thread_wakes_the_receiver_after_storing_the_value() {
    with_deadline(ONESHOT_LOST_WAKEUP, || {
        for i in 0..20u64 {
            let (tx, rx) = imp::channel();
            let (signal, waiting) = pending_signal();
            // The send comes once the receiver waits...
            let sender = std::thread::spawn(move || {
                waiting.wait();
                tx.send(i)
            });
            // ...and this executor's waker holds the sending thread back until
            // the receiver has polled again, so a send that wakes before it
            // stores the value is caught every time, not once in a million runs.
            let received = block_on_racing(signal.on_first_pending(rx));
            assert_eq!(
                received,
                Ok(i),
                "round {i}: the receiver must resolve to Ok(the value sent). {VALUE_BEFORE_CLOSED}"
            );
            let sent = sender.join().expect("the sending thread panicked");
            assert_eq!(
                sent,
                Ok(()),
                "round {i}: send() returned Err although the receiver is alive"
            );
        }
    });
}

#[test]
fn api_matches_the_contract() {
    fn is_send<T: Send>(_: &T) {}
    fn is_error<E: std::error::Error + Clone + Copy + PartialEq + Eq + Send + Sync + 'static>() {}
    fn resolves_to<T, F: Future<Output = Result<T, imp::RecvError>>>(_: &F) {}
    with_deadline(DEADLOCK, || {
        // `PhantomPinned` is not `Unpin`: the receiver must not require it.
        // (If this does not compile, remove a `T: Unpin` bound.)
        let (tx, rx) = imp::channel::<std::marker::PhantomPinned>();
        // `Receiver<T>` is a future whose output is `Result<T, RecvError>`,
        // for every `T` (no `T: Unpin` bound on its `impl Future`).
        resolves_to(&rx);
        // Both halves can move to another thread when `T: Send`.
        is_send(&tx);
        is_send(&rx);
        // `RecvError` stays as given: `Debug, Clone, Copy, PartialEq, Eq`,
        // `Display` and `Error`.
        is_error::<imp::RecvError>();
        assert!(
            !imp::RecvError.to_string().is_empty(),
            "RecvError's Display prints nothing: say what went wrong"
        );
        // `pub fn send(self, value: T) -> Result<(), T>`: it takes the sender
        // by value, and gives the value back in `Err` if it was not delivered.
        let send: fn(imp::Sender<u8>, u8) -> Result<(), u8> = imp::Sender::send;
        let _ = send;
    });
}
