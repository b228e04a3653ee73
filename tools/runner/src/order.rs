//! The order in which a student should read an exercise's failures: the
//! most basic behaviour first, so that when one mistake fails several
//! tests, the first failure shown is the one that names it most directly,
//! and the others may follow from it.
//!
//! The order is the tests' own, read from their source files:
//!
//! 1. the public tests before the hidden ones (the grader runs both);
//! 2. within each, the earlier exercise's tests first (Exercise 2 runs
//!    Exercise 1's, Exercise 4 runs Exercise 3's: sending and receiving
//!    come before what is built on them), then the exercise's own
//!    behaviours (`behaviour.rs`, in the order of the README's "What is
//!    graded" list; the hidden `graded.rs`), then the lesson's test
//!    (`lesson.rs`, whose one run on real threads names no single cause),
//!    then any other (a student's own tests);
//! 3. within a file, the order of the test functions in it.
//!
//! A test's file is found as the compiler finds it: from the target's
//! `main.rs`, through each module's `mod name;` or `#[path = "…"] mod
//! name;`. A test whose file cannot be found goes last, by name.

use crate::run::TestResult;

/// What marks a failure after the first one of an exercise: one mistake
/// often fails several tests, and the first in teaching order, the most
/// basic behaviour, names it most directly.
pub const MAY_FOLLOW: &str = "may follow from the failure above";
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Sorts `results`, the tests of the crate at `crate_dir` (named
/// `<target>::<module>::…::<function>`, as the runner names them), into
/// teaching order (see the module's documentation).
pub fn teaching_order(results: &mut [TestResult], crate_dir: &Path) {
    let mut sources = Sources::default();
    results.sort_by_cached_key(|result| sources.key(crate_dir, &result.name));
}

/// Where a test comes in teaching order: suite, group, whether its file
/// was not found (last), its file and place in it, its name.
type Key = (u8, u8, bool, PathBuf, usize, String);

/// Test source files, each read once.
#[derive(Default)]
struct Sources(HashMap<PathBuf, Option<String>>);

impl Sources {
    fn text(&mut self, path: &Path) -> Option<&str> {
        self.0
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(path).ok())
            .as_deref()
    }

    fn key(&mut self, crate_dir: &Path, name: &str) -> Key {
        let segments: Vec<&str> = name.split("::").collect();
        let (target, modules, function) = match segments.as_slice() {
            [target, modules @ .., function] => (*target, modules, *function),
            // A bare name, in no target.
            _ => ("", &[][..], name),
        };
        let suite = match target {
            "public" => 0,
            "hidden" => 1,
            _ => 2,
        };
        let group = if modules.iter().any(|m| m.starts_with("exercise")) {
            0
        } else {
            match modules.first().copied() {
                Some("behaviour" | "graded") => 1,
                Some("lesson") => 2,
                _ => 3,
            }
        };
        let place = self.place(crate_dir, target, modules, function);
        let lost = place.is_none();
        let (file, offset) = place.unwrap_or_default();
        (suite, group, lost, file, offset, name.to_owned())
    }

    /// The file that holds `function` and where in it, following the
    /// modules from the target's `main.rs`.
    fn place(
        &mut self,
        crate_dir: &Path,
        target: &str,
        modules: &[&str],
        function: &str,
    ) -> Option<(PathBuf, usize)> {
        let mut file = crate_dir.join("tests").join(target).join("main.rs");
        // `main.rs` (like `mod.rs`) looks for its modules beside it; any
        // other file, in a folder named after it.
        let mut owns_folder = true;
        for module in modules {
            let text = self.text(&file)?;
            let folder = file.parent()?.to_path_buf();
            file = match module_path_attribute(text, module) {
                Some(relative) => folder.join(relative),
                None if owns_folder => folder.join(format!("{module}.rs")),
                None => folder.join(file.file_stem()?).join(format!("{module}.rs")),
            };
            owns_folder = false;
        }
        let offset = self.text(&file)?.find(&format!("fn {function}("))?;
        Some((file, offset))
    }
}

