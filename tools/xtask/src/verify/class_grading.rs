//! Verify's checks of grading at class scale, run end to end through the
//! command line as an instructor would:
//!
//! - a small class (a full mark, a submission one folder down with a
//!   deadlock, an empty folder, a zip that does not compile, a non-ASCII
//!   name, a name with terminal escape sequences, `.git` and `__MACOSX`)
//!   graded into a gradebook, JSON reports and a class report, with no
//!   control character reaching the terminal; then graded again in two
//!   shards whose merged gradebook must be the same file; and the rough
//!   edges (bad counts, a file for a folder, a bad report path) refused
//!   before anything is built;
//! - the Gradescope package holds only what grading needs, readable by its
//!   owner alone, and its trimmed lock file builds the grader; its
//!   `run_autograder`, run on a fake root holding a zipped submission, must
//!   print the sandbox's state and write a valid `results.json` with the
//!   right score and the sandbox's state for instructors.

use anyhow::{Context, Result, bail};
use lesson13_grader::report::{percent, round, show};
use lesson13_grader::workspace;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The instructors' binary, `lesson13-grader`, built (debug) as `cargo
/// xtask grade` builds it; once per run.
fn grader() -> Result<PathBuf> {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    if let Some(exe) = BUILT.get() {
        return Ok(exe.clone());
    }
    workspace::cargo(&["build", "--quiet", "--package", "lesson13-grader"], &[])?;
    let exe = workspace::target_dir()
        .join("debug")
        .join(format!("lesson13-grader{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        exe.is_file(),
        "no grader at {} after building it",
        exe.display()
    );
    Ok(BUILT.get_or_init(|| exe).clone())
}

/// Runs the grader with `args`, as `cargo xtask <args>` would.
fn xtask(args: &[&str], envs: &[(&str, &Path)]) -> Result<Output> {
    Command::new(grader()?)
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
        .output()
        .context("cannot run the grader")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs the grader and requires success.
fn ok(args: &[&str]) -> Result<String> {
    let output = xtask(args, &[])?;
    if output.status.success() {
        Ok(text(&output))
    } else {
        Err(anyhow::anyhow!(
            "`cargo xtask {}` failed:\n{}",
            args.join(" "),
            text(&output)
        ))
    }
}

/// Runs the grader and requires a failure that says `expected`.
fn refused(args: &[&str], expected: &str) -> Result<()> {
    let output = xtask(args, &[])?;
    let said = text(&output);
    if output.status.success() || !said.contains(expected) {
        bail!(
            "`cargo xtask {}` should fail saying {expected:?}, got ({}):\n{said}",
            args.join(" "),
            output.status
        );
    }
    Ok(())
}

fn place(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to.parent().expect("a file has a folder"))
        .with_context(|| format!("cannot create {}", to.display()))?;
    std::fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("cannot copy {}", from.display()))
}

fn zip_with(path: &Path, name: &str, from: &Path) -> Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    zip.start_file(name, zip::write::SimpleFileOptions::default())
        .and_then(|()| zip.write_all(&bytes).map_err(Into::into))
        .and_then(|()| zip.finish().map(drop))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Builds the class, grades it whole and in shards, and compares.
