//! The story of a failing interleaving, as a student reads it: numbered
//! steps of their own code, one per turn of a thread (what it did, at which
//! line of `lib.rs`, until another thread ran), then what went wrong.
//!
//! ```text
//! 1. the receiver polls `rx`: locks (lib.rs:91), stores a clone of its waker (lib.rs:104), unlocks (lib.rs:107); `rx` is Pending; it waits to be woken
//! 2. the sender calls `tx.send(1)`: locks (lib.rs:76), unlocks (lib.rs:76), wakes the receiver (lib.rs:78), asks for the lock (lib.rs:80)
//! 3. the receiver is woken and polls `rx` again: locks (lib.rs:91), …; `rx` is Pending; it waits to be woken
//! 4. the sender gets the lock (lib.rs:80), unlocks (lib.rs:80); `tx.send(1)` returns Ok(()); it finishes
//! the receiver waits forever: nothing woke it after `rx` was Pending in step 3 (the last wake, in step 2, came before that poll)
//! ```
//!
//! Only what matters is told: locks, wakers, polls and the model's calls.
//! Atomics are not recorded, and a waker's drop is left out.

use super::lines::{Event, Failure, What};

/// A failing interleaving, told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// What kind of failure, in a few words: `a lost wakeup`.
    pub kind: String,
    /// The numbered steps.
    pub steps: Vec<String>,
    /// What went wrong, in one sentence.
    pub ending: String,
}

/// Tells the failing interleaving `events`, which failed as `failure`
/// with loom's `message`; lines are shown as `<file>:<line>`.
pub fn tell(events: &[Event], failure: Failure, message: &str, file: &str) -> Story {
    let turns = turns(events);
    let steps: Vec<String> = turns
        .iter()
        .enumerate()
        .map(|(i, turn)| format!("{}. {}", i + 1, describe(turn, file)))
        .collect();
    let (kind, ending) = match failure {
        Failure::Deadlock => deadlock(&turns, message, file),
        Failure::Panic => panic(events, message, file),
        Failure::Leak => (
            "a leak".to_owned(),
            format!("every thread finished, but {}", leak(message, file)),
        ),
    };
    Story {
        kind,
        steps,
        ending,
    }
}

/// One thread's run of consecutive events.
struct Turn<'a> {
    role: &'a str,
    events: Vec<&'a Event>,
}

/// The events, cut where another thread takes over.
fn turns(events: &[Event]) -> Vec<Turn<'_>> {
    let mut turns: Vec<Turn> = Vec::new();
    for event in events {
        if matches!(event.what, What::WakerDropped(_)) {
            continue;
        }
        match turns.last_mut() {
            Some(turn) if turn.events[0].thread == event.thread => turn.events.push(event),
            _ => turns.push(Turn {
                role: &event.role,
                events: vec![event],
            }),
        }
    }
    turns
}

/// Where a clause goes in a step's sentence.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// What the thread set out to do: `polls \`rx\``, `calls \`tx.send(1)\``.
    Opening,
    /// What it did with the lock and the wakers on the way.
    Action,
    /// What came of it: a poll's or a call's result, waiting, finishing.
    Result,
}

