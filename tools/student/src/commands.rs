//! `check`, `hint`, `next` and `list`: each prints what it did and returns
//! whether it succeeded (the exit status), or an error when it could not run.

use crate::Workspace;
use crate::check::{self, Outcome};
use crate::progress::{FILE, Progress, short_name};
use crate::readme;
use console::style;
use lesson13_runner::exercises::{ALL, Exercise};
use std::io::Write;

/// `check [N] [--verbose] [--loom [--replay MODEL]]`: true when every test
/// passed (and loom found nothing, with `--loom`).
pub fn check(workspace: &Workspace, args: &[String]) -> Result<bool, String> {
    let mut verbose = false;
    let mut with_loom = false;
    let mut replay = None;
    let mut chosen = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--verbose" | "-v" => verbose = true,
            "--loom" => with_loom = true,
            "--replay" => {
                replay = Some(args.next().ok_or("--replay needs a loom model's name")?);
            }
            other => chosen = Some(parse_exercise(other)?),
        }
    }
    if replay.is_some() && !with_loom {
        return Err("--replay replays a loom interleaving: give --loom too".into());
    }
    let out = &mut std::io::stdout();
    let mut progress = current(workspace, out)?;
    let exercises: Vec<Exercise> = match (chosen, progress.exercise()) {
        (Some(exercise), _) => vec![exercise],
        (None, Some(exercise)) => vec![exercise],
        // All done: check them all.
        (None, None) => ALL.to_vec(),
    };
    if let Some(model) = replay {
        let [exercise] = exercises[..] else {
            return Err("--replay replays one exercise's model: name the exercise".into());
        };
        writeln!(out, "{}", heading(workspace, exercise)).ok();
        if check::compiles(workspace, exercise, out)?.is_some() {
            writeln!(
                out,
                "A replay runs your code: fix the above, save, and replay again."
            )
            .ok();
            return Ok(false);
        }
        return crate::loom::check(workspace, exercise, Some(model), out);
    }
    let mut all_passed = true;
    for exercise in exercises {
        let outcome = check_and_record(workspace, exercise, verbose, &mut progress, out)?;
        all_passed &= outcome.all_passed();
        let mut loom_clean = true;
        if with_loom && matches!(outcome, Outcome::Ran { .. }) {
            loom_clean = crate::loom::check(workspace, exercise, None, out)?;
            all_passed &= loom_clean;
        }
        writeln!(out, "\n{}", progress.bar()).ok();
        writeln!(
            out,
            "{}",
            next_step(workspace, &progress, exercise, &outcome, loom_clean)
        )
        .ok();
    }
    Ok(all_passed)
}

/// Checks `exercise` and, when it is the current one, records the result.
pub fn check_and_record(
    workspace: &Workspace,
    exercise: Exercise,
    verbose: bool,
    progress: &mut Progress,
    out: &mut dyn Write,
) -> Result<Outcome, String> {
    writeln!(out, "{}", heading(workspace, exercise)).ok();
    let outcome = check::check(workspace, exercise, verbose, out)?;
    if progress.exercise() == Some(exercise) {
        progress.last_check = outcome.counts();
        progress.first_failure = match &outcome {
            Outcome::Ran { first_failure, .. } => first_failure.clone(),
            Outcome::CompileError | Outcome::Rejected => None,
        };
        progress.save(&workspace.root)?;
    }
    Ok(outcome)
}

/// What to do after a check of `exercise` (`loom_clean`: loom, if it ran,
/// found no race).
fn next_step(
    workspace: &Workspace,
    progress: &Progress,
    exercise: Exercise,
    outcome: &Outcome,
    loom_clean: bool,
) -> String {
    let is_current = progress.exercise() == Some(exercise);
    if outcome.all_passed() && !loom_clean {
        return format!(
            "{} Exercise {}'s public tests pass, but loom found a race above, which tests \
             catch on some runs only: replay it, fix it, and check again.",
            style("✗").red().bold(),
            exercise.number
        );
    }
    if outcome.all_passed() {
        return if is_current {
            format!(
                "{} All of Exercise {}'s public tests pass. `cargo xtask next` moves on.",
                style("✓").green().bold(),
                exercise.number
            )
        } else {
            format!(
                "{} Exercise {}'s public tests all pass.",
                style("✓").green().bold(),
                exercise.number
            )
        };
    }
    let fix = match outcome {
        Outcome::CompileError => {
            "Fix the first compile error (the others often follow from it), save, and check again."
        }
        Outcome::Rejected => {
            "Take out what is off limits (the README's last section says why), save, and check \
             again."
        }
        Outcome::Ran { .. } => "Fix the first failure, save, and check again.",
    };
    let hints = readme_hints(workspace, exercise).len();
    if !is_current {
        // `hint` gives the current exercise's hints; this one's are in its README.
        return match hints {
            0 => fix.to_owned(),
            _ => format!(
                "{fix} Stuck? The hints are at the end of {}.",
                exercise.readme()
            ),
        };
    }
    let seen = progress.hints_shown.len();
    if hints > seen {
        format!("{fix} Stuck? `cargo xtask hint` ({seen} of {hints} hints seen).")
    } else {
        fix.to_owned()
    }
}

