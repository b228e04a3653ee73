//! The static check: a submitted `lib.rs` that names anything which reaches
//! the operating system, the files, the network or the process itself is
//! rejected before it is built.
//!
//! A channel needs none of that: `std::sync`, `std::task`, `std::future`,
//! `std::collections` and the like are all it uses. So the check is a plain
//! rule over the file's tokens (lexed with `proc-macro2`, so string literals
//! and comments are not code): a banned identifier anywhere is a rejection.
//! Aliases (`use std::process as p`), glob imports, function pointers and
//! macros cannot dodge that, because every one of them has to spell the name
//! once; raw identifiers (`r#process`) count as the plain name, and
//! identifiers must be ASCII (so no look-alike letters). A file that does
//! not lex is rejected too. Stable Rust has no way to build an identifier
//! from pieces, so what is not spelt cannot be reached.
//!
//! This is the first of three layers: the exercise crates' manifests forbid
//! `unsafe_code` and `non_ascii_idents` (a `forbid` cannot be lowered from
//! inside the file), and the grader runs every test in a sandbox.
//!
//! The one exception is the stub's own first line,
//! `#![doc = include_str!("../README.md")]`, exactly that.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

/// Why a file was rejected: where, what, and one sentence of why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based line of the offending token.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The offending identifier as written (empty if the file did not lex).
    pub token: String,
    /// One sentence for the student.
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.token.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(
                f,
                "line {}, column {}: `{}`: {}",
                self.line, self.column, self.token, self.reason
            )
        }
    }
}

/// The largest `lib.rs` the check reads: a channel is a few hundred lines.
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// What is off limits, by identifier, and why. Each group's sentence is
/// what a student reads.
const BANNED: &[(&[&str], &str)] = &[
    (
        &["process", "exit", "abort", "Command", "Stdio"],
        "runs commands or ends the whole process, which a channel never needs",
    ),
    (
        &[
            "fs",
            "File",
            "OpenOptions",
            "path",
            "exists",
            "try_exists",
            "metadata",
            "symlink_metadata",
            "read_dir",
            "read_link",
            "canonicalize",
            "is_file",
            "is_dir",
            "is_symlink",
        ],
        "reaches the file system, which a channel never needs",
    ),
    (
        &[
            "net",
            "TcpStream",
            "TcpListener",
            "UdpSocket",
            "UnixStream",
            "UnixListener",
            "UnixDatagram",
        ],
        "reaches the network, which a channel never needs",
    ),
    (
        &["env", "option_env"],
        "reads the environment (when the crate is built or run), which a channel never needs",
    ),
    (
        &[
            "os",
            "ffi",
            "arch",
            "asm",
            "global_asm",
            "naked_asm",
            "intrinsics",
        ],
        "reaches the operating system or the machine directly, which a channel never needs",
    ),
    (
        &["unsafe", "extern"],
        "is unsafe or foreign code: the exercises are safe Rust only",
    ),
    (
        &[
            "no_mangle",
            "export_name",
            "link_section",
            "link",
            "link_name",
            "used",
            "naked",
            "global_allocator",
            "panic_handler",
        ],
        "changes how the program is linked or started, which a channel never needs",
    ),
    (
        &["set_hook", "take_hook", "update_hook", "always_abort"],
        "changes what every panic does, which would hide the tests' own failures",
    ),
    (
        &["include", "include_str", "include_bytes"],
        "reads another file into the crate: your whole answer is this one file",
    ),
    (
        &[
            "feature",
            "recursion_limit",
            "type_length_limit",
            "long_running_const_eval",
        ],
        "changes the compiler's limits or features, which a channel never needs",
    ),
];

/// The stub's first line, the one use of `include_str!` allowed.
const README_DOC: &str = r#"doc = include_str ! ("../README.md")"#;

/// Reads the submitted file `lib_rs` of the submission folder `dir` without
/// trusting it, and checks it: its text if it passes, else why not.
pub fn read_and_check(dir: &Path, lib_rs: &Path) -> Result<String, Vec<Rejection>> {
    let source = read_submitted(dir, lib_rs)?;
    check(&source)?;
    Ok(source)
}

