//! Progress while grading a class: a bar over the students and, per
//! submission being graded, a bar over its tests (indicatif), drawn only
//! when stdout is a terminal. Elsewhere (CI, a log file) each finished
//! student is one plain line, and nothing else is printed.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// The bars of one class run.
pub struct Progress {
    multi: Option<MultiProgress>,
    students: ProgressBar,
}

impl Progress {
    /// Bars for `count` students, if stdout is a terminal.
    pub fn new(count: usize) -> Progress {
        Progress::with_terminal(count, std::io::stdout().is_terminal())
    }

    fn with_terminal(count: usize, terminal: bool) -> Progress {
        if !terminal {
            return Progress {
                multi: None,
                students: ProgressBar::hidden(),
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let students = multi.add(ProgressBar::new(count as u64));
        students.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} students  {elapsed} (about {eta} left)",
            )
            .expect("a valid template"),
        );
        Progress {
            multi: Some(multi),
            students,
        }
    }

    /// Prints a line above the bars (or plainly, without a terminal).
    pub fn line(&self, text: &str) {
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(text);
            }
            None => println!("{text}"),
        }
    }

    /// A bar for one submission being graded, over `tests` tests; hidden
    /// without a terminal. Tick it once per finished test.
    pub fn submission(&self, name: &str, tests: usize) -> ProgressBar {
        let Some(multi) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = multi.insert_before(&self.students, ProgressBar::new(tests as u64));
        bar.set_style(
            ProgressStyle::with_template("  {bar:20} {pos}/{len} tests  {msg}")
                .expect("a valid template"),
        );
        bar.set_message(name.to_owned());
        bar
    }

    /// One more student done.
    pub fn student_done(&self) {
        self.students.inc(1);
    }

    /// Removes the bars, leaving the lines.
    pub fn finish(&self) {
        self.students.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_terminal_there_is_no_bar() {
        let progress = Progress::with_terminal(3, false);
        assert!(progress.multi.is_none() && progress.students.is_hidden());
        assert!(progress.submission("alice", 12).is_hidden());
        progress.student_done();
        progress.finish();
    }

    #[test]
    fn with_a_terminal_there_is_a_bar_per_submission_above_the_class_bar() {
        let progress = Progress::with_terminal(3, true);
        let multi = progress.multi.as_ref().unwrap();
        multi.set_draw_target(ProgressDrawTarget::hidden());
        let bar = progress.submission("alice", 12);
        bar.inc(1);
        assert_eq!((bar.position(), bar.length()), (1, Some(12)));
        progress.student_done();
        assert_eq!(progress.students.position(), 1);
        assert_eq!(progress.students.length(), Some(3));
    }
}