/// The path in `#[path = "…"]` on the declaration `mod module;` in `text`,
/// if it has one (doc comments may come between the two).
fn module_path_attribute(text: &str, module: &str) -> Option<String> {
    let declaration = format!("mod {module};");
    let mut path = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#[path = \"") {
            path = rest.strip_suffix("\"]").map(str::to_owned);
        } else if line == declaration || line == format!("pub {declaration}") {
            return path;
        } else if !line.starts_with("//") && !line.starts_with("#[") {
            path = None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::TestStatus;

    fn result(name: &str) -> TestResult {
        TestResult {
            name: name.to_owned(),
            status: TestStatus::Fail,
            message: String::new(),
            killed: false,
            racing: false,
        }
    }

    /// A crate whose public tests run an earlier exercise's file through
    /// `#[path]`, as Exercise 4 runs Exercise 3's.
    fn crate_with_tests() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "this/tests/public/main.rs",
            "mod behaviour;\nmod exercise3;\nmod lesson;\nmod mine;\n",
        );
        write(
            "this/tests/public/behaviour.rs",
            "fn the_capacity_is_exact() {}\nfn each_pop_wakes_one() {}\n",
        );
        write(
            "this/tests/public/exercise3.rs",
            "/// Exercise 3's tests.\n#[path = \"../../../earlier/tests/public/behaviour.rs\"]\n\
             mod behaviour;\n",
        );
        write(
            "earlier/tests/public/behaviour.rs",
            "fn fifo() {}\nfn wakes_the_receiver() {}\nfn the_capacity_is_exact() {}\n",
        );
        write("this/tests/public/lesson.rs", "fn the_lessons_test() {}\n");
        write("this/tests/public/mine.rs", "fn my_own() {}\n");
        write("this/tests/hidden/main.rs", "mod graded;\n");
        write(
            "this/tests/hidden/graded.rs",
            "fn stress() {}\n#[path = \"x.rs\"]\nmod exercise3;\n",
        );
        write("this/tests/hidden/x.rs", "fn earlier_stress() {}\n");
        dir
    }

    #[test]
    fn the_earlier_exercise_comes_first_then_this_ones_behaviours_in_file_order() {
        let dir = crate_with_tests();
        let mut results: Vec<TestResult> = [
            "hidden::graded::stress",
            "hidden::graded::exercise3::earlier_stress",
            "public::mine::my_own",
            "public::lesson::the_lessons_test",
            "public::behaviour::each_pop_wakes_one",
            "public::behaviour::the_capacity_is_exact",
            "public::exercise3::behaviour::the_capacity_is_exact",
            "public::exercise3::behaviour::wakes_the_receiver",
            "public::exercise3::behaviour::fifo",
            "public::nowhere::lost",
        ]
        .into_iter()
        .map(result)
        .collect();
        teaching_order(&mut results, &dir.path().join("this"));
        let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "public::exercise3::behaviour::fifo",
                "public::exercise3::behaviour::wakes_the_receiver",
                "public::exercise3::behaviour::the_capacity_is_exact",
                "public::behaviour::the_capacity_is_exact",
                "public::behaviour::each_pop_wakes_one",
                "public::lesson::the_lessons_test",
                "public::mine::my_own",
                "public::nowhere::lost",
                "hidden::graded::exercise3::earlier_stress",
                "hidden::graded::stress",
            ]
        );
    }

    #[test]
    fn a_path_attribute_belongs_to_the_next_module_only() {
        let text = "#[path = \"a.rs\"]\n/// doc\nmod one;\nmod two;\n";
        assert_eq!(module_path_attribute(text, "one").as_deref(), Some("a.rs"));
        assert_eq!(module_path_attribute(text, "two"), None);
        assert_eq!(module_path_attribute(text, "three"), None);
    }
}
