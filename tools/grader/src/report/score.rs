//! Points: each exercise's share of its points from its tests' results,
//! by the scheme's weights (see [`crate::scheme`]), and the total.
//!
//! Only a test that passed earns its share, and only an exercise whose
//! tests ran (`pass`, `fail`, `timeout`) earns anything. A racing test
//! weighs nothing (see [`crate::scheme::Racing`]). With `[loom]
//! weight` above 0, loom's result counts as one more test of that weight
//! when it is `clean` (earned) or `race` (not), and not at all otherwise.

use super::{ExerciseReport, LoomResult, Report, Score, Status, round};
use crate::scheme::Scheme;
use lesson13_runner::{TestResult, TestStatus};

/// Fills in the points of every exercise of `report`, and its total, and
/// marks its racing tests (which weigh nothing).
pub fn score(scheme: &Scheme, report: &mut Report) {
    for exercise in &mut report.exercises {
        for test in &mut exercise.tests {
            test.racing = scheme.is_racing(&exercise.krate, &test.name);
        }
        let max = scheme.points(&exercise.krate);
        exercise.score = Score::of(round(max * share(scheme, exercise)), max);
    }
    report.score = Score::of(
        round(report.exercises.iter().map(|e| e.score.points).sum()),
        round(report.exercises.iter().map(|e| e.score.max_points).sum()),
    );
}

/// A test's points and the most it could earn.
pub fn test_points(scheme: &Scheme, exercise: &ExerciseReport, test: &TestResult) -> (f64, f64) {
    let earned = earns(test.status);
    points_of(
        scheme,
        exercise,
        scheme.weight(&exercise.krate, &test.name),
        earned,
    )
}

/// loom's points in the exercise and the most it could earn, when its
/// result counts (see the module's docs).
pub fn loom_points(scheme: &Scheme, exercise: &ExerciseReport) -> Option<(f64, f64)> {
    let (weight, earned) = loom_counts(scheme, exercise)?;
    Some(points_of(scheme, exercise, weight, earned))
}

/// The points of something of `weight` in the exercise, earned or not.
fn points_of(scheme: &Scheme, exercise: &ExerciseReport, weight: f64, earned: bool) -> (f64, f64) {
    let all = all_weights(scheme, exercise);
    if all == 0.0 {
        return (0.0, 0.0);
    }
    let max = exercise.score.max_points * weight / all;
    (if earned { max } else { 0.0 }, max)
}

/// Every test's weight, and loom's when it counts.
fn all_weights(scheme: &Scheme, exercise: &ExerciseReport) -> f64 {
    let tests: f64 = exercise
        .tests
        .iter()
        .map(|t| scheme.weight(&exercise.krate, &t.name))
        .sum();
    tests + loom_counts(scheme, exercise).map_or(0.0, |(weight, _)| weight)
}

/// loom's weight and whether it is earned, when its result counts: a
/// weight above 0 and a `clean` or `race` result.
fn loom_counts(scheme: &Scheme, exercise: &ExerciseReport) -> Option<(f64, bool)> {
    let weight = scheme.loom.weight;
    match exercise.loom.as_ref()?.result {
        _ if weight == 0.0 => None,
        LoomResult::Clean => Some((weight, true)),
        LoomResult::Race => Some((weight, false)),
        LoomResult::Inconclusive | LoomResult::Skipped => None,
    }
}

