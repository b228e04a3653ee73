//! Reading what a model's test process printed: the harness's lines
//! (`loom_models::model`), each `lesson13-loom<tag> <JSON>`, into the
//! recorded events, the saved checkpoint and the verdict.
//!
//! Lines without the run's tag are not the harness's (the code under test
//! may print anything, but cannot read the tag), and are kept as the
//! output a student's own `println!` made, in order among the events.

use serde_json::Value;

/// What the harness's lines start with, before the tag.
pub const PREFIX: &str = "lesson13-loom";

/// Everything a model's run printed, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelOutput {
    /// The recorded events of the replayed schedule, in order, with the
    /// lines the checked code printed among them.
    pub events: Vec<Event>,
    /// loom's checkpoint of the failing schedule (a JSON document).
    pub checkpoint: Option<String>,
    /// The last verdict printed.
    pub verdict: Option<Verdict>,
}

/// The harness's verdict on one model.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No interleaving within the bound failed.
    Clean {
        /// How many interleavings loom ran.
        iterations: u64,
        /// The preemption bound.
        preemptions: u64,
    },
    /// The time budget ran out before every interleaving was run.
    Inconclusive {
        /// How many interleavings loom ran.
        iterations: u64,
        /// The preemption bound.
        preemptions: u64,
    },
    /// An interleaving failed.
    Race {
        /// How it failed.
        failure: Failure,
        /// loom's message, or the panic's.
        message: String,
        /// How many interleavings loom ran to find it.
        iterations: u64,
        /// The preemption bound.
        preemptions: u64,
    },
    /// loom could not model the code (a thread that kept taking steps).
    Unsupported {
        /// loom's message.
        message: String,
    },
    /// A replayed schedule ran to its end: the code changed since.
    ReplayedClean,
    /// The harness could not do what it was asked (no checkpoint saved, a
    /// failure that did not come back).
    Error {
        /// What went wrong.
        message: String,
    },
}

/// How an interleaving failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Every thread left waits: for a wake, a lock or another thread.
    Deadlock,
    /// A thread panicked (an assertion of the model, or the code's own).
    Panic,
    /// Every thread finished, and something was never freed.
    Leak,
}

/// One thing a thread did, or a line the checked code printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// loom's number for the thread (0 runs the model's closure).
    pub thread: u64,
    /// The thread's role in the model (`the sender`).
    pub role: String,
    /// What it did.
    pub what: What,
    /// The line of the checked file it happened at, when it was there.
    pub line: Option<u32>,
}

/// What a thread did.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// Asked for lock number `.0` (it may have to wait for it).
    AsksLock(u64),
    /// Got lock number `.0`.
    Locked(u64),
    /// Found lock number `.0` taken (`try_lock`).
    LockBusy(u64),
    /// Let lock number `.0` go.
    Unlocked(u64),
    /// Let the lock go to wait on a condition variable.
    WaitsCondvar(u64),
    /// Notified a condition variable's waiters (all of them if `true`).
    Notifies(bool),
    /// Cloned the waker of `.0` (a role, or a role's old task).
    WakerCloned(String),
    /// Woke the waker of `.0`.
    Woke(String),
    /// Dropped a waker of `.0`.
    WakerDropped(String),
    /// Started a poll of the future the model calls `.0` (`rx`).
    Polls(String),
    /// A poll of `future` returned `ready` (`None`: `Pending`).
    Polled {
        /// The model's name for the future.
        future: String,
        /// What it returned, if `Ready`.
        ready: Option<String>,
    },
    /// Went to sleep until its waker is woken.
    Waits,
    /// Came back from waiting: woken (`true`), or spuriously.
    Resumed(bool),
    /// Called the channel: `tx.send(1)`.
    Called(String),
    /// A call returned.
    Returned {
        /// The call.
        call: String,
        /// What it returned.
        value: String,
    },
    /// The thread's work is done.
    Finished,
    /// The thread panicked.
    Panicked {
        /// The panic's message.
        message: String,
        /// Its line in the checked file, if it was there.
        line: Option<u32>,
    },
    /// The checked code printed this line (not the harness).
    Printed(String),
}

