//! verify's loom check: loom (`lesson13_runner::loom`, the student's and
//! the grader's own path) on the catalogue and the solutions.
//!
//! - every catalogued race (a bug whose patch has a `# Race: <model>`
//!   line) is found by that model, and one of its steps names a line the
//!   patch changed (or next to where it removed lines), or holds the lock
//!   around one; a header that says why the steps cannot (`<model> (not in
//!   the steps: <why>)`: the change is a removed `Drop`, a helper that
//!   takes no lock) only needs the race found;
//! - every solution, and every correct channel built on `std::sync`, is
//!   `clean`: no false positive;
//! - every correct channel that wraps another crate's channel (its
//!   `//! Requires:` lines) is `skipped`: loom cannot see inside tokio's,
//!   futures' or async-channel's synchronisation, so it has nothing honest
//!   to say about them.
//!
//! It also lints the models and their harness, which only build under
//! `--cfg loom`, with clippy.
//!
//! The other bugs are left out: loom finds most of them too, but they are
//! not races, and every one costs a build.

use crate::catalogue::entry::{self, Entry, Kind};
use crate::catalogue::patch::{self, Race};
use anyhow::{Context, Result, anyhow, bail};
use lesson13_grader::workspace;
use lesson13_runner::Options;
use lesson13_runner::exercises::{ALL, Exercise};
use lesson13_runner::loom::{self, Check, Outcome, Settings};
use std::path::Path;

/// Runs the check.
pub fn check(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let target = root.join("target").join("loom");
    let settings = Settings {
        jobs: jobs.min(Settings::default().jobs),
        ..Settings::default()
    };
    let mut problems = Vec::new();
    let (mut races, mut clean, mut skipped, mut unshown) = (0, 0, 0, 0);
    for exercise in ALL {
        let source = entry::read(&root.join(exercise.solution_path()))?;
        let outcome = loom_on(&root, &target, settings, exercise, &source, None)?;
        println!("  {} (solution): {}", exercise.krate, outcome.summary());
        match outcome {
            Outcome::Clean { .. } => clean += 1,
            other => problems.push(format!(
                "the solution of {} is not clean: {}",
                exercise.krate,
                other.summary()
            )),
        }
    }
    for entry in entry::entries(&root)? {
        let source = entry.source(&root)?;
        let races_of = match &entry.kind {
            Kind::Bug { race, .. } if race.is_empty() => continue,
            Kind::Bug { race, .. } => race.clone(),
            Kind::Correct { .. } => Vec::new(),
        };
        let wanted: Vec<Option<Race>> = match races_of.is_empty() {
            true => vec![None],
            false => races_of.iter().map(|m| Some(Race::parse(m))).collect(),
        };
        for race in wanted {
            let outcome = loom_on(
                &root,
                &target,
                settings,
                entry.exercise,
                &source,
                race.as_ref().map(|r| r.model),
            )?;
            println!("  {}: {}", entry.id(), outcome.summary());
            match judge(&entry, race.as_ref(), &outcome)? {
                Some(problem) => problems.push(format!("{}: {problem}", entry.id())),
                None => match outcome {
                    Outcome::Race(_) => {
                        races += 1;
                        unshown += usize::from(race.is_some_and(|r| r.not_in_the_steps.is_some()));
                    }
                    Outcome::Clean { .. } => clean += 1,
                    _ => skipped += 1,
                },
            }
        }
    }
    problems.extend(lint_the_models(&root, &target)?);
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    Ok(format!(
        "{races} catalogued races found, each told in steps that name a line its patch changed \
         ({unshown} with the header's reason why they cannot instead); {clean} solutions and \
         correct channels clean; {skipped} wrappers of other crates' channels skipped"
    ))
}

/// loom on `source` as `exercise`'s `lib.rs`: all its models, or those
/// whose name contains `only`.
fn loom_on(
    root: &Path,
    target: &Path,
    settings: Settings,
    exercise: Exercise,
    source: &str,
    only: Option<&str>,
) -> Result<Outcome> {
    let check = Check {
        workspace: root,
        target_dir: target,
        exercise,
        settings,
        options: Options::jobs(settings.jobs),
        only,
        replay: None,
    };
    Ok(loom::check(&check, source).map_err(|e| anyhow!(e))?.outcome)
}

