//! Loom models of the reference solutions; they live in `tests/models.rs`.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test -p loom-models --release
//! ```
//!
//! Without `--cfg loom` there is nothing to run: the models compile to
//! nothing, so `cargo test --workspace` stays fast.
