//! Reference solutions for the four Lesson 13 exercises.
//!
//! Each module is one self-contained file that implements one exercise's
//! contract: copied over that exercise's `src/lib.rs`, it passes all of that
//! exercise's tests. `cargo test -p solutions` runs the exercises' own public
//! and hidden test files against these modules.
//!
//! | module | exercise | crate |
//! |---|---|---|
//! | [`oneshot`] | 1: oneshot channel | `lesson13-oneshot` |
//! | [`oneshot_drop`] | 2: oneshot drop detection | `lesson13-oneshot-drop` |
//! | [`mpsc`] | 3: unbounded MPSC | `lesson13-mpsc` |
//! | [`bounded`] | 4: bounded MPSC with backpressure | `lesson13-bounded` |

pub mod bounded;
pub mod mpsc;
pub mod oneshot;
pub mod oneshot_drop;
