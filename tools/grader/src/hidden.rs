//! The last net: no report carries a line of the hidden tests.
//!
//! The hidden tests are kept from the student's crate when it compiles
//! (the grading copy holds them only once it is built, and the build jail
//! reads nothing outside the copy), and compiler errors that point into
//! them are shown without their source (`lesson13_runner::diagnostic`).
//! This filter is for whatever still gets through: every message of a
//! report, as the engine makes it, loses each line of a hidden test it
//! quotes (a line of at least [`MIN_LINE`] characters that no public file
//! has too). It catches a verbatim copy; a copy encoded on its way out it
//! cannot, which is why it is the last net and not the only one.

use crate::report::Report;
use crate::workspace;
use lesson13_runner::exercises::{ALL, HIDDEN_TESTS};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;

/// The shortest line that counts: shorter ones (`});`, `let (tx, rx) =
/// imp::channel();`) say nothing a student could not write.
pub const MIN_LINE: usize = 24;

/// What a hidden line becomes in a message.
pub const REMOVED: &str = "[a line of a hidden test, removed]";

/// The hidden tests' lines that no public file has.
#[derive(Debug, Default)]
pub struct HiddenLines {
    lines: Vec<String>,
}

impl HiddenLines {
    /// The hidden tests' lines of the workspace at `root`: every `.rs`
    /// file under an exercise's `tests/hidden/`, less the lines that the
    /// exercises' other files (public tests, stubs, READMEs) and the
    /// testkit have too.
    pub fn of(root: &Path) -> HiddenLines {
        let mut hidden = BTreeSet::new();
        let mut public = BTreeSet::new();
        for exercise in ALL {
            let crate_dir = root.join(exercise.krate);
            let hidden_dir = crate_dir.join(HIDDEN_TESTS);
            collect(&hidden_dir, &mut hidden, &|_| true);
            collect(&crate_dir, &mut public, &|p| p != hidden_dir);
        }
        collect(&root.join("testkit"), &mut public, &|_| true);
        let mut lines: Vec<String> = hidden.difference(&public).cloned().collect();
        // Longest first, so that a line containing another goes whole.
        lines.sort_by_key(|l| std::cmp::Reverse(l.len()));
        HiddenLines { lines }
    }

    /// This workspace's, read once per run.
    pub fn here() -> &'static HiddenLines {
        static LINES: std::sync::OnceLock<HiddenLines> = std::sync::OnceLock::new();
        LINES.get_or_init(|| HiddenLines::of(&workspace::root()))
    }

    /// How many lines the filter knows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether it knows none (no hidden tests found).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// `text` with each hidden line it contains replaced by [`REMOVED`].
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for line in &self.lines {
            if text.contains(line.as_str()) {
                text = Cow::Owned(text.replace(line.as_str(), REMOVED));
            }
        }
        text
    }

    /// Every message of `report` scrubbed: the submission's, each
    /// exercise's, each test's, the static check's notices and loom's
    /// account.
    pub fn scrub_report(&self, report: &mut Report) {
        let scrub = |text: &mut String| {
            if let Cow::Owned(clean) = self.scrub(text) {
                *text = clean;
            }
        };
        scrub(&mut report.message);
        for exercise in &mut report.exercises {
            scrub(&mut exercise.message);
            exercise.notices.iter_mut().for_each(scrub);
            for test in &mut exercise.tests {
                scrub(&mut test.message);
            }
            if let Some(loom) = &mut exercise.loom {
                scrub(&mut loom.summary);
                scrub(&mut loom.ending);
                loom.steps.iter_mut().for_each(scrub);
            }
        }
    }
}

/// The trimmed lines of at least [`MIN_LINE`] characters of every `.rs` and
/// `.md` file under `dir` (outside `target/`), where `keep` allows.
fn collect(dir: &Path, lines: &mut BTreeSet<String>, keep: &dyn Fn(&Path) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if !keep(&path) || path.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if path.is_dir() {
            collect(&path, lines, keep);
        } else if path.extension().is_some_and(|x| x == "rs" || x == "md") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            lines.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| l.chars().count() >= MIN_LINE)
                    .map(str::to_owned),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use crate::report::tests::exercise;
    use lesson13_runner::TestStatus;

    #[test]
    fn a_quoted_hidden_line_is_removed_and_public_ones_stay() {
        let root = workspace::root();
        let lines = HiddenLines::of(&root);
        assert!(lines.len() > 100, "only {} hidden lines", lines.len());
        let graded =
            std::fs::read_to_string(root.join("lesson13-mpsc/tests/hidden/graded.rs")).unwrap();
        let secret = graded
            .lines()
            .map(str::trim)
            .find(|l| l.len() > 40 && l.contains('('))
            .unwrap();
        // In the hidden tests and the public ones alike.
        let public = "multi_thread().block_on(async {";
        assert!(graded.contains(public));
        let message = format!(
            "leaked: {secret}\nthread 'x' panicked at tests/hidden/graded.rs:3:1\n{public}"
        );
        let scrubbed = lines.scrub(&message);
        assert!(!scrubbed.contains(secret), "{scrubbed}");
        assert!(scrubbed.contains(REMOVED), "{scrubbed}");
        assert!(
            scrubbed.contains("tests/hidden/graded.rs:3:1"),
            "{scrubbed}"
        );
        assert!(
            scrubbed.contains(public),
            "a line the public tests share was removed: {scrubbed}"
        );
        let mut report = Report::new(vec![exercise(
            "lesson13-mpsc",
            Status::Fail,
            &[("hidden::graded::x", TestStatus::Fail)],
        )]);
        report.exercises[0].tests[0].message = message.clone();
        report.exercises[0].message = message;
        lines.scrub_report(&mut report);
        assert!(!report.exercises[0].tests[0].message.contains(secret));
        assert!(!report.exercises[0].message.contains(secret));
    }
}
