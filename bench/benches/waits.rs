//! `cargo bench -p lesson13-bench --bench waits`: why a bounded workload
//! costs what it costs, counted rather than timed. It runs the bounded
//! workload with the consumer on the `block_on` thread (capacity 16, 4
//! producers, 1 000 000 messages unless told otherwise), the solutions and
//! tokio in turn, and prints per message the time, how many sends had to
//! wait (returned `Pending`) and how many receives found nothing. Each wait
//! is a task wakeup that crosses threads, which is where that shape's time
//! goes (see `docs/maintainers.md`, "Where the solutions fall behind").
//! Under `perf stat -e syscalls:sys_enter_futex` it also gives the futex
//! calls per message.
//!
//! Options, after `--`: `--capacity N`, `--producers N`, `--messages N`,
//! `--runs N` (3 of each, interleaved), `--only solutions|tokio` (one of
//! them, as `perf stat` needs to tell them apart).

use lesson13_bench::lesson::Solutions;
use lesson13_bench::libs::Tokio;
use lesson13_bench::workloads::{self, Bounded, Consumer, Named};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// `Pending` returns of sends and of receives in the current run.
static SEND_WAITS: AtomicU64 = AtomicU64::new(0);
static EMPTY_RECEIVES: AtomicU64 = AtomicU64::new(0);

/// `future`, counting each `Pending` it returns in `count`.
async fn counted<F: Future>(future: F, count: &AtomicU64) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let poll = future.as_mut().poll(cx);
        if poll.is_pending() {
            count.fetch_add(1, Ordering::Relaxed);
        }
        poll
    })
    .await
}

/// The channel `C`, its sends and receives counted.
struct Counting<C>(C);

impl<C: Named> Named for Counting<C> {
    const NAME: &'static str = C::NAME;
}

impl<C: Bounded> Bounded for Counting<C> {
    type Tx = C::Tx;
    type Rx = C::Rx;
    fn channel(capacity: usize, producers: usize) -> (Self::Tx, Self::Rx) {
        C::channel(capacity, producers)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        counted(C::send(tx, value), &SEND_WAITS).await;
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        counted(C::recv(rx), &EMPTY_RECEIVES).await
    }
}

fn run<C: Bounded>(rt: &tokio::runtime::Runtime, capacity: usize, producers: u64, messages: u64) {
    SEND_WAITS.store(0, Ordering::Relaxed);
    EMPTY_RECEIVES.store(0, Ordering::Relaxed);
    let started = Instant::now();
    rt.block_on(workloads::bounded::<Counting<C>>(
        Consumer::Main,
        capacity,
        producers,
        messages,
    ));
    let per_message = |n: u64| n as f64 / messages as f64;
    println!(
        "| {} | {:.0} | {:.3} | {:.3} |",
        C::NAME,
        started.elapsed().as_nanos() as f64 / messages as f64,
        per_message(SEND_WAITS.load(Ordering::Relaxed)),
        per_message(EMPTY_RECEIVES.load(Ordering::Relaxed)),
    );
}

fn main() {
    let (mut capacity, mut producers, mut messages, mut runs) = (16, 4, 1_000_000, 3);
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--only" {
            only = args.next();
            continue;
        }
        let mut value = || {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{arg} needs a whole number"))
        };
        match arg.as_str() {
            "--capacity" => capacity = value() as usize,
            "--producers" => producers = value(),
            "--messages" => messages = value(),
            "--runs" => runs = value(),
            "--bench" => {} // added by `cargo bench`
            other => panic!("unknown option {other} (see the file's docs)"),
        }
    }
    // The runtime `#[tokio::main]` builds: one worker per core, the timer on.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("could not build the tokio runtime");
    println!(
        "capacity {capacity}, {producers} producer tasks, the consumer on the block_on thread, \
         {messages} messages; per message:"
    );
    println!("| channel | ns | sends that waited | receives that found nothing |");
    println!("|---|---:|---:|---:|");
    let wanted = |name: &str| only.as_deref().is_none_or(|only| only == name);
    for _ in 0..runs {
        if wanted(Solutions::NAME) {
            run::<Solutions>(&rt, capacity, producers, messages);
        }
        if wanted(Tokio::NAME) {
            run::<Tokio>(&rt, capacity, producers, messages);
        }
    }
}
