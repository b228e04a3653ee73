//! The few pieces of Rust syntax the rules read, over proc-macro2's tokens:
//! identifiers, lifetimes, paths, `<…>` brackets and comma-separated lists.
//! Every helper takes one level of the token tree (a group's contents) and
//! an index into it.

use proc_macro2::{Delimiter, Group, Spacing, Span, TokenTree};

/// Rust's keywords that can never start a path or name a macro (`self`,
/// `super`, `crate` and `Self` can start a path, so they are not here).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// Where a token starts, as a student counts: 1-based line and column.
pub(super) fn at(span: Span) -> (usize, usize) {
    let start = span.start();
    (start.line, start.column + 1)
}

/// Whether the token at `i` is the punctuation `ch`.
pub(super) fn punct(tokens: &[TokenTree], i: usize, ch: char) -> bool {
    matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

/// Whether the token at `i` is `ch` glued to the next one (`-` of `->`).
fn joint(tokens: &[TokenTree], i: usize, ch: char) -> bool {
    matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ch && p.spacing() == Spacing::Joint)
}

/// The identifier at `i` as it names things: `r#` taken off.
pub(super) fn ident(tokens: &[TokenTree], i: usize) -> Option<String> {
    match tokens.get(i) {
        Some(TokenTree::Ident(ident)) => {
            let written = ident.to_string();
            Some(
                written
                    .strip_prefix("r#")
                    .map_or(written.clone(), str::to_owned),
            )
        }
        _ => None,
    }
}

/// Whether the token at `i` is the keyword `word` (not the raw identifier
/// `r#word`, which is a name).
pub(super) fn keyword(tokens: &[TokenTree], i: usize, word: &str) -> bool {
    matches!(tokens.get(i), Some(TokenTree::Ident(ident)) if *ident == word)
}

/// Whether `name` (written without `r#`) is a keyword at `i`.
pub(super) fn is_keyword(tokens: &[TokenTree], i: usize) -> bool {
    matches!(tokens.get(i), Some(TokenTree::Ident(ident)) if KEYWORDS.contains(&ident.to_string().as_str()))
}

/// The group at `i`, if it has delimiter `delimiter`.
pub(super) fn group(tokens: &[TokenTree], i: usize, delimiter: Delimiter) -> Option<&Group> {
    match tokens.get(i) {
        Some(TokenTree::Group(group)) if group.delimiter() == delimiter => Some(group),
        _ => None,
    }
}

/// Whether `::` starts at `i`.
pub(super) fn path_separator(tokens: &[TokenTree], i: usize) -> bool {
    joint(tokens, i, ':') && punct(tokens, i + 1, ':')
}

/// The lifetime at `i` (`'a`, `'static`, `'_`): its name without the quote.
pub(super) fn lifetime(tokens: &[TokenTree], i: usize) -> Option<String> {
    if joint(tokens, i, '\'') {
        ident(tokens, i + 1)
    } else {
        None
    }
}

/// A path as written: `std::sync::Arc`, `::core::mem`, `self::helper`.
pub(super) struct Path {
    /// The segments, `r#` taken off.
    pub segments: Vec<String>,
    /// Where the path starts.
    pub span: Span,
    /// The index just past the path's last segment.
    pub end: usize,
}

impl Path {
    /// The path as written, `::`-joined.
    pub fn written(&self) -> String {
        self.segments.join("::")
    }
}

/// The path that starts at `i`: a leading `::` or an identifier that is
/// not a keyword, and does not continue a path before it (`new` in
/// `Vec::<T>::new` is not the start of a path).
pub(super) fn path_at(tokens: &[TokenTree], i: usize) -> Option<Path> {
    let mut next = i;
    if path_separator(tokens, i) {
        // `Vec::<T>::new`, `<T as Trait>::f`: a type's item, not a crate.
        let after_a_type = i >= 1
            && (matches!(tokens.get(i - 1), Some(TokenTree::Ident(_)))
                && !is_keyword(tokens, i - 1)
                || punct(tokens, i - 1, '>'));
        if after_a_type {
            return None;
        }
        next += 2;
    } else if i >= 2 && path_separator(tokens, i - 2) {
        return None;
    }
    let mut segments = Vec::new();
    let span = tokens.get(i)?.span();
    loop {
        if is_keyword(tokens, next) {
            return None;
        }
        segments.push(ident(tokens, next)?);
        next += 1;
        if path_separator(tokens, next) && ident(tokens, next + 2).is_some() {
            next += 2;
        } else {
            return Some(Path {
                segments,
                span,
                end: next,
            });
        }
    }
}

