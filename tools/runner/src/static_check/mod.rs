//! The static check: a submitted `lib.rs` that reaches out of a channel
//! (into the operating system, the files, the network, the process, other
//! files at compile time) or has the shape of a known hole in the
//! compiler's checks is rejected before it is built.
//!
//! It bans reach, not words. The file is read as tokens (with
//! `proc-macro2`, so strings and comments are not code), and:
//!
//! - every path is resolved through the file's `use` declarations (aliases,
//!   `self`, re-exports, in any block) and, when it leads into the standard
//!   library (`std`, `core`, `alloc`), must stay in the parts a channel
//!   needs: an allowlist of modules (`std_paths.rs`); a glob may import only
//!   a module open as a whole;
//! - a macro call must name one of std's everyday macros (or
//!   `pin_project!`), so `include_str!`, `env!`, `asm!` and `pin!` are
//!   closed wherever they are called from; `macro_rules!` is closed, since
//!   a macro can put a path together from pieces (`std::$m::exit`), which no
//!   check of the tokens can follow;
//! - an attribute must be on an allowlist (lints, `cfg`, `derive`, tests,
//!   docs, `inline`, `repr`, …), outer or inner, inside `cfg_attr` too;
//! - `unsafe`, `extern` and `mod name;` are closed, and identifiers must be
//!   ASCII;
//! - the shapes that the known holes in the compiler's lifetime and trait
//!   checks need (`shapes.rs`) are closed.
//!
//! So a name the student chose (a field `used`, a helper `fn process`, a
//! module `fs`, `#[cfg(feature = "x")]`) passes: it is no path into std.
//! The only names that must change are a student's own item called `std`,
//! `core` or `alloc`, and non-ASCII ones; their messages say "rename it".
//!
//! Besides the verdict, the check notes constructs that are allowed but
//! unusual, and that the known exploits use (`notices.rs`): an instructor
//! may want to look. A file that is not Rust tokens at all is
//! [`Unparsable`], told in a student's words: a compile error, not an
//! offence.
//!
//! This is the first of several layers: the exercise crates' manifests
//! forbid `unsafe_code` and `non_ascii_idents`, and the grader runs every
//! test in a sandbox. The one exception is the stub's own first line,
//! `#![doc = include_str!("../README.md")]`, exactly that.

mod attributes;
mod notices;
mod reach;
mod shapes;
mod std_paths;
mod tree;
mod unparsable;

#[cfg(test)]
mod tests;

pub use unparsable::Unparsable;

use proc_macro2::{Span, TokenStream, TokenTree};
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

/// One thing the check found: where, what, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was found, as written (empty when it is the whole file).
    pub found: String,
    /// Why it matters, and what to do, for a student.
    pub why: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.found.is_empty() {
            write!(f, "line {}: {}", self.line, self.why)
        } else {
            write!(
                f,
                "line {}, column {}: `{}`: {}",
                self.line, self.column, self.found, self.why
            )
        }
    }
}

/// What the check found in a file that is Rust tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Why the file may not be built, in file order: empty if it may.
    pub offences: Vec<Finding>,
    /// Allowed but unusual constructs, in file order, for an instructor.
    pub notices: Vec<Finding>,
}

impl Findings {
    /// Whether the file may be built.
    pub fn passed(&self) -> bool {
        self.offences.is_empty()
    }

    fn offence(&mut self, span: Span, found: &str, why: &str) {
        self.offences.push(finding(span, found, why));
    }

    fn notice(&mut self, span: Span, found: &str, why: &str) {
        self.notices.push(finding(span, found, why));
    }
}

fn finding(span: Span, found: &str, why: &str) -> Finding {
    let (line, column) = tree::at(span);
    Finding {
        line,
        column,
        found: found.to_owned(),
        why: why.to_owned(),
    }
}

