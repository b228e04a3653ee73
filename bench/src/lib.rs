//! Benchmarks of the Lesson 13 channels; this crate is its `benches/`.
//!
//! ```sh
//! cargo bench -p lesson13-bench          # every workload, both shapes
//! cargo xtask bench-summary              # the table of the last run
//! cargo bench -p lesson13-bench --features student -- '^bounded.*/(student|tokio)'
//! ```
//!
//! The reference solutions are measured side by side with tokio's, futures',
//! async-channel's and flume's channels, on the same workloads, in one run.
//! `docs/maintainers.md` explains the workloads and records the results.

pub mod lesson;
pub mod libs;
pub mod workloads;
