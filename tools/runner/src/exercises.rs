//! The four exercises: one table that every command reads, the grader's and
//! the student runner's.

/// The folder of each exercise crate that holds its hidden tests: the
/// grading suite, which students never see.
pub const HIDDEN_TESTS: &str = "tests/hidden";

/// Whether `path` (as the compiler names a file: relative to the workspace,
/// or absolute, with `..` where a `#[path]` attribute climbed) is inside an
/// exercise's hidden tests.
pub fn is_hidden_test(path: &str) -> bool {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.windows(2).any(|w| w == ["tests", "hidden"])
}

/// One exercise crate of the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exercise {
    /// The crate's package name and folder, e.g. `lesson13-mpsc`.
    pub krate: &'static str,
    /// The exercise number in the lesson (its `todo!("Exercise N: …")`).
    pub number: u8,
    /// The reference solution's file in the course workspace's
    /// `solutions/src/` (a student workspace has no solutions).
    pub solution: &'static str,
}

/// Every exercise, in lesson order.
pub const ALL: [Exercise; 4] = [
    Exercise {
        krate: "lesson13-oneshot",
        number: 1,
        solution: "oneshot.rs",
    },
    Exercise {
        krate: "lesson13-oneshot-drop",
        number: 2,
        solution: "oneshot_drop.rs",
    },
    Exercise {
        krate: "lesson13-mpsc",
        number: 3,
        solution: "mpsc.rs",
    },
    Exercise {
        krate: "lesson13-bounded",
        number: 4,
        solution: "bounded.rs",
    },
];

impl Exercise {
    /// The student's file, relative to the workspace root.
    pub fn lib_rs(&self) -> String {
        format!("{}/src/lib.rs", self.krate)
    }

    /// The reference solution, relative to the course workspace's root.
    pub fn solution_path(&self) -> String {
        format!("solutions/src/{}", self.solution)
    }

    /// The exercise's README (its text, API, graded list and hints),
    /// relative to the workspace root.
    pub fn readme(&self) -> String {
        format!("{}/README.md", self.krate)
    }

    /// The panic message prefix that the crate's stubs carry.
    pub fn todo_marker(&self) -> String {
        format!("not yet implemented: Exercise {}:", self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_under_tests_hidden_is_a_hidden_test_wherever_it_is() {
        assert!(is_hidden_test("lesson13-oneshot/tests/hidden/graded.rs"));
        assert!(is_hidden_test(
            "/tmp/x/ws/lesson13-mpsc/tests/hidden/main.rs"
        ));
        assert!(is_hidden_test(
            "lesson13-bounded/tests/public/../hidden/graded.rs"
        ));
        assert!(!is_hidden_test(
            "lesson13-bounded/tests/hidden/../public/mpsc_view.rs"
        ));
        assert!(!is_hidden_test(
            "lesson13-oneshot/tests/public/behaviour.rs"
        ));
        assert!(!is_hidden_test("lesson13-oneshot/src/lib.rs"));
    }
}
