//! What the compiler says, as a student may read it. This is the one place
//! that reads or rewrites rustc's messages (the `message` of cargo's
//! `compiler-message` lines), for the grader and the student runner alike:
//!
//! - rustc quotes the lines its errors point at, and a wrong signature
//!   makes it point into the tests that call it, hidden ones included: so
//!   an error that touches a hidden test is rendered again here, with the
//!   error's kind, its notes and the student's own lines, and each place in
//!   a hidden test reduced to one line that says so, without its source;
//! - an error inside the tests means the student's `lib.rs` does not match
//!   the exercise's API (the tests are fixed; a student's whole work is
//!   `lib.rs`): [`explained`] says so first, then shows the public test's
//!   own comment above the failing line (rustc's excerpt shows the line
//!   without it), then the error; rustc's suggestions to edit a test are
//!   left out, wherever the error points;
//! - a warning is the student's only when it is about the crate's own
//!   `src/lib.rs` ([`is_students_warning`]): the tests' and other crates'
//!   warnings are not the student's to fix.

use crate::exercises::is_hidden_test;
use serde_json::Value;
use std::path::{Component, Path, PathBuf};

/// What a hidden test's place in an error becomes.
pub const HIDDEN_PLACE: &str = "a hidden test uses your code here";

/// How a compiler error that points into the tests starts.
pub const API_MISMATCH: &str = "your `lib.rs` does not match the exercise's API:";

/// The text of one rustc diagnostic (the `message` of a cargo
/// `compiler-message`): rustc's own rendering when none of its places (its
/// spans, its notes' spans, the macro calls behind them) is in a hidden
/// test, else a rendering without the hidden tests' source.
pub fn shown(diagnostic: &Value) -> Option<String> {
    if touches_hidden(diagnostic) {
        Some(redacted(diagnostic))
    } else {
        diagnostic["rendered"]
            .as_str()
            .map(|rendered| without_test_suggestions(diagnostic, rendered))
    }
}

/// What a student reads for an error of a build in `workspace`: [`shown`],
/// and for one that points into the tests, first that the `lib.rs` does not
/// match the API and the public test's comment above the failing line.
pub fn explained(diagnostic: &Value, workspace: &Path) -> Option<String> {
    let shown = shown(diagnostic)?;
    let Some((file, line)) = primary_place(diagnostic).filter(|(file, _)| in_tests(file)) else {
        return Some(shown);
    };
    let message = text(&diagnostic["message"]).lines().next().unwrap_or("");
    let mut explained = format!("{API_MISMATCH} {message}\n");
    let comment = test_comment(diagnostic, workspace);
    if !comment.is_empty() {
        // A public test's name and place only: `comment` is empty for a
        // hidden one.
        explained.push_str(&format!(
            "The test says, above the line that does not compile ({}:{line}):\n",
            file.display()
        ));
        for comment_line in comment {
            explained.push_str(&format!("    {comment_line}\n"));
        }
    }
    explained
        .push_str("The compiler's error (change your lib.rs to fit the test, not the test):\n");
    explained.push_str(&shown);
    Some(explained)
}

/// The comment above the failing line of a public test (read from
/// `workspace`), if the error points into one and it has one: the test's
/// own explanation of what it needs. Never a hidden test's.
pub fn test_comment(diagnostic: &Value, workspace: &Path) -> Vec<String> {
    let Some((file, line)) = primary_place(diagnostic).filter(|(file, _)| is_public_test(file))
    else {
        return Vec::new();
    };
    std::fs::read_to_string(workspace.join(&file))
        .map(|source| comment_above(&source, line))
        .unwrap_or_default()
}

/// Whether a warning is about the crate `krate`'s own `src/lib.rs`, the
/// student's file (as the compiler names it when cargo runs it at the
/// workspace root).
pub fn is_students_warning(diagnostic: &Value, krate: &str) -> bool {
    diagnostic["level"] == "warning"
        && primary_place(diagnostic)
            .is_some_and(|(file, _)| file == Path::new(krate).join("src").join("lib.rs"))
}

