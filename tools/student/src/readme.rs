//! What the runner reads from an exercise's README: its title and its hints.
//! The README is the one place they are written.

/// One hint: the README's `<details><summary>N. Title</summary>` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The summary line, e.g. `1. Creating the channel`.
    pub title: String,
    /// The text inside the block, as Markdown.
    pub body: String,
}

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
            });
        } else if line.trim() == "</details>" {
            if let Some(mut hint) = open.take() {
                hint.body = hint.body.trim().to_owned();
                hints.push(hint);
            }
        } else if let Some(hint) = &mut open {
            hint.body.push_str(line);
            hint.body.push('\n');
        }
    }
    hints
}

/// `<code>x</code>` becomes `` `x` ``: a summary line cannot hold Markdown.
fn inline_html_to_markdown(text: &str) -> String {
    text.replace("<code>", "`").replace("</code>", "`")
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# Lesson 13, Exercise 9: a test channel\n\nText.\n\n\
        ## Hints\n\n<details><summary>1. First</summary>\n\nDo `this`.\n\nThen that.\n</details>\n\n\
        <details><summary>2. Without <code>T: Unpin</code></summary>\n\nSecond.\n</details>\n\n\
        ## Off limits\n\n<details><summary>not a hint</summary>\nno\n</details>\n";

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
                    body: "Do `this`.\n\nThen that.".into()
                },
                Hint {
                    title: "2. Without `T: Unpin`".into(),
                    body: "Second.".into()
                },
            ]
        );
    }
}