/// The index of the `>` that closes the `<` at `open`, if it closes before
/// the end of this level or a `;` (an expression's `a < b` does not).
pub(super) fn angle_end(tokens: &[TokenTree], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in open..tokens.len() {
        if punct(tokens, i, '<') {
            depth += 1;
        } else if punct(tokens, i, '>')
            && !(i > 0 && (joint(tokens, i - 1, '-') || joint(tokens, i - 1, '=')))
        {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        } else if punct(tokens, i, ';') {
            return None;
        }
    }
    None
}

/// The extent of the type that starts at `start`: up to the first `,`,
/// `;`, `=`, `|`, block or `where` outside brackets, or a `>` that closes
/// an enclosing bracket. Conservative: it may run a little long.
pub(super) fn type_end(tokens: &[TokenTree], start: usize) -> usize {
    let mut depth = 0usize;
    for i in start..tokens.len() {
        let arrow = i > 0 && (joint(tokens, i - 1, '-') || joint(tokens, i - 1, '='));
        if punct(tokens, i, '<') {
            depth += 1;
        } else if punct(tokens, i, '>') && !arrow {
            if depth == 0 {
                return i;
            }
            depth -= 1;
        } else if depth == 0
            && ([',', ';', '=', '|']
                .iter()
                .any(|ch| punct(tokens, i, *ch) && !joint(tokens, i, '='))
                || group(tokens, i, Delimiter::Brace).is_some()
                || keyword(tokens, i, "where"))
        {
            return i;
        }
    }
    tokens.len()
}

/// The lifetimes named in `tokens` and in every group inside them, with
/// where each is.
pub(super) fn lifetimes_in(tokens: &[TokenTree]) -> Vec<(String, Span)> {
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if let Some(name) = lifetime(tokens, i) {
            found.push((name, token.span()));
        } else if let TokenTree::Group(group) = token {
            let inner: Vec<TokenTree> = group.stream().into_iter().collect();
            found.extend(lifetimes_in(&inner));
        }
    }
    found
}

/// `tokens` split at the commas outside `<…>` (groups are single tokens
/// already).
pub(super) fn split_commas(tokens: &[TokenTree]) -> Vec<&[TokenTree]> {
    let mut parts = Vec::new();
    let (mut depth, mut from) = (0usize, 0);
    for i in 0..tokens.len() {
        let arrow = i > 0 && (joint(tokens, i - 1, '-') || joint(tokens, i - 1, '='));
        if punct(tokens, i, '<') {
            depth += 1;
        } else if punct(tokens, i, '>') && !arrow {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && punct(tokens, i, ',') {
            parts.push(&tokens[from..i]);
            from = i + 1;
        }
    }
    if from < tokens.len() {
        parts.push(&tokens[from..]);
    }
    parts
}

/// The index just past the `use` item that starts at `i` (its `;`), if
/// one does (`use<'a>` in `impl Trait + use<'a>` is not an item).
pub(super) fn use_item_end(tokens: &[TokenTree], i: usize) -> Option<usize> {
    if !keyword(tokens, i, "use") || punct(tokens, i + 1, '<') {
        return None;
    }
    let semicolon = (i..tokens.len()).find(|&at| punct(tokens, at, ';'));
    Some(semicolon.map_or(tokens.len(), |at| at + 1))
}

/// A group's contents as one level of tokens.
pub(super) fn inside(group: &Group) -> Vec<TokenTree> {
    group.stream().into_iter().collect()
}
