//! Exercise 1, graded: sending and receiving across real executors, many
//! times over. No test here drops a half before it is done with it, so an
//! answer without `Drop` impls passes.
//!
//! The public tests (`tests/public/behaviour.rs`) check each behaviour once,
//! deterministically; these run the races that real executors bring.

use super::imp;
use lesson13_testkit::hints::ONESHOT_LOST_WAKEUP as LOST_WAKEUP;
use lesson13_testkit::{current_thread, multi_thread, with_deadline};

#[test]
fn tasks_on_a_multi_thread_runtime() {
    with_deadline(LOST_WAKEUP, || {
        multi_thread().block_on(async {
            for i in 0..200u32 {
                let (tx, rx) = imp::channel();
                let receiver = tokio::spawn(rx);
                let sender = tokio::spawn(async move { tx.send(i) });
                let sent = sender.await.expect("the sending task panicked");
                assert_eq!(
                    sent,
                    Ok(()),
                    "round {i}: send() returned Err although the receiver is alive"
                );
                let received = receiver.await.expect("the receiving task panicked");
                assert_eq!(
                    received,
                    Ok(i),
                    "round {i}: the receiver must resolve to Ok(the value sent)"
                );
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
            assert_eq!(
                rx.await,
                Ok("done"),
                "the receiver must resolve to Ok(the value sent)"
            );
            let sent = sender.await.expect("the sending task panicked");
            assert_eq!(
                sent,
                Ok(()),
                "send() returned Err although the receiver is alive"
            );
        });
    });
}

#[test]
fn os_threads_with_the_futures_executor() {
    with_deadline(LOST_WAKEUP, || {
        for i in 0..300u64 {
            let (tx, rx) = imp::channel();
            let receiver = std::thread::spawn(move || futures::executor::block_on(rx));
            assert_eq!(
                tx.send(i),
                Ok(()),
                "round {i}: send() returned Err although the receiver is alive"
            );
            let received = receiver.join().expect("the receiving thread panicked");
            assert_eq!(
                received,
                Ok(i),
                "round {i}: the receiver must resolve to Ok(the value sent)"
            );
        }
    });
}
