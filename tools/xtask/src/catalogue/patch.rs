//! A catalogued bug as a patch: its header, applying it to the solution, and
//! making one from an edited copy of the solution (with the `diffy` crate).

use anyhow::{Context, Result, bail};
use lesson13_runner::exercises::Exercise;

/// The header lines above a bug's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The mistake, in one sentence.
    pub bug: String,
    /// Test function names that must fail on it.
    pub caught_by: Vec<String>,
    /// For a race (its failure depends on how the threads interleave): the
    /// loom models (`loom-models/tests/<crate>.rs`) that must find it, each
    /// as written, `<model>` or `<model> (not in the steps: <why>)` when no
    /// line the patch changed can show in loom's steps (see [`Race`]).
    pub race: Vec<String>,
}

/// The comma-separated items of `list`, where a comma inside parentheses
/// does not separate (a `Race:` model's reason may have some).
fn outside_parentheses(list: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut depth = 0usize;
    for c in list.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        items.last_mut().expect("never empty").push(c);
    }
    items
        .into_iter()
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect()
}

/// One `# Race:` model, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Race<'a> {
    /// The model that must find the race.
    pub model: &'a str,
    /// Why the steps cannot name a line the patch changed, if they cannot:
    /// the change is code that never runs (a `Drop` impl removed), or runs
    /// with no lock or waker of its own (a helper's arithmetic).
    pub not_in_the_steps: Option<&'a str>,
}

impl<'a> Race<'a> {
    /// Reads `model` or `model (not in the steps: why)`.
    pub fn parse(written: &'a str) -> Race<'a> {
        match written
            .split_once(" (not in the steps: ")
            .and_then(|(model, why)| Some((model, why.strip_suffix(')')?)))
        {
            Some((model, why)) => Race {
                model: model.trim(),
                not_in_the_steps: Some(why.trim()),
            },
            None => Race {
                model: written.trim(),
                not_in_the_steps: None,
            },
        }
    }
}

const BUG: &str = "# Bug: ";
const CAUGHT_BY: &str = "# Caught by: ";
const RACE: &str = "# Race: ";

impl Header {
    /// Reads the `# Bug:`, `# Caught by:` and `# Race:` lines above the
    /// diff. Other `#` lines are free comments.
    pub fn parse(text: &str) -> Result<Header> {
        let mut bug = None;
        let mut caught_by = Vec::new();
        let mut race = Vec::new();
        let names = |list: &str| -> Vec<String> {
            list.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        };
        for line in text.lines().take_while(|l| !l.starts_with("--- ")) {
            if let Some(about) = line.strip_prefix(BUG) {
                bug = Some(about.trim().to_owned());
            } else if let Some(tests) = line.strip_prefix(CAUGHT_BY) {
                caught_by.extend(names(tests));
            } else if let Some(models) = line.strip_prefix(RACE) {
                race.extend(outside_parentheses(models));
            } else if !line.starts_with('#') && !line.trim().is_empty() {
                bail!(
                    "unexpected line above the diff: {line:?} (the header is `# Bug: …` and \
                     `# Caught by: …` lines)"
                );
            }
        }
        let bug = bug
            .filter(|b| !b.is_empty())
            .context("no `# Bug: <the mistake, in one sentence>` line above the diff")?;
        if caught_by.is_empty() {
            bail!("no `# Caught by: <test fn name>[, <another>…]` line above the diff");
        }
        Ok(Header {
            bug,
            caught_by,
            race,
        })
    }

