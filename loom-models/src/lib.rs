//! Loom models of the four channels, and what they need to check any
//! implementation of the contract and to show a failure as steps of it.
//!
//! The models are this crate's tests, one file per exercise
//! (`tests/lesson13-*.rs`), written against `imp`, the checked `lib.rs`
//! included from the folder `LESSON13_LOOM_SOURCES`. The loom runner
//! (`lesson13_runner::loom`) writes that file: a submission's, a catalogue
//! entry's or a solution's, with each path that starts at `std`, `core`,
//! `alloc` or `loom` pointed at `shim` instead, so that its `Arc`,
//! `Mutex` and atomics are loom's and its locks are recorded. It builds and
//! runs them with
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" LESSON13_LOOM_SOURCES=<folder> \
//!     cargo test -p loom-models --release --test lesson13-oneshot
//! ```
//!
//! Each model is one `model::check`: it explores every interleaving up to
//! a preemption bound and a time budget, and when one fails it saves loom's
//! checkpoint of that schedule and replays it once with every lock, waker
//! and poll recorded, for the runner to show as numbered steps.
//!
//! - `model`: `check`, and what the models' threads do through it:
//!   `spawn`, `block_on`, `poll_once`, `call`;
//! - `shim`: what `std` means in a checked `lib.rs`;
//! - `record`: the events of the replayed run, and the lines they are
//!   printed as (the runner's `loom::steps` reads them).
//!
//! Without `--cfg loom` there is nothing here: `cargo test --workspace`
//! stays fast.

#![cfg(loom)]

pub mod model;
mod record;
pub mod shim;
mod traced;