/// What tells one error from another: its message and its primary place
/// (a test file that two test targets include gives the same error twice,
/// each naming the file by its own path).
pub fn identity(diagnostic: &Value) -> String {
    format!(
        "{} {:?}",
        text(&diagnostic["message"]),
        primary_place(diagnostic)
    )
}

/// Where the diagnostic's primary span is: the file (`..` resolved) and
/// the line.
fn primary_place(diagnostic: &Value) -> Option<(PathBuf, usize)> {
    let span = spans(diagnostic)
        .find(|s| s["is_primary"] == true)
        .or_else(|| spans(diagnostic).next())?;
    let file = normalize(Path::new(span["file_name"].as_str()?));
    Some((file, span["line_start"].as_u64()? as usize))
}

/// Whether a child of a diagnostic suggests editing a test: a `help:` whose
/// places are all in test files. The tests are not the student's to edit.
fn suggests_editing_a_test(child: &Value) -> bool {
    child["level"] == "help"
        && spans(child).next().is_some()
        && spans(child).all(|s| {
            s["file_name"]
                .as_str()
                .is_some_and(|f| in_tests(Path::new(f)))
        })
}

/// rustc's rendering without the `help:` blocks that suggest editing a
/// test; unchanged if its blocks and its placed suggestions do not pair up
/// one to one.
fn without_test_suggestions(diagnostic: &Value, rendered: &str) -> String {
    let placed_helps: Vec<bool> = children(diagnostic)
        .filter(|c| c["level"] == "help" && spans(c).next().is_some())
        .map(suggests_editing_a_test)
        .collect();
    let lines: Vec<&str> = rendered.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("help: "))
        .collect();
    if starts.len() != placed_helps.len() || !placed_helps.contains(&true) {
        return rendered.to_owned();
    }
    let mut dropped = vec![false; lines.len()];
    for (&start, _) in starts.iter().zip(&placed_helps).filter(|(_, drop)| **drop) {
        dropped[start] = true;
        // The block goes on while its lines are the excerpt's (indented, or
        // a line number and a bar).
        for i in start + 1..lines.len() {
            let line = lines[i];
            let excerpt = line.starts_with(' ')
                || line.starts_with(|c: char| c.is_ascii_digit()) && line.contains(['|', '+']);
            if !excerpt || line.trim().is_empty() {
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

/// Whether `file` is in a test folder (`…/tests/…`).
fn in_tests(file: &Path) -> bool {
    normalize(file)
        .components()
        .any(|c| c.as_os_str() == "tests")
}

/// Whether `file` is one of the public tests (of any exercise: Exercise 4
/// runs Exercise 3's).
fn is_public_test(file: &Path) -> bool {
    let parts: Vec<_> = normalize(file)
        .components()
        .map(|c| c.as_os_str().to_owned())
        .collect();
    parts
        .windows(2)
        .any(|w| w[0] == "tests" && w[1] == "public")
}

/// The most comment lines shown above a failing line.
const MOST_COMMENT_LINES: usize = 12;

/// The comment (`//`, `///` lines in a row) right above the statement
/// that holds line `line` (1-based) of `source`: a test explains a check in
/// a comment right above it, and a comment further up is about other lines.
/// The statement starts after the nearest line above that ends one (`;`,
/// `{`, `}`), a blank line or a comment.
fn comment_above(source: &str, line: usize) -> Vec<String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut start = line.saturating_sub(1).min(lines.len());
    while start > 0 {
        let above = lines[start - 1].trim();
        let ends_a_statement = above.is_empty()
            || above.starts_with("//")
            || above.starts_with("#[")
            || above.ends_with([';', '{', '}']);
        if ends_a_statement {
            break;
        }
        start -= 1;
    }
    let mut comment: Vec<String> = lines[..start]
        .iter()
        .rev()
        .map(|text| text.trim())
        .take_while(|text| text.starts_with("//"))
        .map(str::to_owned)
        .collect();
    comment.truncate(MOST_COMMENT_LINES);
    comment.reverse();
    comment
}

fn spans(diagnostic: &Value) -> impl Iterator<Item = &Value> {
    diagnostic["spans"].as_array().into_iter().flatten()
}

fn children(diagnostic: &Value) -> impl Iterator<Item = &Value> {
    diagnostic["children"].as_array().into_iter().flatten()
}

fn touches_hidden(diagnostic: &Value) -> bool {
    spans(diagnostic).any(span_touches_hidden) || children(diagnostic).any(touches_hidden)
}

/// Whether a span, or a macro call it was expanded from, is in a hidden test.
fn span_touches_hidden(span: &Value) -> bool {
    let expansion = &span["expansion"];
    span["file_name"].as_str().is_some_and(is_hidden_test)
        || [&expansion["span"], &expansion["def_site_span"]]
            .into_iter()
            .any(|s| s.is_object() && span_touches_hidden(s))
}

/// The diagnostic in rustc's shape, each hidden place one line.
fn redacted(diagnostic: &Value) -> String {
    let code = diagnostic["code"]["code"]
        .as_str()
        .map(|c| format!("[{c}]"))
        .unwrap_or_default();
    let mut out = format!(
        "{}{code}: {}",
        text(&diagnostic["level"]),
        text(&diagnostic["message"])
    );
    for span in spans(diagnostic) {
        out.push_str(&place(span));
    }
    for child in children(diagnostic).filter(|c| !suggests_editing_a_test(c)) {
        let line = format!("{}: {}", text(&child["level"]), text(&child["message"]));
        if spans(child).next().is_none() {
            out.push_str(&format!("\n   = {}", line.replace('\n', "\n     ")));
        } else {
            out.push('\n');
            out.push_str(&line);
            for span in spans(child) {
                out.push_str(&place(span));
            }
        }
    }
    out
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// One place of an error: a line that says a hidden test is there, or the
/// file's lines with the span underlined, as rustc shows them.
fn place(span: &Value) -> String {
    let label = span["label"].as_str().filter(|l| !l.is_empty());
    if span_touches_hidden(span) {
        return match label {
            Some(label) => format!("\n  --> {HIDDEN_PLACE}: {label}"),
            None => format!("\n  --> {HIDDEN_PLACE}"),
        };
    }
    let first = span["line_start"].as_u64().unwrap_or(0);
    let lines: Vec<&Value> = span["text"].as_array().into_iter().flatten().collect();
    let width = (first + lines.len() as u64).to_string().len();
    let gutter = " ".repeat(width);
    let mut out = format!(
        "\n{gutter}--> {}:{first}:{}\n{gutter} |",
        text(&span["file_name"]),
        span["column_start"].as_u64().unwrap_or(0)
    );
    let mark = if span["is_primary"].as_bool() == Some(true) {
        "^"
    } else {
        "-"
    };
    for (i, line) in lines.iter().enumerate() {
        let column = |key: &str| line[key].as_u64().unwrap_or(1).max(1) as usize;
        let (start, end) = (column("highlight_start"), column("highlight_end"));
        out.push_str(&format!(
            "\n{:>width$} | {}\n{gutter} | {}{}",
            first + i as u64,
            text(&line["text"]),
            " ".repeat(start - 1),
            mark.repeat(end.saturating_sub(start).max(1)),
        ));
        if i + 1 == lines.len()
            && let Some(label) = label
        {
            out.push_str(&format!(" {label}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn span(file: &str, line: u64, text: &str, label: &str) -> Value {
        json!({
            "file_name": file, "line_start": line, "line_end": line,
            "column_start": 5, "column_end": 11, "is_primary": true,
            "label": label, "expansion": null,
            "text": [{"text": text, "highlight_start": 5, "highlight_end": 11}],
        })
    }

    /// What rustc says when `send` returns `u8` and a hidden test compares
    /// its result with `Ok(())` (trimmed from a real build).
    fn wrong_return_type() -> Value {
        json!({
            "rendered": "error[E0308]: mismatched types\n  --> lesson13-oneshot/tests/hidden/graded.rs:23:21\n   |\n23 |                     Ok(()),\n",
            "level": "error",
            "message": "mismatched types",
            "code": {"code": "E0308"},
            "spans": [span(
                "lesson13-oneshot/tests/hidden/graded.rs", 23, "    Ok(()), // the secret",
                "expected `u8`, found `Result<(), _>`",
            )],
            "children": [
                {"level": "note", "message": "expected type `u8`\n   found enum `Result<(), _>`",
                 "spans": [], "children": []},
                {"level": "note", "message": "the method is defined here",
                 "spans": [span("lesson13-oneshot/src/lib.rs", 48, "    pub fn send(self, value: T) -> u8 {", "")],
                 "children": []},
            ],
        })
    }

    #[test]
    fn an_error_in_a_hidden_test_keeps_its_kind_and_the_students_lines_but_not_the_tests() {
        let shown = shown(&wrong_return_type()).unwrap();
        assert_eq!(
            shown,
            "error[E0308]: mismatched types\n  \
             --> a hidden test uses your code here: expected `u8`, found `Result<(), _>`\n   \
             = note: expected type `u8`\n        found enum `Result<(), _>`\n\
             note: the method is defined here\n  \
             --> lesson13-oneshot/src/lib.rs:48:5\n   |\n\
             48 |     pub fn send(self, value: T) -> u8 {\n   |     ^^^^^^"
        );
        assert!(!shown.contains("secret") && !shown.contains("graded.rs"));
    }

    #[test]
    fn a_hidden_test_behind_a_macro_call_counts_too() {
        let mut diagnostic = wrong_return_type();
        let mut in_std = span(
            "/rustc/library/core/src/macros/mod.rs",
            40,
            "left == right",
            "",
        );
        in_std["expansion"] = json!({
            "span": span("lesson13-oneshot/tests/hidden/graded.rs", 23, "assert_eq!(secret)", ""),
            "macro_decl_name": "assert_eq!",
            "def_site_span": null,
        });
        diagnostic["spans"] = json!([in_std]);
        let shown = shown(&diagnostic).unwrap();
        assert!(
            shown.contains(HIDDEN_PLACE) && !shown.contains("secret"),
            "{shown}"
        );
    }

    /// A trimmed copy of rustc's message for a `lib.rs` whose `Sender`
    /// derives `Clone` (so `Sender<T>: Clone` needs `T: Clone`).
    fn derive_clone_error(file: &str) -> Value {
        json!({
            "level": "error",
            "message": "the trait bound `Opaque: Clone` is not satisfied",
            "code": {"code": "E0277"},
            "spans": [span(file, 7, "        is_clone(&tx); // the secret", "the trait `Clone` is not implemented")],
            "children": [
                {"level": "note", "message": "required by a bound", "spans": [
                    span("lesson13-bounded/tests/public/behaviour.rs", 2, "fn is_clone<T: Clone>(_: &T) {}", "")],
                 "children": []},
                {"level": "help", "message": "consider annotating `Opaque` with `#[derive(Clone)]`",
                 "spans": [span("lesson13-bounded/tests/public/behaviour.rs", 5, "struct Opaque;", "")],
                 "children": []}
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
        \n    struct Opaque(std::marker::PhantomPinned);\n    \
        /// Neither `Clone` nor `Unpin`: the channel must not require them.\n    is_clone(&tx); // Sender: Clone\n}\n";

    /// A workspace with `TEST_FILE` at `file`.
    fn workspace_with(file: &str) -> tempfile::TempDir {
        let workspace = tempfile::tempdir().unwrap();
        let path = workspace.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, TEST_FILE).unwrap();
        workspace
    }

    #[test]
    fn an_error_in_a_public_test_says_the_api_does_not_match_and_shows_the_tests_comment() {
        let file = "lesson13-bounded/tests/public/behaviour.rs";
        let workspace = workspace_with(file);
        // As the hidden target names the file it includes from the public tests.
        let error = derive_clone_error("lesson13-bounded/tests/hidden/../public/behaviour.rs");
        let text = explained(&error, workspace.path()).unwrap();
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
    fn a_hidden_tests_text_is_never_shown_and_neither_is_a_suggestion_to_edit_it() {
        let file = "lesson13-bounded/tests/hidden/graded.rs";
        let workspace = workspace_with(file);
        let text = explained(&derive_clone_error(file), workspace.path()).unwrap();
        assert!(text.starts_with(API_MISMATCH), "{text}");
        assert!(
            !text.contains("Neither") && !text.contains("secret") && !text.contains("graded.rs"),
            "{text}"
        );
        assert!(!text.contains("consider annotating"), "{text}");
    }

    #[test]
    fn only_a_warning_about_the_crates_own_lib_rs_is_the_students() {
        let warning = |file: &str| {
            json!({"level": "warning", "message": "unused variable: `x`",
                   "spans": [span(file, 3, "    let x = 1;", "")], "children": [],
                   "rendered": "warning: unused variable: `x`\n"})
        };
        let krate = "lesson13-mpsc";
        assert!(is_students_warning(
            &warning("lesson13-mpsc/src/lib.rs"),
            krate
        ));
        for file in [
            "lesson13-mpsc/tests/public/behaviour.rs",
            "testkit/src/lib.rs",
            "lesson13-oneshot/src/lib.rs",
        ] {
            assert!(!is_students_warning(&warning(file), krate), "{file}");
        }
        let mut error = warning("lesson13-mpsc/src/lib.rs");
        error["level"] = "error".into();
        assert!(!is_students_warning(&error, krate));
    }

    #[test]
    fn the_comment_is_the_one_above_the_line_within_its_test() {
        assert_eq!(
            comment_above(TEST_FILE, 7),
            ["/// Neither `Clone` nor `Unpin`: the channel must not require them."]
        );
        let file = "// about the file\n\n#[test]\nfn t() {\n    // first\n    x();\n    // second\n    y();\n}\n";
        assert_eq!(comment_above(file, 8), ["// second"]);
        assert_eq!(comment_above(file, 6), ["// first"]);
        assert!(comment_above(file, 1).is_empty());
        // A line inside a statement: the comment above the statement's start.
        let file = "fn t() {\n    // the check\n    assert_eq!(\n        x,\n        Ok(()),\n    );\n    // another\n    y();\n    assert_eq!(\n        z,\n        1,\n    );\n}\n";
        assert_eq!(comment_above(file, 5), ["// the check"]);
        assert!(
            comment_above(file, 11).is_empty(),
            "a comment two statements up"
        );
        assert!(comment_above(file, 99).len() <= MOST_COMMENT_LINES);
    }

    #[test]
    fn an_error_in_the_students_own_file_is_rustcs_own_rendering() {
        let diagnostic = json!({
            "rendered": "error[E0425]: cannot find value `x`\n --> lesson13-oneshot/src/lib.rs:3:5\n",
            "level": "error", "message": "cannot find value `x`",
            "spans": [span("lesson13-oneshot/src/lib.rs", 3, "    x", "not found")],
            "children": [],
        });
        assert_eq!(
            shown(&diagnostic).unwrap(),
            "error[E0425]: cannot find value `x`\n --> lesson13-oneshot/src/lib.rs:3:5\n"
        );
        assert_eq!(
            explained(&diagnostic, Path::new("/nowhere")),
            shown(&diagnostic)
        );
    }
}
