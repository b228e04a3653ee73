//! Attributes, outer (`#[…]`) and inner (`#![…]`): an allowlist, so an
//! attribute the compiler gains later is closed until it is listed. What is
//! inside an attribute (`#[doc = include_str!(…)]`) is judged as code too,
//! by the other rules.

use super::Findings;
use super::tree::{self, group, ident, path_at, punct};
use proc_macro2::{Delimiter, Span, TokenTree};

/// Attributes graded code may use: lints, conditional compilation, tests,
/// derives, documentation, optimisation hints, layout, and the helper
/// attributes of `pin_project!`.
const OPEN: &[&str] = &[
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "cfg",
    "cfg_attr",
    "test",
    "ignore",
    "should_panic",
    "derive",
    "doc",
    "inline",
    "cold",
    "track_caller",
    "must_use",
    "deprecated",
    "non_exhaustive",
    "repr",
    "pin",
    "project",
    "project_ref",
    "project_replace",
];

/// Tool namespaces whose attributes are only lints or formatting
/// (`#[rustfmt::skip]`, `#[diagnostic::on_unimplemented]`).
const TOOLS: &[&str] = &["clippy", "rustfmt", "rustdoc", "diagnostic"];

const LINTS: &[&str] = &["allow", "warn", "deny", "forbid", "expect"];

/// Closed attributes whose reason is worth its own sentence.
const CLOSED: &[(&[&str], &str)] = &[
    (
        &[
            "no_mangle",
            "export_name",
            "link_section",
            "link",
            "link_name",
            "link_ordinal",
            "used",
            "naked",
            "global_allocator",
            "panic_handler",
            "no_main",
            "no_std",
            "no_core",
            "no_builtins",
            "windows_subsystem",
            "crate_type",
            "crate_name",
            "instruction_set",
            "target_feature",
        ],
        "changes how the program is linked, started or compiled for the machine, which a \
         channel never needs",
    ),
    (
        &["path", "debugger_visualizer"],
        "reads another file into the crate: your whole answer is this one file",
    ),
    (
        &["feature"],
        "turns on unstable compiler features: the exercises use stable Rust",
    ),
    (
        &[
            "recursion_limit",
            "type_length_limit",
            "move_size_limit",
            "pattern_complexity_limit",
        ],
        "changes the compiler's limits, which a channel never needs",
    ),
    (
        &["unsafe"],
        "is an unsafe attribute: the exercises are safe Rust",
    ),
    (
        &[
            "macro_export",
            "macro_use",
            "proc_macro",
            "proc_macro_derive",
            "proc_macro_attribute",
        ],
        "is about defining macros, which graded code may not do",
    ),
];

const NOT_LISTED: &str = "is not among the attributes graded code may use (derive, cfg, \
     cfg_attr, test, allow, warn, deny, forbid, expect, doc, inline, cold, must_use, \
     deprecated, repr, track_caller, non_exhaustive, and the tools' clippy::, rustfmt:: and \
     diagnostic::)";

/// The stub's first line, the one use of `include_str!` allowed.
const STUB_DOC: &str = r#"doc = include_str ! ("../README.md")"#;

/// Whether the attribute at `i` is the stub's first line,
/// `#![doc = include_str!("../README.md")]`, exactly.
pub(super) fn is_stub_doc(tokens: &[TokenTree], i: usize) -> bool {
    punct(tokens, i, '#')
        && punct(tokens, i + 1, '!')
        && group(tokens, i + 2, Delimiter::Bracket)
            .is_some_and(|g| g.stream().to_string() == STUB_DOC)
}

/// Judges every attribute at one level of tokens.
pub(super) fn level(tokens: &[TokenTree], found: &mut Findings) {
    for i in 0..tokens.len() {
        if !punct(tokens, i, '#') || is_stub_doc(tokens, i) {
            continue;
        }
        let inner = punct(tokens, i + 1, '!');
        let Some(content) = group(tokens, i + 1 + usize::from(inner), Delimiter::Bracket) else {
            continue;
        };
        let opening = if inner { "#![" } else { "#[" };
        check(&tree::inside(content), tokens[i].span(), opening, found);
    }
}

/// Judges one attribute's content (`allow(dead_code)`), written after
/// `opening` at `span`.
fn check(content: &[TokenTree], span: Span, opening: &str, found: &mut Findings) {
    let Some(path) = path_at(content, 0) else {
        // `#[unsafe(…)]`: a keyword, so no path.
        if let Some(name) = ident(content, 0) {
            found.offence(span, &format!("{opening}{name}]"), reason(&name));
        }
        return;
    };
    let name = path.written();
    let shown = format!("{opening}{name}]");
    let arguments = group(content, path.end, Delimiter::Parenthesis).map(tree::inside);
    if path.segments.len() > 1 {
        if !TOOLS.contains(&path.segments[0].as_str()) {
            found.offence(span, &shown, NOT_LISTED);
        }
        return;
    }
    if !OPEN.contains(&name.as_str()) {
        found.offence(span, &shown, reason(&name));
        return;
    }
    let Some(arguments) = arguments else { return };
    if LINTS.contains(&name.as_str()) {
        for lint in tree::split_commas(&arguments) {
            if ident(lint, 0).as_deref() == Some("long_running_const_eval") {
                found.offence(
                    span,
                    "long_running_const_eval",
                    "lifts the compiler's limit on evaluating constants, which a channel \
                     never needs",
                );
            }
        }
    } else if name == "cfg_attr" {
        // `cfg_attr(condition, attribute, …)`: each attribute is judged.
        for attribute in tree::split_commas(&arguments).into_iter().skip(1) {
            check(attribute, span, opening, found);
        }
    } else if name == "inline" && ident(&arguments, 0).as_deref() == Some("never") {
        found.notice(
            span,
            "#[inline(never)]",
            "keeps the optimiser from seeing through a function, as exploits of compiler \
             holes do (cve-rs); rare in a channel",
        );
    }
}

fn reason(name: &str) -> &'static str {
    CLOSED
        .iter()
        .find(|(names, _)| names.contains(&name))
        .map_or(NOT_LISTED, |(_, why)| why)
}
