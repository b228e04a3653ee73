//! A `lib.rs` as loom checks it: every path that starts at `std`, `core`,
//! `alloc` or `loom` is pointed at `loom_models::shim` (std, with loom's
//! `sync`), every `crate::` at `crate::imp::` (the models include the file
//! as their module `imp`), and the file's own inner attributes (`#![…]`,
//! `//!`), which a module included with `include!` may not have, become
//! blanks. Each change stays on its line, so every line number the steps
//! show is the file's own.
//!
//! Before that, [`rewrite`] refuses a file that relies on what loom cannot
//! model, with the reason a student reads: its own threads, sleeping,
//! spinning or parking, time, or another crate's channel or lock, whose
//! inner synchronisation loom cannot see. (What the shim lacks, `Weak` say,
//! fails the loom build instead, and the runner reports that as a skip too.)

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::ops::Range;
use std::str::FromStr;

/// Where the models include the checked file, and what its paths become.
const SHIM: &str = "loom_models::shim";
/// The module the models include the checked file as.
const MODULE: &str = "crate::imp";

/// The path roots that become [`SHIM`].
const STD_ROOTS: [&str; 4] = ["std", "core", "alloc", "loom"];

/// Why loom cannot check a file, found before building it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// 1-based line of the first offending token.
    pub line: usize,
    /// The token as written.
    pub token: String,
    /// Why loom cannot model it, in one sentence.
    pub reason: &'static str,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lib.rs:{}: `{}` {}", self.line, self.token, self.reason)
    }
}

/// What loom cannot model, by identifier, and why.
const UNSUPPORTED: &[(&[&str], &str)] = &[
    (
        &[
            "sleep",
            "park",
            "park_timeout",
            "yield_now",
            "spin_loop",
            "spin_loop_hint",
        ],
        "waits by sleeping, parking or spinning; loom can only check code that waits on a \
         lock, a condition variable or a waker",
    ),
    (
        &["spawn", "scope"],
        "starts threads of its own; loom only checks the threads its models start",
    ),
    (
        &[
            "Instant",
            "SystemTime",
            "wait_timeout",
            "wait_timeout_while",
            "wait_timeout_ms",
        ],
        "depends on time, which loom does not model",
    ),
];

/// Crates whose channels and locks synchronise with their own atomics:
/// loom cannot see inside them, so it would check nothing.
const OPAQUE_CRATES: &[&str] = &[
    "tokio",
    "futures",
    "futures_channel",
    "futures_util",
    "futures_core",
    "async_channel",
    "flume",
    "crossbeam",
    "crossbeam_channel",
    "crossbeam_utils",
    "parking_lot",
    "spin",
    "event_listener",
    "async_lock",
    "concurrent_queue",
    "atomic_waker",
    "async_std",
    "smol",
];

const OPAQUE_REASON: &str = "is another crate's synchronisation, which loom cannot see inside: \
                             loom checks only what is built on std::sync";

/// The file as the models include it, or why loom cannot check it. A file
/// that does not lex is left to the compiler to explain.
pub fn rewrite(source: &str) -> Result<String, Unsupported> {
    let Ok(tokens) = TokenStream::from_str(source) else {
        return Ok(source.to_owned());
    };
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    if let Some(unsupported) = find_unsupported(&tokens) {
        return Err(unsupported);
    }
    let mut edits = Vec::new();
    top_level_inner_attributes(&tokens, &mut edits);
    paths(&tokens, &mut edits);
    Ok(apply(source, edits))
}

/// The first identifier loom cannot model, in file order.
fn find_unsupported(tokens: &[TokenTree]) -> Option<Unsupported> {
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                if let Some(found) = find_unsupported(&inner) {
                    return Some(found);
                }
            }
            TokenTree::Ident(ident) => {
                if is_lifetime(tokens, i) {
                    continue;
                }
                let written = ident.to_string();
                let name = written.strip_prefix("r#").unwrap_or(&written);
                let reason = UNSUPPORTED
                    .iter()
                    .find(|(names, _)| names.contains(&name))
                    .map(|(_, why)| *why)
                    .or_else(|| {
                        (OPAQUE_CRATES.contains(&name) && is_path_root(tokens, i))
                            .then_some(OPAQUE_REASON)
                    });
                if let Some(reason) = reason {
                    return Some(Unsupported {
                        line: ident.span().start().line,
                        token: written,
                        reason,
                    });
                }
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
    None
}

/// The file's own inner attributes (`#![…]`, and `//!`, which lexes as
/// one): blanked, since a module that `include!` brings in may have none.
fn top_level_inner_attributes(tokens: &[TokenTree], edits: &mut Vec<(Range<usize>, String)>) {
    for (i, token) in tokens.iter().enumerate() {
        let (TokenTree::Punct(pound), Some(TokenTree::Punct(bang)), Some(TokenTree::Group(body))) =
            (token, tokens.get(i + 1), tokens.get(i + 2))
        else {
            continue;
        };
        if pound.as_char() == '#' && bang.as_char() == '!' && body.delimiter() == Delimiter::Bracket
        {
            let range = pound.span().byte_range().start..body.span().byte_range().end;
            edits.push((range, String::new()));
        }
    }
}

