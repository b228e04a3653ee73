//! What the runner reads from an exercise's README: its title and its hints.
//! The README is the one place they are written.

/// One hint: the README's `<details><summary>N. Title</summary>` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The summary line, e.g. `1. Creating the channel`.
    pub title: String,
    /// The text inside the block, as Markdown.
    pub body: String,
    /// The tests (function names) it helps with: the block's `<!-- for:
    /// a, b -->` line, which neither GitHub nor rustdoc shows.
    pub tests: Vec<String>,
}

/// How a hint's line of tests starts.
const FOR: &str = "<!-- for:";

/// The title from the README's first heading: `a oneshot channel` from
/// `# Lesson 13, Exercise 1: a oneshot channel`.
pub fn title(readme: &str) -> Option<String> {
    let heading = readme.lines().find(|l| l.starts_with("# "))?;
    let title = heading.split_once(": ").map_or(&heading[2..], |(_, t)| t);
    Some(title.trim().to_owned())
}

/// The hints of the README's `## Hints` section, in order.
pub fn hints(readme: &str) -> Vec<Hint> {
    let mut in_section = false;
    let mut hints = Vec::new();
    let mut open: Option<Hint> = None;
    for line in readme.lines() {
        if line.starts_with("## ") {
            in_section = line.trim() == "## Hints";
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some(rest) = line.trim().strip_prefix("<details><summary>") {
            let title = rest.split("</summary>").next().unwrap_or(rest);
            open = Some(Hint {
                title: inline_html_to_markdown(title),
                body: String::new(),
                tests: Vec::new(),
            });
        } else if line.trim() == "</details>" {
            if let Some(mut hint) = open.take() {
                hint.body = hint.body.trim().to_owned();
                hints.push(hint);
            }
        } else if let Some(hint) = &mut open {
            match line.trim().strip_prefix(FOR) {
                Some(tests) => hint.tests.extend(
                    tests
                        .trim_end_matches("-->")
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                ),
                None => {
                    hint.body.push_str(line);
                    hint.body.push('\n');
                }
            }
        }
    }
    hints
}

/// `<code>x</code>` becomes `` `x` ``: a summary line cannot hold Markdown.
fn inline_html_to_markdown(text: &str) -> String {
    text.replace("<code>", "`").replace("</code>", "`")
}

/// The hints (indices into `hints`) whose `<!-- for: … -->` line names
/// `failing`, a test as the runner names it (`public::behaviour::x`).
pub fn hints_for(hints: &[Hint], failing: Option<&str>) -> Vec<usize> {
    let Some(function) = failing.map(|name| name.rsplit("::").next().unwrap_or(name)) else {
        return Vec::new();
    };
    (0..hints.len())
        .filter(|i| hints[*i].tests.iter().any(|t| t == function))
        .collect()
}

/// Which hint to show next (an index into `hints`), or `None` once every
/// one has been shown: first the hints for `first_failure` (the first
/// failing test at the last check, named as the runner names it), then
/// the hints after the first of them in order, around to the first; those
/// in `shown` (by number, from 1) are skipped. Without a failing test's
/// hint, the order starts after the last one shown.
pub fn next_hint(hints: &[Hint], shown: &[usize], first_failure: Option<&str>) -> Option<usize> {
    let for_failure = hints_for(hints, first_failure);
    if let Some(unseen) = for_failure.iter().find(|i| !shown.contains(&(*i + 1))) {
        return Some(*unseen);
    }
    let start = for_failure
        .first()
        .copied()
        .or_else(|| shown.last().map(|n| *n % hints.len().max(1)))
        .unwrap_or(0);
    (0..hints.len())
        .map(|i| (start + i) % hints.len())
        .find(|i| !shown.contains(&(i + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const README: &str = "# Lesson 13, Exercise 9: a test channel\n\nText.\n\n\
        ## Hints\n\n<details><summary>1. First</summary>\n<!-- for: a_test, another -->\n\nDo `this`.\n\nThen that.\n</details>\n\n\
        <details><summary>2. Without <code>T: Unpin</code></summary>\n\nSecond.\n</details>\n\n\
        ## Off limits\n\n<details><summary>not a hint</summary>\nno\n</details>\n";

    fn numbered(tests: &[&[&str]]) -> Vec<Hint> {
        tests
            .iter()
            .enumerate()
            .map(|(i, tests)| Hint {
                title: format!("{}. Hint", i + 1),
                body: String::new(),
                tests: tests.iter().map(|t| t.to_string()).collect(),
            })
            .collect()
    }

    #[test]
    fn the_failing_tests_hint_comes_first_then_the_next_ones_in_order() {
        let hints = numbered(&[&["fifo"], &[], &["keep_the_slot", "no_barging"], &[]]);
        let failing = Some("public::behaviour::keep_the_slot");
        assert_eq!(next_hint(&hints, &[], failing), Some(2));
        assert_eq!(next_hint(&hints, &[3], failing), Some(3));
        assert_eq!(next_hint(&hints, &[3, 4], failing), Some(0));
        assert_eq!(next_hint(&hints, &[3, 4, 1, 2], failing), None);
        // Another failure later: its hint, even after others were shown.
        let fifo = Some("public::exercise3::behaviour::fifo");
        assert_eq!(next_hint(&hints, &[3, 4], fifo), Some(0));
        // A test two hints name: both of them first, in order.
        let hints = numbered(&[&["fifo"], &[], &["fifo"], &[]]);
        assert_eq!(hints_for(&hints, fifo), [0, 2]);
        assert_eq!(next_hint(&hints, &[1], fifo), Some(2));
        assert_eq!(next_hint(&hints, &[1, 3], fifo), Some(1));
        assert_eq!(hints_for(&hints, None), Vec::<usize>::new());
    }

    #[test]
    fn without_a_failing_tests_hint_they_come_in_order_after_the_last_shown() {
        let hints = numbered(&[&["fifo"], &[], &[], &[]]);
        assert_eq!(next_hint(&hints, &[], None), Some(0));
        assert_eq!(
            next_hint(&hints, &[1], Some("public::lesson::not_mapped")),
            Some(1)
        );
        assert_eq!(next_hint(&hints, &[3], None), Some(3));
        assert_eq!(next_hint(&hints, &[3, 4], None), Some(0));
        assert_eq!(next_hint(&[], &[], None), None);
    }

    /// Every test a README's hint names is one of the exercise's public
    /// tests (renamed? update the README's `<!-- for: … -->` line).
    #[test]
    fn every_test_a_hint_names_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for exercise in lesson13_runner::exercises::ALL {
            let readme = std::fs::read_to_string(root.join(exercise.readme())).unwrap();
            let public = root.join(exercise.krate).join("tests/public");
            let mut sources = String::new();
            for entry in std::fs::read_dir(&public).unwrap() {
                sources += &std::fs::read_to_string(entry.unwrap().path()).unwrap();
            }
            // Exercises 2 and 4 run the earlier exercise's public tests too.
            for earlier in lesson13_runner::exercises::ALL {
                if sources.contains(&format!("{}/tests/public/behaviour.rs", earlier.krate)) {
                    let file = root.join(earlier.krate).join("tests/public/behaviour.rs");
                    sources += &std::fs::read_to_string(file).unwrap();
                }
            }
            let hints = hints(&readme);
            assert!(
                hints.iter().any(|h| !h.tests.is_empty()),
                "{}: no hint names a test",
                exercise.readme()
            );
            for test in hints.iter().flat_map(|h| &h.tests) {
                assert!(
                    sources.contains(&format!("fn {test}(")),
                    "{}: a hint names {test}, which is no public test",
                    exercise.readme()
                );
            }
        }
    }

    #[test]
    fn the_title_is_the_first_heading_after_its_colon() {
        assert_eq!(title(README).as_deref(), Some("a test channel"));
        assert_eq!(title("# Plain\n").as_deref(), Some("Plain"));
        assert_eq!(title("no heading"), None);
    }

    #[test]
    fn hints_come_from_the_hints_section_only_in_order() {
        let hints = hints(README);
        assert_eq!(
            hints,
            [
                Hint {
                    title: "1. First".into(),
                    body: "Do `this`.\n\nThen that.".into(),
                    tests: vec!["a_test".into(), "another".into()],
                },
                Hint {
                    title: "2. Without `T: Unpin`".into(),
                    body: "Second.".into(),
                    tests: Vec::new(),
                },
            ]
        );
    }
}
