//! "Test: send 42 from one task, receive in another."

use super::imp;
use lesson13_testkit::{multi_thread, with_deadline};

#[test]
fn send_42_from_one_task_receive_in_another() {
    with_deadline(
        "the receiver never finished: does send() wake the waker that poll() stored?",
        || {
            multi_thread().block_on(async {
                let (tx, rx) = imp::channel();
                // The receiver starts waiting in its own task...
                let receiver = tokio::spawn(rx);
                // ...and another task sends.
                let sender = tokio::spawn(async move { tx.send(42) });
                let sent = sender.await.expect("the sending task panicked");
                assert_eq!(sent, Ok(()), "send() failed although the receiver is alive");
                let received = receiver.await.expect("the receiving task panicked");
                assert_eq!(
                    received,
                    Ok(42),
                    "the receiver must resolve to Ok(42), the value sent"
                );
            })
        },
    );
}
