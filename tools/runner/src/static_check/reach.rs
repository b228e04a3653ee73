//! Reach: the paths, macros and keywords that lead out of a channel.
//!
//! Every path is resolved before it is judged: `use` declarations anywhere
//! in the file (in a function or block too) bind names, and a path whose
//! first bound or standard-library segment is such a name is read through
//! it, so `use std as s; s::process::exit(0)`, `use std::{self as x}`,
//! `::std::…`, `core::…` and a re-export (`crate::m::io::stdin()` after
//! `pub use std::io` in `m`) all come out as the standard-library path they
//! name. Names are bound file-wide, whatever the scope: a name used for
//! two things is read both ways, which can only over-reject.
//!
//! A glob import is judged by what it could bring in: only modules open as
//! a whole may be globbed. A name the student chose (a field `used`, a
//! function `process`, a module `fs`) is no path into std, so it passes.

use super::std_paths::{self, ROOTS};
use super::tree::{self, Path, group, ident, keyword, path_at, punct};
use super::{Findings, notices};
use proc_macro2::{Delimiter, Span, TokenTree};
use std::collections::HashMap;

/// One name or glob a `use` declaration brings in.
pub(super) struct UseEntry {
    /// The path as written, `self` taken off its end.
    path: Vec<String>,
    /// The name it binds (`None` for a glob or `as _`).
    binding: Option<String>,
    glob: bool,
    span: Span,
}

/// Every `use` declaration's entries, at every level of `tokens`.
pub(super) fn uses(tokens: &[TokenTree]) -> Vec<UseEntry> {
    let mut entries = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(end) = tree::use_item_end(tokens, i) {
            let tree_end = if punct(tokens, end - 1, ';') {
                end - 1
            } else {
                end
            };
            use_tree(&tokens[i + 1..tree_end], &[], &mut entries);
            i = end;
            continue;
        }
        if let TokenTree::Group(group) = &tokens[i] {
            entries.extend(uses(&tree::inside(group)));
        }
        i += 1;
    }
    entries
}

/// The entries of one use tree (`std::{io::{self, Write}, sync::*}`) under
/// `prefix`.
fn use_tree(tokens: &[TokenTree], prefix: &[String], entries: &mut Vec<UseEntry>) {
    let mut path = prefix.to_vec();
    let mut i = usize::from(tree::path_separator(tokens, 0)) * 2;
    let Some(first) = tokens.get(i) else { return };
    let span = first.span();
    loop {
        if let Some(name) = ident(tokens, i) {
            path.push(name);
            i += 1;
            if tree::path_separator(tokens, i) {
                i += 2;
                continue;
            }
            let binding = if keyword(tokens, i, "as") {
                ident(tokens, i + 1).filter(|name| name != "_")
            } else {
                None
            };
            let renamed = keyword(tokens, i, "as");
            if path.last().is_some_and(|last| last == "self") {
                path.pop();
            }
            let binding = if renamed {
                binding
            } else {
                path.last().cloned()
            };
            entries.push(UseEntry {
                path,
                binding,
                glob: false,
                span,
            });
            return;
        }
        if punct(tokens, i, '*') {
            entries.push(UseEntry {
                path,
                binding: None,
                glob: true,
                span,
            });
            return;
        }
        if let Some(group) = group(tokens, i, Delimiter::Brace) {
            let inner = tree::inside(group);
            for part in tree::split_commas(&inner) {
                use_tree(part, &path, entries);
            }
        }
        return;
    }
}

/// The names the file's `use` declarations bind, and what each names.
pub(super) struct Aliases(HashMap<String, Vec<String>>);

impl Aliases {
    pub(super) fn new(entries: &[UseEntry]) -> Aliases {
        let mut names = HashMap::new();
        for entry in entries {
            if let Some(name) = &entry.binding {
                names.insert(name.clone(), entry.path.clone());
            }
        }
        Aliases(names)
    }

    /// `segments` read through the bindings: from its first segment that
    /// is a standard-library crate or a bound name, expanded until it
    /// starts at a crate root (or at a name bound to nothing known). A path
    /// with neither comes back as written.
    pub(super) fn resolve(&self, segments: &[String]) -> Vec<String> {
        let mut path = segments.to_vec();
        // A chain of aliases longer than this is a cycle: rustc refuses it.
        for _ in 0..16 {
            let Some(i) = path
                .iter()
                .position(|s| ROOTS.contains(&s.as_str()) || self.0.contains_key(s))
            else {
                return path;
            };
            if ROOTS.contains(&path[i].as_str()) {
                return path.split_off(i);
            }
            let mut expanded = self.0[&path[i]].clone();
            expanded.extend_from_slice(&path[i + 1..]);
            if expanded == path {
                return path;
            }
            path = expanded;
        }
        path
    }
}

/// Judges every `use` entry: the path it names, and a glob by what it
/// could bring in.
pub(super) fn check_uses(entries: &[UseEntry], aliases: &Aliases, found: &mut Findings) {
    for entry in entries {
        let written = entry.path.join("::");
        let resolved = aliases.resolve(&entry.path);
        if let Some(name) = entry
            .binding
            .as_ref()
            .filter(|n| ROOTS.contains(&n.as_str()))
        {
            found.offence(entry.span, name, root_name_reason(name));
        }
        if !is_std(&resolved) {
            continue;
        }
        if let Some(why) = std_paths::path_verdict(&resolved) {
            found.offence(entry.span, &written, &through(&written, &resolved, why));
        } else if entry.glob && !std_paths::glob_is_open(&resolved) {
            let why = format!(
                "a glob import of `{}` would bring in parts that are off limits along with \
                 the rest: import the names you use instead",
                resolved.join("::")
            );
            found.offence(entry.span, &format!("{written}::*"), &why);
        }
    }
}

