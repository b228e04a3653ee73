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
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
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
    let mut report = format!("the test process crashed ({status}).");
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
/// message after libtest's "thread '…' panicked at file:line:" line.
pub fn gist(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut first = lines.next().unwrap_or("");
    if first.starts_with("thread '") && first.contains("panicked at") {
        first = lines.next().unwrap_or(first);
    }
    const MAX: usize = 160;
    match first.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.to_owned(),
    }
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
            "thread 'graded::x' (7) panicked at tests/hidden/graded.rs:9:5:\nsend() did not wake"
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
        assert!(message.contains("The first panic, the likely cause:\nthread 'graded::x' (7) panicked at src/lib.rs:103:39:\ncalled `Option::unwrap()` on a `None` value"), "{message}");
        assert!(message.contains("PoisonError"), "{message}");
        assert!(
            !message.contains("begin_panic") && !message.contains("at /rustc"),
            "{message}"
        );
    }

    #[test]
    fn the_outer_limit_follows_the_tests_own_deadline() {
        assert_eq!(
            time_limit(&[("LESSON13_DEADLINE_SECS", "30")]),
            Duration::from_secs(45)
        );
    }

    #[test]
    fn gist_skips_the_panic_location_line() {
        let message = "thread 'graded::x' (42) panicked at src/lib.rs:3:5:\nnot yet implemented: Exercise 1: do it";
        assert_eq!(gist(message), "not yet implemented: Exercise 1: do it");
    }

    #[test]
    fn gist_keeps_a_plain_message_and_cuts_long_ones() {
        assert_eq!(gist("\n  it broke\nmore"), "it broke");
        assert!(gist(&"x".repeat(500)).ends_with('…'));
    }
}
