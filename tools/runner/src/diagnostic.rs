//! A compiler error as a student may read it. rustc quotes the lines its
//! errors point at, and a wrong signature makes it point into the tests
//! that call it, hidden ones included: so an error that touches a hidden
//! test is rendered again here, with the error's kind, its notes and the
//! student's own lines, and each place in a hidden test reduced to one line
//! that says so, without its source.

use crate::exercises::is_hidden_test;
use serde_json::Value;

/// What a hidden test's place in an error becomes.
pub const HIDDEN_PLACE: &str = "a hidden test uses your code here";

/// The text of one rustc diagnostic (the `message` of a cargo
/// `compiler-message`): rustc's own rendering when none of its places (its
/// spans, its notes' spans, the macro calls behind them) is in a hidden
/// test, else a rendering without the hidden tests' source.
pub fn shown(diagnostic: &Value) -> Option<String> {
    if touches_hidden(diagnostic) {
        Some(redacted(diagnostic))
    } else {
        diagnostic["rendered"].as_str().map(str::to_owned)
    }
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
    for child in children(diagnostic) {
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
    }
}