/// The share of the exercise's points its passing tests earn, 0 to 1.
fn share(scheme: &Scheme, exercise: &ExerciseReport) -> f64 {
    if !tests_count(exercise.status) {
        return 0.0;
    }
    let all = all_weights(scheme, exercise);
    let mut earned: f64 = exercise
        .tests
        .iter()
        .filter(|t| earns(t.status))
        .map(|t| scheme.weight(&exercise.krate, &t.name))
        .sum();
    if let Some((weight, true)) = loom_counts(scheme, exercise) {
        earned += weight;
    }
    if all == 0.0 { 0.0 } else { earned / all }
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
        score(&scheme, &mut report);
        assert_eq!(report.exercises[0].score.points, 12.5);
        assert_eq!(report.exercises[0].score.percent, 50.0);
        assert_eq!(report.exercises[1].score.points, 0.0);
        assert_eq!(report.exercises[1].score.max_points, 25.0);
        assert_eq!((report.score.points, report.score.max_points), (12.5, 50.0));
        assert_eq!(report.score.percent, 25.0);
    }

    #[test]
    fn a_loom_weight_counts_clean_and_race_and_leaves_the_rest_out() {
        use crate::report::LoomReport;
        let with = |result| {
            let mut e = exercise(
                "lesson13-oneshot",
                Status::Pass,
                &[
                    ("hidden::graded::a", TestStatus::Pass),
                    ("hidden::graded::b", TestStatus::Pass),
                ],
            );
            e.loom = Some(LoomReport {
                result,
                summary: String::new(),
                model: None,
                steps: Vec::new(),
                ending: String::new(),
            });
            e
        };
        let points = |scheme: &Scheme, result| {
            let mut report = Report::new(vec![with(result)]);
            score(scheme, &mut report);
            report.exercises[0].score.points
        };
        let off = Scheme::default();
        let on = Scheme::parse("[loom]\nweight = 2\n").unwrap();
        // Off: loom's result moves nothing.
        assert_eq!(points(&off, LoomResult::Race), 25.0);
        // On: 2 tests of weight 1 and loom of weight 2.
        assert_eq!(points(&on, LoomResult::Clean), 25.0);
        assert_eq!(points(&on, LoomResult::Race), 12.5);
        // What loom could not decide costs nothing.
        assert_eq!(points(&on, LoomResult::Skipped), 25.0);
        assert_eq!(points(&on, LoomResult::Inconclusive), 25.0);
        let racy = with(LoomResult::Race);
        let mut report = Report::new(vec![racy]);
        score(&on, &mut report);
        let e = &report.exercises[0];
        assert_eq!(loom_points(&on, e), Some((0.0, 12.5)));
        assert_eq!(test_points(&on, e, &e.tests[0]), (6.25, 6.25));
        assert!(Scheme::parse("[loom]\nweight = -1\n").is_err());
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
        score(&scheme, &mut report);
        // Weights 0 + 2 + 3 + 1 = 6; the passing ones weigh 2 + 1.
        assert_eq!(report.exercises[0].score.points, 20.0);
        assert_eq!(report.score.max_points, 40.0);
        let e = &report.exercises[0];
        assert_eq!(test_points(&scheme, e, &e.tests[2]), (0.0, 20.0));
        assert_eq!(test_points(&scheme, e, &e.tests[0]), (0.0, 0.0));
    }

    #[test]
    fn a_racing_tests_failure_moves_no_point_and_is_marked() {
        let scheme = Scheme::parse("[racing]\ntests = [\"lesson13-mpsc::stress\"]").unwrap();
        let grade = |stress: TestStatus| {
            let mut report = Report::new(vec![exercise(
                "lesson13-mpsc",
                Status::Fail,
                &[
                    ("public::behaviour::fifo", TestStatus::Pass),
                    ("public::behaviour::wakes", TestStatus::Fail),
                    ("hidden::graded::stress", stress),
                ],
            )]);
            score(&scheme, &mut report);
            report
        };
        for stress in [TestStatus::Pass, TestStatus::Fail, TestStatus::Timeout] {
            let report = grade(stress);
            assert_eq!(report.score.points, 12.5, "{stress:?}");
            let racing: Vec<bool> = report.exercises[0].tests.iter().map(|t| t.racing).collect();
            assert_eq!(racing, [false, false, true]);
        }
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
            score(&scheme, &mut report);
            assert_eq!(report.score.points, 0.0, "{status:?}");
        }
        // Test results without a build are not trusted for points.
        let mut report = Report::new(vec![exercise(
            "lesson13-oneshot",
            Status::Missing,
            &[("hidden::graded::a", TestStatus::Pass)],
        )]);
        score(&scheme, &mut report);
        assert_eq!(report.score.points, 0.0);
    }
}
