//! What the compiler says, as a student should read it. This is the one
//! place that reads or rewrites the compiler's messages (cargo's
//! `compiler-message` JSON):
//!
//! - a **warning** counts only when it is about the student's own file,
//!   the crate's `src/lib.rs`: the tests' and other crates' warnings are
//!   not the student's to fix;
//! - an **error inside the tests** means the student's `lib.rs` does not
//!   match the exercise's API (the tests are fixed; a student's whole work
//!   is `lib.rs`). It is said so first, then the test's own comment above
//!   the failing line (the compiler's excerpt shows the line without it),
//!   then the compiler's error without its suggestions to edit the test.
//!   The comment is shown only from a public test file: a hidden test's
//!   text is not the student's to read.

use std::path::{Component, Path, PathBuf};

/// How a compiler error that points into the tests starts.
pub const API_MISMATCH: &str = "your `lib.rs` does not match the exercise's API:";

/// One compiler message, as much of it as the runner uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `error`, `warning`, …
    pub level: String,
    /// The compiler's words, as it prints them.
    pub rendered: String,
    /// The message's first line (`the trait bound … is not satisfied`).
    pub message: String,
    /// Where its primary span is: the file (relative to the workspace, as
    /// cargo runs the compiler there, `..` resolved) and the line.
    pub at: Option<(PathBuf, usize)>,
    /// Its suggestions with a place, in order (`help:` blocks), and
    /// whether each points into the student's `lib.rs`.
    helps_in_lib_rs: Vec<bool>,
}

impl Diagnostic {
    /// The `message` of a `compiler-message` line of cargo's JSON, for the
    /// crate `krate`.
    pub fn parse(message: &serde_json::Value, krate: &str) -> Option<Diagnostic> {
        let rendered = message["rendered"].as_str()?.to_owned();
        let primary = |spans: &serde_json::Value| {
            spans.as_array().and_then(|spans| {
                spans
                    .iter()
                    .find(|s| s["is_primary"] == true)
                    .or_else(|| spans.first())
                    .and_then(|s| {
                        let file = normalize(Path::new(s["file_name"].as_str()?));
                        Some((file, s["line_start"].as_u64()? as usize))
                    })
            })
        };
        let lib_rs = lib_rs(krate);
        let helps_in_lib_rs = message["children"]
            .as_array()
            .map(|children| {
                children
                    .iter()
                    .filter(|c| c["level"] == "help")
                    .filter_map(|c| primary(&c["spans"]))
                    .map(|(file, _)| file == lib_rs)
                    .collect()
            })
            .unwrap_or_default();
        Some(Diagnostic {
            level: message["level"].as_str().unwrap_or_default().to_owned(),
            message: message["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            rendered,
            at: primary(&message["spans"]),
            helps_in_lib_rs,
        })
    }

    /// Whether it is about the crate's own `src/lib.rs` (the student's file).
    pub fn in_lib_rs(&self, krate: &str) -> bool {
        self.at
            .as_ref()
            .is_some_and(|(file, _)| *file == lib_rs(krate))
    }

    /// Whether it points into a test file of the workspace (any `tests/`
    /// folder): a test that the student's `lib.rs` does not fit.
    pub fn in_tests(&self) -> bool {
        self.at
            .as_ref()
            .is_some_and(|(file, _)| file.components().any(|c| c.as_os_str() == "tests"))
    }

    /// What a student reads for an error: one that points into the tests
    /// says the API does not match, shows the test's comment above the
    /// failing line (read from `workspace`, public tests only), and leaves
    /// out the compiler's suggestions to edit the test; any other is the
    /// compiler's words.
    pub fn explained(&self, workspace: &Path) -> String {
        let Some((file, line)) = self.at.as_ref().filter(|_| self.in_tests()) else {
            return self.rendered.clone();
        };
        let mut text = format!("{API_MISMATCH} {}\n", self.message);
        let comment = self.test_comment(workspace);
        if !comment.is_empty() {
            text.push_str(&format!(
                "The test says, above the line that does not compile ({}:{line}):\n",
                file.display()
            ));
            for comment_line in comment {
                text.push_str(&format!("    {comment_line}\n"));
            }
        }
        text.push_str("The compiler's error (change your lib.rs to fit the test, not the test):\n");
        text.push_str(&self.without_test_suggestions());
        text
    }

    /// The comment above the failing line of a public test (read from
    /// `workspace`), if the error points into one and it has one: the
    /// test's own explanation of what it needs.
    pub fn test_comment(&self, workspace: &Path) -> Vec<String> {
        let Some((file, line)) = self.at.as_ref().filter(|(file, _)| is_public_test(file)) else {
            return Vec::new();
        };
        std::fs::read_to_string(workspace.join(file))
            .map(|source| comment_above(&source, *line))
            .unwrap_or_default()
    }

    /// The rendered message without its `help:` blocks that suggest an edit
    /// outside the student's `lib.rs` (in the test). Unchanged if its blocks
    /// and its suggestions do not pair up one to one.
    fn without_test_suggestions(&self) -> String {
        let lines: Vec<&str> = self.rendered.lines().collect();
        let starts: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with("help: "))
            .collect();
        if starts.len() != self.helps_in_lib_rs.len() {
            return self.rendered.clone();
        }
        let mut dropped = vec![false; lines.len()];
        for (&start, &keep) in starts.iter().zip(&self.helps_in_lib_rs) {
            if keep {
                continue;
            }
            dropped[start] = true;
            // The block goes on while its lines are the excerpt's (indented,
            // or a line number and a bar).
            for i in start + 1..lines.len() {
                let line = lines[i];
                let continues = line.starts_with(' ')
                    || line.starts_with(|c: char| c.is_ascii_digit()) && line.contains(['|', '+']);
                if !continues || line.trim().is_empty() {
                    break;
                }
                dropped[i] = true;
            }
        }
        let kept: Vec<&str> = lines
            .iter()
            .zip(&dropped)
            .filter(|(_, dropped)| !**dropped)
            .map(|(line, _)| *line)
            .collect();
        kept.join("\n")
    }
}