pub fn check_class(jobs: usize) -> Result<String> {
    let root = workspace::root();
    let scratch = workspace::temp_dir("class-check-")?;
    let dir = scratch.path();
    let class = dir.join("class");
    let solution = root.join("solutions/src/oneshot.rs");
    let deadlock = root.join("tools/xtask/fixtures/deadlocks-on-zero-sized-values.rs");
    let broken = root.join("tools/xtask/fixtures/does-not-compile.rs");
    place(&solution, &class.join("alice/lesson13-oneshot/src/lib.rs"))?;
    place(
        &deadlock,
        &class.join("Émile Zola/handin/lesson13-oneshot/src/lib.rs"),
    )?;
    place(&solution, &class.join(".git/lesson13-oneshot/src/lib.rs"))?;
    place(
        &solution,
        &class.join("__MACOSX/lesson13-oneshot/src/lib.rs"),
    )?;
    place(&broken, &class.join("grace/notes/oops.rs"))?;
    zip_with(&class.join("dave.zip"), "lesson13-oneshot.rs", &broken)?;
    // A name that would erase its own line and print a fake green row.
    let escapes = "mallory\u{1b}[2K\r\u{1b}[32m";
    place(
        &broken,
        &class.join(escapes).join("lesson13-oneshot/src/lib.rs"),
    )?;
    let class_s = path_str(&class)?;
    let jobs = jobs.to_string();

    // The rough edges, refused before anything is built.
    let a_file = class.join("dave.zip");
    refused(
        &["grade", "--submissions", class_s, "--parallel", "0"],
        "must be at least 1",
    )?;
    refused(
        &["grade", "--submissions", class_s, "--jobs", "0"],
        "must be at least 1",
    )?;
    refused(
        &["grade", "--submission", path_str(&solution)?],
        "is a file, not a folder",
    )?;
    refused(
        &["grade", "--submission", class_s, "--shard", "1/2"],
        "it goes with --submissions DIR",
    )?;
    refused(
        &[
            "grade",
            "--submissions",
            class_s,
            "--json",
            path_str(&a_file)?,
        ],
        "is inside the submissions folder",
    )?;
    let not_a_folder = dir.join("not-a-folder");
    std::fs::write(&not_a_folder, "")?;
    refused(
        &[
            "grade",
            "--submissions",
            class_s,
            "--json",
            path_str(&not_a_folder)?,
        ],
        "is a file, not a folder",
    )?;

    // The whole class.
    let whole = dir.join("whole");
    let (csv, report, json) = (
        whole.join("grades.csv"),
        whole.join("class.md"),
        whole.join("json"),
    );
    let said = ok(&[
        "grade",
        "--submissions",
        class_s,
        "--jobs",
        &jobs,
        "--csv",
        path_str(&csv)?,
        "--class-report",
        path_str(&report)?,
        "--json",
        path_str(&json)?,
    ])?;
    if let Some(line) = said.lines().find(|l| l.contains(['\u{1b}', '\r'])) {
        bail!("a control character reached the terminal: {line:?}");
    }
    let gradebook = std::fs::read_to_string(&csv).context("no gradebook")?;
    // Alice has Exercise 1 right; Émile Zola's deadlock fails one of its tests.
    let scheme = lesson13_grader::scheme::Scheme::load(None, &root)?;
    let (exercise, max) = (
        lesson13_runner::exercises::ALL[0],
        lesson13_runner::exercises::ALL.map(|e| scheme.points(e.krate)),
    );
    let (points, max) = (scheme.points(exercise.krate), max.iter().sum::<f64>());
    // What the exercise's tests weigh in all (a racing test weighs nothing);
    // the test Émile's deadlock fails weighs 1.
    let weights: f64 = lesson13_grader::engine::reference::reference_tests(&root, exercise)
        .iter()
        .map(|test| scheme.weight(exercise.krate, test))
        .sum();
    let row = |name: &str, points: f64| {
        let (points, percent) = (show(points), show(percent(points, max)));
        format!("{name},,,{name},,{points},0,0,0,{points},{percent}")
    };
    let expected_rows = [
        row("alice", points),
        row("dave", 0.0),
        row("grace", 0.0),
        row(escapes, 0.0),
        row("Émile Zola", round(points * (weights - 1.0) / weights)),
    ];
    // Each row's grades, without its notes (the last column).
    let rows: Vec<String> = csv::Reader::from_reader(gradebook.as_bytes())
        .records()
        .map(|r| r.map(|r| r.iter().take(11).collect::<Vec<_>>().join(",")))
        .collect::<Result<_, _>>()
        .context("the gradebook is not CSV")?;
    if rows != expected_rows {
        bail!("the gradebook is not the expected one:\n{gradebook}\n{said}");
    }
    for expected in [
        "files found in handin",
        "grace: no exercise found: found notes/oops.rs",
    ] {
        if !said.contains(expected) {
            bail!("the summary does not say {expected:?}:\n{said}");
        }
    }
    let page = std::fs::read_to_string(&report).context("no class report")?;
    for expected in [
        "## Scores",
        "## What the class did not get",
        "values_that_are_not_copy_arrive_intact",
    ] {
        if !page.contains(expected) {
            bail!("the class report lacks {expected:?}:\n{page}");
        }
    }
    let read_json = |path: &Path| -> Result<serde_json::Value> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}", path.display()))
    };
    let emile = read_json(&json.join("Émile Zola.json"))?;
    if emile["found_in"] != "handin" || emile["grader"]["graded_at"].as_str().is_none() {
        bail!("Émile Zola.json lacks found_in or grader: {emile}");
    }
    let grace = read_json(&json.join("grace.json"))?;
    if !grace["message"]
        .as_str()
        .is_some_and(|m| m.contains("found notes/oops.rs; expected"))
    {
        bail!("grace.json does not say what was found: {grace}");
    }

    // One submission, its reports in folders that do not exist yet.
    let (alone, results) = (
        dir.join("new/folder/alice.json"),
        dir.join("gs/results.json"),
    );
    ok(&[
        "grade",
        "--submission",
        path_str(&class.join("alice"))?,
        "--jobs",
        &jobs,
        "--json",
        path_str(&alone)?,
        "--gradescope",
        path_str(&results)?,
    ])?;
    let results = read_json(&results)?;
    if read_json(&alone)?["points"] != points || results["score"] != points {
        bail!("alice alone did not get {points} points: {results}");
    }

    // Two shards, merged.
    let shards = dir.join("shards");
    for shard in ["1/2", "2/2"] {
        let out = shards.join(shard.replace('/', "-of-"));
        ok(&[
            "grade",
            "--submissions",
            class_s,
            "--jobs",
            &jobs,
            "--shard",
            shard,
            "--json",
            path_str(&out)?,
        ])?;
    }
    let merged = shards.join("grades.csv");
    ok(&[
        "merge-reports",
        path_str(&shards.join("1-of-2"))?,
        path_str(&shards.join("2-of-2"))?,
        "--csv",
        path_str(&merged)?,
    ])?;
    let merged = std::fs::read_to_string(&merged).context("no merged gradebook")?;
    if merged != gradebook {
        bail!(
            "the merged shards' gradebook differs from the whole run's:\n{merged}\nvs\n{gradebook}"
        );
    }
    refused(
        &["merge-reports", path_str(&shards.join("1-of-2"))?],
        "no report of shard 2/2",
    )?;
    Ok(format!(
        "{} students graded whole and in 2 shards: the same gradebook; rough edges refused",
        expected_rows.len()
    ))
}

