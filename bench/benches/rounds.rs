//! `cargo bench -p lesson13-bench --bench rounds`: the bounded workloads in
//! interleaved rounds, the way an independent benchmark measured them (see
//! `docs/maintainers.md`, "Two benchmarks that disagreed").
//!
//! Each round runs every implementation once, one after the other, so that
//! a change in the machine's load hits them all alike; the table gives the
//! median of the rounds in ns per message, and the ratio to tokio. Criterion
//! (`--bench channels`) runs one implementation's samples in a block
//! instead, which a busy machine can skew.
//!
//! Options, after `--`: `--rounds N` (5), `--consumer main|task|both`
//! (both), `--timer on|off` (on: the runtime of `#[tokio::main]`),
//! `--workers N` (one per core), `--only TEXT` (workloads whose name
//! contains it).

use lesson13_bench::lesson::Solutions;
use lesson13_bench::libs::{AsyncChannel, Flume, Futures, Tokio};
use lesson13_bench::workloads::{self, Bounded, Consumer};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// The workloads: (capacity, producers, messages in all).
const WORKLOADS: &[(usize, u64, u64)] = &[(16, 4, 200_000), (1, 1, 50_000), (1024, 4, 200_000)];

/// The implementations, in column order; tokio is the baseline.
const NAMES: &[&str] = &["solutions", "tokio", "futures", "async-channel", "flume"];

struct Options {
    rounds: usize,
    consumers: Vec<Consumer>,
    timer: bool,
    workers: Option<usize>,
    only: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        rounds: 5,
        consumers: vec![Consumer::Main, Consumer::Task],
        timer: true,
        workers: None,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--rounds" => options.rounds = value().parse().expect("--rounds N"),
            "--consumer" => {
                options.consumers = match value().as_str() {
                    "main" => vec![Consumer::Main],
                    "task" => vec![Consumer::Task],
                    "both" => vec![Consumer::Main, Consumer::Task],
                    other => panic!("--consumer main|task|both, not {other}"),
                }
            }
            "--timer" => options.timer = value() == "on",
            "--workers" => options.workers = Some(value().parse().expect("--workers N")),
            "--only" => options.only = Some(value()),
            "--bench" => {} // added by `cargo bench`
            other => panic!("unknown option {other} (see the file's docs)"),
        }
    }
    options
}

/// One round of one implementation: its wall time.
fn round<C: Bounded>(rt: &Runtime, consumer: Consumer, workload: (usize, u64, u64)) -> Duration {
    let (capacity, producers, messages) = workload;
    let started = Instant::now();
    rt.block_on(workloads::bounded::<C>(
        consumer, capacity, producers, messages,
    ));
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let options = options();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if options.timer {
        builder.enable_all();
    }
    if let Some(workers) = options.workers {
        builder.worker_threads(workers);
    }
    let rt = builder.build().expect("could not build the tokio runtime");
    println!(
        "median of {} interleaved rounds, ns/message; timer {}, {} workers",
        options.rounds,
        if options.timer { "on" } else { "off" },
        options
            .workers
            .map_or("one per core".into(), |n| n.to_string()),
    );
    println!("| workload | {} | solutions/tokio |", NAMES.join(" | "));
    println!("|---|{}---:|", "---:|".repeat(NAMES.len()));
    for &consumer in &options.consumers {
        for &workload in WORKLOADS {
            let (capacity, producers, messages) = workload;
            let name = format!("bounded{capacity}_{producers}p{}", consumer.suffix());
            if options
                .only
                .as_ref()
                .is_some_and(|only| !name.contains(only))
            {
                continue;
            }
            let mut times = vec![Vec::new(); NAMES.len()];
            for _ in 0..options.rounds {
                times[0].push(round::<Solutions>(&rt, consumer, workload));
                times[1].push(round::<Tokio>(&rt, consumer, workload));
                times[2].push(round::<Futures>(&rt, consumer, workload));
                times[3].push(round::<AsyncChannel>(&rt, consumer, workload));
                times[4].push(round::<Flume>(&rt, consumer, workload));
            }
            let medians: Vec<Duration> = times.into_iter().map(median).collect();
            let cells: Vec<String> = medians
                .iter()
                .map(|t| format!("{:.1}", t.as_nanos() as f64 / messages as f64))
                .collect();
            let ratio = medians[0].as_secs_f64() / medians[1].as_secs_f64();
            println!("| {name} | {} | {ratio:.2} |", cells.join(" | "));
        }
    }
}
