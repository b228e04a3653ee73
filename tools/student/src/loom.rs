//! `check --loom`: loom's models of the exercise on the student's own
//! `lib.rs` (`lesson13_runner::loom`, what the grader runs too), and a race
//! told as numbered steps of that file, with the command that replays it.
//!
//! `check N --loom --replay MODEL` replays the interleaving saved when
//! `MODEL` last failed, alone, with what `lib.rs` prints shown among the
//! steps: add a `println!` and watch it.

use crate::Workspace;
use console::style;
use lesson13_runner::Options;
use lesson13_runner::exercises::Exercise;
use lesson13_runner::loom::lines::What;
use lesson13_runner::loom::{self, Check, Outcome, Settings};
use std::io::Write;

/// Runs the exercise's loom models on its `lib.rs` (or replays the saved
/// interleaving of the model `replay`) and prints what loom found: true
/// when nothing failed.
pub fn check(
    workspace: &Workspace,
    exercise: Exercise,
    replay: Option<&str>,
    out: &mut dyn Write,
) -> Result<bool, String> {
    let lib_rs = workspace.root.join(exercise.lib_rs());
    let source = std::fs::read_to_string(&lib_rs)
        .map_err(|e| format!("cannot read {}: {e}", lib_rs.display()))?;
    let target = workspace.target.join("loom");
    let checkpoint = replay.map(|model| loom::checkpoint_path(&target, exercise, model));
    if let Some(path) = &checkpoint {
        if !path.is_file() {
            return Err(format!(
                "no saved interleaving of {} for Exercise {}: run `cargo xtask check {} --loom` \
                 first",
                replay.unwrap_or_default(),
                exercise.number,
                exercise.number
            ));
        }
    }
    let settings = Settings::default();
    let mut options = Options::jobs(settings.jobs);
    // A student may add a dev-dependency for their own tests.
    options.locked = false;
    let what = match replay {
        Some(model) => format!("Replaying the saved interleaving of {model}"),
        None => format!(
            "Loom: every interleaving of Exercise {}'s models, with up to {} preemptions (the \
             first run builds loom: half a minute, up to two on a busy machine)",
            exercise.number, settings.preemptions
        ),
    };
    writeln!(out, "\n{}", style(format!("{what}…")).dim()).ok();
    out.flush().ok();
    let check = Check {
        workspace: &workspace.root,
        target_dir: &target,
        exercise,
        settings,
        options,
        only: None,
        replay: replay.zip(checkpoint.as_deref()),
    };
    let report = loom::check(&check, &source)?;
    match &report.outcome {
        Outcome::Race(race) => {
            let found = match replay {
                Some(_) => "the saved interleaving, replayed".to_owned(),
                None => format!(
                    "found after {} interleaving{}, at most {} preemptions",
                    race.iterations,
                    if race.iterations == 1 { "" } else { "s" },
                    race.preemptions
                ),
            };
            writeln!(
                out,
                "{} {} in model {} ({found}):",
                style("✗ loom found").red().bold(),
                race.story.kind,
                style(&race.model).bold(),
            )
            .ok();
            for step in &race.story.steps {
                writeln!(out, "  {step}").ok();
            }
            writeln!(out, "  {} {}", style("⇒").red().bold(), race.story.ending).ok();
            if replay.is_none() && race.checkpoint.is_some() {
                writeln!(
                    out,
                    "\nReplay exactly this interleaving (add a println! to lib.rs and watch it \
                     among the steps):\n  cargo xtask check {} --loom --replay {}",
                    exercise.number, race.model
                )
                .ok();
            }
            Ok(false)
        }
        Outcome::Clean { .. } => {
            writeln!(
                out,
                "{} {}",
                style("✓ loom").green().bold(),
                report.outcome.summary()
            )
            .ok();
            Ok(true)
        }
        Outcome::Inconclusive { .. } | Outcome::Skipped { .. } => {
            if let Some(printed) = replayed_prints(&report) {
                writeln!(out, "{printed}").ok();
            }
            writeln!(
                out,
                "{} {}",
                style("? loom").yellow().bold(),
                report.outcome.summary()
            )
            .ok();
            Ok(true)
        }
    }
}

/// What `lib.rs` printed during a replay that did not fail.
fn replayed_prints(report: &loom::Report) -> Option<String> {
    let printed: Vec<String> = report
        .replayed
        .as_ref()?
        .events
        .iter()
        .filter_map(|e| match &e.what {
            What::Printed(line) => Some(format!("  {}: {line}", e.role)),
            _ => None,
        })
        .collect();
    (!printed.is_empty()).then(|| printed.join("\n"))
}
