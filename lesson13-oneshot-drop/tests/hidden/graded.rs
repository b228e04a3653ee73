//! Exercise 2, graded: everything Exercise 1 grades, plus noticing that the
//! other half is gone, across real executors and threads.
//!
//! The public tests (`tests/public/behaviour.rs`) check each behaviour once,
//! deterministically; these run the races that real executors bring.

use super::imp;
use lesson13_testkit::hints::{DEADLOCK, ONESHOT_DROP_LOST_WAKEUP as LOST_WAKEUP};
use lesson13_testkit::{DropCounter, multi_thread, with_deadline};

/// Exercise 2's channel must still pass every Exercise 1 test.
#[path = "../../../lesson13-oneshot/tests/hidden/graded.rs"]
mod exercise1;

#[test]
fn a_task_that_drops_the_sender_wakes_a_receiver_task() {
    with_deadline(LOST_WAKEUP, || {
        multi_thread().block_on(async {
            for _ in 0..200 {
                let (tx, rx) = imp::channel::<String>();
                let receiver = tokio::spawn(rx);
                tokio::spawn(async move { drop(tx) });
                let result = receiver.await.expect("the receiving task panicked");
                assert_eq!(
                    result,
                    Err(imp::RecvError),
                    "the sender was dropped without sending: the receiver must resolve to \
                     Err(RecvError)"
                );
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
                assert_eq!(
                    value.id, i,
                    "send() must return the very value it was given"
                );
            }
            dropper.join().expect("the dropping thread panicked");
        }
        assert_eq!(
            counter.dropped(),
            300,
            "300 values, each either delivered into the channel (and dropped with it) or \
             returned by send(): each must be dropped exactly once (fewer: leaked; more: \
             dropped twice)"
        );
    });
}