/// The largest `lib.rs` the check reads: a channel is a few hundred lines.
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// Checks a submitted `lib.rs`: what is off limits and what is unusual in
/// it, or where it stops being Rust tokens.
pub fn inspect(source: &str) -> Result<Findings, Unparsable> {
    let mut found = Findings::default();
    if source.len() > MAX_SOURCE_BYTES {
        found.offences.push(whole_file(format!(
            "the file is {} bytes; a channel needs far less than the {MAX_SOURCE_BYTES} allowed",
            source.len()
        )));
        return Ok(found);
    }
    let Ok(stream) = TokenStream::from_str(source) else {
        return Err(unparsable::find(source).unwrap_or(Unparsable {
            line: 1,
            column: 1,
            message: "the file is not Rust tokens".into(),
        }));
    };
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let uses = reach::uses(&tokens);
    let aliases = reach::Aliases::new(&uses);
    reach::check_uses(&uses, &aliases, &mut found);
    scan(&tokens, &aliases, &mut found);
    notices::length(source, &mut found);
    for list in [&mut found.offences, &mut found.notices] {
        list.sort_by_key(|f| (f.line, f.column));
        list.dedup();
    }
    Ok(found)
}

/// Applies every rule to one level of tokens, then to each group in it.
fn scan(tokens: &[TokenTree], aliases: &reach::Aliases, found: &mut Findings) {
    reach::level(tokens, aliases, found);
    attributes::level(tokens, found);
    shapes::level(tokens, found);
    notices::level(tokens, found);
    let mut i = 0;
    while i < tokens.len() {
        if let Some(end) = tree::use_item_end(tokens, i) {
            i = end;
            continue;
        }
        if attributes::is_stub_doc(tokens, i) {
            i += 3;
            continue;
        }
        if let TokenTree::Group(group) = &tokens[i] {
            scan(&tree::inside(group), aliases, found);
        }
        i += 1;
    }
}

fn whole_file(why: String) -> Finding {
    Finding {
        line: 1,
        column: 1,
        found: String::new(),
        why,
    }
}

/// Reads the submitted file `lib_rs` of the submission folder `dir` without
/// trusting it: it must be a file inside `dir` (not a link that leads out of
/// it), at most [`MAX_SOURCE_BYTES`] long, and UTF-8.
pub fn read_submitted(dir: &Path, lib_rs: &Path) -> Result<String, Vec<Finding>> {
    let inside = match (dir.canonicalize(), lib_rs.canonicalize()) {
        (Ok(dir), Ok(file)) => file.starts_with(dir),
        _ => false,
    };
    let is_file = std::fs::symlink_metadata(lib_rs).is_ok_and(|m| m.is_file());
    if !inside || !is_file {
        return Err(vec![whole_file(
            "the file is a link or not a plain file inside the submission".into(),
        )]);
    }
    let mut bytes = Vec::new();
    std::fs::File::open(lib_rs)
        .and_then(|f| f.take(MAX_SOURCE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| vec![whole_file(format!("the file cannot be read: {e}"))])?;
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(vec![whole_file(format!(
            "the file is over {MAX_SOURCE_BYTES} bytes; a channel needs far less"
        ))]);
    }
    String::from_utf8(bytes).map_err(|_| vec![whole_file("the file is not UTF-8 text".into())])
}

/// The offences as a student reads them: each (the first five) with its
/// line of `source`.
pub fn describe(source: &str, offences: &[Finding]) -> String {
    let mut text = String::new();
    for offence in offences.iter().take(5) {
        text.push_str(&format!("{offence}\n"));
        if let Some(line) = source.lines().nth(offence.line.saturating_sub(1))
            && !offence.found.is_empty()
        {
            let line: String = line.trim().chars().take(120).collect();
            text.push_str(&format!("    {line}\n"));
        }
    }
    if offences.len() > 5 {
        text.push_str(&format!("… and {} more\n", offences.len() - 5));
    }
    text.push_str(
        "A channel needs none of these; the exercise README's \"Off limits\" section says \
         what is open and why.",
    );
    text
}

/// The notices as an instructor reads them: one line per kind (the first
/// place it is, and how many more), at most eight kinds.
pub fn describe_notices(notices: &[Finding]) -> Vec<String> {
    let mut kinds: Vec<(&Finding, usize)> = Vec::new();
    for notice in notices {
        match kinds.iter_mut().find(|(first, _)| first.why == notice.why) {
            Some((_, more)) => *more += 1,
            None => kinds.push((notice, 0)),
        }
    }
    kinds
        .into_iter()
        .take(8)
        .map(|(first, more)| match more {
            0 => format!("{first}"),
            _ => format!("{first} (and {more} more like it)"),
        })
        .collect()
}