/// One turn as a sentence: the role, then what it did, in order.
fn describe(turn: &Turn, file: &str) -> String {
    let at = |event: &Event| match event.line {
        Some(line) => format!(" ({file}:{line})"),
        None => String::new(),
    };
    let mut clauses: Vec<(Part, String)> = Vec::new();
    let mut resumed: Option<bool> = None;
    let mut asked_at: Option<usize> = None;
    for (i, event) in turn.events.iter().enumerate() {
        let clause = match &event.what {
            What::AsksLock(_) => {
                asked_at = Some(clauses.len());
                (Part::Action, format!("asks for the lock{}", at(event)))
            }
            What::Locked(_) => match asked_at.take() {
                Some(index) => {
                    clauses[index].1 = format!("locks{}", at(event));
                    continue;
                }
                None if i == 0 => (Part::Action, format!("gets the lock{}", at(event))),
                None => (Part::Action, format!("gets the lock again{}", at(event))),
            },
            What::LockBusy(_) => (Part::Action, format!("finds the lock taken{}", at(event))),
            What::Unlocked(_) => (Part::Action, format!("unlocks{}", at(event))),
            What::WaitsCondvar(_) => (
                Part::Result,
                format!(
                    "lets the lock go to wait on the condition variable{}",
                    at(event)
                ),
            ),
            What::Notifies(all) => {
                let whom = if *all {
                    "every waiting thread"
                } else {
                    "one waiting thread"
                };
                (Part::Action, format!("notifies {whom}{}", at(event)))
            }
            What::WakerCloned(owner) if owner == turn.role => (
                Part::Action,
                format!("stores a clone of its waker{}", at(event)),
            ),
            What::WakerCloned(owner) => {
                (Part::Action, format!("clones {owner}'s waker{}", at(event)))
            }
            What::Woke(owner) if owner == turn.role => {
                (Part::Action, format!("wakes itself{}", at(event)))
            }
            What::Woke(owner) => (Part::Action, format!("wakes {owner}{}", at(event))),
            What::WakerDropped(_) => continue,
            What::Resumed(woken) => {
                resumed = Some(*woken);
                continue;
            }
            What::Polls(future) => (
                Part::Opening,
                match resumed.take() {
                    Some(true) => format!("is woken and polls `{future}` again"),
                    Some(false) => {
                        format!("polls `{future}` again without being woken (executors may)")
                    }
                    None => format!("polls `{future}`"),
                },
            ),
            What::Polled {
                future,
                ready: None,
            } => (Part::Result, format!("`{future}` is Pending")),
            What::Polled {
                future,
                ready: Some(value),
            } => (Part::Result, format!("`{future}` is Ready: {value}")),
            What::Waits => (Part::Result, "it waits to be woken".to_owned()),
            What::Called(call) => (Part::Opening, format!("calls `{call}`")),
            What::Returned { call, value } => (Part::Result, format!("`{call}` returns {value}")),
            What::Finished => (Part::Result, "it finishes".to_owned()),
            What::Panicked {
                line: Some(line), ..
            } => (Part::Result, format!("panics ({file}:{line})")),
            What::Panicked { line: None, .. } => {
                (Part::Result, "the model's check fails".to_owned())
            }
            What::Printed(text) => (Part::Action, format!("prints {text:?}")),
        };
        clauses.push(clause);
    }
    if let Some(woken) = resumed {
        let clause = if woken {
            "is woken"
        } else {
            "stops waiting without a wake"
        };
        clauses.push((Part::Result, clause.to_owned()));
    }
    let mut sentence = turn.role.to_owned();
    let mut previous = None;
    for (part, clause) in clauses {
        sentence.push_str(match (previous, part) {
            (None, _) => " ",
            (Some(Part::Opening), _) => ": ",
            (_, Part::Result) => "; ",
            _ => ", ",
        });
        sentence.push_str(&clause);
        previous = Some(part);
    }
    sentence
}

