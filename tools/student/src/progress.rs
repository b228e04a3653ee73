//! Where a student is: the current exercise, the hints seen, the last check
//! and its first failure.
//!
//! It lives in a small text file at the workspace root, which is safe to
//! delete: the runner then works it out again from the tests (the first
//! exercise whose public tests do not all pass is the current one).

use console::style;
use lesson13_runner::exercises::{ALL, Exercise};
use std::path::Path;

/// The state file, at the workspace root.
pub const FILE: &str = ".lesson13-progress";

/// The student's progress through the four exercises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Index into [`ALL`] of the current exercise; `ALL.len()` when all
    /// four are done.
    pub current: usize,
    /// The current exercise's hints shown so far, by number (from 1), in
    /// the order they were shown.
    pub hints_shown: Vec<usize>,
    /// Passed and total public tests at the current exercise's last check.
    pub last_check: Option<(usize, usize)>,
    /// The first failing test (in teaching order) at that check: its hint
    /// comes first.
    pub first_failure: Option<String>,
}

impl Progress {
    /// At the start of `exercise_index`, nothing seen, nothing checked.
    pub fn at(exercise_index: usize) -> Self {
        Progress {
            current: exercise_index.min(ALL.len()),
            hints_shown: Vec::new(),
            last_check: None,
            first_failure: None,
        }
    }

    /// The current exercise, or `None` once all are done.
    pub fn exercise(&self) -> Option<Exercise> {
        ALL.get(self.current).copied()
    }

    /// Reads the state file; `None` if it is missing or unreadable.
    pub fn load(root: &Path) -> Option<Progress> {
        let text = std::fs::read_to_string(root.join(FILE)).ok()?;
        let mut progress = Progress::at(0);
        let mut found_exercise = false;
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "exercise" => {
                    let number: usize = value.parse().ok()?;
                    progress.current = number.checked_sub(1)?.min(ALL.len());
                    found_exercise = true;
                }
                // An older file counted the hints seen, which were the first ones.
                "hints_seen" => progress.hints_shown = (1..=value.parse().ok()?).collect(),
                "hints_shown" => {
                    progress.hints_shown = value
                        .split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(|n| n.parse().ok())
                        .collect::<Option<_>>()?;
                }
                "first_failure" => progress.first_failure = Some(value.to_owned()),
                "last_check" => {
                    let (passed, total) = value.split_once('/')?;
                    progress.last_check = Some((passed.parse().ok()?, total.parse().ok()?));
                }
                _ => {}
            }
        }
        found_exercise.then_some(progress)
    }

    /// Writes the state file.
    pub fn save(&self, root: &Path) -> Result<(), String> {
        let mut text = String::from(
            "# Where you are in Lesson 13's exercises, for `cargo xtask`.\n\
             # Safe to delete: `cargo xtask` works it out again from the tests.\n",
        );
        text.push_str(&format!("exercise = {}\n", self.current + 1));
        let shown: Vec<String> = self.hints_shown.iter().map(|n| n.to_string()).collect();
        text.push_str(&format!("hints_shown = {}\n", shown.join(", ")));
        if let Some((passed, total)) = self.last_check {
            text.push_str(&format!("last_check = {passed}/{total}\n"));
        }
        if let Some(test) = &self.first_failure {
            text.push_str(&format!("first_failure = {test}\n"));
        }
        let path = root.join(FILE);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// The one-line progress bar: each exercise done (✓), current (▶, with
    /// its last check) or locked (·).
    pub fn bar(&self) -> String {
        let segments: Vec<String> = ALL
            .iter()
            .enumerate()
            .map(|(i, exercise)| {
                let name = short_name(exercise);
                if i < self.current {
                    style(format!("[✓ {name}]")).green().to_string()
                } else if i == self.current {
                    let checked = self
                        .last_check
                        .map(|(passed, total)| format!(" {passed}/{total}"))
                        .unwrap_or_default();
                    style(format!("[▶ {name}{checked}]"))
                        .yellow()
                        .bold()
                        .to_string()
                } else {
                    style(format!("[· {name}]")).dim().to_string()
                }
            })
            .collect();
        let done = self.current.min(ALL.len());
        format!("{}  {done}/{} done", segments.join(" "), ALL.len())
    }
}

/// `2 oneshot-drop` for `lesson13-oneshot-drop`.
pub fn short_name(exercise: &Exercise) -> String {
    let name = exercise.krate.trim_start_matches("lesson13-");
    format!("{} {name}", exercise.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_file_round_trips_and_junk_means_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Progress::load(dir.path()), None);
        let progress = Progress {
            current: 2,
            hints_shown: vec![3, 1],
            last_check: Some((7, 18)),
            first_failure: Some("public::behaviour::fifo".into()),
        };
        progress.save(dir.path()).unwrap();
        assert_eq!(Progress::load(dir.path()), Some(progress));
        // An older file's count of hints seen: the first ones.
        std::fs::write(dir.path().join(FILE), "exercise = 2\nhints_seen = 2\n").unwrap();
        assert_eq!(Progress::load(dir.path()).unwrap().hints_shown, [1, 2]);
        std::fs::write(dir.path().join(FILE), "exercise = banana\n").unwrap();
        assert_eq!(Progress::load(dir.path()), None);
        std::fs::write(dir.path().join(FILE), "# only a comment\n").unwrap();
        assert_eq!(Progress::load(dir.path()), None);
    }

    #[test]
    fn the_bar_shows_done_current_and_locked() {
        console::set_colors_enabled(false);
        let bar = Progress {
            last_check: Some((7, 18)),
            ..Progress::at(1)
        }
        .bar();
        assert_eq!(
            bar,
            "[✓ 1 oneshot] [▶ 2 oneshot-drop 7/18] [· 3 mpsc] [· 4 bounded]  1/4 done"
        );
        let all_done = Progress::at(4).bar();
        assert!(all_done.ends_with("4/4 done"), "{all_done}");
        assert!(!all_done.contains('▶'), "{all_done}");
    }
}