/// `hint`: the current exercise's next hint, one at a time: first the hint
/// for the first failing test of the last check, then the next ones in
/// order (see [`readme::next_hint`]); all of them again once every one has
/// been seen.
pub fn hint(workspace: &Workspace) -> Result<bool, String> {
    let out = &mut std::io::stdout();
    let mut progress = current(workspace, out)?;
    show_hint(workspace, &mut progress, out)?;
    Ok(true)
}

/// Prints the next hint and records it as seen.
pub fn show_hint(
    workspace: &Workspace,
    progress: &mut Progress,
    out: &mut dyn Write,
) -> Result<(), String> {
    let Some(exercise) = progress.exercise() else {
        writeln!(out, "All four exercises are done: no hints left to give.").ok();
        return Ok(());
    };
    let hints = readme_hints(workspace, exercise);
    if hints.is_empty() {
        writeln!(out, "{} has no hints.", exercise.readme()).ok();
        return Ok(());
    }
    let failure = progress.first_failure.as_deref();
    let Some(index) = readme::next_hint(&hints, &progress.hints_shown, failure) else {
        writeln!(
            out,
            "You have seen all {} hints of Exercise {}; here they are again.\n",
            hints.len(),
            exercise.number
        )
        .ok();
        for hint in &hints {
            writeln!(out, "{}\n{}\n", style(&hint.title).bold(), hint.body).ok();
        }
        return Ok(());
    };
    let for_failure = readme::hints_for(&hints, failure);
    if let Some(test) = failure
        && !for_failure.is_empty()
        && !for_failure.contains(&index)
    {
        // Every hint for this failure has been seen: say so before another.
        let titles: Vec<&str> = for_failure
            .iter()
            .map(|i| hints[*i].title.as_str())
            .collect();
        writeln!(
            out,
            "{}\n",
            style(format!(
                "You have seen the hint for the first failing test, {} (\"{}\"). Another one:",
                test.rsplit("::").next().unwrap_or(test),
                titles.join("\", \"")
            ))
            .dim()
        )
        .ok();
    }
    let hint = &hints[index];
    progress.hints_shown.push(index + 1);
    progress.save(&workspace.root)?;
    let function = failure.map(|name| name.rsplit("::").next().unwrap_or(name));
    let why = match function {
        Some(test) if hint.tests.iter().any(|t| t == test) => {
            format!(" (for the first failing test, {test})")
        }
        _ => String::new(),
    };
    writeln!(
        out,
        "{} {}{}\n\n{}\n",
        style(format!(
            "Exercise {}, hint {} of {}:",
            exercise.number,
            index + 1,
            hints.len()
        ))
        .yellow()
        .bold(),
        style(&hint.title).bold(),
        style(why).dim(),
        hint.body
    )
    .ok();
    if progress.hints_shown.len() < hints.len() {
        writeln!(
            out,
            "(Again for the next one: `cargo xtask hint`, or h in `cargo xtask watch`.)"
        )
        .ok();
    }
    Ok(())
}

/// `next`: moves on when the current exercise's public tests all pass.
pub fn next(workspace: &Workspace) -> Result<bool, String> {
    let out = &mut std::io::stdout();
    let mut progress = current(workspace, out)?;
    advance(workspace, &mut progress, out)
}

/// Checks the current exercise and moves on if it passes; true if it did.
pub fn advance(
    workspace: &Workspace,
    progress: &mut Progress,
    out: &mut dyn Write,
) -> Result<bool, String> {
    let Some(exercise) = progress.exercise() else {
        writeln!(out, "All four exercises are done: there is no next one.").ok();
        return Ok(true);
    };
    let outcome = check_and_record(workspace, exercise, false, progress, out)?;
    if !outcome.all_passed() {
        writeln!(out, "\n{}\n{}", progress.bar(), not_yet(exercise)).ok();
        return Ok(false);
    }
    move_on(workspace, progress, exercise, out)?;
    Ok(true)
}

/// Why `next` refuses to move on.
pub fn not_yet(exercise: Exercise) -> String {
    format!(
        "Not yet: every public test of Exercise {} must pass before you move on.",
        exercise.number
    )
}

