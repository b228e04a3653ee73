//! Judging an entry's run: is a bug caught (by the tests its header names),
//! does a correct channel pass, and what would a student see first.

use super::entry::Kind;
use super::run::{NotRun, Outcome};
use lesson13_runner::{TestResult, TestStatus, gist};

/// The graded tests (public and hidden) count; public ones start so.
const PUBLIC: &str = "public::";

/// A test's function name, without its target and module path.
pub fn fn_name(test: &str) -> &str {
    test.rsplit("::").next().unwrap_or(test)
}

impl Outcome {
    /// `None` if the entry behaved as its kind demands, else why not.
    pub fn problem(&self) -> Option<String> {
        let results = match &self.run {
            Err(NotRun::Stale(why)) => return Some(why.clone()),
            Err(NotRun::CompileError(errors)) => {
                return Some(format!("does not compile:\n{errors}"));
            }
            Ok(results) => results,
        };
        let killed: Vec<_> = results
            .iter()
            .filter(|r| r.killed)
            .map(|r| r.name.as_str())
            .collect();
        if !killed.is_empty() {
            return Some(format!(
                "hung past the tests' own deadlines: {}",
                killed.join(", ")
            ));
        }
        match &self.entry.kind {
            Kind::Bug { .. } if self.failed().next().is_none() => Some(
                "SURVIVED: every test passed. Strengthen the tests; never weaken the bug.".into(),
            ),
            Kind::Bug { caught_by, .. } => {
                let missed: Vec<String> = caught_by
                    .iter()
                    .filter_map(|name| self.missed(results, name))
                    .collect();
                (!missed.is_empty()).then(|| missed.join("; "))
            }
            Kind::Correct { .. } => {
                let failed: Vec<_> = self
                    .failed()
                    .map(|r| format!("{}: {}", r.name, gist(&r.message)))
                    .collect();
                (!failed.is_empty())
                    .then(|| format!("a correct channel failed:\n  {}", failed.join("\n  ")))
            }
        }
    }

    /// Why the header's `name` is not among the failed tests, if it is not.
    fn missed(&self, results: &[TestResult], name: &str) -> Option<String> {
        let failed = || {
            self.failed()
                .map(|r| fn_name(&r.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match results.iter().find(|r| fn_name(&r.name) == name) {
            None => Some(format!(
                "`Caught by` names {name}, but no test has that name (renamed? name one of the \
                 tests that failed in the header: {})",
                failed()
            )),
            Some(test) if test.status == TestStatus::Pass => Some(format!(
                "`Caught by` names {name}, but it passed (failed instead: {})",
                failed()
            )),
            Some(_) => None,
        }
    }

    /// The tests that failed, by an assertion or their own deadline, in
    /// teaching order (the most basic behaviour first).
    pub fn failed(&self) -> impl Iterator<Item = &TestResult> {
        self.run
            .as_ref()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|r| r.status != TestStatus::Pass && !r.killed)
    }

    /// Whether the public tests alone catch this bug.
    pub fn caught_by_public(&self) -> bool {
        self.failed().any(|r| r.name.starts_with(PUBLIC))
    }

    /// The first failure a student sees: the first failing public test in
    /// teaching order, or if every public test passes, the first failure in
    /// the grade.
    pub fn first_message(&self) -> String {
        let first = self
            .failed()
            .find(|r| r.name.starts_with(PUBLIC))
            .map(|r| (r, ""))
            .or_else(|| {
                self.failed()
                    .next()
                    .map(|r| (r, "the public tests pass; the grade shows first: "))
            });
        match first {
            Some((test, prefix)) => format!("{prefix}{} ✗ {}", test.name, gist(&test.message)),
            None => self.problem().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_is_named_by_its_function() {
        assert_eq!(fn_name("hidden::graded::exercise3::tests::fifo"), "fifo");
        assert_eq!(fn_name("fifo"), "fifo");
    }
}
