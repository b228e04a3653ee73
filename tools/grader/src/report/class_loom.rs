//! The class report's loom section (`grade --loom`): each exercise's loom
//! results across the class, and each race with its student, its model and
//! what went wrong. Nothing when loom did not run.

use super::class_report::escape;
use crate::report::{LoomResult, Report};
use lesson13_runner::exercises::ALL;
use std::fmt::Write;

/// The section, as Markdown; empty when no report has a loom result.
pub fn section(graded: &[(&str, &Report)]) -> String {
    let results = |krate: &str| {
        graded
            .iter()
            .filter_map(move |(name, report)| {
                let exercise = report.exercises.iter().find(|e| e.krate == krate)?;
                Some((*name, exercise.loom.as_ref()?))
            })
            .collect::<Vec<_>>()
    };
    if ALL.iter().all(|e| results(e.krate).is_empty()) {
        return String::new();
    }
    let kinds = [
        LoomResult::Clean,
        LoomResult::Race,
        LoomResult::Inconclusive,
        LoomResult::Skipped,
    ];
    let mut text = String::from(
        "## Loom\n\nloom's models on every exercise that built: every interleaving of their \
         threads up to the preemption bound. `clean` is no race found within it (not a proof), \
         `inconclusive` is the time running out first, `skipped` is code loom cannot check.\n\n\
         | exercise | clean | race | inconclusive | skipped |\n|---|---:|---:|---:|---:|\n",
    );
    let mut races = Vec::new();
    for exercise in ALL {
        let results = results(exercise.krate);
        let counts: Vec<String> = kinds
            .iter()
            .map(|kind| {
                results
                    .iter()
                    .filter(|(_, l)| l.result == *kind)
                    .count()
                    .to_string()
            })
            .collect();
        let _ = writeln!(text, "| {} | {} |", exercise.krate, counts.join(" | "));
        for (name, loom) in results.iter().filter(|(_, l)| l.result == LoomResult::Race) {
            races.push(format!(
                "- {}, {}, model `{}`: {}",
                escape(name),
                exercise.krate,
                escape(loom.model.as_deref().unwrap_or("?")),
                escape(&loom.ending)
            ));
        }
    }
    if !races.is_empty() {
        let _ = write!(
            text,
            "\nThe races (each student's JSON report has the steps):\n\n{}\n",
            races.join("\n")
        );
    }
    text + "\n"
}