/// Records `exercise` (the current one, whose public tests all passed) as
/// done, and introduces the next one.
pub fn move_on(
    workspace: &Workspace,
    progress: &mut Progress,
    exercise: Exercise,
    out: &mut dyn Write,
) -> Result<(), String> {
    *progress = Progress::at(progress.current + 1);
    progress.save(&workspace.root)?;
    writeln!(
        out,
        "\n{} Exercise {} done.\n{}",
        style("✓").green().bold(),
        exercise.number,
        progress.bar()
    )
    .ok();
    match progress.exercise() {
        Some(next) => writeln!(
            out,
            "\nNext: {}\nRead {} (or `cargo doc -p {} --open`), fill in the todo!()s in {}, and \
             run `cargo xtask check` (or `cargo xtask watch`).",
            heading(workspace, next),
            next.readme(),
            next.krate,
            next.lib_rs()
        ),
        None => writeln!(
            out,
            "\nAll four exercises pass their public tests. Hand in the four src/lib.rs files \
             (README.md says how); grading adds a hidden suite that runs the same behaviours \
             under stress."
        ),
    }
    .ok();
    Ok(())
}

/// `list`: the four exercises and where the student is.
pub fn list(workspace: &Workspace) -> Result<bool, String> {
    let out = &mut std::io::stdout();
    let progress = current(workspace, out)?;
    print_list(workspace, &progress, out);
    Ok(true)
}

/// Prints the exercises, their state, and the bar.
pub fn print_list(workspace: &Workspace, progress: &Progress, out: &mut dyn Write) {
    for (i, exercise) in ALL.iter().enumerate() {
        let title = title(workspace, *exercise);
        let line = format!("{:<16} {title}", short_name(exercise));
        let line = if i < progress.current {
            format!("  {} {line}", style("✓ done   ").green())
        } else if i == progress.current {
            let checked = progress
                .last_check
                .map(|(passed, total)| {
                    format!(" ({passed}/{total} public tests at the last check)")
                })
                .unwrap_or_default();
            format!("  {} {line}{checked}", style("▶ current").yellow().bold())
        } else {
            format!("  {} {line}", style("· locked ").dim())
        };
        writeln!(out, "{line}").ok();
    }
    writeln!(out, "\n{}", progress.bar()).ok();
}

/// The progress from the state file, or worked out from the tests when the
/// file is missing: the first exercise whose public tests do not all pass.
pub fn current(workspace: &Workspace, out: &mut dyn Write) -> Result<Progress, String> {
    if let Some(progress) = Progress::load(&workspace.root) {
        return Ok(progress);
    }
    writeln!(
        out,
        "{}",
        style(format!(
            "No {FILE} yet: finding the first exercise whose public tests do not all pass."
        ))
        .dim()
    )
    .ok();
    let mut progress = Progress::at(ALL.len());
    for (i, exercise) in ALL.iter().enumerate() {
        write!(out, "  Exercise {}… ", exercise.number).ok();
        out.flush().ok();
        let outcome = check::check(workspace, *exercise, false, &mut std::io::sink())?;
        match outcome.counts() {
            Some((passed, total)) => writeln!(out, "{passed}/{total} pass").ok(),
            None => writeln!(out, "does not compile").ok(),
        };
        if !outcome.all_passed() {
            progress = Progress::at(i);
            progress.last_check = outcome.counts();
            if let Outcome::Ran { first_failure, .. } = outcome {
                progress.first_failure = first_failure;
            }
            break;
        }
    }
    progress.save(&workspace.root)?;
    Ok(progress)
}

/// `Exercise 2: oneshot drop detection (lesson13-oneshot-drop)`.
fn heading(workspace: &Workspace, exercise: Exercise) -> String {
    style(format!(
        "Exercise {}: {} ({})",
        exercise.number,
        title(workspace, exercise),
        exercise.krate
    ))
    .bold()
    .to_string()
}

fn title(workspace: &Workspace, exercise: Exercise) -> String {
    std::fs::read_to_string(workspace.root.join(exercise.readme()))
        .ok()
        .and_then(|text| readme::title(&text))
        .unwrap_or_else(|| exercise.krate.to_owned())
}

fn readme_hints(workspace: &Workspace, exercise: Exercise) -> Vec<readme::Hint> {
    std::fs::read_to_string(workspace.root.join(exercise.readme()))
        .map(|text| readme::hints(&text))
        .unwrap_or_default()
}

/// `2`, or `lesson13-oneshot-drop`, or `oneshot-drop`.
fn parse_exercise(arg: &str) -> Result<Exercise, String> {
    ALL.iter()
        .find(|e| {
            arg == e.number.to_string()
                || arg == e.krate
                || Some(arg) == e.krate.strip_prefix("lesson13-")
        })
        .copied()
        .ok_or_else(|| format!("no exercise `{arg}`: give its number (1 to 4) or its crate's name"))
}
