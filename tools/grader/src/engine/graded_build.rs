//! A submission's build and test run, in steps that keep the hidden tests'
//! text from the student:
//!
//! 1. the exercises' libraries alone, while the grading copy holds no
//!    hidden test: whatever the student's code reads as it compiles
//!    (`include_str!`, `#[path]`), the hidden tests are not there to read;
//! 2. the hidden tests in, then each exercise's one test binary (public and
//!    hidden tests, [`super::combined`]); its library must be found built,
//!    not compiled again beside them, or grading stops;
//! 3. the hidden tests out; for an exercise whose tests did not compile,
//!    its public tests alone are type-checked, so that a wrong signature is
//!    reported against the tests a student can read. Only when those
//!    compile are the hidden tests' errors shown, without their source
//!    (`lesson13_runner::diagnostic`).
//!
//! Then every test runs, each in its own process, and the exercise crates'
//! build output leaves the target folder (the compiled dependencies and the
//! testkit stay, for the next submission).

use super::combined;
use crate::grading_copy::GradingCopy;
use anyhow::{Result, bail};
use lesson13_runner::build::{self, Build, BuildJail, Step};
use lesson13_runner::exercises::Exercise;
use lesson13_runner::{self as runner, CrateRun, Options, TestBinary};
use std::path::{Path, PathBuf};

/// Each exercise crate's public test target.
const PUBLIC_TESTS: &str = "public";

/// Builds `exercises` in the grading copy and runs all their tests in one
/// pool: one [`CrateRun`] per exercise, in order.
pub fn build_and_run(
    copy: &GradingCopy,
    target: &Path,
    exercises: &[Exercise],
    options: &Options,
    jail: Option<&BuildJail>,
) -> Result<Vec<CrateRun>> {
    if exercises.is_empty() {
        return Ok(Vec::new());
    }
    let ws = copy.path();
    let built = build_steps(copy, &ws, target, exercises, options.locked, jail);
    let ran = built.and_then(|builds| run(&ws, exercises, builds, options));
    remove_build_output(target);
    ran
}

/// The three build steps (see the module): one [`Build`] per exercise.
fn build_steps(
    copy: &GradingCopy,
    ws: &Path,
    target: &Path,
    exercises: &[Exercise],
    locked: bool,
    jail: Option<&BuildJail>,
) -> Result<Vec<Build>> {
    let krates: Vec<&str> = exercises.iter().map(|e| e.krate).collect();
    let cargo = |krates: &[&str], step| {
        build::build_graded(ws, krates, step, target, locked, jail).map_err(anyhow::Error::msg)
    };
    // 1. The libraries, with no hidden test in the copy.
    let mut builds = cargo(&krates, Step::Libraries)?.builds;
    let compiled: Vec<&str> = pending(&krates, &builds);
    if compiled.is_empty() {
        return Ok(builds);
    }
    // 2. The tests, hidden ones included.
    copy.add_hidden_tests()?;
    for krate in &compiled {
        combined::write_target(&ws.join(krate))?;
    }
    let tests = cargo(&compiled, Step::Tests(combined::TARGET));
    copy.remove_hidden_tests()?;
    let tests = tests?;
    if let Some(krate) = tests.compiled_libraries.first() {
        bail!(
            "{krate}'s library was compiled again while the hidden tests were in the grading \
             copy, so it could have read them: grading stopped (a grader bug)"
        );
    }
    let mut tests = tests.builds.into_iter();
    for (krate, build) in krates.iter().zip(&mut builds) {
        if compiled.contains(krate) {
            *build = tests.next().unwrap_or(Build::CompileError(String::new()));
        }
    }
    // 3. What the public tests say of those that did not compile.
    let failed: Vec<&str> = krates
        .iter()
        .zip(&builds)
        .filter(|(_, b)| matches!(b, Build::CompileError(_)))
        .map(|(k, _)| *k)
        .filter(|k| compiled.contains(k))
        .collect();
    if !failed.is_empty() {
        let mut checked = cargo(&failed, Step::Check(PUBLIC_TESTS))?
            .builds
            .into_iter();
        for (krate, build) in krates.iter().zip(&mut builds) {
            if failed.contains(krate)
                && let Some(public @ Build::CompileError(_)) = checked.next()
            {
                *build = public;
            }
        }
    }
    Ok(builds)
}

