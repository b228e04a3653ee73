//! "Test that dropping the sender without sending wakes the receiver with an
//! error."

use super::imp;
use lesson13_testkit::with_deadline;

#[test]
fn dropping_the_sender_without_sending_gives_the_receiver_an_error() {
    with_deadline(
        "the receiver never finished: does the Sender's Drop set `closed` and wake the receiver?",
        || {
            futures::executor::block_on(async {
                let (tx, rx) = imp::channel::<i32>();
                drop(tx);
                assert!(
                    rx.await.is_err(),
                    "the sender is gone, so the receiver must get Err"
                );
            })
        },
    );
}
