//! The docs' commands are real: every `cargo xtask …` in the READMEs and
//! `docs/` names a command that exists, with options it has.
//!
//! Each command is found in the Markdown's code (inline spans and blocks,
//! read with `pulldown-cmark`), then this very binary is run as
//! `xtask <command> --help`, as `cargo xtask <command> --help` would run
//! it, and each `--option` (or `-o`) the docs give must be in that help.
//! Placeholders (`cargo xtask …`, `cargo xtask <command>`) are skipped;
//! arguments (`OUT`, `class/`) are not checked.

use anyhow::{Context, Result};
use lesson13_grader::workspace;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One `cargo xtask …` line found in a doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocCommand {
    /// Where: `docs/instructors.md:15`.
    pub place: String,
    /// The words after `cargo xtask`, up to a shell comment.
    pub words: Vec<String>,
}

/// The Markdown files whose commands are checked, from the root.
fn doc_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![
        root.join("README.md"),
        root.join("tools/xtask/bundle/README.md"),
    ];
    for dir in ["docs"] {
        if let Ok(listing) = std::fs::read_dir(root.join(dir)) {
            files.extend(
                listing
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "md")),
            );
        }
    }
    files.extend(
        lesson13_runner::exercises::ALL
            .iter()
            .map(|e| root.join(e.krate).join("README.md")),
    );
    files.sort();
    files
}

/// Every `cargo xtask` command in the code of one Markdown text.
pub fn commands_in(markdown: &str, file: &str) -> Vec<DocCommand> {
    let line_of = |offset: usize| markdown[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut in_block = false;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        let (text, start) = match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_block = true;
                continue;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_block = false;
                continue;
            }
            Event::Code(code) => (code.to_string(), range.start),
            Event::Text(text) if in_block => (text.to_string(), range.start),
            _ => continue,
        };
        for (i, line) in text.lines().enumerate() {
            // A shell comment ends the command.
            let line = line.split(" #").next().unwrap_or(line);
            let mut rest = line;
            while let Some(at) = rest.find("cargo xtask") {
                let after = &rest[at + "cargo xtask".len()..];
                let end = after.find("cargo xtask").unwrap_or(after.len());
                let words: Vec<String> =
                    after[..end].split_whitespace().map(str::to_owned).collect();
                found.push(DocCommand {
                    place: format!("{file}:{}", line_of(start) + i),
                    words,
                });
                rest = &after[end..];
            }
        }
    }
    found
}

/// The subcommand path of a doc command (`["grade"]`, `[]` for a
/// placeholder), and its options (`--json`, `-p`).
fn split(words: &[String]) -> (Option<&str>, Vec<&str>) {
    let is_name = |w: &str| {
        w.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let command = words.first().map(String::as_str).filter(|w| is_name(w));
    let options = words
        .iter()
        .map(String::as_str)
        .filter(|w| w.starts_with('-') && w.len() > 1 && !w.starts_with("---"))
        .map(|w| w.split('=').next().unwrap_or(w))
        .map(|w| w.trim_end_matches(['`', ',', '.', ';', ')']))
        .collect();
    (command, options)
}

/// The options a `--help` text lists.
fn options_in_help(help: &str) -> BTreeSet<String> {
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|w| w.starts_with('-') && w.len() > 1)
        .map(|w| w.split(['=', '<']).next().unwrap_or(w).to_owned())
        .collect()
}

/// Checks every doc's `cargo xtask` commands against this binary's help.
pub fn check(_jobs: usize) -> Result<String> {
    let root = workspace::root();
    let exe = std::env::current_exe().context("cannot find this binary")?;
    let mut helps: BTreeMap<String, Result<BTreeSet<String>>> = BTreeMap::new();
    let mut problems = Vec::new();
    let (mut checked, mut files) = (0, 0);
    for path in doc_files(&root) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        files += 1;
        let file = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for command in commands_in(&text, &file) {
            let (Some(name), options) = split(&command.words) else {
                continue;
            };
            let help = helps.entry(name.to_owned()).or_insert_with(|| {
                let output = Command::new(&exe)
                    .args([name, "--help"])
                    .output()
                    .with_context(|| format!("cannot run {}", exe.display()))?;
                let text = String::from_utf8_lossy(&output.stdout);
                match output.status.success() {
                    true => Ok(options_in_help(&text)),
                    false => Err(anyhow::anyhow!(
                        "{}",
                        String::from_utf8_lossy(&output.stderr)
                            .lines()
                            .next()
                            .unwrap_or("")
                    )),
                }
            });
            checked += 1;
            match help {
                Err(why) => problems.push(format!(
                    "{}: `cargo xtask {name}` is not a command ({why:#})",
                    command.place
                )),
                Ok(known) => {
                    for option in options.iter().filter(|o| !known.contains(**o)) {
                        problems.push(format!(
                            "{}: `cargo xtask {name}` has no option {option} (see `cargo xtask \
                             {name} --help`)",
                            command.place
                        ));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(format!(
            "{checked} commands in {files} docs, {} distinct, all with options that exist",
            helps.len()
        ))
    } else {
        Err(anyhow::anyhow!("{}", problems.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(markdown: &str) -> Vec<(String, Vec<String>)> {
        commands_in(markdown, "doc.md")
            .into_iter()
            .map(|c| (c.place, c.words))
            .collect()
    }

    #[test]
    fn commands_come_from_inline_code_and_blocks_without_comments() {
        let markdown = "Run `cargo xtask verify\n--only <word>` often.\n\n```sh\n\
            cargo xtask grade --json a.json   # one student\n```\n\nNot cargo xtask prose.\n";
        assert_eq!(
            words(markdown),
            vec![
                (
                    "doc.md:1".to_owned(),
                    vec!["verify".into(), "--only".into(), "<word>".into()]
                ),
                (
                    "doc.md:5".to_owned(),
                    vec!["grade".into(), "--json".into(), "a.json".into()]
                ),
            ]
        );
    }

    #[test]
    fn placeholders_are_skipped_and_options_lose_their_values() {
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(split(&words("… verify")), (None, vec![]));
        assert_eq!(split(&words("<command>")), (None, vec![]));
        assert_eq!(
            split(&words("grade --jobs=2 -p x --help")),
            (Some("grade"), vec!["--jobs", "-p", "--help"])
        );
    }

    #[test]
    fn help_options_include_short_and_long_forms() {
        let help = "Options:\n  -o, --only <TEXT>  Only these\n      --jobs <N>  [default: 4]\n  -h, --help\n";
        let options = options_in_help(help);
        for option in ["-o", "--only", "--jobs", "-h", "--help"] {
            assert!(options.contains(option), "{option} in {options:?}");
        }
    }
}