/// Builds the Gradescope package, unpacks it into a fake `/autograder`, and
/// runs its `run_autograder` on a zipped submission.
pub fn check_gradescope(_jobs: usize) -> Result<String> {
    let root = workspace::root();
    let scratch = workspace::temp_dir("gradescope-check-")?;
    let fake = scratch.path().join("autograder");
    let package = scratch.path().join("autograder.zip");
    ok(&["gradescope-autograder", path_str(&package)?])?;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&package)?)?;
    package_holds_what_grading_needs(&mut zip)?;
    zip.extract(fake.join("source"))
        .context("cannot unpack the package")?;
    // Its trimmed lock file is the grader's: `cargo build --locked` there
    // resolves the same crates (`cargo tree` resolves as a build does).
    let tree = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "--package",
            "lesson13-grader",
        ])
        .current_dir(fake.join("source"))
        .output()
        .context("could not run cargo")?;
    if !tree.status.success() {
        bail!(
            "the package's lock file does not build the grader:\n{}",
            String::from_utf8_lossy(&tree.stderr)
        );
    }
    // Gradescope copies run_autograder to the root, and puts the student's
    // upload in submission/.
    std::fs::copy(
        fake.join("source/run_autograder"),
        fake.join("run_autograder"),
    )
    .context("the package has no run_autograder")?;
    let submission = fake.join("submission");
    std::fs::create_dir_all(&submission)?;
    zip_with(
        &submission.join("handin.zip"),
        "handin/lesson13-oneshot/src/lib.rs",
        &root.join("solutions/src/oneshot.rs"),
    )?;
    let grader = grader()?;
    let output = Command::new("bash")
        .arg(fake.join("run_autograder"))
        .env("LESSON13_AUTOGRADER_ROOT", &fake)
        // The grader verify runs as, and the dependencies it built: setup.sh
        // (the toolchain and the release build) needs the network, and is
        // not run here.
        .env("LESSON13_GRADER", &grader)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .context("cannot run run_autograder")?;
    if !output.status.success() {
        bail!(
            "run_autograder failed ({}):\n{}",
            output.status,
            text(&output)
        );
    }
    let results = std::fs::read_to_string(fake.join("results/results.json")).map_err(|e| {
        anyhow::anyhow!(
            "run_autograder wrote no results.json: {e}\n{}",
            text(&output)
        )
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&results).context("results.json is not JSON")?;
    let tests = json["tests"].as_array().cloned().unwrap_or_default();
    let visible =
        |t: &serde_json::Value| t["name"].as_str().is_some_and(|n| n.contains(": public::"));
    let is_sandbox = |t: &&serde_json::Value| {
        t["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("sandbox (auto)"))
    };
    let sandbox = tests.iter().find(is_sandbox);
    let problems: Vec<&str> = [
        (json["score"] != 25.0, "score is not 25"),
        (json["max_score"] != 100.0, "max_score is not 100"),
        (!json["execution_time"].is_u64(), "no execution_time"),
        (
            json["stdout_visibility"] != "hidden",
            "stdout is not hidden",
        ),
        (tests.is_empty(), "no tests"),
        (
            tests.iter().any(|t| {
                ["name", "score", "max_score", "output", "visibility"]
                    .iter()
                    .any(|k| t.get(k).is_none())
            }),
            "a test lacks a field",
        ),
        (
            tests.iter().any(|t| {
                let expected = if visible(t) {
                    "visible"
                } else {
                    "after_published"
                };
                t["name"].as_str().is_some_and(|n| !n.ends_with(": build"))
                    && !is_sandbox(&t)
                    && t["visibility"] != expected
            }),
            "a test's visibility is wrong",
        ),
        (
            json["extra_data"]["found_in"] != "handin.zip: handin",
            "found_in is wrong",
        ),
        (
            json["extra_data"]["sandbox"]["active"]
                .as_array()
                .is_none_or(|a| a.is_empty()),
            "extra_data has no sandbox",
        ),
        (
            sandbox.is_none_or(|t| t["visibility"] != "hidden" || t["max_score"] != 0.0),
            "no sandbox entry for instructors alone",
        ),
        (
            !String::from_utf8_lossy(&output.stdout).contains("sandbox (auto):"),
            "run_autograder does not print the sandbox's state",
        ),
    ]
    .into_iter()
    .filter_map(|(bad, why)| bad.then_some(why))
    .collect();
    if !problems.is_empty() {
        bail!("results.json: {}:\n{results}", problems.join(", "));
    }
    Ok(format!(
        "the package holds only what grading needs, owner-only; run_autograder on a fake \
         root: results.json scores 25/100 over {} tests, with the sandbox's state",
        tests.len()
    ))
}

/// What the Gradescope package must hold, and must not: student code runs
/// in the same container.
const PACKAGE_HOLDS: [&str; 9] = [
    "setup.sh",
    "run_autograder",
    "grading.toml",
    "Cargo.toml",
    "Cargo.lock",
    "lesson13-oneshot/tests/hidden/graded.rs",
    "testkit/src/lib.rs",
    "tools/runner/src/lib.rs",
    "tools/grader/src/main.rs",
];
const PACKAGE_LEAVES_OUT: [&str; 9] = [
    "solutions/",
    "catalogue/",
    "bench/",
    "docs/",
    "tools/xtask/",
    "tools/student/",
    "tools/dispatch/",
    ".cargo/",
    "target/",
];

/// The package's file list: what grading needs, no solutions, catalogue,
/// fixtures, benchmarks or maintainers' tools, and nothing readable by
/// anyone but its owner.
fn package_holds_what_grading_needs(zip: &mut zip::ZipArchive<std::fs::File>) -> Result<()> {
    let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    let mut problems = Vec::new();
    for needed in PACKAGE_HOLDS {
        if !names.iter().any(|n| n == needed) {
            problems.push(format!("{needed} is missing"));
        }
    }
    for name in &names {
        let left_out = PACKAGE_LEAVES_OUT.iter().any(|p| name.starts_with(p));
        if left_out || name.split('/').any(|part| part == "fixtures") {
            problems.push(format!("{name} is packaged"));
        }
    }
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i)?;
        if entry.unix_mode().is_none_or(|mode| mode & 0o077 != 0) {
            problems.push(format!(
                "{} is open to others (mode {:o})",
                entry.name(),
                entry.unix_mode().unwrap_or(0)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("the Gradescope package: {}", problems.join("; "))
    }
}
