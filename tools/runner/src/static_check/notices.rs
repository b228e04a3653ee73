//! Notices: constructs that are allowed but unusual in a channel, and that
//! the known ways to corrupt memory from safe code use. They do not stop
//! the build; the grader lists them so that an instructor can look.

use super::Findings;
use super::tree::{self, angle_end, ident, keyword, lifetime, path_at, punct};
use proc_macro2::{Span, TokenTree};

/// A channel is a few hundred lines (the longest solution is under 400).
const LONG_FILE_LINES: usize = 1500;

/// Standard-library items that leave memory uninitialised, reinterpret it
/// or hide values from the optimiser (`forget` and `ManuallyDrop` only
/// leak, a real student mistake, so they are not here).
const MEMORY_TRICKS: &[&str] = &[
    "MaybeUninit",
    "transmute",
    "transmute_copy",
    "zeroed",
    "black_box",
];

/// Traits whose associated types a trait object may fix without notice.
const STD_TRAITS_WITH_OUTPUT: &[&str] = &[
    "Fn",
    "FnMut",
    "FnOnce",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
    "Future",
    "Iterator",
    "IntoIterator",
    "Deref",
    "DerefMut",
];

/// Notes what is unusual at one level of tokens.
pub(super) fn level(tokens: &[TokenTree], found: &mut Findings) {
    for i in 0..tokens.len() {
        let after_quote = i > 0 && punct(tokens, i - 1, '\'');
        let span = tokens[i].span();
        if keyword(tokens, i, "for") && punct(tokens, i + 1, '<') {
            found.notice(
                span,
                "for<…>",
                "a higher-ranked bound: rare in a channel, and part of several known holes \
                 in the compiler's lifetime checks",
            );
        }
        if keyword(tokens, i, "fn") && ident(tokens, i + 1).is_some() && punct(tokens, i + 2, '<') {
            two_lifetime_parameters(tokens, i, found);
        }
        if keyword(tokens, i, "static") && !after_quote && punct(tokens, i + 2, ':') {
            let end = tree::type_end(tokens, i + 3);
            if (i + 3..end).any(|at| punct(tokens, at, '&')) {
                found.notice(
                    span,
                    "static … &",
                    "a `static` holding a reference: the known lifetime hole starts from one \
                     (`static UNIT: &&() = &&();`)",
                );
            }
        }
        if punct(tokens, i, '*')
            && (keyword(tokens, i + 1, "const") || keyword(tokens, i + 1, "mut"))
        {
            found.notice(
                span,
                "*const / *mut",
                "a raw pointer type: safe code cannot read through one, but exploits carry \
                 addresses in them; rare in a channel",
            );
        }
        if keyword(tokens, i, "dyn") {
            trait_object_with_output(tokens, i, found);
        }
    }
}

/// A standard-library path (resolved) that names one of the memory tricks.
pub(super) fn std_path(resolved: &[String], span: Span, found: &mut Findings) {
    if let Some(last) = resolved
        .last()
        .filter(|l| MEMORY_TRICKS.contains(&l.as_str()))
    {
        found.notice(
            span,
            last,
            "leaves memory uninitialised, reinterprets it or hides a value from the \
             optimiser: rare in a channel, and common in exploits",
        );
    }
}

/// `fn f<'a, 'b>`: a function that declares two lifetimes of its own.
fn two_lifetime_parameters(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let Some(close) = angle_end(tokens, i + 2) else {
        return;
    };
    let lifetimes = tree::split_commas(&tokens[i + 3..close])
        .into_iter()
        .filter(|param| lifetime(param, 0).is_some())
        .count();
    if lifetimes >= 2 {
        found.notice(
            tokens[i + 1].span(),
            &format!("fn {}<…>", ident(tokens, i + 1).unwrap_or_default()),
            "a function with two lifetime parameters: rare in a channel; relating two \
             lifetimes is how the known lifetime holes start",
        );
    }
}

/// `dyn MyTrait<Output = T>`: a trait object of the student's own trait
/// with an associated type fixed.
fn trait_object_with_output(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let Some(path) = path_at(tokens, i + 1) else {
        return;
    };
    let name = path.segments.last().cloned().unwrap_or_default();
    if STD_TRAITS_WITH_OUTPUT.contains(&name.as_str()) || !punct(tokens, path.end, '<') {
        return;
    }
    let Some(close) = angle_end(tokens, path.end) else {
        return;
    };
    let binds = (path.end + 1..close).any(|at| {
        ident(tokens, at).is_some() && punct(tokens, at + 1, '=') && !punct(tokens, at + 2, '=')
    });
    if binds {
        found.notice(
            path.span,
            &format!("dyn {name}<… = …>"),
            "a trait object of your own trait with an associated type fixed: rare in a \
             channel, and half of a known hole in the compiler's trait checks \
             (rust-lang/rust#57893)",
        );
    }
}

/// A file far longer than a channel needs.
pub(super) fn length(source: &str, found: &mut Findings) {
    let lines = source.lines().count();
    if lines > LONG_FILE_LINES {
        found.notices.push(super::Finding {
            line: 1,
            column: 1,
            found: format!("{lines} lines"),
            why: format!(
                "the file is over {LONG_FILE_LINES} lines; a channel needs a few hundred, so \
                 most of it is something else"
            ),
        });
    }
}