/// The crates whose build so far succeeded.
fn pending<'a>(krates: &[&'a str], builds: &[Build]) -> Vec<&'a str> {
    krates
        .iter()
        .zip(builds)
        .filter(|(_, b)| matches!(b, Build::Built { .. }))
        .map(|(k, _)| *k)
        .collect()
}

/// Runs the tests of every exercise that built, in one pool.
fn run(
    ws: &Path,
    exercises: &[Exercise],
    builds: Vec<Build>,
    options: &Options,
) -> Result<Vec<CrateRun>> {
    let dirs: Vec<PathBuf> = exercises.iter().map(|e| ws.join(e.krate)).collect();
    let built: Vec<(&[TestBinary], &Path)> = builds
        .iter()
        .zip(&dirs)
        .filter_map(|(build, dir)| match build {
            Build::Built { binaries, .. } => Some((binaries.as_slice(), dir.as_path())),
            Build::CompileError(_) => None,
        })
        .collect();
    let mut results = runner::run_crates(&built, options)
        .map_err(anyhow::Error::msg)?
        .into_iter();
    Ok(builds
        .into_iter()
        .map(|build| match build {
            Build::Built { .. } => CrateRun::Ran(results.next().unwrap_or_default()),
            Build::CompileError(errors) => CrateRun::CompileError(errors),
        })
        .collect())
}

/// Every file the exercise crates' builds left in `target` (their
/// libraries, test binaries, cargo's records of them), so that a
/// submission's build output does not outlive its grading; what the
/// dependencies and the testkit compiled to stays.
pub fn remove_build_output(target: &Path) {
    let ours = |name: &str| {
        let name = name.trim_start_matches("lib");
        lesson13_runner::exercises::ALL
            .iter()
            .map(|e| e.krate)
            .chain([combined::TARGET, PUBLIC_TESTS, "hidden"])
            .any(|k| {
                let stem = k.replace('-', "_");
                [k.to_owned(), stem].iter().any(|k| {
                    name.starts_with(&format!("{k}-")) || name.starts_with(&format!("{k}."))
                })
            })
    };
    let profile = target.join("debug");
    for dir in [
        profile.join("deps"),
        profile.join(".fingerprint"),
        profile.clone(),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            if !entry.file_name().to_str().is_some_and(ours) {
                continue;
            }
            let path = entry.path();
            let _ = match entry.file_type() {
                Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
                _ => std::fs::remove_file(&path),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exercise_crates_output_goes_and_the_dependencies_stay() {
        let target = tempfile::tempdir().unwrap();
        let debug = target.path().join("debug");
        let gone = [
            "deps/liblesson13_oneshot-0123.rlib",
            "deps/liblesson13_oneshot-0123.rmeta",
            "deps/lesson13_oneshot-0123.d",
            "deps/lesson13_grader-4567",
            "deps/lesson13_grader-4567.d",
            "deps/libpublic-89ab.rmeta",
            ".fingerprint/lesson13-bounded-cdef/lib-lesson13_bounded",
            "liblesson13_mpsc.rlib",
            "liblesson13_mpsc.d",
        ];
        let kept = [
            "deps/libtokio-0123.rlib",
            "deps/liblesson13_testkit-0123.rlib",
            ".fingerprint/tokio-0123/lib-tokio",
            ".fingerprint/lesson13-testkit-0123/lib-lesson13_testkit",
        ];
        for file in gone.iter().chain(&kept) {
            let path = debug.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "").unwrap();
        }
        remove_build_output(target.path());
        for file in gone {
            assert!(!debug.join(file).exists(), "{file} is still there");
        }
        for file in kept {
            assert!(debug.join(file).exists(), "{file} was removed");
        }
        assert!(!debug.join(".fingerprint/lesson13-bounded-cdef").exists());
    }
}