/// Judges one level of tokens (a group's contents, not the groups inside):
/// paths, macro calls, the keywords and declarations that lead out.
pub(super) fn level(tokens: &[TokenTree], aliases: &Aliases, found: &mut Findings) {
    let mut i = 0;
    while i < tokens.len() {
        if let Some(end) = tree::use_item_end(tokens, i) {
            i = end;
            continue;
        }
        if let TokenTree::Ident(name) = &tokens[i] {
            if !name.to_string().is_ascii() {
                found.offence(
                    name.span(),
                    &name.to_string(),
                    "identifiers must be ASCII in graded code (some letters look like \
                     others): rename it with ASCII letters",
                );
            }
        }
        keywords(tokens, i, found);
        if let Some(path) = path_at(tokens, i) {
            let bang = punct(tokens, path.end, '!') && !punct(tokens, path.end + 1, '=');
            if path.segments == ["macro_rules"] && bang {
                found.offence(
                    path.span,
                    "macro_rules!",
                    "defines a macro. A macro can put a path together from pieces \
                     (`std::$m::exit`), which this check cannot follow, so graded code may not \
                     define one: write a function or a generic instead",
                );
            } else if bang && matches!(tokens.get(path.end + 1), Some(TokenTree::Group(_))) {
                check_macro(&path, aliases, found);
            } else {
                check_path(&path, aliases, found);
            }
            i = path.end;
            continue;
        }
        i += 1;
    }
}

/// `unsafe`, `extern`, `mod name;` and a student's item named like a
/// standard-library crate, at `i`.
fn keywords(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let span = tokens[i].span();
    if keyword(tokens, i, "unsafe") {
        found.offence(
            span,
            "unsafe",
            "turns off the compiler's memory checks: the exercises are safe Rust (the \
             crate forbids unsafe code)",
        );
    } else if keyword(tokens, i, "extern") {
        found.offence(
            span,
            "extern",
            "links foreign code or another crate: your answer is safe Rust in this one file",
        );
    } else if keyword(tokens, i, "mod")
        && ident(tokens, i + 1).is_some()
        && punct(tokens, i + 2, ';')
    {
        found.offence(
            span,
            &format!("mod {};", ident(tokens, i + 1).unwrap_or_default()),
            "reads the module from another file: your whole answer is this one file, so \
             write `mod name { … }` instead",
        );
    }
    let declares = [
        "mod", "struct", "enum", "union", "trait", "type", "fn", "const", "static",
    ];
    if declares.iter().any(|word| keyword(tokens, i, word))
        && let Some(name) = ident(tokens, i + 1).filter(|n| ROOTS.contains(&n.as_str()))
    {
        found.offence(tokens[i + 1].span(), &name, root_name_reason(&name));
    }
}

fn root_name_reason(name: &str) -> &'static str {
    match name {
        "std" => {
            "is the standard library's own name, and this check reads every `std::…` path as the standard library's: rename it"
        }
        "core" => {
            "is the standard library's own name (its core), and this check reads every `core::…` path as the standard library's: rename it"
        }
        _ => {
            "is the standard library's own name (its allocation crate), and this check reads every `alloc::…` path as the standard library's: rename it"
        }
    }
}

fn is_std(path: &[String]) -> bool {
    path.first()
        .is_some_and(|root| ROOTS.contains(&root.as_str()))
}

/// `why`, led by what `written` names when it was read through an alias:
/// "(that is, `std::process::exit`) runs programs …".
fn through(written: &str, resolved: &[String], why: &str) -> String {
    let resolved = resolved.join("::");
    if resolved == written {
        why.to_owned()
    } else {
        format!("(that is, `{resolved}`) {why}")
    }
}

fn check_path(path: &Path, aliases: &Aliases, found: &mut Findings) {
    let resolved = aliases.resolve(&path.segments);
    if !is_std(&resolved) {
        return;
    }
    notices::std_path(&resolved, path.span, found);
    if let Some(why) = std_paths::path_verdict(&resolved) {
        let written = path.written();
        found.offence(path.span, &written, &through(&written, &resolved, why));
    }
}

/// A macro call `path!(…)`: its last name must be one graded code may
/// call, and a standard-library path to it must be open.
fn check_macro(path: &Path, aliases: &Aliases, found: &mut Findings) {
    let resolved = aliases.resolve(&path.segments);
    let written = path.written();
    let name = resolved.last().cloned().unwrap_or_default();
    let from_dependency = resolved == ["pin_project_lite", "pin_project"];
    let local = resolved.len() > 1 && !is_std(&resolved) && !from_dependency;
    let why = if local {
        Some(
            "is a macro defined outside the standard library: graded code may call std's \
             macros and pin_project! only",
        )
    } else {
        std_paths::macro_verdict(&name).or_else(|| {
            let module = &resolved[..resolved.len().saturating_sub(1)];
            (module.len() > 1 && is_std(module))
                .then(|| std_paths::path_verdict(module))
                .flatten()
        })
    };
    if let Some(why) = why {
        found.offence(
            path.span,
            &format!("{written}!"),
            &through(&written, &resolved, why),
        );
    }
}
