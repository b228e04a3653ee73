//! `grade --loom`: loom's models on each exercise of a submission that
//! built, in its grading copy, through `lesson13_runner::loom` (the student
//! runner's `check --loom` too): the same sandbox, time limits and output
//! bounds as the tests, a release build of the models in a target folder of
//! the slot's own.

use crate::report::{LoomReport, LoomResult, Status};
use anyhow::Result;
use lesson13_runner::Options;
use lesson13_runner::exercises::Exercise;
use lesson13_runner::loom::{self, Check, Outcome, Settings};
use std::path::Path;

/// Where and how loom runs for one submission.
pub struct Run<'a> {
    /// The workspace that holds the exercise crates and `loom-models/`.
    pub workspace: &'a Path,
    /// The loom build's target folder.
    pub target: &'a Path,
    /// The bound and the budget.
    pub settings: Settings,
    /// The tests' options: the sandbox, above all.
    pub options: &'a Options<'a>,
}

impl Run<'_> {
    /// loom's report on `exercise`, whose checked `lib.rs` is `source`;
    /// `None` when its tests did not run (it did not build, or was not
    /// submitted or was rejected): loom has nothing to check.
    pub fn exercise(
        &self,
        status: Status,
        exercise: Exercise,
        source: &str,
    ) -> Result<Option<LoomReport>> {
        if !matches!(status, Status::Pass | Status::Fail | Status::Timeout) {
            return Ok(None);
        }
        let check = Check {
            workspace: self.workspace,
            target_dir: self.target,
            exercise,
            settings: self.settings,
            options: Options {
                jobs: self.settings.jobs,
                ..*self.options
            },
            only: None,
            replay: None,
        };
        let outcome = loom::check(&check, source)
            .map_err(anyhow::Error::msg)?
            .outcome;
        Ok(Some(report(&outcome)))
    }
}

/// The report of an outcome.
pub fn report(outcome: &Outcome) -> LoomReport {
    let result = match outcome {
        Outcome::Clean { .. } => LoomResult::Clean,
        Outcome::Race(_) => LoomResult::Race,
        Outcome::Inconclusive { .. } => LoomResult::Inconclusive,
        Outcome::Skipped { .. } => LoomResult::Skipped,
    };
    let (model, steps, ending) = match outcome {
        Outcome::Race(race) => (
            Some(race.model.clone()),
            race.story.steps.clone(),
            race.story.ending.clone(),
        ),
        _ => (None, Vec::new(), String::new()),
    };
    LoomReport {
        result,
        summary: lesson13_runner::run::cap(outcome.summary()),
        model,
        steps,
        ending,
    }
}