/// Reads the submitted file `lib_rs` of the submission folder `dir` without
/// trusting it: it must be a file inside `dir` (not a link that leads out of
/// it), at most [`MAX_SOURCE_BYTES`] long, and UTF-8.
pub fn read_submitted(dir: &Path, lib_rs: &Path) -> Result<String, Vec<Rejection>> {
    let whole_file = |reason: String| {
        vec![Rejection {
            line: 1,
            column: 1,
            token: String::new(),
            reason,
        }]
    };
    let inside = match (dir.canonicalize(), lib_rs.canonicalize()) {
        (Ok(dir), Ok(file)) => file.starts_with(dir),
        _ => false,
    };
    let is_file = std::fs::symlink_metadata(lib_rs).is_ok_and(|m| m.is_file());
    if !inside || !is_file {
        return Err(whole_file(
            "the file is a link or not a plain file inside the submission".into(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(lib_rs)
        .and_then(|f| f.take(MAX_SOURCE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| whole_file(format!("the file cannot be read: {e}")))?;
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(whole_file(format!(
            "the file is over {MAX_SOURCE_BYTES} bytes; a channel needs far less"
        )));
    }
    String::from_utf8(bytes).map_err(|_| whole_file("the file is not UTF-8 text".into()))
}

/// The rejections as a student reads them: each offence (the first five),
/// with its line of `source`.
pub fn describe(source: &str, rejections: &[Rejection]) -> String {
    let mut text = String::new();
    for rejection in rejections.iter().take(5) {
        text.push_str(&format!("{rejection}\n"));
        if let Some(line) = source.lines().nth(rejection.line.saturating_sub(1)) {
            let line: String = line.trim().chars().take(120).collect();
            if !rejection.token.is_empty() {
                text.push_str(&format!("    {line}\n"));
            }
        }
    }
    if rejections.len() > 5 {
        text.push_str(&format!("… and {} more\n", rejections.len() - 5));
    }
    text.push_str(
        "Nothing in the exercise needs these; the crate's README lists what is off limits and why.",
    );
    text
}

/// Checks a submitted `lib.rs`: `Ok` if it names nothing off limits, else
/// every offence found, in file order.
pub fn check(source: &str) -> Result<(), Vec<Rejection>> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(vec![Rejection {
            line: 1,
            column: 1,
            token: String::new(),
            reason: format!(
                "the file is {} bytes; a channel needs far less than the {MAX_SOURCE_BYTES} allowed",
                source.len()
            ),
        }]);
    }
    let tokens = TokenStream::from_str(source).map_err(|e| {
        let at = e.span().start();
        vec![Rejection {
            line: at.line,
            column: at.column + 1,
            token: String::new(),
            reason: format!("the file is not valid Rust tokens ({e})"),
        }]
    })?;
    let mut found = Vec::new();
    scan(tokens, &mut found);
    if found.is_empty() { Ok(()) } else { Err(found) }
}

fn scan(tokens: TokenStream, found: &mut Vec<Rejection>) {
    let mut previous: Option<TokenTree> = None;
    for token in tokens {
        match &token {
            TokenTree::Group(group) => {
                let inner_attribute = matches!(
                    &previous,
                    Some(TokenTree::Punct(p)) if p.as_char() == '!'
                );
                let is_readme_doc = inner_attribute
                    && group.delimiter() == Delimiter::Bracket
                    && group.stream().to_string() == README_DOC;
                if !is_readme_doc {
                    scan(group.stream(), found);
                }
            }
            TokenTree::Ident(ident) => {
                // A lifetime or label ('name) names nothing.
                let lifetime = matches!(
                    &previous,
                    Some(TokenTree::Punct(p)) if p.as_char() == '\'' && p.spacing() == Spacing::Joint
                );
                let written = ident.to_string();
                let name = written.strip_prefix("r#").unwrap_or(&written);
                let reason = if !name.is_ascii() {
                    Some("identifiers must be ASCII in graded code (no look-alike letters)")
                } else if lifetime {
                    None
                } else {
                    BANNED
                        .iter()
                        .find(|(names, _)| names.contains(&name))
                        .map(|(_, why)| *why)
                };
                if let Some(reason) = reason {
                    let at = ident.span().start();
                    found.push(Rejection {
                        line: at.line,
                        column: at.column + 1,
                        token: written.clone(),
                        reason: reason.to_owned(),
                    });
                }
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
        previous = Some(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offences(source: &str) -> Vec<String> {
        match check(source) {
            Ok(()) => Vec::new(),
            Err(found) => found.into_iter().map(|r| r.token).collect(),
        }
    }

    #[test]
    fn a_plain_channel_passes() {
        let source = r#"#![doc = include_str!("../README.md")]
            //! Docs that say process, fs and unsafe are fine.
            use std::sync::{Arc, Mutex};
            /* std::process::exit(0) in a comment is fine */
            pub fn channel<'a>() -> &'a str { "std::process::exit(0) in a string is fine" }
            fn f() { 'outer: loop { break 'outer; } }"#;
        assert_eq!(offences(source), Vec::<String>::new());
    }

    #[test]
    fn every_way_of_naming_a_banned_item_is_caught() {
        let cases = [
            ("fn f() { std::process::exit(0) }", "process"),
            ("use std::process as p;", "process"),
            (
                "use std::{self as s}; fn f() { s::r#process::abort() }",
                "r#process",
            ),
            ("use std::*; fn f() { let g = fs::read; }", "fs"),
            ("macro_rules! m { () => { std::env::var(\"X\") } }", "env"),
            ("const X: &str = env!(\"HOME\");", "env"),
            (
                "fn f() { std::panic::set_hook(Box::new(|_| {})) }",
                "set_hook",
            ),
            ("fn f() { unsafe {} }", "unsafe"),
            ("extern \"C\" { fn exit(c: i32); }", "extern"),
            ("extern crate alloc;", "extern"),
            ("#[no_mangle] pub fn f() {}", "no_mangle"),
            ("#[path = \"x.rs\"] mod x;", "path"),
            ("#[cfg_attr(all(), path = \"x.rs\")] mod x;", "path"),
            (
                "const S: &str = include_str!(\"../tests/hidden/graded.rs\");",
                "include_str",
            ),
            (
                "#![doc = include_str!(\"../../solutions/src/oneshot.rs\")]",
                "include_str",
            ),
            (
                "#[doc = include_str!(\"../README.md\")] fn f() {}",
                "include_str",
            ),
            ("#![feature(core_intrinsics)]", "feature"),
            (
                "#![allow(long_running_const_eval)]",
                "long_running_const_eval",
            ),
            ("fn f() { \"/\".as_ref().read_dir(); }", "read_dir"),
        ];
        for (source, token) in cases {
            assert_eq!(
                offences(source).first().map(String::as_str),
                Some(token),
                "{source}"
            );
        }
    }

    #[test]
    fn non_ascii_identifiers_are_rejected() {
        // U+212A KELVIN SIGN is a letter that rustc normalises to `K`.
        assert_eq!(offences("fn \u{212A}() {}"), ["\u{212A}"]);
    }

    #[test]
    fn a_rejection_names_its_line_and_column() {
        let found =
            check("fn f() {}\n    fn g() { std::net::TcpStream::connect(\"x\"); }").unwrap_err();
        assert_eq!(found[0].line, 2);
        assert_eq!(found[0].column, 19);
        assert_eq!(
            found[0].to_string(),
            "line 2, column 19: `net`: reaches the network, which a channel never needs"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_submission_is_rejected_and_a_plain_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.rs");
        std::fs::write(&plain, "pub fn f() {}").unwrap();
        assert_eq!(read_and_check(dir.path(), &plain).unwrap(), "pub fn f() {}");
        let link = dir.path().join("link.rs");
        std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
        let found = read_and_check(dir.path(), &link).unwrap_err();
        assert!(found[0].reason.contains("link"), "{found:?}");
        std::fs::write(&plain, b"fn f() {} \xff").unwrap();
        let found = read_and_check(dir.path(), &plain).unwrap_err();
        assert!(found[0].reason.contains("UTF-8"), "{found:?}");
    }

    #[test]
    fn a_file_that_does_not_lex_or_is_huge_is_rejected() {
        let found = check("fn f() { \"unterminated }").unwrap_err();
        assert!(
            found[0]
                .reason
                .starts_with("the file is not valid Rust tokens"),
            "{found:?}"
        );
        let found = check(&" ".repeat(MAX_SOURCE_BYTES + 1)).unwrap_err();
        assert!(found[0].reason.contains("bytes"), "{found:?}");
    }
}
