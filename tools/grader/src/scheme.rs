//! The grading scheme, `grading.toml` at the workspace root: the points each
//! exercise is worth, what each test weighs, which tests race (and weigh
//! nothing), when Gradescope shows the hidden tests, which failing tests
//! show which misconception, and what loom's result weighs (nothing unless
//! `[loom] weight` says).
//!
//! Without the file, or for what it leaves out, every exercise is worth
//! [`DEFAULT_POINTS`] and every test weighs 1: an exercise's points are
//! shared among its tests in proportion to their weights, and only a test
//! that passed earns its share. A racing test (see [`Racing`]) weighs 0.

use anyhow::{Context, Result, bail};
use lesson13_runner::TestStatus;
use lesson13_runner::exercises::{ALL, Exercise};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What an exercise is worth when `grading.toml` does not say.
pub const DEFAULT_POINTS: f64 = 25.0;

/// The scheme's file name, at the workspace root.
pub const FILE: &str = "grading.toml";

/// The whole grading scheme.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Per exercise, by crate name.
    #[serde(default)]
    exercise: BTreeMap<String, ExerciseScheme>,
    /// Settings for Gradescope's `results.json`.
    #[serde(default)]
    pub gradescope: GradescopeScheme,
    /// The misconceptions the class report counts, in the file's order.
    #[serde(default, rename = "misconception")]
    pub misconceptions: Vec<Misconception>,
    /// The racing tests: reported, weighing nothing.
    #[serde(default)]
    pub racing: Racing,
    /// Whether loom's result moves points.
    #[serde(default)]
    pub loom: LoomScheme,
}

/// The racing tests: those that run a channel on several threads at once
/// (real runtimes, OS threads, many messages), so that whether they catch
/// a bug depends on how the threads happen to be scheduled, and a busy
/// machine can change their verdict from one run to the next. They run
/// and are reported, but weigh nothing: the points rest on the other
/// tests, whose verdicts are the same on every run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Racing {
    /// `<crate>::<test>`, the test named as in [`names`].
    pub tests: Vec<String>,
}

/// `[loom]`: what loom's result weighs in each exercise.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoomScheme {
    /// loom's weight in each exercise, as a test's: a `clean` result earns
    /// it, a `race` does not, and `skipped` or `inconclusive` (or loom not
    /// run) leave it out of the exercise altogether, so honest code that
    /// loom cannot check loses nothing. 0, the default, reports loom's
    /// result and moves no points; more than 0 runs loom whenever grading
    /// runs.
    #[serde(default)]
    pub weight: f64,
}

/// One exercise's points and test weights.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseScheme {
    #[serde(default = "default_points")]
    points: f64,
    /// Test name (see [`names`]) to weight; unlisted tests weigh 1.
    #[serde(default)]
    weights: BTreeMap<String, f64>,
}

fn default_points() -> f64 {
    DEFAULT_POINTS
}

/// When Gradescope shows students a test's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Never.
    Hidden,
    /// Once the due date has passed.
    AfterDueDate,
    /// Once the instructor publishes the grades.
    AfterPublished,
    /// Always.
    Visible,
}

/// Gradescope settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradescopeScheme {
    /// When students see the hidden tests' results (public tests are always
    /// visible).
    #[serde(default = "after_published")]
    pub hidden_tests: Visibility,
}

impl Default for GradescopeScheme {
    fn default() -> Self {
        GradescopeScheme {
            hidden_tests: after_published(),
        }
    }
}

fn after_published() -> Visibility {
    Visibility::AfterPublished
}

/// A mistake in understanding, and the tests that fail when a student has it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Misconception {
    /// A short name: "lost wakeup".
    pub name: String,
    /// What the student got wrong, in one sentence.
    pub about: String,
    /// `<crate>::<test>`, the test named as in [`names`].
    pub tests: Vec<String>,
    /// Which results of those tests show it.
    #[serde(default)]
    pub when: Shows,
}

/// Which results of a misconception's tests show it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shows {
    /// Any result but a pass.
    #[default]
    Fail,
    /// A timeout only (a deadlock, say).
    Timeout,
}

