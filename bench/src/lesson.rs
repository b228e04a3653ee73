//! The lesson's own channels plugged into the workloads' traits: the
//! solutions, and with `--features student` the exercise crates. Both have
//! the very same API, so one macro per trait serves them all.

use crate::workloads::{Bounded, Named, Oneshot, Unbounded};

/// Exercise 3's `mpsc` module (or crate) as an [`Unbounded`] channel.
macro_rules! unbounded {
    ($lib:ty: $($module:ident)::+) => {
        impl Unbounded for $lib {
            type Tx = $($module)::+::Sender<u64>;
            type Rx = $($module)::+::Receiver<u64>;
            fn channel() -> (Self::Tx, Self::Rx) {
                $($module)::+::channel()
            }
            fn send(tx: &Self::Tx, value: u64) {
                tx.send(value).unwrap();
            }
            async fn recv(rx: &mut Self::Rx) -> Option<u64> {
                rx.recv().await
            }
        }
    };
}

/// Exercise 4's `bounded` module (or crate) as a [`Bounded`] channel.
macro_rules! bounded {
    ($lib:ty: $($module:ident)::+) => {
        impl Bounded for $lib {
            type Tx = $($module)::+::Sender<u64>;
            type Rx = $($module)::+::Receiver<u64>;
            fn channel(capacity: usize, _: usize) -> (Self::Tx, Self::Rx) {
                $($module)::+::channel(capacity)
            }
            async fn send(tx: &mut Self::Tx, value: u64) {
                tx.send(value).await.unwrap();
            }
            async fn recv(rx: &mut Self::Rx) -> Option<u64> {
                rx.recv().await
            }
        }
    };
}

/// Exercise 1's or 2's oneshot module (or crate) as a [`Oneshot`] channel.
macro_rules! oneshot {
    ($lib:ty: $($module:ident)::+) => {
        impl Oneshot for $lib {
            type Tx = $($module)::+::Sender<u64>;
            type Rx = $($module)::+::Receiver<u64>;
            fn channel() -> (Self::Tx, Self::Rx) {
                $($module)::+::channel()
            }
            fn send(tx: Self::Tx, value: u64) {
                tx.send(value).unwrap();
            }
            async fn recv(rx: Self::Rx) -> u64 {
                rx.await.unwrap()
            }
        }
    };
}

/// The reference solutions. Their oneshot is Exercise 2's, which notices a
/// dropped half as tokio's and futures' oneshots do.
pub struct Solutions;
/// Exercise 1's oneshot: no drop detection, so no `Drop` impls.
pub struct SolutionsEx1;

impl Named for Solutions {
    const NAME: &'static str = "solutions";
}
impl Named for SolutionsEx1 {
    const NAME: &'static str = "solutions-ex1";
}
unbounded!(Solutions: solutions::mpsc);
bounded!(Solutions: solutions::bounded);
oneshot!(Solutions: solutions::oneshot_drop);
oneshot!(SolutionsEx1: solutions::oneshot);

/// The student's exercise crates, as [`Solutions`] is the solutions.
#[cfg(feature = "student")]
pub struct Student;
/// The student's Exercise 1 crate, as [`SolutionsEx1`].
#[cfg(feature = "student")]
pub struct StudentEx1;

#[cfg(feature = "student")]
mod student {
    use super::*;

    impl Named for Student {
        const NAME: &'static str = "student";
    }
    impl Named for StudentEx1 {
        const NAME: &'static str = "student-ex1";
    }
    unbounded!(Student: lesson13_mpsc);
    bounded!(Student: lesson13_bounded);
    oneshot!(Student: lesson13_oneshot_drop);
    oneshot!(StudentEx1: lesson13_oneshot);
}
