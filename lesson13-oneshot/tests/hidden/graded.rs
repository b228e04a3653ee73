//! Exercise 1, graded: sending and receiving. No test here drops a half
//! before it is done with it, so an answer without `Drop` impls passes.
//!
//! Most tests poll the receiver by hand with `tokio_test`'s mock task, whose
//! waker records whether it was woken: `Pending`, woken, `Ready`, in order,
//! with no timing involved. The last few run real executors for the races.

use super::imp;
use lesson13_testkit::{block_on_racing, current_thread, multi_thread, with_deadline};
use std::future::Future;
use std::pin::Pin;
use tokio_test::{assert_pending, assert_ready, task};

const DEADLOCK: &str =
    "a channel call never returned: is a lock taken twice, or held while waiting?";
const LOST_WAKEUP: &str = "a receiver never completed after send(): a lost wakeup? send() must wake \
     the waker stored by the receiver's latest Pending poll, after the value is stored";

#[test]
fn value_sent_before_the_receiver_polls_is_delivered() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        assert_eq!(
            tx.send(42),
            Ok(()),
            "send() failed although the receiver is alive"
        );
        let mut rx = task::spawn(rx);
        let received = assert_ready!(rx.poll(), "the value was sent, yet the receiver is Pending");
        assert_eq!(received, Ok(42));
    });
}

#[test]
fn value_sent_while_the_receiver_waits_wakes_it_and_is_delivered() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel::<String>();
        let mut rx = task::spawn(rx);
        assert_pending!(rx.poll(), "nothing was sent, yet the receiver is Ready");
        assert!(
            !rx.is_woken(),
            "the receiver was woken before anything was sent"
        );
        tx.send("hello".to_string())
            .expect("send() failed although the receiver is alive");
        assert!(
            rx.is_woken(),
            "send() did not wake the waiting receiver: store cx.waker() in poll() and wake it in \
             send() (lost wakeup)"
        );
        let received = assert_ready!(rx.poll(), "woken, but the value is not there");
        assert_eq!(received, Ok("hello".to_string()));
    });
}

#[test]
fn receiver_polled_several_times_is_still_woken() {
    with_deadline(DEADLOCK, || {
        let (tx, rx) = imp::channel();
        let mut rx = task::spawn(rx);
        for _ in 0..3 {
            assert_pending!(rx.poll(), "nothing was sent, yet the receiver is Ready");
        }
        tx.send(7u8).unwrap();
        assert!(
            rx.is_woken(),
            "send() did not wake a receiver that had been polled three times"
        );
        assert_eq!(assert_ready!(rx.poll()), Ok(7));
    });
}

#[test]
fn the_waker_of_the_latest_poll_is_woken_when_the_receiver_moves_task() {
    with_deadline(DEADLOCK, || {
        let (tx, mut rx) = imp::channel();
        let mut first_task = task::spawn(());
        let mut second_task = task::spawn(());
        let first = first_task.enter(|cx, _| Pin::new(&mut rx).poll(cx));
        assert_pending!(first, "nothing was sent, yet the receiver is Ready");
        // The receiver moves to another task, as `select!` or a spawned
        // wrapper may do, and is polled there with a different waker.
        let second = second_task.enter(|cx, _| Pin::new(&mut rx).poll(cx));
        assert_pending!(second, "nothing was sent, yet the receiver is Ready");
        tx.send(5).unwrap();
        assert!(
            second_task.is_woken(),
            "send() did not wake the task that polled the receiver last: replace the stored \
             waker on every Pending poll, not only the first"
        );
        let received = second_task.enter(|cx, _| Pin::new(&mut rx).poll(cx));
        assert_eq!(assert_ready!(received), Ok(5));
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
        tx.send(letter.clone()).unwrap();
        assert_eq!(assert_ready!(task::spawn(rx).poll()), Ok(letter));

        let (tx, rx) = imp::channel::<()>();
        tx.send(()).unwrap();
        assert_eq!(assert_ready!(task::spawn(rx).poll()), Ok(()));
    });
}

#[test]
fn channels_are_independent() {
    with_deadline(DEADLOCK, || {
        let (tx_a, rx_a) = imp::channel();
        let (tx_b, rx_b) = imp::channel();
        let (mut rx_a, mut rx_b) = (task::spawn(rx_a), task::spawn(rx_b));
        assert_pending!(rx_a.poll());
        assert_pending!(rx_b.poll());
        tx_b.send('b').unwrap();
        assert!(
            !rx_a.is_woken(),
            "a send on one channel woke the receiver of another"
        );
        assert_pending!(rx_a.poll(), "a send on one channel reached another");
        assert_eq!(assert_ready!(rx_b.poll()), Ok('b'));
        tx_a.send('a').unwrap();
        assert_eq!(assert_ready!(rx_a.poll()), Ok('a'));
    });
}

#[test]
fn tasks_on_a_multi_thread_runtime() {
    with_deadline(LOST_WAKEUP, || {
        multi_thread().block_on(async {
            for i in 0..200u32 {
                let (tx, rx) = imp::channel();
                let receiver = tokio::spawn(rx);
                let sender = tokio::spawn(async move { tx.send(i) });
                assert_eq!(sender.await.expect("the sending task panicked"), Ok(()));
                let received = receiver.await.expect("the receiving task panicked");
                assert_eq!(received, Ok(i), "round {i} delivered the wrong result");
            }
        });
    });
}

#[test]
fn tasks_on_a_current_thread_runtime() {
    with_deadline(LOST_WAKEUP, || {
        current_thread().block_on(async {
            let (tx, rx) = imp::channel();
            let sender = tokio::spawn(async move {
                tokio::task::yield_now().await; // the receiver waits first
                tx.send("done")
            });
            assert_eq!(rx.await, Ok("done"));
            assert_eq!(sender.await.unwrap(), Ok(()));
        });
    });
}

#[test]
fn os_threads_racing_send_against_poll() {
    with_deadline(LOST_WAKEUP, || {
        for i in 0..300u64 {
            let (tx, rx) = imp::channel();
            let sender = std::thread::spawn(move || tx.send(i));
            // This executor's waker holds the sending thread back until the
            // receiver has polled again, so a send that wakes before it stores
            // the value is caught here every time.
            assert_eq!(
                block_on_racing(rx),
                Ok(i),
                "round {i} delivered the wrong result"
            );
            assert_eq!(sender.join().expect("the sending thread panicked"), Ok(()));
        }
    });
}

#[test]
fn os_threads_with_the_futures_executor() {
    with_deadline(LOST_WAKEUP, || {
        for i in 0..300u64 {
            let (tx, rx) = imp::channel();
            let receiver = std::thread::spawn(move || futures::executor::block_on(rx));
            assert_eq!(tx.send(i), Ok(()));
            let received = receiver.join().expect("the receiving thread panicked");
            assert_eq!(received, Ok(i), "round {i} delivered the wrong result");
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
        let (tx, rx) = imp::channel::<std::marker::PhantomPinned>();
        resolves_to(&rx);
        is_send(&tx);
        is_send(&rx);
        is_error::<imp::RecvError>();
        assert!(
            !imp::RecvError.to_string().is_empty(),
            "RecvError's Display says nothing"
        );
        let send: fn(imp::Sender<u8>, u8) -> Result<(), u8> = imp::Sender::send;
        let _ = send;
    });
}
