//! Reading the catalogue: what each entry is, and the `lib.rs` it stands for.
//!
//! A bug is `catalogue/<crate>/<name>.patch`: header lines, then a unified
//! diff against the exercise's reference solution.
//!
//! ```text
//! # Bug: send() pushes to the front of the queue: the newest message comes out first.
//! # Caught by: messages_arrive_in_the_order_they_were_sent
//! --- a/solutions/src/mpsc.rs
//! +++ b/solutions/src/mpsc.rs
//! @@ -83,7 +83,7 @@
//! ```
//!
//! `Caught by` names tests (by function name, public or hidden) that must
//! fail on the bug. A correct alternative channel is a whole file,
//! `catalogue/<crate>/<name>.rs`, whose first line is `//! Correct: <one
//! line>`, with optional `//! Requires: <dependency line>` lines for the
//! crate's `[dependencies]`.

use super::patch;
use anyhow::{Context, Result, bail};
use lesson13_runner::exercises::{ALL, Exercise};
use std::path::{Path, PathBuf};

/// One catalogue file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The exercise it is a `lib.rs` for.
    pub exercise: Exercise,
    /// The file.
    pub path: PathBuf,
    /// The file name without its extension.
    pub name: String,
    /// A bug or a correct channel, and what that kind carries.
    pub kind: Kind,
    /// The one-line description: the mistake, or the design.
    pub about: String,
}

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A realistic mistake, stored as a patch against the solution.
    Bug {
        /// Test function names that must fail on it.
        caught_by: Vec<String>,
        /// The loom models that must find it, if it is a race.
        race: Vec<String>,
    },
    /// A different correct channel, stored whole.
    Correct {
        /// Extra `[dependencies]` lines.
        requires: Vec<String>,
    },
}

impl Entry {
    /// `<crate>/<name>`, as the tables and `--new` name it.
    pub fn id(&self) -> String {
        format!("{}/{}", self.exercise.krate, self.name)
    }

    /// Whether it is a bug (as opposed to a correct channel).
    pub fn is_bug(&self) -> bool {
        matches!(self.kind, Kind::Bug { .. })
    }

    /// The extra `[dependencies]` lines a correct channel needs.
    pub fn requires(&self) -> &[String] {
        match &self.kind {
            Kind::Correct { requires } => requires,
            Kind::Bug { .. } => &[],
        }
    }

    /// The `lib.rs` this entry stands for: the solution with the patch
    /// applied, or the whole file. A patch that no longer applies is an
    /// error that names the entry and says how to re-express it.
    pub fn source(&self, root: &Path) -> Result<String> {
        let text = read(&self.path)?;
        if !self.is_bug() {
            return Ok(text);
        }
        let solution = read(&root.join(self.exercise.solution_path()))?;
        patch::apply(&text, &solution, self.exercise).map_err(|why| {
            anyhow::anyhow!(
                "{}: {why:#}\n  The solution changed under this patch. Re-express the same mistake \
                 on the current solution: copy {}, make the mistake in the copy (the header says \
                 what it is), then run\n  cargo xtask catalogue --new {} --from <the copy>\n  \
                 which rewrites the patch and keeps its header.",
                self.path.display(),
                self.exercise.solution_path(),
                self.id()
            )
        })
    }
}

/// Reads every entry of the catalogue, in a stable order.
pub fn entries(root: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for exercise in ALL {
        let dir = root.join("catalogue").join(exercise.krate);
        let Ok(listing) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rs" || x == "patch"))
            .collect();
        paths.sort();
        for path in paths {
            entries.push(parse(exercise, &path)?);
        }
    }
    Ok(entries)
}

/// Reads one entry's header.
pub fn parse(exercise: Exercise, path: &Path) -> Result<Entry> {
    let text = read(path)?;
    let name = path
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let (kind, about) = if path.extension().is_some_and(|x| x == "patch") {
        let header = patch::Header::parse(&text).with_context(|| format!("{}", path.display()))?;
        (
            Kind::Bug {
                caught_by: header.caught_by,
                race: header.race,
            },
            header.bug,
        )
    } else {
        let first = text.lines().next().unwrap_or("");
        let Some(about) = first.strip_prefix("//! Correct: ") else {
            let hint = if first.starts_with("//! Bug: ") {
                format!(
                    "a bug is a patch against the solution: turn this file into one with \
                     `cargo xtask catalogue --new {}/{name} --from {}`, then delete it",
                    exercise.krate,
                    path.display()
                )
            } else {
                "a whole file is a correct channel: its first line must be `//! Correct: …`"
                    .to_owned()
            };
            bail!("{}: {hint}", path.display());
        };
        let requires = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .filter_map(|l| l.strip_prefix("//! Requires: "))
            .map(str::to_owned)
            .collect();
        (Kind::Correct { requires }, about.trim().to_owned())
    };
    Ok(Entry {
        exercise,
        path: path.to_path_buf(),
        name,
        kind,
        about,
    })
}

/// The text of `path`, or an error that names it.
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::patch::{self, Header};

    const OLD: &str = "fn send() {\n    lock();\n    queue.push_back(value);\n    wake();\n}\n";

    /// A workspace root with `solution` as the MPSC solution and one bug,
    /// made against `OLD`.
    fn root_with(solution: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let header = Header {
            bug: "send() pushes to the front: the newest message comes out first.".into(),
            caught_by: vec!["messages_arrive_in_order".into()],
            race: Vec::new(),
        };
        let bug = OLD.replace("push_back", "push_front");
        write(
            "catalogue/lesson13-mpsc/lifo.patch",
            &patch::create(&header, OLD, &bug, ALL[2]),
        );
        write("solutions/src/mpsc.rs", solution);
        root
    }

    #[test]
    fn a_patch_stands_for_the_solution_with_the_mistake() {
        let root = root_with(OLD);
        let entries = entries(root.path()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id(), "lesson13-mpsc/lifo");
        assert_eq!(
            entries[0].kind,
            Kind::Bug {
                caught_by: vec!["messages_arrive_in_order".into()],
                race: Vec::new(),
            }
        );
        let source = entries[0].source(root.path()).unwrap();
        assert_eq!(source, OLD.replace("push_back", "push_front"));
    }

    #[test]
    fn a_stale_patch_names_the_entry_and_how_to_re_express_it() {
        // The solution changed the very line the bug changes.
        let root = root_with(&OLD.replace("queue.push_back", "self.queue.push_back"));
        let entries = entries(root.path()).unwrap();
        let why = entries[0]
            .source(root.path())
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        for part in [
            "catalogue/lesson13-mpsc/lifo.patch",
            "no longer applies to solutions/src/mpsc.rs",
            "cargo xtask catalogue --new lesson13-mpsc/lifo --from <the copy>",
        ] {
            assert!(why.contains(part), "{part:?} not in:\n{why}");
        }
    }

    #[test]
    fn a_whole_file_bug_is_refused_with_the_command_that_converts_it() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("catalogue/lesson13-oneshot");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("old.rs"), "//! Bug: it breaks.\nfn main() {}\n").unwrap();
        let why = entries(root.path())
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(
            why.contains("cargo xtask catalogue --new lesson13-oneshot/old --from"),
            "{why}"
        );
    }
}