    /// The header as lines of a patch file.
    pub fn render(&self) -> String {
        let mut header = format!(
            "{BUG}{}\n{CAUGHT_BY}{}\n",
            self.bug,
            self.caught_by.join(", ")
        );
        if !self.race.is_empty() {
            header.push_str(&format!("{RACE}{}\n", self.race.join(", ")));
        }
        header
    }
}

/// Applies a patch file's diff to `solution`, the text of `exercise`'s
/// reference solution. Fails if the diff is against another file, or if a
/// hunk's context or removed lines are no longer in the solution.
pub fn apply(patch_file: &str, solution: &str, exercise: Exercise) -> Result<String> {
    // diffy skips the lines above `---`, so the header does not disturb it.
    let patch = diffy::Patch::from_str(patch_file).context("not a unified diff")?;
    let expected = format!("a/{}", exercise.solution_path());
    if patch.original() != Some(expected.as_str()) {
        bail!(
            "the diff is against {:?}, not {expected:?}",
            patch.original().unwrap_or("no file")
        );
    }
    if patch.hunks().is_empty() {
        bail!("the diff changes nothing");
    }
    diffy::apply(solution, &patch).map_err(|e| {
        anyhow::anyhow!(
            "the patch no longer applies to {} ({e}: its lines are not in the solution any more)",
            exercise.solution_path()
        )
    })
}

/// The lines of the patched file that the patch file's diff adds, and the
/// two lines around each place where it removes some (1-based, in the
/// patched file).
pub fn changed_lines(patch_file: &str) -> Result<Vec<usize>> {
    let patch = diffy::Patch::from_str(patch_file).context("not a unified diff")?;
    let mut changed = Vec::new();
    for hunk in patch.hunks() {
        let mut line = hunk.new_range().start();
        for change in hunk.lines() {
            match change {
                diffy::Line::Context(_) => line += 1,
                diffy::Line::Insert(_) => {
                    changed.push(line);
                    line += 1;
                }
                diffy::Line::Delete(_) => changed.extend([line.saturating_sub(1), line]),
            }
        }
    }
    changed.sort_unstable();
    changed.dedup();
    Ok(changed)
}

/// A patch file: `header`, then the diff that turns `solution` into
/// `edited`, with three lines of context.
pub fn create(header: &Header, solution: &str, edited: &str, exercise: Exercise) -> String {
    let path = exercise.solution_path();
    let patch = diffy::DiffOptions::new()
        .set_original_filename(format!("a/{path}"))
        .set_modified_filename(format!("b/{path}"))
        .create_patch(solution, edited);
    format!("{}{patch}", header.render())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lesson13_runner::exercises::ALL;

    const SOLUTION: &str =
        "fn send() {\n    lock();\n    queue.push_back(value);\n    wake();\n}\n";

    fn header() -> Header {
        Header {
            bug: "send() pushes to the front: the newest message comes out first.".into(),
            caught_by: vec!["fifo_order".into(), "fifo_order_across_senders".into()],
            race: vec!["two_senders_race_recv".into()],
        }
    }

    #[test]
    fn a_created_patch_applies_back_and_keeps_its_header() {
        let edited = SOLUTION.replace("push_back", "push_front");
        let file = create(&header(), SOLUTION, &edited, ALL[2]);
        assert!(
            file.starts_with("# Bug: send() pushes")
                && file.contains("\n--- a/solutions/src/mpsc.rs\n+++ b/solutions/src/mpsc.rs\n"),
            "{file}"
        );
        assert_eq!(Header::parse(&file).unwrap(), header());
        assert_eq!(apply(&file, SOLUTION, ALL[2]).unwrap(), edited);
    }

    #[test]
    fn the_changed_lines_are_the_added_ones_and_where_lines_went() {
        let edited = "fn send() {\n    wake();\n    lock();\n    queue.push_back(value);\n}\n";
        let file = create(&header(), SOLUTION, edited, ALL[2]);
        // `wake();` moved up from line 4 to line 2: added at 2, removed
        // between 4 and 5.
        assert_eq!(changed_lines(&file).unwrap(), [2, 4, 5]);
    }

    #[test]
    fn a_stale_patch_says_it_no_longer_applies() {
        let edited = SOLUTION.replace("push_back", "push_front");
        let file = create(&header(), SOLUTION, &edited, ALL[2]);
        let changed = SOLUTION.replace("queue.push_back(value)", "self.queue.push_back(value)");
        let why = apply(&file, &changed, ALL[2])
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(
            why.contains("no longer applies to solutions/src/mpsc.rs"),
            "{why}"
        );
    }

    #[test]
    fn a_patch_against_another_solution_is_refused() {
        let edited = SOLUTION.replace("push_back", "push_front");
        let file = create(&header(), SOLUTION, &edited, ALL[2]);
        let why = apply(&file, SOLUTION, ALL[3])
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(why.contains("not \"a/solutions/src/bounded.rs\""), "{why}");
    }

    #[test]
    fn a_header_needs_the_bug_and_its_catchers() {
        let diff = "--- a/x\n+++ b/x\n";
        assert!(Header::parse(&format!("# Caught by: t\n{diff}")).is_err());
        assert!(Header::parse(&format!("# Bug: b\n{diff}")).is_err());
        assert!(Header::parse(&format!("# Bug: b\nstray\n# Caught by: t\n{diff}")).is_err());
        let header = Header::parse(&format!("# Bug: b\n# a note\n# Caught by: t, u\n{diff}"));
        assert_eq!(header.unwrap().caught_by, ["t", "u"]);
    }
}
