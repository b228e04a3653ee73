//! The grading scheme, `grading.toml` at the workspace root: the points each
//! exercise is worth, what each test weighs, when Gradescope shows the hidden
//! tests, and which failing tests show which misconception.
//!
//! Without the file, or for what it leaves out, every exercise is worth
//! [`DEFAULT_POINTS`] and every test weighs 1: an exercise's points are
//! shared among its tests in proportion to their weights, and only a test
//! that passed earns its share.

use crate::report::{ExerciseReport, Report, Score, Status};
use lesson13_runner::exercises::{ALL, Exercise};
use lesson13_runner::{TestResult, TestStatus};
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
    pub fn load(path: Option<&Path>, root: &Path) -> Result<Scheme, String> {
        let default = root.join(FILE);
        let path = match path {
            Some(path) => path,
            None if !default.exists() => return Ok(Scheme::default()),
            None => &default,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the grading scheme {}: {e}", path.display()))?;
        Scheme::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses and checks a scheme.
    pub fn parse(text: &str) -> Result<Scheme, String> {
        let scheme: Scheme = toml_edit::de::from_str(text).map_err(|e| e.to_string())?;
        scheme.check()?;
        Ok(scheme)
    }

    fn check(&self) -> Result<(), String> {
        let known = |krate: &str| ALL.iter().any(|e| e.krate == krate);
        let crates = || ALL.map(|e| e.krate).join(", ");
        for (krate, exercise) in &self.exercise {
            if !known(krate) {
                return Err(format!(
                    "[exercise.{krate}]: no such exercise (they are {})",
                    crates()
                ));
            }
            if !(exercise.points.is_finite() && exercise.points >= 0.0) {
                return Err(format!(
                    "[exercise.{krate}] points must be a number, 0 or more"
                ));
            }
            for (test, weight) in &exercise.weights {
                if !(weight.is_finite() && *weight >= 0.0) {
                    return Err(format!(
                        "[exercise.{krate}.weights] {test}: a weight must be a number, 0 or more"
                    ));
                }
            }
        }
        for misconception in &self.misconceptions {
            for key in &misconception.tests {
                match key.split_once("::") {
                    Some((krate, name)) if known(krate) && !name.is_empty() => {}
                    _ => {
                        return Err(format!(
                            "misconception {:?}: {key:?} is not `<crate>::<test>` with one of {}",
                            misconception.name,
                            crates()
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// What the exercise is worth.
    pub fn points(&self, krate: &str) -> f64 {
        self.exercise
            .get(krate)
            .map_or(DEFAULT_POINTS, |e| e.points)
    }

    /// What a test weighs: the weight of the longest key that names it, or 1.
    pub fn weight(&self, krate: &str, test: &str) -> f64 {
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
        let misconceptions = self.misconceptions.iter().flat_map(|m| {
            m.tests
                .iter()
                .filter(|key| {
                    key.split_once("::")
                        .is_none_or(|(krate, name)| !exists(krate, name))
                })
                .map(move |key| format!("misconception {:?}: {key}", m.name))
        });
        weights.chain(misconceptions).collect()
    }

    /// Fills in the points of every exercise of `report`, and its total.
    pub fn score(&self, report: &mut Report) {
        for exercise in &mut report.exercises {
            let max = self.points(&exercise.krate);
            exercise.score = Score::of(round(max * self.share(exercise)), max);
        }
        report.score = Score::of(
            round(report.exercises.iter().map(|e| e.score.points).sum()),
            round(report.exercises.iter().map(|e| e.score.max_points).sum()),
        );
    }

    /// A test's points and the most it could earn.
    pub fn test_points(&self, exercise: &ExerciseReport, test: &TestResult) -> (f64, f64) {
        let all: f64 = exercise
            .tests
            .iter()
            .map(|t| self.weight(&exercise.krate, &t.name))
            .sum();
        if all == 0.0 {
            return (0.0, 0.0);
        }
        let max = exercise.score.max_points * self.weight(&exercise.krate, &test.name) / all;
        let earned = if earns(test.status) { max } else { 0.0 };
        (earned, max)
    }

    /// The share of the exercise's points its passing tests earn, 0 to 1.
    fn share(&self, exercise: &ExerciseReport) -> f64 {
        if !tests_count(exercise.status) {
            return 0.0;
        }
        let (mut earned, mut all) = (0.0, 0.0);
        for test in &exercise.tests {
            let weight = self.weight(&exercise.krate, &test.name);
            all += weight;
            if earns(test.status) {
                earned += weight;
            }
        }
        if all == 0.0 { 0.0 } else { earned / all }
    }
}

/// Whether an exercise's tests earn points. Only an exercise whose tests ran
/// can earn any; a new status must say which it is.
fn tests_count(status: Status) -> bool {
    match status {
        Status::Pass | Status::Fail | Status::Timeout => true,
        Status::CompileError | Status::Rejected | Status::Missing => false,
    }
}

/// Whether a test earns its share: only a pass does.
fn earns(status: TestStatus) -> bool {
    match status {
        TestStatus::Pass => true,
        TestStatus::Fail | TestStatus::Timeout => false,
    }
}

impl Score {
    /// `points` out of `max`.
    pub fn of(points: f64, max: f64) -> Score {
        Score {
            points,
            max_points: max,
            percent: percent(points, max),
        }
    }
}

/// Points are kept to two decimals, as gradebooks show them.
pub fn round(points: f64) -> f64 {
    (points * 100.0).round() / 100.0
}

/// `points` out of `max` as a percentage, two decimals; 0 when `max` is 0.
pub fn percent(points: f64, max: f64) -> f64 {
    if max == 0.0 {
        0.0
    } else {
        round(100.0 * points / max)
    }
}

/// A number of points as a gradebook shows it: `25`, `12.5`, `20.83`.
pub fn show(points: f64) -> String {
    let text = format!("{:.2}", round(points));
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::exercise;

    #[test]
    fn without_a_file_every_exercise_is_worth_25_and_every_test_weighs_1() {
        let scheme = Scheme::default();
        let mut report = Report::new(vec![
            exercise(
                "lesson13-oneshot",
                Status::Fail,
                &[
                    ("hidden::graded::a", TestStatus::Pass),
                    ("hidden::graded::b", TestStatus::Fail),
                    ("hidden::graded::c", TestStatus::Timeout),
                    ("public::lesson::d", TestStatus::Pass),
                ],
            ),
            exercise("lesson13-mpsc", Status::CompileError, &[]),
        ]);
        scheme.score(&mut report);
        assert_eq!(report.exercises[0].score.points, 12.5);
        assert_eq!(report.exercises[0].score.percent, 50.0);
        assert_eq!(report.exercises[1].score.points, 0.0);
        assert_eq!(report.exercises[1].score.max_points, 25.0);
        assert_eq!((report.score.points, report.score.max_points), (12.5, 50.0));
        assert_eq!(report.score.percent, 25.0);
    }

    #[test]
    fn weights_share_the_points_and_the_longest_matching_key_wins() {
        let scheme = Scheme::parse(
            "[exercise.lesson13-bounded]\npoints = 40\n\
             [exercise.lesson13-bounded.weights]\n\
             api_matches_the_contract = 0\n\
             \"exercise3::tests::api_matches_the_contract\" = 2\n\
             the_capacity_is_exact = 3\n",
        )
        .unwrap();
        let tests = [
            ("hidden::graded::api_matches_the_contract", TestStatus::Fail),
            (
                "hidden::graded::exercise3::tests::api_matches_the_contract",
                TestStatus::Pass,
            ),
            ("hidden::graded::the_capacity_is_exact", TestStatus::Fail),
            ("public::lesson::channel_of_2", TestStatus::Pass),
        ];
        let mut report = Report::new(vec![exercise("lesson13-bounded", Status::Fail, &tests)]);
        scheme.score(&mut report);
        // Weights 0 + 2 + 3 + 1 = 6; the passing ones weigh 2 + 1.
        assert_eq!(report.exercises[0].score.points, 20.0);
        assert_eq!(report.score.max_points, 40.0);
        let e = &report.exercises[0];
        assert_eq!(scheme.test_points(e, &e.tests[2]), (0.0, 20.0));
        assert_eq!(scheme.test_points(e, &e.tests[0]), (0.0, 0.0));
    }

    #[test]
    fn a_test_that_did_not_pass_earns_nothing_and_an_exercise_that_did_not_run_nothing() {
        let scheme = Scheme::default();
        for status in [TestStatus::Fail, TestStatus::Timeout] {
            let mut report = Report::new(vec![exercise(
                "lesson13-oneshot",
                Status::Timeout,
                &[("hidden::graded::a", status)],
            )]);
            scheme.score(&mut report);
            assert_eq!(report.score.points, 0.0, "{status:?}");
        }
        // Test results without a build are not trusted for points.
        let mut report = Report::new(vec![exercise(
            "lesson13-oneshot",
            Status::Missing,
            &[("hidden::graded::a", TestStatus::Pass)],
        )]);
        scheme.score(&mut report);
        assert_eq!(report.score.points, 0.0);
    }

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
        ] {
            let error = Scheme::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn names_that_match_no_test_are_listed() {
        let scheme = Scheme::parse(
            "[exercise.lesson13-oneshot.weights]\nrenamed_test = 2\nkept = 1\n\
             [[misconception]]\nname = \"lost wakeup\"\nabout = \"x\"\n\
             tests = [\"lesson13-oneshot::kept\", \"lesson13-mpsc::kept\"]",
        )
        .unwrap();
        let tests = vec![(ALL[0], vec!["hidden::graded::kept".to_owned()])];
        assert_eq!(
            scheme.unknown_tests(&tests),
            [
                "[exercise.lesson13-oneshot.weights] renamed_test",
                "misconception \"lost wakeup\": lesson13-mpsc::kept"
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
    fn points_show_as_a_gradebook_shows_them() {
        assert_eq!(show(25.0), "25");
        assert_eq!(show(12.5), "12.5");
        assert_eq!(show(20.833_333), "20.83");
        assert_eq!(show(0.0), "0");
    }

    #[test]
    fn the_checked_in_scheme_parses() {
        let root = crate::workspace::root();
        Scheme::load(None, &root).unwrap();
    }

    /// The class report counts misconceptions by test: each catalogued bug
    /// must be caught by (its `# Caught by:` header names) a test of some
    /// misconception, or students who make it would show none.
    #[test]
    fn every_catalogued_bug_is_caught_by_a_test_of_some_misconception() {
        let root = crate::workspace::root();
        let scheme = Scheme::load(None, &root).unwrap();
        let mut unmapped = Vec::new();
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
                let caught: Vec<&str> = text
                    .lines()
                    .filter_map(|l| l.strip_prefix("# Caught by:"))
                    .flat_map(|l| l.split(','))
                    .map(str::trim)
                    .collect();
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
        }
        assert!(
            unmapped.is_empty(),
            "no misconception has a test that catches: {unmapped:#?}"
        );
    }
}
