//! "Test: 3 senders each send 10 messages, receiver collects all 30."

use super::imp;
use lesson13_testkit::{multi_thread, with_deadline};

#[test]
fn three_senders_each_send_ten_messages_and_the_receiver_collects_all_thirty() {
    with_deadline(
        "the receiver never finished: does send() wake it, and does recv() return None once \
         every sender (clones included) is dropped?",
        || {
            multi_thread().block_on(async {
                let (tx, mut rx) = imp::channel();
                for sender in 0..3 {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for i in 0..10 {
                            tx.send(sender * 100 + i)
                                .expect("send() returned Err although the receiver is alive");
                        }
                    });
                }
                drop(tx); // only the clones remain: recv() ends when they are done
                let mut received = Vec::new();
                while let Some(message) = rx.recv().await {
                    received.push(message);
                }
                received.sort();
                let expected: Vec<i32> = (0..3)
                    .flat_map(|s| (0..10).map(move |i| s * 100 + i))
                    .collect();
                assert_eq!(
                    received, expected,
                    "the receiver must get all 30 messages, once each"
                );
            })
        },
    );
}