/// A deadlock's kind and ending: who waits forever, and for what.
fn deadlock(turns: &[Turn], message: &str, file: &str) -> (String, String) {
    let mut waiting: Vec<String> = Vec::new();
    let mut lost_wakeup = false;
    let mut roles: Vec<(u64, &str)> = Vec::new();
    for turn in turns {
        let thread = turn.events[0].thread;
        if !roles.iter().any(|(t, _)| *t == thread) {
            roles.push((thread, turn.role));
        }
    }
    for (thread, role) in roles {
        let mine: Vec<(usize, &Event)> = turns
            .iter()
            .enumerate()
            .flat_map(|(step, turn)| turn.events.iter().map(move |e| (step + 1, *e)))
            .filter(|(_, e)| e.thread == thread)
            .collect();
        let Some(&(_, last)) = mine.last() else {
            continue;
        };
        match &last.what {
            What::Waits => {
                lost_wakeup = true;
                waiting.push(never_woken(turns, &mine, role));
            }
            What::AsksLock(lock) => {
                let line = last
                    .line
                    .map(|l| format!(" at {file}:{l}"))
                    .unwrap_or_default();
                let held = holder(turns, *lock);
                let why = match held {
                    Some((holder, step)) if holder == thread => format!(
                        ", which it took itself in step {step} and still holds: \
                         a lock cannot be taken twice"
                    ),
                    Some((_, step)) => {
                        format!(", held since step {step} by a thread that waits too")
                    }
                    None => String::new(),
                };
                waiting.push(format!("{role} waits forever for the lock{line}{why}"));
            }
            What::WaitsCondvar(_) => {
                waiting.push(format!(
                    "{role} waits forever on the condition variable: no notify came after it \
                     began to wait"
                ));
            }
            _ => {}
        }
    }
    // A thread stuck on a lock is the cause; one waiting for a wake then
    // waits for it.
    waiting.sort_by_key(|w| !w.contains("for the lock"));
    let on_a_lock = waiting.iter().any(|w| w.contains("for the lock"));
    let kind = if lost_wakeup && !on_a_lock {
        "a lost wakeup"
    } else {
        "a deadlock"
    };
    let ending = if waiting.is_empty() {
        format!("every thread is blocked ({})", first_line(message))
    } else {
        waiting.join("; ")
    };
    (kind.to_owned(), ending)
}

/// Why `role`, whose events (each with its step) are `mine`, waits forever
/// for a wake.
fn never_woken(turns: &[Turn], mine: &[(usize, &Event)], role: &str) -> String {
    let pending = mine
        .iter()
        .rev()
        .find(|(_, e)| matches!(e.what, What::Polled { ready: None, .. }));
    let Some((
        step,
        Event {
            what: What::Polled { future, .. },
            ..
        },
    )) = pending
    else {
        return format!("{role} waits forever: nothing wakes it");
    };
    let mut text = format!(
        "{role} waits forever: nothing woke it after `{future}` was Pending in step {step}"
    );
    let last_wake = turns
        .iter()
        .enumerate()
        .filter(|(_, turn)| {
            turn.events
                .iter()
                .any(|e| matches!(&e.what, What::Woke(owner) if owner == role))
        })
        .map(|(i, _)| i + 1)
        .next_back();
    match last_wake {
        Some(wake) if wake < *step => text.push_str(&format!(
            " (the last wake, in step {wake}, came before that poll, which found nothing ready)"
        )),
        Some(wake) if wake == *step => {
            text.push_str(" (it woke itself in that step, and nothing polls it again)")
        }
        _ => {}
    }
    text
}

/// Which thread holds `lock` at the end, and since which step.
fn holder(turns: &[Turn], lock: u64) -> Option<(u64, usize)> {
    let mut held = None;
    for (i, turn) in turns.iter().enumerate() {
        for event in &turn.events {
            match event.what {
                What::Locked(l) if l == lock => held = Some((event.thread, i + 1)),
                What::Unlocked(l) | What::WaitsCondvar(l) if l == lock => held = None,
                _ => {}
            }
        }
    }
    held
}

/// A panic's kind and ending: who panicked, where, with what message.
fn panic(events: &[Event], message: &str, file: &str) -> (String, String) {
    let panicked = events.iter().rev().find_map(|e| match &e.what {
        What::Panicked { message, line } => Some((e.role.as_str(), message, *line)),
        _ => None,
    });
    let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let ending = match panicked {
        Some((role, message, Some(line))) => {
            format!("{role} panicked at {file}:{line}: {}", one_line(message))
        }
        Some((role, message, None)) => {
            format!("the model's check failed in {role}: {}", one_line(message))
        }
        None => format!("a thread panicked: {}", one_line(message)),
    };
    ("a panic".to_owned(), ending)
}

/// What leaked, from loom's message (`Arc leaked.\n  Allocated: …`).
fn leak(message: &str, file: &str) -> String {
    let what = message
        .split(" leaked.")
        .next()
        .unwrap_or("something")
        .trim();
    let created = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("Allocated: "))
        .map(|at| format!(" (created at {})", short_location(at, file)))
        .unwrap_or_default();
    format!("an `{what}`{created} was never freed: a value forgotten, or a cycle of `Arc`s")
}