impl Misconception {
    /// Whether a result of one of its tests shows this misconception.
    pub fn shown_by(&self, status: TestStatus) -> bool {
        match self.when {
            Shows::Fail => status != TestStatus::Pass,
            Shows::Timeout => status == TestStatus::Timeout,
        }
    }

    /// Whether `test` of `krate` is one of this misconception's tests.
    pub fn covers(&self, krate: &str, test: &str) -> bool {
        self.tests.iter().any(|key| {
            key.split_once("::")
                .is_some_and(|(k, name)| k == krate && names(name, test))
        })
    }
}

/// Whether `key` names the test `test` (`hidden::graded::exercise1::x`): the
/// key is the test's function name (`x`), or a longer end of its path
/// (`exercise1::x`) to pick one of several tests of the same name. A test
/// named this way keeps its key when it moves between the public and the
/// hidden suite.
pub fn names(key: &str, test: &str) -> bool {
    test == key
        || test
            .strip_suffix(key)
            .is_some_and(|rest| rest.ends_with("::"))
}

impl Scheme {
    /// Reads the scheme from `path`, or from the workspace's `grading.toml`;
    /// without that file, the defaults.
    pub fn load(path: Option<&Path>, root: &Path) -> Result<Scheme> {
        let default = root.join(FILE);
        let path = match path {
            Some(path) => path,
            None if !default.exists() => return Ok(Scheme::default()),
            None => &default,
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the grading scheme {}", path.display()))?;
        Scheme::parse(&text).with_context(|| format!("{}", path.display()))
    }

    /// Parses and checks a scheme.
    pub fn parse(text: &str) -> Result<Scheme> {
        let scheme: Scheme = toml_edit::de::from_str(text)?;
        scheme.check()?;
        Ok(scheme)
    }

    fn check(&self) -> Result<()> {
        let known = |krate: &str| ALL.iter().any(|e| e.krate == krate);
        let crates = || ALL.map(|e| e.krate).join(", ");
        for (krate, exercise) in &self.exercise {
            if !known(krate) {
                bail!(
                    "[exercise.{krate}]: no such exercise (they are {})",
                    crates()
                );
            }
            if !(exercise.points.is_finite() && exercise.points >= 0.0) {
                bail!("[exercise.{krate}] points must be a number, 0 or more");
            }
            for (test, weight) in &exercise.weights {
                if !(weight.is_finite() && *weight >= 0.0) {
                    bail!(
                        "[exercise.{krate}.weights] {test}: a weight must be a number, 0 or more"
                    );
                }
            }
        }
        if !(self.loom.weight.is_finite() && self.loom.weight >= 0.0) {
            bail!("[loom] weight must be a number, 0 or more");
        }
        let lists = self
            .misconceptions
            .iter()
            .map(|m| (format!("misconception {:?}", m.name), &m.tests))
            .chain([("[racing] tests".to_owned(), &self.racing.tests)]);
        for (list, keys) in lists {
            for key in keys {
                match key.split_once("::") {
                    Some((krate, name)) if known(krate) && !name.is_empty() => {}
                    _ => {
                        bail!(
                            "{list}: {key:?} is not `<crate>::<test>` with one of {}",
                            crates()
                        );
                    }
                }
            }
        }
        for (krate, exercise) in &self.exercise {
            for key in exercise.weights.keys() {
                let racing = self.racing.tests.iter().find(|racing| {
                    racing.split_once("::").is_some_and(|(k, name)| {
                        k == krate && (names(name, key) || names(key, name))
                    })
                });
                if let Some(racing) = racing {
                    bail!(
                        "[exercise.{krate}.weights] {key}: {racing} is a racing test, which \
                         weighs nothing (its verdict can change from run to run); take it out of \
                         [racing] to give it a weight"
                    );
                }
            }
        }
        Ok(())
    }

    /// Whether `test` of `krate` is a racing test (see [`Racing`]).
    pub fn is_racing(&self, krate: &str, test: &str) -> bool {
        self.racing.tests.iter().any(|key| {
            key.split_once("::")
                .is_some_and(|(k, name)| k == krate && names(name, test))
        })
    }

    /// What the exercise is worth.
    pub fn points(&self, krate: &str) -> f64 {
        self.exercise
            .get(krate)
            .map_or(DEFAULT_POINTS, |e| e.points)
    }

    /// What a test weighs: 0 for a racing test, else the weight of the
    /// longest key that names it, or 1.
    pub fn weight(&self, krate: &str, test: &str) -> f64 {
        if self.is_racing(krate, test) {
            return 0.0;
        }
        self.exercise
            .get(krate)
            .and_then(|e| {
                e.weights
                    .iter()
                    .filter(|(key, _)| names(key, test))
                    .max_by_key(|(key, _)| key.len())
            })
            .map_or(1.0, |(_, weight)| *weight)
    }

    /// Every test this scheme names (a weight or a misconception) that is
    /// not among `tests`, each exercise's test names: a renamed or removed
    /// test would otherwise be silently ignored.
    pub fn unknown_tests(&self, tests: &[(Exercise, Vec<String>)]) -> Vec<String> {
        let exists = |krate: &str, key: &str| {
            tests
                .iter()
                .filter(|(e, _)| e.krate == krate)
                .any(|(_, names_)| names_.iter().any(|t| names(key, t)))
        };
        let weights = self.exercise.iter().flat_map(|(krate, e)| {
            e.weights
                .keys()
                .filter(|key| !exists(krate, key))
                .map(move |key| format!("[exercise.{krate}.weights] {key}"))
        });
        let lists = self
            .misconceptions
            .iter()
            .map(|m| (format!("misconception {:?}", m.name), &m.tests))
            .chain([("[racing] tests".to_owned(), &self.racing.tests)]);
        let listed = lists.flat_map(|(list, keys)| {
            keys.iter()
                .filter(|key| {
                    key.split_once("::")
                        .is_none_or(|(krate, name)| !exists(krate, name))
                })
                .map(move |key| format!("{list}: {key}"))
        });
        weights.chain(listed).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheme_with_a_typo_is_refused_with_the_reason() {
        for (text, expected) in [
            (
                "[exercise.lesson13-oneshoot]\npoints = 5",
                "no such exercise",
            ),
            ("[exercise.lesson13-oneshot]\npoint = 5", "unknown field"),
            ("[exercise.lesson13-oneshot]\npoints = -5", "0 or more"),
            ("[gradescope]\nhidden_tests = \"later\"", "unknown variant"),
            (
                "[[misconception]]\nname = \"x\"\nabout = \"y\"\ntests = [\"oneshot::a\"]",
                "is not `<crate>::<test>`",
            ),
            ("[racing]\ntests = [\"stress\"]", "is not `<crate>::<test>`"),
            (
                "[racing]\ntests = [\"lesson13-mpsc::stress\"]\n\
                 [exercise.lesson13-mpsc.weights]\nstress = 2",
                "is a racing test, which weighs nothing",
            ),
        ] {
            let error = Scheme::parse(text)
                .map_err(|e| format!("{e:#}"))
                .unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn names_that_match_no_test_are_listed() {
        let scheme = Scheme::parse(
            "[exercise.lesson13-oneshot.weights]\nrenamed_test = 2\nkept = 1\n\
             [[misconception]]\nname = \"lost wakeup\"\nabout = \"x\"\n\
             tests = [\"lesson13-oneshot::kept\", \"lesson13-mpsc::kept\"]\n\
             [racing]\ntests = [\"lesson13-oneshot::gone\"]",
        )
        .unwrap();
        let tests = vec![(ALL[0], vec!["hidden::graded::kept".to_owned()])];
        assert_eq!(
            scheme.unknown_tests(&tests),
            [
                "[exercise.lesson13-oneshot.weights] renamed_test",
                "misconception \"lost wakeup\": lesson13-mpsc::kept",
                "[racing] tests: lesson13-oneshot::gone"
            ]
        );
    }

    #[test]
    fn a_key_names_a_test_by_its_function_name_or_a_longer_end_of_its_path() {
        assert!(names("x", "hidden::graded::x"));
        assert!(names("graded::x", "hidden::graded::x"));
        assert!(names("x", "x"));
        assert!(!names("x", "hidden::graded::xx"));
        assert!(!names("x", "hidden::graded::ax"));
    }

    #[test]
    fn a_racing_test_weighs_nothing_and_only_in_its_exercise() {
        let scheme = Scheme::parse(
            "[racing]\ntests = [\"lesson13-mpsc::stress_tasks\"]\n\
             [exercise.lesson13-mpsc.weights]\nfifo = 2",
        )
        .unwrap();
        let racing = "hidden::graded::stress_tasks";
        assert!(scheme.is_racing("lesson13-mpsc", racing));
        assert_eq!(scheme.weight("lesson13-mpsc", racing), 0.0);
        assert_eq!(
            scheme.weight("lesson13-mpsc", "public::behaviour::fifo"),
            2.0
        );
        assert!(!scheme.is_racing("lesson13-bounded", racing));
        assert_eq!(scheme.weight("lesson13-bounded", racing), 1.0);
    }

    #[test]
    fn the_checked_in_scheme_parses() {
        let root = crate::workspace::root();
        Scheme::load(None, &root).unwrap();
    }

    /// Each catalogued bug (`catalogue/<crate>/*.patch`): its exercise, its
    /// file, and the tests its `# Caught by:` header names.
    fn catalogued_bugs() -> Vec<(Exercise, std::path::PathBuf, Vec<String>)> {
        let root = crate::workspace::root();
        let mut bugs = Vec::new();
        for exercise in ALL {
            let dir = root.join("catalogue").join(exercise.krate);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
                if path.extension().is_none_or(|x| x != "patch") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let caught = text
                    .lines()
                    .filter_map(|l| l.strip_prefix("# Caught by:"))
                    .flat_map(|l| l.split(','))
                    .map(|t| t.trim().to_owned())
                    .collect();
                bugs.push((exercise, path, caught));
            }
        }
        assert!(!bugs.is_empty(), "no catalogued bug found");
        bugs
    }

    /// The class report counts misconceptions by test: each catalogued bug
    /// must be caught by (its `# Caught by:` header names) a test of some
    /// misconception, or students who make it would show none.
    #[test]
    fn every_catalogued_bug_is_caught_by_a_test_of_some_misconception() {
        let root = crate::workspace::root();
        let scheme = Scheme::load(None, &root).unwrap();
        let mut unmapped = Vec::new();
        for (exercise, path, caught) in catalogued_bugs() {
            let shown = scheme.misconceptions.iter().any(|m| {
                m.tests.iter().any(|key| {
                    key.split_once("::").is_some_and(|(krate, name)| {
                        krate == exercise.krate
                            && caught.iter().any(|t| names(name, t) || names(t, name))
                    })
                })
            });
            if !shown {
                unmapped.push(format!("{} (caught by {caught:?})", path.display()));
            }
        }
        assert!(
            unmapped.is_empty(),
            "no misconception has a test that catches: {unmapped:#?}"
        );
    }

    /// The points rest on tests that are not racing: each catalogued bug
    /// must be caught by (its `# Caught by:` header names) a test that
    /// weighs something, or a student who makes it could lose no point, or
    /// lose them on one run and not the next. (The catalogue checks that
    /// the header's tests do fail on the bug.)
    #[test]
    fn every_catalogued_bug_is_caught_by_a_test_that_is_not_racing() {
        let root = crate::workspace::root();
        let scheme = Scheme::load(None, &root).unwrap();
        let unpunished: Vec<String> = catalogued_bugs()
            .into_iter()
            .filter(|(exercise, _, caught)| {
                caught
                    .iter()
                    .all(|test| scheme.is_racing(exercise.krate, test))
            })
            .map(|(_, path, caught)| format!("{} (caught by {caught:?})", path.display()))
            .collect();
        assert!(
            unpunished.is_empty(),
            "caught only by racing tests, which weigh nothing: {unpunished:#?}"
        );
    }
}