/// Every path root `std`, `core`, `alloc`, `loom` (to [`SHIM`]) and
/// `crate`, `$crate` (to [`MODULE`]), in every group.
fn paths(tokens: &[TokenTree], edits: &mut Vec<(Range<usize>, String)>) {
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                paths(&inner, edits);
            }
            TokenTree::Ident(ident) if is_path_root(tokens, i) || is_dollar_crate(tokens, i) => {
                let name = ident.to_string();
                let to = if STD_ROOTS.contains(&name.as_str()) {
                    SHIM
                } else if name == "crate" {
                    MODULE
                } else {
                    continue;
                };
                edits.push((ident.span().byte_range(), to.to_owned()));
            }
            _ => {}
        }
    }
}

/// Whether the identifier at `i` starts a path: `::` follows, and no path
/// segment comes before it (`a::std::x`, `<T>::std` are not roots; a
/// leading `::`, as in `use ::std::x`, is fine).
fn is_path_root(tokens: &[TokenTree], i: usize) -> bool {
    if !is_colons(tokens, i + 1) {
        return false;
    }
    if i < 2 || !is_colons(tokens, i - 2) {
        return true;
    }
    // The keywords that may come before a leading `::`.
    const BEFORE_A_PATH: &[&str] = &[
        "use", "return", "in", "dyn", "impl", "mut", "for", "where", "as", "else", "match", "if",
        "while", "move", "ref", "let", "break",
    ];
    match i.checked_sub(3).map(|at| &tokens[at]) {
        Some(TokenTree::Ident(before)) => BEFORE_A_PATH.contains(&before.to_string().as_str()),
        Some(TokenTree::Punct(before)) => before.as_char() != '>',
        _ => true,
    }
}

/// Whether `::` starts at `at`.
fn is_colons(tokens: &[TokenTree], at: usize) -> bool {
    matches!(
        (tokens.get(at), tokens.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

/// Whether the identifier at `i` is the `crate` of `$crate::…`.
fn is_dollar_crate(tokens: &[TokenTree], i: usize) -> bool {
    matches!(&tokens[i], TokenTree::Ident(ident) if ident == "crate")
        && i > 0
        && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '$')
}

/// Whether the identifier at `i` is a lifetime or label (`'static`).
fn is_lifetime(tokens: &[TokenTree], i: usize) -> bool {
    i > 0
        && matches!(
            &tokens[i - 1],
            TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == Spacing::Joint
        )
}

/// `source` with each range replaced; a range's line breaks are kept, so
/// that no line moves.
fn apply(source: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(source.len() + edits.len() * 16);
    let mut at = 0;
    for (range, to) in edits {
        if range.start < at || range.end > source.len() {
            continue;
        }
        out.push_str(&source[at..range.start]);
        out.push_str(&to);
        out.extend(source[range.clone()].chars().filter(|c| *c == '\n'));
        at = range.end;
    }
    out.push_str(&source[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_paths_point_at_the_shim_and_no_line_moves() {
        let source = "#![doc = include_str!(\"../README.md\")]\n\
                      //! Docs,\n//! two lines.\n\
                      use std::sync::{Arc, Mutex};\n\
                      use ::core::sync::atomic::AtomicBool;\n\
                      #[cfg(loom)]\nuse loom::sync::Arc as A;\n\
                      fn f() -> std::fmt::Result { let s = my::std::x; crate::g(); todo!() }\n\
                      macro_rules! m { () => { $crate::f() } }\n";
        let out = rewrite(source).unwrap();
        assert_eq!(out.lines().count(), source.lines().count());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0].trim(), "");
        assert_eq!(lines[2].trim(), "");
        assert_eq!(lines[3], "use loom_models::shim::sync::{Arc, Mutex};");
        assert_eq!(
            lines[4],
            "use ::loom_models::shim::sync::atomic::AtomicBool;"
        );
        assert_eq!(lines[6], "use loom_models::shim::sync::Arc as A;");
        assert_eq!(
            lines[7],
            "fn f() -> loom_models::shim::fmt::Result { let s = my::std::x; crate::imp::g(); todo!() }"
        );
        assert_eq!(lines[8], "macro_rules! m { () => { $crate::imp::f() } }");
    }

    #[test]
    fn strings_comments_and_lifetimes_are_not_code() {
        let source =
            "// std::thread::sleep\nfn f(s: &'static str) -> &'static str { \"std::sync\" }\n";
        assert_eq!(rewrite(source).unwrap(), source);
    }

    #[test]
    fn what_loom_cannot_model_is_refused_with_its_line() {
        let cases = [
            ("fn f() {\n std::thread::sleep(d); }", 2, "sleep"),
            (
                "fn f() { loop { std::hint::spin_loop(); } }",
                1,
                "spin_loop",
            ),
            ("fn f() { std::thread::spawn(|| ()); }", 1, "spawn"),
            ("use std::time::Instant;", 1, "Instant"),
            ("\n\nuse tokio::sync::oneshot;", 3, "tokio"),
            (
                "fn f() { ::futures::channel::oneshot::channel::<u8>(); }",
                1,
                "futures",
            ),
        ];
        for (source, line, token) in cases {
            let found = rewrite(source).unwrap_err();
            assert_eq!(
                (found.line, found.token.as_str()),
                (line, token),
                "{source}"
            );
        }
        // A local variable named like a crate is not one.
        assert!(rewrite("fn f(tokio: u8) -> u8 { tokio }").is_ok());
    }
}
