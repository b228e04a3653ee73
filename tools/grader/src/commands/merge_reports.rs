//! `cargo xtask merge-reports DIR...`: joins the per-student JSON reports of
//! sharded runs (`grade --submissions … --shard K/N --json DIR`) into one
//! summary, gradebook and class report: the same ones an unsharded run
//! writes.
//!
//! A student found twice, a file that is not a report, or a shard that is
//! missing (each sharded report records how many shards and students the
//! class has) is an error, never a silently short gradebook.

use crate::report::json::Stored;
use crate::report::{self, StudentReport, paths, terminal};
use crate::scheme::Scheme;
use crate::shard::ShardInfo;
use crate::{submissions, workspace};
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The options of `cargo xtask merge-reports`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The --json folders of the sharded runs.
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// Write the gradebook as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the Markdown class report.
    #[arg(long, value_name = "FILE")]
    class_report: Option<PathBuf>,
    /// The grading scheme, for the class report's misconceptions (the
    /// points are the reports' own) [default: grading.toml].
    #[arg(long, value_name = "FILE")]
    scheme: Option<PathBuf>,
}

/// Runs `cargo xtask merge-reports`.
pub fn run(args: &Args) -> Result<()> {
    let scheme = Scheme::load(args.scheme.as_deref(), &workspace::root())?;
    let wanted: Vec<paths::Output> = [("--csv", &args.csv), ("--class-report", &args.class_report)]
        .into_iter()
        .filter_map(|(flag, path)| {
            path.as_deref().map(|path| paths::Output {
                flag,
                path,
                kind: paths::Kind::File,
            })
        })
        .collect();
    paths::prepare(&wanted, None)?;
    let reports = read(&args.dirs)?;
    println!(
        "merged {} student reports from {} folders",
        reports.len(),
        args.dirs.len()
    );
    terminal::print_summary(&reports);
    report::write_class_files(
        &reports,
        &scheme,
        args.csv.as_deref(),
        args.class_report.as_deref(),
    )
}

/// Reads every `<student>.json` of `dirs`, sorted by student, and checks
/// that together they are one whole class.
pub fn read(dirs: &[PathBuf]) -> Result<Vec<StudentReport>> {
    let mut found: BTreeMap<String, (PathBuf, StudentReport)> = BTreeMap::new();
    let mut shards: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    let mut unsharded = 0;
    let mut seen = BTreeSet::new();
    for dir in dirs {
        submissions::folder_or_explain(dir, "merge-reports")?;
        let same = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if !seen.insert(same) {
            bail!(
                "{} is named twice: give each shard's --json folder once",
                dir.display()
            );
        }
        for path in json_files(dir)? {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let stored: Stored = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a student report of `cargo xtask grade --json`",
                    path.display()
                )
            })?;
            let (shard, report) = match stored {
                Stored::Graded(report) => (report.shard, Ok(*report)),
                Stored::Failed { error, shard, .. } => (shard, Err(error)),
            };
            match shard {
                Some(ShardInfo {
                    index,
                    count,
                    class_size,
                }) => {
                    shards.insert((index, count, class_size));
                }
                None => unsharded += 1,
            }
            if let Some((other, _)) = found.get(&name) {
                bail!(
                    "student {name:?} was graded twice: {} and {}",
                    other.display(),
                    path.display()
                );
            }
            found.insert(name.clone(), (path, (name, report)));
        }
    }
    check_whole(&shards, unsharded, found.len())?;
    Ok(found.into_values().map(|(_, report)| report).collect())
}

/// Every sharded report must agree on the shard count and class size, and
/// every shard must be there.
fn check_whole(
    shards: &BTreeSet<(usize, usize, usize)>,
    unsharded: usize,
    merged: usize,
) -> Result<()> {
    if merged == 0 {
        bail!("no student report (<student>.json) in these folders");
    }
    let Some(&(_, count, class_size)) = shards.iter().next() else {
        return Ok(());
    };
    if unsharded > 0
        || shards
            .iter()
            .any(|&(_, c, s)| (c, s) != (count, class_size))
    {
        bail!(
            "these reports come from different runs (different --shard N or class \
             folders, or a mix of sharded and unsharded runs): merge the folders of one \
             sharded run"
        );
    }
    let present: BTreeSet<usize> = shards.iter().map(|&(index, ..)| index).collect();
    let missing: Vec<String> = (1..=count)
        .filter(|i| !present.contains(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() || merged != class_size {
        bail!(
            "the class has {class_size} students in {count} shards, but these folders hold \
             {merged} reports{}: add the missing shards' folders",
            if missing.is_empty() {
                String::new()
            } else {
                format!(" and no report of shard {}", missing.join(", "))
            }
        );
    }
    Ok(())
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::write_student;
    use crate::report::tests::exercise;
    use crate::report::{Report, Status};
    use crate::shard::Shard;
    use lesson13_runner::TestStatus;

    /// A class of five, as an unsharded run and as two shards would write it.
    fn class() -> Vec<StudentReport> {
        let scheme = Scheme::default();
        ["alice", "bob", "carol", "dave", "Émile Zola"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                if i == 3 {
                    return (name.to_string(), Err("cannot copy".to_owned()));
                }
                let status = if i % 2 == 0 {
                    TestStatus::Pass
                } else {
                    TestStatus::Fail
                };
                let mut report = Report::new(vec![exercise(
                    "lesson13-oneshot",
                    Status::Fail,
                    &[
                        ("hidden::graded::a", status),
                        ("hidden::graded::b", TestStatus::Pass),
                    ],
                )]);
                crate::report::score::score(&scheme, &mut report);
                (name.to_string(), Ok(report))
            })
            .collect()
    }

    fn write_shard(dir: &Path, shard: Shard, reports: &[StudentReport]) {
        let info = ShardInfo {
            index: shard.index,
            count: shard.count,
            class_size: reports.len(),
        };
        for (name, report) in shard.select(reports.to_vec()) {
            let report = report.map(|mut r| {
                r.shard = Some(info);
                r
            });
            write_student(&report, Some(info), &dir.join(format!("{name}.json"))).unwrap();
        }
    }

    #[test]
    fn merged_shards_give_the_unsharded_gradebook() {
        let reports = class();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_shard(a.path(), Shard { index: 1, count: 2 }, &reports);
        write_shard(b.path(), Shard { index: 2, count: 2 }, &reports);
        let merged = read(&[a.path().into(), b.path().into()]).unwrap();
        assert_eq!(report::csv::rows(&merged), report::csv::rows(&reports));
    }

    #[test]
    fn a_missing_shard_or_a_student_graded_twice_is_an_error() {
        let reports = class();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_shard(a.path(), Shard { index: 1, count: 2 }, &reports);
        let error = read(&[a.path().into()])
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(error.contains("no report of shard 2/2"), "{error}");
        write_shard(b.path(), Shard { index: 1, count: 2 }, &reports);
        let error = read(&[a.path().into(), b.path().into()])
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(error.contains("was graded twice"), "{error}");
        let error = read(&[a.path().into(), a.path().into()])
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(error.contains("is named twice"), "{error}");
    }

    #[test]
    fn a_file_that_is_not_a_report_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), "{\"name\": 1}").unwrap();
        let error = read(&[dir.path().into()])
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(
            error.contains("package.json is not a student report"),
            "{error}"
        );
    }
}