/// `<krate>/src/lib.rs`, as the compiler names it when cargo runs it at
/// the workspace root.
fn lib_rs(krate: &str) -> PathBuf {
    Path::new(krate).join("src").join("lib.rs")
}

/// `a/tests/hidden/../public/x.rs` as `a/tests/public/x.rs`: the compiler
/// names a `#[path]` module's file as the attribute spells it.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// Whether `file` is one of the public tests (of any exercise: Exercise 4
/// runs Exercise 3's).
fn is_public_test(file: &Path) -> bool {
    let parts: Vec<_> = file.components().map(|c| c.as_os_str()).collect();
    parts
        .windows(2)
        .any(|w| w[0] == "tests" && w[1] == "public")
}

/// The most comment lines shown above a failing line.
const MOST_COMMENT_LINES: usize = 12;

/// The comment lines (`//`, `///`) above line `line` (1-based) of
/// `source`, within the same item: from the failing line up to the first
/// blank line or the test's `#[test]`, the nearest last if there are many.
fn comment_above(source: &str, line: usize) -> Vec<String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut comment = Vec::new();
    for text in lines[..line.saturating_sub(1).min(lines.len())]
        .iter()
        .rev()
    {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with("#[test]") {
            break;
        }
        if trimmed.starts_with("//") {
            comment.push(trimmed.to_owned());
        }
    }
    comment.truncate(MOST_COMMENT_LINES);
    comment.reverse();
    comment
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trimmed copy of the compiler's message for a `lib.rs` whose
    /// `Sender` derives `Clone` (so `Sender<T>: Clone` needs `T: Clone`).
    fn derive_clone_error() -> serde_json::Value {
        serde_json::json!({
            "level": "error",
            "message": "the trait bound `Opaque: Clone` is not satisfied",
            "spans": [{"file_name": "lesson13-bounded/tests/hidden/../public/behaviour.rs",
                       "line_start": 7, "is_primary": true}],
            "children": [
                {"level": "note", "message": "required by a bound", "spans": [
                    {"file_name": "lesson13-bounded/tests/public/behaviour.rs", "line_start": 2,
                     "is_primary": true}]},
                {"level": "help", "message": "consider annotating `Opaque` with `#[derive(Clone)]`",
                 "spans": [{"file_name": "lesson13-bounded/tests/public/behaviour.rs",
                            "line_start": 5, "is_primary": true}]}
            ],
            "rendered": "error[E0277]: the trait bound `Opaque: Clone` is not satisfied\n   \
                --> lesson13-bounded/tests/public/behaviour.rs:7:18\n    |\n  7 |         \
                is_clone(&tx);\n    |         ^^^ the trait `Clone` is not implemented\n    |\n\
                note: required by a bound in `is_clone`\n   --> x.rs:2:20\n    |\n\
                help: consider annotating `Opaque` with `#[derive(Clone)]`\n    |\n\
                4 +     #[derive(Clone)]\n5 |     struct Opaque(std::marker::PhantomPinned);\n    |\n"
        })
    }

    const TEST_FILE: &str = "#[test]\nfn api_matches_the_contract() {\n    fn is_clone<T: Clone>(_: &T) {}\n\
        \n    /// Neither `Clone` nor `Unpin`: the channel must not require them.\n    \
        struct Opaque(std::marker::PhantomPinned);\n    is_clone(&tx); // Sender: Clone\n}\n";

    #[test]
    fn an_error_in_a_public_test_says_the_api_does_not_match_and_shows_the_tests_comment() {
        let workspace = tempfile::tempdir().unwrap();
        let tests = workspace.path().join("lesson13-bounded/tests/public");
        std::fs::create_dir_all(&tests).unwrap();
        std::fs::write(tests.join("behaviour.rs"), TEST_FILE).unwrap();
        let error = Diagnostic::parse(&derive_clone_error(), "lesson13-bounded").unwrap();
        assert_eq!(
            error.at,
            Some((
                PathBuf::from("lesson13-bounded/tests/public/behaviour.rs"),
                7
            ))
        );
        assert!(error.in_tests() && !error.in_lib_rs("lesson13-bounded"));
        let text = error.explained(workspace.path());
        assert!(
            text.starts_with(
                "your `lib.rs` does not match the exercise's API: the trait bound `Opaque: \
                 Clone` is not satisfied\nThe test says, above the line that does not compile \
                 (lesson13-bounded/tests/public/behaviour.rs:7):\n    /// Neither `Clone` nor \
                 `Unpin`: the channel must not require them.\n"
            ),
            "{text}"
        );
        assert!(text.contains("error[E0277]"), "{text}");
        assert!(text.contains("note: required by a bound"), "{text}");
        assert!(
            !text.contains("consider annotating") && !text.contains("#[derive(Clone)]"),
            "the suggestion to edit the test is left out: {text}"
        );
    }

    #[test]
    fn a_hidden_tests_text_is_never_shown() {
        let workspace = tempfile::tempdir().unwrap();
        let tests = workspace.path().join("lesson13-bounded/tests/hidden");
        std::fs::create_dir_all(&tests).unwrap();
        std::fs::write(tests.join("graded.rs"), TEST_FILE).unwrap();
        let mut message = derive_clone_error();
        message["spans"][0]["file_name"] = "lesson13-bounded/tests/hidden/graded.rs".into();
        let error = Diagnostic::parse(&message, "lesson13-bounded").unwrap();
        let text = error.explained(workspace.path());
        assert!(text.starts_with(API_MISMATCH), "{text}");
        assert!(!text.contains("Neither"), "{text}");
    }

    #[test]
    fn only_a_warning_about_the_crates_own_lib_rs_is_the_students() {
        let warning = |file: &str| {
            let message = serde_json::json!({
                "level": "warning", "message": "unused variable: `x`",
                "spans": [{"file_name": file, "line_start": 3, "is_primary": true}],
                "children": [], "rendered": "warning: unused variable: `x`\n"
            });
            Diagnostic::parse(&message, "lesson13-mpsc").unwrap()
        };
        assert!(warning("lesson13-mpsc/src/lib.rs").in_lib_rs("lesson13-mpsc"));
        assert!(!warning("lesson13-mpsc/tests/public/behaviour.rs").in_lib_rs("lesson13-mpsc"));
        assert!(!warning("testkit/src/lib.rs").in_lib_rs("lesson13-mpsc"));
        assert!(!warning("lesson13-oneshot/src/lib.rs").in_lib_rs("lesson13-mpsc"));
    }

    #[test]
    fn an_error_in_lib_rs_is_the_compilers_words() {
        let message = serde_json::json!({
            "level": "error", "message": "expected `;`",
            "spans": [{"file_name": "lesson13-mpsc/src/lib.rs", "line_start": 3, "is_primary": true}],
            "children": [], "rendered": "error: expected `;`\n"
        });
        let error = Diagnostic::parse(&message, "lesson13-mpsc").unwrap();
        assert_eq!(
            error.explained(Path::new("/nowhere")),
            "error: expected `;`\n"
        );
    }

    #[test]
    fn the_comment_is_the_one_above_the_line_within_its_test() {
        assert_eq!(
            comment_above(TEST_FILE, 7),
            ["/// Neither `Clone` nor `Unpin`: the channel must not require them."]
        );
        let file = "// about the file\n\n#[test]\nfn t() {\n    // first\n    x();\n    // second\n    y();\n}\n";
        assert_eq!(comment_above(file, 8), ["// first", "// second"]);
        assert!(comment_above(file, 1).is_empty());
        assert!(comment_above(file, 99).len() <= MOST_COMMENT_LINES);
    }
}
