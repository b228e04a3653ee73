//! Capturing a test process's output without trusting it: only the last
//! [`TAIL_BYTES`] are kept, whatever the process prints, and they are decoded
//! lossily, so a flood costs the runner no memory and bytes that are not
//! UTF-8 never fail a test.
//!
//! The process's stdout and stderr are both the write end of one pipe (so
//! the two stay interleaved in the order they were written), and a thread
//! of the runner reads the other end while the process runs.

use std::collections::VecDeque;
use std::io::Read;
use std::process::{Command, ExitStatus};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use wait_timeout::ChildExt;

/// How much of a test's output is kept: its last 64 KiB.
pub const TAIL_BYTES: usize = 64 * 1024;

/// How long output may go on arriving after the process itself has exited
/// (from children it left behind, when no sandbox kills them).
const AFTER_EXIT: Duration = Duration::from_millis(200);
/// How [`Tail::text`] starts when more was printed than kept.
pub const CUT_MARK: &str = "[… the first ";

/// The last [`TAIL_BYTES`] of a stream.
#[derive(Debug, Default)]
pub struct Tail {
    kept: VecDeque<u8>,
    dropped: u64,
}

impl Tail {
    /// Appends `bytes`, dropping the oldest beyond [`TAIL_BYTES`].
    pub fn push(&mut self, bytes: &[u8]) {
        let bytes = match bytes.len().checked_sub(TAIL_BYTES) {
            Some(skip) if skip > 0 => {
                self.dropped += (skip + self.kept.len()) as u64;
                self.kept.clear();
                &bytes[skip..]
            }
            _ => bytes,
        };
        let excess = (self.kept.len() + bytes.len()).saturating_sub(TAIL_BYTES);
        self.kept.drain(..excess);
        self.dropped += excess as u64;
        self.kept.extend(bytes);
    }

    /// The kept bytes as text (invalid UTF-8 replaced by `�`), with a first
    /// line saying how much was cut, if anything was.
    pub fn text(&self) -> String {
        let (front, back) = self.kept.as_slices();
        let mut bytes = Vec::with_capacity(self.kept.len());
        bytes.extend_from_slice(front);
        bytes.extend_from_slice(back);
        let text = String::from_utf8_lossy(&bytes);
        if self.dropped == 0 {
            text.into_owned()
        } else {
            format!(
                "{CUT_MARK}{} bytes of output were cut; the last {} follow]\n{text}",
                self.dropped,
                bytes.len()
            )
        }
    }
}

/// How a watched process ended.
pub struct Ended {
    /// Its exit status, or `None` if it was killed at the time limit.
    pub status: Option<ExitStatus>,
    /// The end of what it printed.
    pub output: String,
    /// Whether more was printed than kept.
    pub cut: bool,
}

/// Runs `command` with its stdout and stderr captured, killing it if it is
/// still running after `limit`.
pub fn run(mut command: Command, limit: Duration) -> std::io::Result<Ended> {
    let (mut reader, writer) = std::io::pipe()?;
    command.stdout(writer.try_clone()?).stderr(writer);
    let spawned = command.spawn();
    // The command holds our copies of the write end: close them, or the
    // reader never sees the end of the output.
    drop(command);
    let mut child = spawned?;
    let tail = Arc::new(Mutex::new(Tail::default()));
    let (done_tx, done_rx) = mpsc::channel();
    let reader_tail = Arc::clone(&tail);
    std::thread::spawn(move || {
        let mut chunk = vec![0; 16 * 1024];
        while let Ok(n @ 1..) = reader.read(&mut chunk) {
            reader_tail.lock().unwrap().push(&chunk[..n]);
        }
        let _ = done_tx.send(());
    });
    let status = match child.wait_timeout(limit)? {
        Some(status) => Some(status),
        None => {
            child.kill()?;
            child.wait()?;
            None
        }
    };
    // Whatever the process left behind and still holds the pipe open is
    // not waited for long (the sandbox, when on, has killed it already).
    let _ = done_rx.recv_timeout(AFTER_EXIT);
    let tail = tail.lock().unwrap();
    Ok(Ended {
        status,
        output: tail.text(),
        cut: tail.dropped > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_keeps_only_the_last_64_kib_and_says_how_much_was_cut() {
        let mut tail = Tail::default();
        for _ in 0..100 {
            tail.push(&[b'x'; 10_000]);
        }
        tail.push(b"the end");
        let text = tail.text();
        assert!(
            text.starts_with(
                "[… the first 934471 bytes of output were cut; the last 65536 follow]\n"
            ),
            "{}",
            &text[..100]
        );
        assert!(text.ends_with("xthe end"));
        assert_eq!(tail.kept.len(), TAIL_BYTES);
    }

    #[test]
    fn one_huge_write_is_cut_too() {
        let mut tail = Tail::default();
        tail.push(b"old");
        tail.push(&vec![b'y'; TAIL_BYTES + 5]);
        assert_eq!(tail.kept.len(), TAIL_BYTES);
        assert_eq!(tail.dropped, 8);
        assert!(tail.kept.iter().all(|&b| b == b'y'));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_an_error() {
        let mut tail = Tail::default();
        tail.push(b"ok \xff\xfe then \xe2\x9c\x93");
        assert_eq!(tail.text(), "ok \u{FFFD}\u{FFFD} then \u{2713}");
    }
}