/// The first line of loom's message.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

/// `<file>:line:column` as `<file>:line`; other places as they are.
fn short_location(location: &str, file: &str) -> String {
    match location
        .strip_prefix(file)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.split(':').next())
    {
        Some(line) => format!("{file}:{line}"),
        None => location.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loom::lines::{self, Verdict};

    /// What the harness printed when it replayed the failing interleaving of
    /// the catalogue's `lesson13-oneshot/wake-before-store` in the model
    /// `send_races_the_receivers_poll` (with the tag `:fixture`).
    const WAKE_BEFORE_STORE: &str = include_str!("fixtures/wake-before-store.out");

    #[test]
    fn a_recorded_lost_wakeup_is_told_as_numbered_steps_of_lib_rs() {
        let output = lines::read(WAKE_BEFORE_STORE, ":fixture", "sources/lesson13-oneshot.rs");
        let Some(Verdict::Race {
            failure, message, ..
        }) = &output.verdict
        else {
            panic!("no race in the fixture: {:?}", output.verdict);
        };
        let story = tell(&output.events, *failure, message, "lib.rs");
        assert_eq!(story.kind, "a lost wakeup");
        assert_eq!(
            story.steps,
            [
                "1. the receiver polls `rx`: locks (lib.rs:91), stores a clone of its waker \
                 (lib.rs:104), unlocks (lib.rs:107); `rx` is Pending; it waits to be woken",
                "2. the sender calls `tx.send(1)`: locks (lib.rs:76), unlocks (lib.rs:76), wakes \
                 the receiver (lib.rs:78), asks for the lock (lib.rs:80)",
                "3. the receiver is woken and polls `rx` again: locks (lib.rs:91), stores a clone \
                 of its waker (lib.rs:104), unlocks (lib.rs:107); `rx` is Pending; it waits to be \
                 woken",
                "4. the sender gets the lock (lib.rs:80), unlocks (lib.rs:80); `tx.send(1)` \
                 returns Ok(()); it finishes",
            ]
        );
        assert_eq!(
            story.ending,
            "the receiver waits forever: nothing woke it after `rx` was Pending in step 3 (the \
             last wake, in step 2, came before that poll, which found nothing ready)"
        );
    }

    #[test]
    fn a_thread_that_takes_its_own_lock_again_is_the_deadlocks_cause() {
        let event = |thread, role: &str, what, line| Event {
            thread,
            role: role.to_owned(),
            what,
            line,
        };
        let events = [
            event(0, "the receiver", What::Polls("rx".into()), None),
            event(
                0,
                "the receiver",
                What::Polled {
                    future: "rx".into(),
                    ready: None,
                },
                None,
            ),
            event(0, "the receiver", What::Waits, None),
            event(1, "the sender", What::AsksLock(1), Some(74)),
            event(1, "the sender", What::Locked(1), Some(74)),
            event(1, "the sender", What::AsksLock(1), Some(77)),
        ];
        let story = tell(
            &events,
            Failure::Deadlock,
            "deadlock; threads = […]",
            "lib.rs",
        );
        assert_eq!(story.kind, "a deadlock");
        assert_eq!(
            story.steps[1],
            "2. the sender locks (lib.rs:74), asks for the lock (lib.rs:77)"
        );
        assert!(
            story.ending.starts_with(
                "the sender waits forever for the lock at lib.rs:77, which it took itself in \
                 step 2 and still holds"
            ),
            "{}",
            story.ending
        );
    }

    #[test]
    fn a_leak_names_where_the_leaked_arc_was_made() {
        let story = tell(
            &[],
            Failure::Leak,
            "Arc leaked.\n  Allocated: lib.rs:32:19\n      Index: 0",
            "lib.rs",
        );
        assert_eq!(
            story.ending,
            "every thread finished, but an `Arc` (created at lib.rs:32) was never freed: a value \
             forgotten, or a cycle of `Arc`s"
        );
    }
}
