//! The workloads, written once and generic over the channel implementation.
//!
//! Each implementation (the solutions, tokio, futures, ...) plugs in through
//! the three small traits below; each workload is one `async fn` for
//! `Runtime::block_on` on a multi-threaded tokio runtime. The producers are
//! spawned tasks; the consumer is a task too, or the future that `block_on`
//! runs ([`Consumer`]). Every message is counted, so nothing is optimised
//! away.

use std::future::Future;
use tokio::task::JoinHandle;

/// One implementation under test. `NAME` is its bench id in every group.
pub trait Named: 'static {
    /// The implementation's name in the benches and the summary.
    const NAME: &'static str;
}

/// An unbounded multi-producer, single-consumer channel of `u64`.
pub trait Unbounded: Named {
    /// The sending half.
    type Tx: Clone + Send + 'static;
    /// The receiving half.
    type Rx: Send + 'static;
    /// A new channel.
    fn channel() -> (Self::Tx, Self::Rx);
    /// Sends `value`; the receiver is alive.
    fn send(tx: &Self::Tx, value: u64);
    /// `None` once every sender is gone and the queue is drained.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// A bounded multi-producer, single-consumer channel of `u64`.
pub trait Bounded: Named {
    /// The sending half.
    type Tx: Clone + Send + 'static;
    /// The receiving half.
    type Rx: Send + 'static;
    /// A channel that holds `capacity` messages when `producers` senders
    /// share it (futures' channel counts one slot per sender).
    fn channel(capacity: usize, producers: usize) -> (Self::Tx, Self::Rx);
    /// Sends `value`, waiting while the channel is full.
    fn send(tx: &mut Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;
    /// `None` once every sender is gone and the queue is drained.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// A oneshot channel of `u64` (or a channel of capacity 1 used as one).
pub trait Oneshot: Named {
    /// The sending half.
    type Tx: Send + 'static;
    /// The receiving half.
    type Rx: Send + 'static;
    /// A new channel.
    fn channel() -> (Self::Tx, Self::Rx);
    /// Sends `value`; the receiver is alive.
    fn send(tx: Self::Tx, value: u64);
    /// The value sent.
    fn recv(rx: Self::Rx) -> impl Future<Output = u64> + Send;
}

/// Where the consumer of an MPSC workload runs: the two shapes a program
/// takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumer {
    /// A spawned task, like the producers: it runs on the runtime's worker
    /// threads, and wakeups between it and the producers mostly stay on a
    /// worker's own run queue.
    Task,
    /// The future passed to `Runtime::block_on`, as in a program whose
    /// `main` receives: it runs on the calling thread, which is not a
    /// worker, so every wakeup between it and the producers crosses threads
    /// (it parks and unparks that thread, or a worker). Three threads then
    /// share the cores: the caller and the workers.
    Main,
}

impl Consumer {
    /// The suffix of the workload's name: none for a task, `_main` else.
    pub fn suffix(self) -> &'static str {
        match self {
            Consumer::Task => "",
            Consumer::Main => "_main",
        }
    }

    /// Runs `receive` where this consumer runs, and returns what it returns.
    async fn run<F>(self, receive: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Consumer::Task => tokio::spawn(receive).await.expect("the consumer panicked"),
            Consumer::Main => receive.await,
        }
    }
}

/// `producers` tasks send `messages` values in all (none ever waits), and
/// one consumer receives them all.
pub async fn unbounded<C: Unbounded>(consumer: Consumer, producers: u64, messages: u64) {
    let (tx, mut rx) = C::channel();
    let producing = spawn_producers(producers, || {
        let tx = tx.clone();
        async move {
            for i in 0..messages / producers {
                C::send(&tx, i);
            }
        }
    });
    drop(tx);
    let receiving = async move {
        let mut received = 0;
        while C::recv(&mut rx).await.is_some() {
            received += 1;
        }
        received
    };
    finish(consumer, C::NAME, messages, receiving, producing).await;
}

/// `producers` tasks send `messages` values in all through a channel of
/// `capacity`, waiting while it is full, and one consumer receives them all.
pub async fn bounded<C: Bounded>(
    consumer: Consumer,
    capacity: usize,
    producers: u64,
    messages: u64,
) {
    let (tx, mut rx) = C::channel(capacity, producers as usize);
    let producing = spawn_producers(producers, || {
        let mut tx = tx.clone();
        async move {
            for i in 0..messages / producers {
                C::send(&mut tx, i).await;
            }
        }
    });
    drop(tx);
    let receiving = async move {
        let mut received = 0;
        while C::recv(&mut rx).await.is_some() {
            received += 1;
        }
        received
    };
    finish(consumer, C::NAME, messages, receiving, producing).await;
}

/// Spawns `producers` tasks, each running a future `producer` makes.
fn spawn_producers<F>(producers: u64, producer: impl Fn() -> F) -> Vec<JoinHandle<()>>
where
    F: Future<Output = ()> + Send + 'static,
{
    (0..producers).map(|_| tokio::spawn(producer())).collect()
}

/// Runs `receiving` where `consumer` runs, checks that it counted every one
/// of the `messages`, and waits for the producers.
async fn finish(
    consumer: Consumer,
    name: &str,
    messages: u64,
    receiving: impl Future<Output = u64> + Send + 'static,
    producing: Vec<JoinHandle<()>>,
) {
    let received = consumer.run(receiving).await;
    assert_eq!(received, messages, "{name}: messages lost");
    for producer in producing {
        producer.await.expect("a producer panicked");
    }
}

/// A client task sends `requests` requests, one at a time, each with a fresh
/// oneshot for the reply, to a server task that answers each over its
/// oneshot. The requests go over tokio's unbounded channel for every
/// implementation, so that only the oneshot differs.
pub async fn oneshot_request_reply<C: Oneshot>(requests: u64) {
    let (request_tx, mut request_rx) = tokio::sync::mpsc::unbounded_channel::<(u64, C::Tx)>();
    let server = tokio::spawn(async move {
        while let Some((request, reply)) = request_rx.recv().await {
            C::send(reply, request + 1);
        }
    });
    let client = tokio::spawn(async move {
        for request in 0..requests {
            let (reply_tx, reply_rx) = C::channel();
            request_tx
                .send((request, reply_tx))
                .expect("the server is gone");
            assert_eq!(
                C::recv(reply_rx).await,
                request + 1,
                "{}: wrong reply",
                C::NAME
            );
        }
    });
    client.await.expect("the client panicked");
    server.await.expect("the server panicked");
}

/// One task creates `count` oneshots, and sends and receives one value over
/// each: the cost of the channel itself, with no other task involved.
pub async fn oneshot_inline<C: Oneshot>(count: u64) {
    let task = tokio::spawn(async move {
        let mut sum = 0;
        for i in 0..count {
            let (tx, rx) = C::channel();
            C::send(tx, i);
            sum += C::recv(rx).await;
        }
        sum
    });
    let sum = task.await.expect("the task panicked");
    assert_eq!(sum, count * (count - 1) / 2, "{}: wrong values", C::NAME);
}
