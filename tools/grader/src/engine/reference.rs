//! The exercises' own tests, listed from the instructor's build of the
//! stubs: how many tests an exercise that did not compile is graded out of,
//! and the names the grading scheme may use.

use crate::scheme::Scheme;
use crate::workspace;
use anyhow::{Result, bail};
use lesson13_runner as runner;
use lesson13_runner::exercises::{ALL, Exercise};
use std::path::{Path, PathBuf};

/// How many tests the exercise has, from the instructor's own build of it,
/// so that a submission that does not compile still shows `0/<total>`.
pub fn reference_test_count(root: &Path, exercise: Exercise) -> usize {
    reference_tests(root, exercise).len()
}

/// The exercise's tests (`hidden::graded::…`), from the instructor's own
/// build of it; listed once per run. Empty if the stub does not build.
pub fn reference_tests(root: &Path, exercise: Exercise) -> Vec<String> {
    type Listed = Vec<(PathBuf, &'static str, Vec<String>)>;
    static LISTED: std::sync::Mutex<Listed> = std::sync::Mutex::new(Vec::new());
    let mut listed = LISTED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((.., tests)) = listed
        .iter()
        .find(|(r, krate, _)| r == root && *krate == exercise.krate)
    {
        return tests.clone();
    }
    let target = workspace::target_dir();
    let tests: Vec<String> =
        match runner::build(root, exercise.krate, &target, true, runner::Code::Trusted) {
            Ok(runner::Build::Built { binaries, .. }) => binaries
                .iter()
                .flat_map(|b| {
                    let tests = runner::list(b).unwrap_or_default();
                    tests.into_iter().map(move |t| format!("{}::{t}", b.target))
                })
                .collect(),
            _ => Vec::new(),
        };
    listed.push((root.to_path_buf(), exercise.krate, tests.clone()));
    tests
}

/// Refuses a scheme that names a test no exercise has (a typo, or a test
/// renamed since): its weight or misconception would silently not count.
pub fn check_scheme_names(scheme: &Scheme, root: &Path) -> Result<()> {
    let tests: Vec<(Exercise, Vec<String>)> = ALL
        .iter()
        .map(|e| (*e, reference_tests(root, *e)))
        .collect();
    if let Some((exercise, _)) = tests.iter().find(|(_, t)| t.is_empty()) {
        println!(
            "warning: cannot list {}'s tests (does its stub build?): the grading scheme's \
             test names are not checked",
            exercise.krate
        );
        return Ok(());
    }
    let unknown = scheme.unknown_tests(&tests);
    if unknown.is_empty() {
        Ok(())
    } else {
        bail!(
            "the grading scheme names tests that do not exist (renamed or removed?):\n  {}",
            unknown.join("\n  ")
        )
    }
}