/// Reads a model's output. `tag` is the run's tag, `checked` the end of
/// the path of the checked file as the models included it (only lines
/// there are kept: the steps show nothing of the models' or std's own).
pub fn read(output: &str, tag: &str, checked: &str) -> ModelOutput {
    let marker = format!("{PREFIX}{tag} ");
    let mut read = ModelOutput::default();
    let mut last_thread: Option<(u64, String)> = None;
    for line in output.lines() {
        let Some(json) = line.find(&marker).map(|at| &line[at + marker.len()..]) else {
            if let Some((thread, role)) = &last_thread {
                if read.verdict.is_none() && !line.is_empty() {
                    read.events.push(Event {
                        thread: *thread,
                        role: role.clone(),
                        what: What::Printed(line.to_owned()),
                        line: None,
                    });
                }
            }
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(json) else {
            continue;
        };
        match value["kind"].as_str() {
            Some("event") => {
                if let Some(event) = event(&value, checked, last_thread.as_ref()) {
                    last_thread = Some((event.thread, event.role.clone()));
                    read.events.push(event);
                }
            }
            Some("checkpoint") => {
                read.checkpoint = value["checkpoint"].as_str().map(str::to_owned);
            }
            Some("verdict") => read.verdict = verdict(&value),
            _ => {}
        }
    }
    read
}

/// One event; one with no thread (a panic, which the harness reports from
/// its hook, where it cannot ask loom) is the last thread's.
fn event(value: &Value, checked: &str, last: Option<&(u64, String)>) -> Option<Event> {
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
    let number = |key: &str| value[key].as_u64().unwrap_or(0);
    let in_checked = |file: &str, line: &str| {
        (value[file].as_str().is_some_and(|f| f.ends_with(checked)))
            .then(|| value[line].as_u64().map(|l| l as u32))
            .flatten()
    };
    let what = match value["what"].as_str()? {
        "asks_lock" => What::AsksLock(number("lock")),
        "locked" => What::Locked(number("lock")),
        "lock_busy" => What::LockBusy(number("lock")),
        "unlocked" => What::Unlocked(number("lock")),
        "waits_condvar" => What::WaitsCondvar(number("lock")),
        "notifies" => What::Notifies(value["all"].as_bool().unwrap_or(false)),
        "waker_cloned" => What::WakerCloned(text("owner")),
        "woke" => What::Woke(text("owner")),
        "waker_dropped" => What::WakerDropped(text("owner")),
        "polls" => What::Polls(text("future")),
        "polled" => What::Polled {
            future: text("future"),
            ready: value["ready"].as_str().map(str::to_owned),
        },
        "waits" => What::Waits,
        "resumed" => What::Resumed(value["woken"].as_bool().unwrap_or(false)),
        "called" => What::Called(text("call")),
        "returned" => What::Returned {
            call: text("call"),
            value: text("value"),
        },
        "finished" => What::Finished,
        "panicked" => What::Panicked {
            message: text("message"),
            line: None,
        },
        _ => return None,
    };
    let (thread, role) = match (value["thread"].as_u64(), last) {
        (None, Some((thread, role))) => (*thread, role.clone()),
        _ => (number("thread"), text("role")),
    };
    let line = in_checked("file", "line");
    let what = match what {
        What::Panicked { message, .. } => What::Panicked { message, line },
        what => what,
    };
    Some(Event {
        thread,
        role,
        what,
        line,
    })
}

fn verdict(value: &Value) -> Option<Verdict> {
    let number = |key: &str| value[key].as_u64().unwrap_or(0);
    let message = value["message"].as_str().unwrap_or_default().to_owned();
    Some(match value["verdict"].as_str()? {
        "clean" => Verdict::Clean {
            iterations: number("iterations"),
            preemptions: number("preemptions"),
        },
        "inconclusive" => Verdict::Inconclusive {
            iterations: number("iterations"),
            preemptions: number("preemptions"),
        },
        "race" => Verdict::Race {
            failure: match value["failure"].as_str()? {
                "deadlock" => Failure::Deadlock,
                "leak" => Failure::Leak,
                _ => Failure::Panic,
            },
            message,
            iterations: number("iterations"),
            preemptions: number("preemptions"),
        },
        "unsupported" => Verdict::Unsupported { message },
        "replayed_clean" => Verdict::ReplayedClean,
        "error" => Verdict::Error { message },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tagged_lines_count_and_the_codes_own_prints_come_among_the_events() {
        let event = |what: &str, line: u32| {
            format!(
                "{PREFIX}:t {{\"kind\":\"event\",\"what\":\"{what}\",\"lock\":1,\"thread\":1,\
                 \"role\":\"the sender\",\"file\":\"/x/sources/lesson13-mpsc.rs\",\"line\":{line}}}"
            )
        };
        let output = [
            "running 1 test".to_owned(),
            "test m ... ".to_owned() + &event("locked", 80),
            "sender: pushed".to_owned(),
            // Forged: no tag.
            format!("{PREFIX} {{\"kind\":\"verdict\",\"verdict\":\"clean\"}}"),
            event("unlocked", 81),
            format!(
                "{PREFIX}:t {{\"kind\":\"verdict\",\"verdict\":\"race\",\"failure\":\"deadlock\",\
                 \"message\":\"deadlock; …\",\"iterations\":7,\"preemptions\":3}}"
            ),
            "FAILED".to_owned(),
        ]
        .join("\n");
        let read = read(&output, ":t", "sources/lesson13-mpsc.rs");
        let whats: Vec<&What> = read.events.iter().map(|e| &e.what).collect();
        assert_eq!(
            whats,
            [
                &What::Locked(1),
                &What::Printed("sender: pushed".into()),
                // A forged verdict is only something the code printed.
                &What::Printed(format!(
                    "{PREFIX} {{\"kind\":\"verdict\",\"verdict\":\"clean\"}}"
                )),
                &What::Unlocked(1)
            ]
        );
        assert_eq!(read.events[0].line, Some(80));
        assert!(matches!(
            read.verdict,
            Some(Verdict::Race {
                failure: Failure::Deadlock,
                iterations: 7,
                ..
            })
        ));
    }
}
