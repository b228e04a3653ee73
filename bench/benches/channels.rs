//! `cargo bench -p lesson13-bench`: the reference channels side by side with
//! tokio's, futures', async-channel's and flume's, on a multi-threaded tokio
//! runtime. One criterion group per workload, one bench per implementation,
//! all in one run, so that their ratio is fair. `cargo xtask bench-summary`
//! prints the table of ns/message; the HTML report is in
//! `target/criterion/report/index.html`.
//!
//! Each MPSC workload runs in both shapes of a program (see
//! [`Consumer`]): the consumer a spawned task (`bounded16_4p`), or the
//! future that `block_on` runs on the calling thread (`bounded16_4p_main`).
//!
//! `cargo bench -p lesson13-bench --features student` adds the exercise
//! crates (your own channels) as the benches `student` and `student-ex1`;
//! pick the workloads your crates are ready for with a filter, e.g.
//! `-- 'oneshot.*/(student|tokio)'`.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use lesson13_bench::lesson::{Solutions, SolutionsEx1};
use lesson13_bench::libs::{AsyncChannel, Flume, Futures, Tokio};
use lesson13_bench::workloads::{self, Consumer};
use std::time::Duration;
use tokio::runtime::Runtime;

/// Messages per iteration of the MPSC workloads; oneshots per iteration of
/// the oneshot ones. Enough that spawning the tasks (a few µs) is under 1%
/// of an iteration.
const MESSAGES: u64 = 100_000;
const ONESHOTS: u64 = 100_000;
/// Messages per iteration of `bounded1_1p_main`, where every message is a
/// handoff between the `block_on` thread and a worker: a few thread wakeups
/// each, microseconds, so fewer of them keep the bench's 20 samples short.
const HANDOFFS: u64 = 20_000;
/// Round trips per iteration of the request/reply workload: each one is two
/// wakeups across tasks.
const REQUESTS: u64 = 20_000;

/// Benchmarks `workloads::$workload::<L>($args)` as the bench `L::NAME`, for
/// each implementation `L` in the list.
macro_rules! bench_each {
    ($group:expr, $rt:expr, $workload:ident $args:tt, [$($lib:ty),+ $(,)?]) => {
        $(
            $group.bench_function(<$lib as workloads::Named>::NAME, |b| {
                b.iter(|| $rt.block_on(workloads::$workload::<$lib> $args))
            });
        )+
    };
}

/// A group whose benches report time per message (`elements`).
fn group<'a>(c: &'a mut Criterion, name: &str, elements: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(elements));
    // One iteration is milliseconds long: the same number of iterations per
    // sample keeps the run short.
    group.sampling_mode(SamplingMode::Flat);
    group
}

fn unbounded(c: &mut Criterion, rt: &Runtime, consumer: Consumer) {
    for producers in [1, 4] {
        let name = format!("unbounded_{producers}p{}", consumer.suffix());
        let mut g = group(c, &name, MESSAGES);
        let workload = (consumer, producers, MESSAGES);
        bench_each!(
            g,
            rt,
            unbounded(workload.0, workload.1, workload.2),
            [Solutions, Tokio, Futures, AsyncChannel, Flume]
        );
        #[cfg(feature = "student")]
        bench_each!(
            g,
            rt,
            unbounded(workload.0, workload.1, workload.2),
            [lesson13_bench::lesson::Student]
        );
        g.finish();
    }
}

fn bounded(c: &mut Criterion, rt: &Runtime, consumer: Consumer) {
    for (capacity, producers) in [(1, 1), (16, 4), (1024, 4)] {
        let name = format!("bounded{capacity}_{producers}p{}", consumer.suffix());
        let messages = match (consumer, capacity) {
            (Consumer::Main, 1) => HANDOFFS,
            _ => MESSAGES,
        };
        let mut g = group(c, &name, messages);
        bench_each!(
            g,
            rt,
            bounded(consumer, capacity, producers, messages),
            [Solutions, Tokio, Futures, AsyncChannel, Flume]
        );
        #[cfg(feature = "student")]
        bench_each!(
            g,
            rt,
            bounded(consumer, capacity, producers, messages),
            [lesson13_bench::lesson::Student]
        );
        g.finish();
    }
}

fn oneshot(c: &mut Criterion, rt: &Runtime) {
    let mut g = group(c, "oneshot_reqrep", REQUESTS);
    bench_each!(
        g,
        rt,
        oneshot_request_reply(REQUESTS),
        [Solutions, SolutionsEx1, Tokio, Futures, AsyncChannel, Flume]
    );
    #[cfg(feature = "student")]
    bench_each!(
        g,
        rt,
        oneshot_request_reply(REQUESTS),
        [
            lesson13_bench::lesson::Student,
            lesson13_bench::lesson::StudentEx1
        ]
    );
    g.finish();

    let mut g = group(c, "oneshot_inline", ONESHOTS);
    bench_each!(
        g,
        rt,
        oneshot_inline(ONESHOTS),
        [Solutions, SolutionsEx1, Tokio, Futures, AsyncChannel, Flume]
    );
    #[cfg(feature = "student")]
    bench_each!(
        g,
        rt,
        oneshot_inline(ONESHOTS),
        [
            lesson13_bench::lesson::Student,
            lesson13_bench::lesson::StudentEx1
        ]
    );
    g.finish();
}

fn all(c: &mut Criterion) {
    // The runtime `#[tokio::main]` builds: one worker per core, and the
    // timer and I/O drivers enabled.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("could not build the tokio runtime");
    for consumer in [Consumer::Task, Consumer::Main] {
        unbounded(c, &rt, consumer);
        bounded(c, &rt, consumer);
    }
    oneshot(c, &rt);
}

// 62 benches of about 5 s each on a quiet machine (1 s warm-up, 3 s of 20
// samples, then the analysis and plots), more where one iteration takes
// longer than 150 ms: 20 samples need at least 20 iterations. An
// iteration is milliseconds long, so each of the 20 samples already averages
// hundreds of thousands of messages; the summary reports their median.
// 10 000 bootstrap resamples instead of 100 000 cut the analysis from 5 s to
// 1 s per bench and only widen the confidence intervals' own error.
criterion::criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .nresamples(10_000);
    targets = all
}
criterion::criterion_main!(benches);
