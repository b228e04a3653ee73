//! Turning a test process's output into the message a student should read:
//! the panic without backtrace noise, or for a crash, the first panic as the
//! likely cause.

/// The failure text libtest printed for `test`, without backtrace notes.
pub(crate) fn failure_message(
    test: &str,
    status: std::process::ExitStatus,
    output: &str,
) -> String {
    let header = format!("---- {test} stdout ----\n");
    let section = output.find(&header).map(|start| {
        let body = &output[start + header.len()..];
        let end = body.find("\nfailures:\n").unwrap_or(body.len());
        &body[..end]
    });
    let text = match section {
        Some(section) => section.to_owned(),
        // No failure section: the process died before libtest could report.
        None => crash_report(status, output),
    };
    text.lines()
        .filter(|l| !is_backtrace_noise(l))
        .map(strip_thread_id)
        .map(|l| poll_assertion_last(&l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// `thread 'name' (9898) panicked at …` without the `(9898)`: the thread id
/// that Rust prints after a thread's name changes from run to run, and says
/// nothing to a student.
fn strip_thread_id(line: &str) -> String {
    const THREAD: &str = "thread '";
    let Some(start) = line.find(THREAD) else {
        return line.to_owned();
    };
    let after_thread = start + THREAD.len();
    let Some(name_len) = line[after_thread..].find("' (") else {
        return line.to_owned();
    };
    let id_start = after_thread + name_len + 1; // at the space before `(`
    let rest = &line[id_start + 2..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || !rest[digits..].starts_with(')') {
        return line.to_owned();
    }
    format!("{}{}", &line[..id_start], &rest[digits + 1..])
}

/// Why a test process died: every panic it printed, the first one being the
/// cause. A typical crash is a panic while a lock is held, which poisons the
/// lock, then a `Drop` impl that panics on the poisoned lock during
/// unwinding, which aborts the process.
fn crash_report(status: std::process::ExitStatus, output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let panics: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.contains("panicked at"))
        .map(|(i, line)| format!("{line}\n{}", lines.get(i + 1).unwrap_or(&"")))
        .collect();
    let mut report = format!("{CRASHED} ({status}).");
    match panics.split_first() {
        None => report.push_str(&format!(" Its last output:\n{}", tail(output, 15))),
        Some((cause, rest)) => {
            report.push_str(&format!(" The first panic, the likely cause:\n{cause}"));
            if !rest.is_empty() {
                report.push_str(
                    "\nThen, while unwinding (a panic in Drop, often on a lock poisoned by the \
                     first panic), which aborts the process:",
                );
                for panic in rest {
                    report.push_str(&format!("\n{panic}"));
                }
            }
        }
    }
    report
}

/// How a crash report starts.
const CRASHED: &str = "the test process crashed";

/// A `tokio_test` assertion's message with what the poll returned moved to
/// the end, so that the test's own words come first:
/// `pending; the value was sent…` becomes `the value was sent… [the poll
/// returned Pending]`.
fn poll_assertion_last(line: &str) -> String {
    if let Some(message) = line.strip_prefix("pending; ") {
        return format!("{message} [the poll returned Pending]");
    }
    if let Some(rest) = line.strip_prefix("ready; value = ") {
        if let Some((value, message)) = rest.split_once("; ") {
            return format!("{message} [the poll returned Ready({value})]");
        }
    }
    line.to_owned()
}

/// Backtrace lines and notes, which say nothing to a student.
fn is_backtrace_noise(line: &str) -> bool {
    let trimmed = line.trim_start();
    line.starts_with("note: run with `RUST_BACKTRACE")
        || line.starts_with("note: Some details are omitted")
        || line.starts_with("stack backtrace:")
        || trimmed.starts_with("at ")
        || trimmed
            .split_once(": ")
            .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
}

/// The last `n` lines of `text`.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The line of a failure message that says what went wrong: the panic
/// message after libtest's "thread '…' panicked at file:line:" line, whole
/// (a cut could fall in the middle of the clue; [`wrap`] it to show it).
///
/// For a crash, it is the first panic's message (the likely cause).
pub fn gist(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut first = lines.next().unwrap_or("");
    if first.starts_with(CRASHED) {
        // Skip to the first panic's own message.
        first = lines
            .find(|l| l.contains("panicked at"))
            .and_then(|_| lines.next())
            .unwrap_or(first);
    } else if first.starts_with("thread '") && first.contains("panicked at") {
        first = lines.next().unwrap_or(first);
    }
    first.to_owned()
}

/// `text` wrapped at word boundaries to `width` columns, each line after
/// the first starting with `indent` (the first line's indent is the
/// caller's): so that a long message is read whole on a terminal.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let options = textwrap::Options::new(width.max(20)).subsequent_indent(indent);
    text.lines()
        .map(|line| textwrap::fill(line, &options))
        .collect::<Vec<_>>()
        .join(&format!("\n{indent}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::time_limit;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;
    use std::time::Duration;

    #[test]
    fn a_failure_keeps_the_panic_and_drops_backtrace_notes() {
        let output = "running 1 test\ntest graded::x ... FAILED\n\nfailures:\n\n---- graded::x stdout ----\n\
            thread 'graded::x' (7) panicked at tests/hidden/graded.rs:9:5:\nsend() did not wake\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
            failures:\n    graded::x\n";
        let message = failure_message("graded::x", ExitStatus::from_raw(101 << 8), output);
        assert_eq!(
            message,
            "thread 'graded::x' panicked at tests/hidden/graded.rs:9:5:\nsend() did not wake"
        );
    }

    #[test]
    fn a_crash_names_the_first_panic_as_the_cause() {
        let output = "running 1 test\n\
            thread 'graded::x' (7) panicked at src/lib.rs:103:39:\ncalled `Option::unwrap()` on a `None` value\n\
            thread 'graded::x' (7) panicked at src/lib.rs:164:40:\ncalled `Result::unwrap()` on an `Err` value: PoisonError { .. }\n\
            stack backtrace:\n   0: std::panicking::begin_panic\n             at /rustc/library/std/src/panicking.rs:1\n\
            thread 'graded::x' (7) panicked at library/core/src/panicking.rs:1:5:\npanic in a destructor during cleanup\n";
        let message = failure_message("graded::x", ExitStatus::from_raw(6), output);
        assert!(message.contains("The first panic, the likely cause:\nthread 'graded::x' panicked at src/lib.rs:103:39:\ncalled `Option::unwrap()` on a `None` value"), "{message}");
        assert!(message.contains("PoisonError"), "{message}");
        assert!(
            !message.contains("begin_panic") && !message.contains("at /rustc"),
            "{message}"
        );
    }

    #[test]
    fn a_poll_assertion_puts_the_tests_words_first() {
        assert_eq!(
            poll_assertion_last("pending; the value was sent"),
            "the value was sent [the poll returned Pending]"
        );
        assert_eq!(
            poll_assertion_last("ready; value = Some(3); nothing was sent"),
            "nothing was sent [the poll returned Ready(Some(3))]"
        );
        for unchanged in ["pending", "ready; value = 3", "left: pending; x"] {
            assert_eq!(poll_assertion_last(unchanged), unchanged);
        }
    }

    #[test]
    fn the_gist_of_a_crash_is_its_first_panic() {
        let crash = "the test process crashed (signal: 6). The first panic, the likely cause:\n\
            thread 'x' panicked at a.rs:1:1:\nthe real reason\nThen, while unwinding:\n\
            thread 'x' panicked at b.rs:2:2:\nattempt to subtract with overflow";
        assert_eq!(gist(crash), "the real reason");
        let no_panic = "the test process crashed (signal: 9). Its last output:\nnothing";
        assert_eq!(
            gist(no_panic),
            "the test process crashed (signal: 9). Its last output:"
        );
    }

    #[test]
    fn thread_ids_are_stripped_and_other_parentheses_kept() {
        assert_eq!(
            strip_thread_id("thread 'public::x' (9898) panicked at src/lib.rs:3:5:"),
            "thread 'public::x' panicked at src/lib.rs:3:5:"
        );
        for unchanged in [
            "thread 'main' panicked at src/lib.rs:3:5:",
            "thread 'x' (not an id) panicked",
            "left: Some(3) (the thread ' (9) is not a thread line",
            "thread '",
        ] {
            assert_eq!(strip_thread_id(unchanged), unchanged);
        }
    }

    #[test]
    fn the_outer_limit_follows_the_tests_own_deadline() {
        assert_eq!(
            time_limit(&[(lesson13_testkit::protocol::DEADLINE_VAR, "30")]),
            Duration::from_secs(45)
        );
    }

    #[test]
    fn gist_skips_the_panic_location_line() {
        let message = "thread 'graded::x' (42) panicked at src/lib.rs:3:5:\nnot yet implemented: Exercise 1: do it";
        assert_eq!(gist(message), "not yet implemented: Exercise 1: do it");
    }

    #[test]
    fn gist_keeps_a_plain_message_whole() {
        assert_eq!(gist("\n  it broke\nmore"), "it broke");
        let long = "a dropped sender must wake the receiver ".repeat(10);
        assert_eq!(gist(&long), long.trim());
    }

    #[test]
    fn a_long_message_wraps_at_words_and_keeps_every_word() {
        let message = "the receiver was woken by the sender's drop, but its next poll is \
                       still Pending (or, if it wakes no task at all, see the test above)";
        let wrapped = wrap(message, 40, "    ");
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 2, "{wrapped}");
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{wrapped}");
        assert!(
            lines[1..].iter().all(|l| l.starts_with("    ")),
            "{wrapped}"
        );
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&wrapped), words(message));
        assert_eq!(wrap("two\nlines", 40, "  "), "two\n  lines");
    }
}
