//! The channels the solutions are compared with, plugged into the workloads'
//! traits. Each method is the library's plain API for that job.

use crate::workloads::{Bounded, Named, Oneshot, Unbounded};
use futures::{SinkExt, StreamExt};

/// tokio's `sync::mpsc` and `sync::oneshot`.
pub struct Tokio;
/// futures' `channel::mpsc` and `channel::oneshot`.
pub struct Futures;
/// async-channel; its `bounded(1)` stands in for a oneshot.
pub struct AsyncChannel;
/// flume; its `bounded(1)` stands in for a oneshot.
pub struct Flume;

impl Named for Tokio {
    const NAME: &'static str = "tokio";
}
impl Named for Futures {
    const NAME: &'static str = "futures";
}
impl Named for AsyncChannel {
    const NAME: &'static str = "async-channel";
}
impl Named for Flume {
    const NAME: &'static str = "flume";
}

impl Unbounded for Tokio {
    type Tx = tokio::sync::mpsc::UnboundedSender<u64>;
    type Rx = tokio::sync::mpsc::UnboundedReceiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::unbounded_channel()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
}

impl Bounded for Tokio {
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize, _: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
}

impl Oneshot for Tokio {
    type Tx = tokio::sync::oneshot::Sender<u64>;
    type Rx = tokio::sync::oneshot::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        tokio::sync::oneshot::channel()
    }
    fn send(tx: Self::Tx, value: u64) {
        tx.send(value).unwrap();
    }
    async fn recv(rx: Self::Rx) -> u64 {
        rx.await.unwrap()
    }
}

impl Unbounded for Futures {
    type Tx = futures::channel::mpsc::UnboundedSender<u64>;
    type Rx = futures::channel::mpsc::UnboundedReceiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        futures::channel::mpsc::unbounded()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.unbounded_send(value).unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.next().await
    }
}

impl Bounded for Futures {
    type Tx = futures::channel::mpsc::Sender<u64>;
    type Rx = futures::channel::mpsc::Receiver<u64>;
    /// futures' channel holds `buffer` messages plus one per sender.
    fn channel(capacity: usize, producers: usize) -> (Self::Tx, Self::Rx) {
        futures::channel::mpsc::channel(capacity - producers)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.next().await
    }
}

impl Oneshot for Futures {
    type Tx = futures::channel::oneshot::Sender<u64>;
    type Rx = futures::channel::oneshot::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        futures::channel::oneshot::channel()
    }
    fn send(tx: Self::Tx, value: u64) {
        tx.send(value).unwrap();
    }
    async fn recv(rx: Self::Rx) -> u64 {
        rx.await.unwrap()
    }
}

impl Unbounded for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        async_channel::unbounded()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.try_send(value).unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

impl Bounded for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(capacity: usize, _: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// No oneshot in async-channel: a channel of capacity 1 serves as one.
impl Oneshot for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        async_channel::bounded(1)
    }
    fn send(tx: Self::Tx, value: u64) {
        tx.try_send(value).unwrap();
    }
    async fn recv(rx: Self::Rx) -> u64 {
        rx.recv().await.unwrap()
    }
}

impl Unbounded for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        flume::unbounded()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

impl Bounded for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn channel(capacity: usize, _: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(capacity)
    }
    async fn send(tx: &mut Self::Tx, value: u64) {
        tx.send_async(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

/// No oneshot in flume: a channel of capacity 1 serves as one.
impl Oneshot for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        flume::bounded(1)
    }
    fn send(tx: Self::Tx, value: u64) {
        tx.try_send(value).unwrap();
    }
    async fn recv(rx: Self::Rx) -> u64 {
        rx.recv_async().await.unwrap()
    }
}