/// What is wrong with `outcome` for `entry` (whose `race`'s model looked
/// for it, if it is one), if anything.
fn judge(entry: &Entry, race: Option<&Race>, outcome: &Outcome) -> Result<Option<String>> {
    let model = race.map(|r| r.model);
    Ok(match (&entry.kind, outcome, model) {
        (Kind::Bug { .. }, Outcome::Race(found), Some(model))
            if found.model == model && race.is_some_and(|r| r.not_in_the_steps.is_some()) =>
        {
            None
        }
        (Kind::Bug { .. }, Outcome::Race(race), Some(model)) if race.model == model => {
            let text = entry::read(&entry.path)?;
            let changed =
                patch::changed_lines(&text).with_context(|| format!("{}", entry.path.display()))?;
            let told = race.story.steps.join("\n") + "\n" + &race.story.ending;
            let points_at_a_change = |step: &str| {
                let named = lines_named(step);
                named.iter().any(|n| changed.contains(n))
                    || sections(step)
                        .any(|(from, to)| changed.iter().any(|n| (from..=to).contains(n)))
            };
            (!told.lines().any(points_at_a_change)).then(|| {
                format!(
                    "no step names a line the patch changed ({changed:?}), or holds the lock \
                     around one:\n{told}"
                )
            })
        }
        (Kind::Bug { .. }, _, Some(model)) => Some(format!(
            "a catalogued race, but loom's model {model} did not find it: {}",
            outcome.summary()
        )),
        (Kind::Correct { .. }, Outcome::Clean { .. }, _) => None,
        (Kind::Correct { requires }, Outcome::Skipped { reason }, _)
            if !requires.is_empty() && reason.contains("another crate's synchronisation") =>
        {
            None
        }
        (Kind::Correct { .. }, _, _) => Some(format!(
            "a correct channel, but loom says: {}",
            outcome.summary()
        )),
        (Kind::Bug { .. }, _, None) => None,
    })
}

/// Every line `lib.rs:N` names in `text`.
fn lines_named(text: &str) -> Vec<usize> {
    text.match_indices(&format!("{}:", loom::FILE))
        .filter_map(|(at, found)| {
            let digits: String = text[at + found.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

/// The lock sections a step shows: from each `locks (lib.rs:A)` or `gets
/// the lock (lib.rs:A)` to the next `unlocks (lib.rs:B)` in the same step.
fn sections(step: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = None;
    step.split(", ").filter_map(move |clause| {
        let line = lines_named(clause).first().copied();
        if clause.contains("locks (") && !clause.contains("unlocks (")
            || clause.contains("gets the lock (")
        {
            from = line;
            None
        } else if clause.contains("unlocks (") {
            from.take().zip(line)
        } else {
            None
        }
    })
}

/// clippy on the models and their harness, which build only under
/// `--cfg loom`, with the solutions (as the runner last wrote them) as the
/// checked files.
fn lint_the_models(root: &Path, target: &Path) -> Result<Vec<String>> {
    let sources = target.join("sources");
    for exercise in ALL {
        let solution = entry::read(&root.join(exercise.solution_path()))?;
        let checked = loom::rewrite::rewrite(&solution)
            .map_err(|e| anyhow!("the solution of {}: {e}", exercise.krate))?;
        std::fs::write(sources.join(format!("{}.rs", exercise.krate)), checked)
            .context("cannot write the solutions for clippy")?;
    }
    let sources = sources.to_str().context("the target path is not UTF-8")?;
    let target = target.to_str().context("the target path is not UTF-8")?;
    let linted = workspace::cargo(
        &[
            "clippy",
            "--locked",
            "-p",
            loom::MODELS,
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[
            ("RUSTFLAGS", "--cfg loom"),
            ("LESSON13_LOOM_SOURCES", sources),
            ("CARGO_TARGET_DIR", target),
        ],
    );
    Ok(linted
        .err()
        .map(|e| format!("clippy on the loom models (--cfg loom): {e:#}"))
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_named_are_read_whole() {
        assert_eq!(
            lines_named("locks (lib.rs:7), wakes (lib.rs:78); at lib.rs:123: x"),
            [7, 78, 123]
        );
    }
}
