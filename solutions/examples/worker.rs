//! The channels working together, the way programs use them: clients send
//! requests to a worker over a **bounded** channel (backpressure: at most two
//! requests wait), each request carries a **oneshot** sender for its reply, and
//! everyone reports progress over an **unbounded MPSC** log.
//!
//! Run it with `cargo run -p solutions --example worker`.

use solutions::{bounded, mpsc, oneshot_drop as oneshot};

/// A request: square `n`, and send the answer back over `reply`.
struct Request {
    n: u64,
    reply: oneshot::Sender<u64>,
}

/// Answers requests until every client is gone. It refuses numbers above 100
/// by dropping the reply sender: the client sees `RecvError`.
async fn worker(mut requests: bounded::Receiver<Request>, log: mpsc::Sender<String>) {
    while let Some(Request { n, reply }) = requests.recv().await {
        if n > 100 {
            log.send(format!("worker: refusing {n}")).ok();
            continue; // `reply` is dropped here, unsent
        }
        // The client may have stopped waiting; then the answer comes back.
        if reply.send(n * n).is_err() {
            log.send(format!("worker: nobody waits for {n} any more"))
                .ok();
        }
    }
    log.send("worker: every client is gone, stopping".into())
        .ok();
}

/// Sends a few requests and logs the answers.
async fn client(id: u64, requests: bounded::Sender<Request>, log: mpsc::Sender<String>) {
    for n in [id, id * 10, id * 100] {
        let (reply, answer) = oneshot::channel();
        // Waits here while the worker's inbox is full.
        if requests.send(Request { n, reply }).await.is_err() {
            return; // the worker stopped
        }
        match answer.await {
            Ok(square) => log.send(format!("client {id}: {n}² = {square}")).ok(),
            Err(oneshot::RecvError) => log.send(format!("client {id}: {n} was refused")).ok(),
        };
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("could not start the tokio runtime");
    runtime.block_on(async {
        let (requests, inbox) = bounded::channel(2);
        let (log, mut log_lines) = mpsc::channel();
        let worker = tokio::spawn(worker(inbox, log.clone()));
        let clients: Vec<_> = (1..=3)
            .map(|id| tokio::spawn(client(id, requests.clone(), log.clone())))
            .collect();
        // Our own handles go, so the channels close once the tasks are done:
        // the worker's `recv` returns `None` when the last client is gone,
        // and so does the log's once the worker is gone.
        drop((requests, log));
        while let Some(line) = log_lines.recv().await {
            println!("{line}");
        }
        for client in clients {
            client.await.expect("a client panicked");
        }
        worker.await.expect("the worker panicked");
    });
}
