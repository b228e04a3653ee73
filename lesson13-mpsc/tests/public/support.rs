//! Small helpers for the tests, shared by the public and the hidden tests
//! (and by Exercise 4, which runs them against its bounded channel).
//!
//! Each test binary uses some of them, not all.
#![allow(dead_code)]

use super::imp;
use tokio_test::task;

/// Polls a fresh `recv()` once on a new mock task: `Ready(Some(message))`,
/// `Ready(None)` or `Pending`.
pub fn try_recv<T>(rx: &mut imp::Receiver<T>) -> std::task::Poll<Option<T>> {
    task::spawn(rx.recv()).poll()
}

/// Receives every message until `recv()` returns `None`.
pub async fn receive_all<T>(mut rx: imp::Receiver<T>) -> Vec<T> {
    let mut received = Vec::new();
    while let Some(message) = rx.recv().await {
        received.push(message);
    }
    received
}
