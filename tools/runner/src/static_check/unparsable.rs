//! A file that is not Rust tokens (an unclosed `{`, a `)` too many, a
//! string never closed): said in a student's words, at the line where the
//! problem starts. proc-macro2's lexer says only where it stopped: the
//! opening of an unclosed bracket, string or comment, or a closing bracket
//! that does not fit; what is there says which.

use std::str::FromStr;

/// Why a file could not be read as Rust tokens, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsable {
    /// 1-based line where the problem starts.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, for a student.
    pub message: String,
}

impl std::fmt::Display for Unparsable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl Unparsable {
    /// The problem as a student reads it: where, what, and the line of
    /// `source` with a caret under the column.
    pub fn describe(&self, source: &str) -> String {
        let mut text = format!("{self}\n");
        if let Some(line) = source.lines().nth(self.line.saturating_sub(1)) {
            let line: String = line.replace('\t', " ").chars().take(120).collect();
            if self.column <= line.chars().count() {
                let pad = " ".repeat(self.column - 1);
                text.push_str(&format!("    {line}\n    {pad}^\n"));
            }
        }
        text
    }
}

/// Where `source` stops being Rust tokens, and why, if it does.
pub(super) fn find(source: &str) -> Option<Unparsable> {
    let stop = stops_at(source)?;
    let (line, column) = line_column(source, stop);
    let rest = &source[stop..];
    let opening = |c: char| match c {
        '{' => Some('}'),
        '(' => Some(')'),
        '[' => Some(']'),
        _ => None,
    };
    let first = rest.chars().next().unwrap_or(' ');
    let message = if let Some(close) = opening(first) {
        let mut message = format!(
            "this `{first}` is never closed: a `{close}` is missing further down (look for \
             where the block or list it opens should end)"
        );
        if let Some((open, close)) = misindented_block(source, stop) {
            message.push_str(&format!(
                "; maybe at the `{{` of line {open}: the `}}` of line {close}, which closes it, \
                 is indented as for an outer block"
            ));
        }
        message
    } else if matches!(first, '}' | ')' | ']') {
        match stops_at(&source[..stop]) {
            Some(open) if source[open..].starts_with(['{', '(', '[']) => {
                let (open_line, open_column) = line_column(source, open);
                let wanted = opening(source[open..].chars().next().unwrap_or('{')).unwrap_or('}');
                format!(
                    "this `{first}` comes while the `{}` opened at line {open_line}, column \
                     {open_column} is still open: a `{wanted}` is missing before it, or this \
                     `{first}` is one too many",
                    &source[open..open + 1]
                )
            }
            _ => format!(
                "this `{first}` closes nothing: it is one too many, or its opening is missing"
            ),
        }
    } else if rest.starts_with("/*") {
        "this comment is never closed: a `*/` is missing".to_owned()
    } else if string_start(rest) {
        "this string is never closed: a `\"` is missing (a raw string `r#\"…\"#` needs its `#`s at both ends)".to_owned()
    } else if first == '\'' {
        "this `'` starts a character that is not valid: a character is one letter in single \
         quotes, like 'a' (text goes in double quotes)"
            .to_owned()
    } else if first.is_ascii_digit() {
        "this number is not written the way Rust writes numbers".to_owned()
    } else {
        format!("`{first}` has no meaning in Rust outside strings and comments")
    };
    Some(Unparsable {
        line,
        column,
        message,
    })
}

/// Where a `}` is likely missing inside the never-closed bracket at byte
/// `unclosed`, as rustc guesses it: the last `{` (by line) whose matching
/// `}` starts its line at another indentation than the `{`'s line, as
/// `(line of the {, line of the })`. A student's editor indents as they
/// type, so the block whose `}` is missing takes the `}` meant for the block
/// around it.
fn misindented_block(source: &str, unclosed: usize) -> Option<(usize, usize)> {
    // The same text without the never-closed bracket (a space keeps every
    // offset), which then lexes if that bracket was the only problem.
    let mut rest = source.to_owned();
    rest.replace_range(unclosed..unclosed + 1, " ");
    let tokens = proc_macro2::TokenStream::from_str(&rest).ok()?;
    let lines: Vec<&str> = source.lines().collect();
    let indent = |line: usize| {
        lines
            .get(line - 1)
            .map_or(0, |l| l.len() - l.trim_start().len())
    };
    let mut found = None;
    let mut stack = vec![tokens];
    while let Some(stream) = stack.pop() {
        for tree in stream {
            let proc_macro2::TokenTree::Group(group) = tree else {
                continue;
            };
            let (open, close) = (group.span_open().start(), group.span_close().start());
            let starts_its_line = indent(close.line) == close.column;
            if group.delimiter() == proc_macro2::Delimiter::Brace
                && open.line < close.line
                && starts_its_line
                && indent(open.line) != close.column
                && found.is_none_or(|(line, _)| line < open.line)
            {
                found = Some((open.line, close.line));
            }
            stack.push(group.stream());
        }
    }
    found
}

/// The byte offset where proc-macro2 stops lexing `source`, if it does.
fn stops_at(source: &str) -> Option<usize> {
    let error = proc_macro2::TokenStream::from_str(source).err()?;
    let at = error.span().start();
    Some(offset(source, at.line, at.column))
}

/// The byte offset of 1-based `line` and 0-based character `column`.
fn offset(source: &str, line: usize, column: usize) -> usize {
    let line_start: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = &source[line_start..];
    line_start
        + line_text
            .char_indices()
            .nth(column)
            .map_or(line_text.len(), |(at, _)| at)
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Whether `text` starts with a string literal's opening (`"`, `b"`, `r"`,
/// `r#"`, `br"`, `c"`, …).
fn string_start(text: &str) -> bool {
    let text = text.trim_start_matches(['b', 'c']);
    let text = text
        .strip_prefix('r')
        .map_or(text, |t| t.trim_start_matches('#'));
    text.starts_with('"')
}
