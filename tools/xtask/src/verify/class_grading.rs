//! Verify's checks of grading at class scale, run end to end through the
//! command line as an instructor would:
//!
//! - a small class (a full mark, a submission one folder down with a
//!   deadlock, an empty folder, a zip that does not compile, a non-ASCII
//!   name, `.git` and `__MACOSX`) graded into a gradebook, JSON reports and
//!   a class report; then graded again in two shards whose merged gradebook
//!   must be the same file; and the rough edges (bad counts, a file for a
//!   folder, a bad report path) refused before anything is built;
//! - the Gradescope package's `run_autograder`, run on a fake root holding
//!   a zipped submission, must write a valid `results.json` with the right
//!   score.

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
    let gradebook = std::fs::read_to_string(&csv).context("no gradebook")?;
    // Alice has Exercise 1 right; Émile Zola's deadlock fails one of its tests.
    let scheme = lesson13_grader::scheme::Scheme::load(None, &root)?;
    let (exercise, max) = (
        lesson13_runner::exercises::ALL[0],
        lesson13_runner::exercises::ALL.map(|e| scheme.points(e.krate)),
    );
    let (points, max) = (scheme.points(exercise.krate), max.iter().sum::<f64>());
    let tests = lesson13_grader::engine::reference::reference_test_count(&root, exercise) as f64;
    let row = |name: &str, points: f64| {
        let (points, percent) = (show(points), show(percent(points, max)));
        format!("{name},,,{name},,{points},0,0,0,{points},{percent}")
    };
    let expected_rows = [
        row("alice", points),
        row("dave", 0.0),
        row("grace", 0.0),
        row("Émile Zola", round(points * (tests - 1.0) / tests)),
    ];
    let rows: Vec<&str> = gradebook.lines().skip(1).collect();
    if rows != expected_rows.iter().map(String::as_str).collect::<Vec<_>>() {
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
    let file = std::fs::File::open(&package)?;
    zip::ZipArchive::new(file)
        .and_then(|mut zip| zip.extract(fake.join("source")))
        .context("cannot unpack the package")?;
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
                    && t["visibility"] != expected
            }),
            "a test's visibility is wrong",
        ),
        (
            json["extra_data"]["found_in"] != "handin.zip: handin",
            "found_in is wrong",
        ),
    ]
    .into_iter()
    .filter_map(|(bad, why)| bad.then_some(why))
    .collect();
    if !problems.is_empty() {
        bail!("results.json: {}:\n{results}", problems.join(", "));
    }
    Ok(format!(
        "run_autograder on a fake root: results.json scores 25/100 over {} tests",
        tests.len()
    ))
}
