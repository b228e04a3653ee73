//! `cargo xtask bench-summary`: the table of `cargo bench -p lesson13-bench`.
//!
//! Reads what criterion saved for each bench,
//! `<target>/criterion/<workload>/<implementation>/new/{benchmark,estimates}.json`,
//! and prints one line per workload: ns per message for each implementation,
//! and the ratio of the solutions (and a student's crates, if benchmarked) to
//! tokio. The table is Markdown, ready for the README.

use anyhow::{Context, Result, bail};
use lesson13_grader::workspace;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The workloads in the order of the table: each MPSC workload with its
/// consumer a task, then on the `block_on` thread (`_main`); any others
/// found follow.
const WORKLOADS: &[&str] = &[
    "unbounded_1p",
    "unbounded_1p_main",
    "unbounded_4p",
    "unbounded_4p_main",
    "bounded1_1p",
    "bounded1_1p_main",
    "bounded16_4p",
    "bounded16_4p_main",
    "bounded1024_4p",
    "bounded1024_4p_main",
    "oneshot_reqrep",
    "oneshot_inline",
];

/// The implementations in column order; any others found follow.
const IMPLEMENTATIONS: &[&str] = &[
    "solutions",
    "solutions-ex1",
    "student",
    "student-ex1",
    "tokio",
    "futures",
    "async-channel",
    "flume",
];

/// What every ratio is taken against.
const BASELINE: &str = "tokio";

/// Benches of one workload that ran this much earlier than its latest bench
/// are from an earlier `cargo bench` run, and are marked as such.
const SAME_RUN: Duration = Duration::from_secs(5 * 60);

/// One bench's result.
struct Measurement {
    ns_per_message: f64,
    written: SystemTime,
}

/// Prints the summary table of the saved benchmark results.
pub fn run() -> Result<()> {
    let dir = criterion_dir();
    let results = read_results(&dir)?;
    if results.is_empty() {
        bail!(
            "no benchmark results in {}: run `cargo bench -p lesson13-bench` first",
            dir.display()
        );
    }
    println!("{}", table(&results));
    println!(
        "ns per message: the median of criterion's samples, divided by the messages \
         (or oneshots, or round trips) per iteration. Ratio: to {BASELINE}'s time, from the same run; \
         below 1.00 is faster than {BASELINE}.\nFrom {}; plots in {}.",
        dir.display(),
        dir.join("report").join("index.html").display()
    );
    Ok(())
}

/// Where criterion saves its results, by criterion's own rules.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    workspace::target_dir().join("criterion")
}

/// Every saved result, by workload, then implementation.
type Results = BTreeMap<String, BTreeMap<String, Measurement>>;

fn read_results(dir: &Path) -> Result<Results> {
    let mut results = Results::new();
    let Ok(workloads) = std::fs::read_dir(dir) else {
        return Ok(results); // no benchmark has run yet
    };
    for workload in workloads.flatten() {
        let Ok(benches) = std::fs::read_dir(workload.path()) else {
            continue; // not a folder
        };
        for bench in benches.flatten() {
            let new = bench.path().join("new");
            if !new.join("estimates.json").is_file() {
                continue; // criterion's `report` folder
            }
            let (workload, implementation, result) = read_result(&new)?;
            results
                .entry(workload)
                .or_default()
                .insert(implementation, result);
        }
    }
    Ok(results)
}

/// One bench's workload, implementation and result, from its `new` folder.
fn read_result(new: &Path) -> Result<(String, String, Measurement)> {
    let read = |name: &str| -> Result<Value> {
        let path = new.join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}", path.display()))
    };
    let benchmark = read("benchmark.json")?;
    let estimates = read("estimates.json")?;
    let field = |value: &Value, pointer: &str| {
        value.pointer(pointer).cloned().with_context(|| {
            format!(
                "{}: no {pointer} (saved by another criterion version?)",
                new.display()
            )
        })
    };
    let text = |value: Value| value.as_str().map(str::to_owned).unwrap_or_default();
    let workload = text(field(&benchmark, "/group_id")?);
    let implementation = text(field(&benchmark, "/function_id")?);
    let messages = field(&benchmark, "/throughput/Elements")?
        .as_f64()
        .unwrap_or(1.0);
    let median_ns = field(&estimates, "/median/point_estimate")?
        .as_f64()
        .unwrap_or(f64::NAN);
    let written = std::fs::metadata(new.join("estimates.json"))
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let result = Measurement {
        ns_per_message: median_ns / messages,
        written,
    };
    Ok((workload, implementation, result))
}

/// Known names first, in their order, then the others alphabetically.
fn ordered<'a>(known: &[&'a str], found: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    let found: Vec<&str> = found.map(String::as_str).collect();
    let mut names: Vec<&str> = known
        .iter()
        .copied()
        .filter(|name| found.contains(name))
        .collect();
    for name in found {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The lesson's channels (solutions or student): each gets a ratio column.
fn is_lessons(implementation: &str) -> bool {
    implementation.starts_with("solutions") || implementation.starts_with("student")
}

fn table(results: &Results) -> String {
    let workloads = ordered(WORKLOADS, results.keys());
    let implementations = ordered(
        IMPLEMENTATIONS,
        results
            .values()
            .flat_map(BTreeMap::keys)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter(),
    );
    let ratios: Vec<&str> = implementations
        .iter()
        .copied()
        .filter(|name| is_lessons(name))
        .collect();

    let mut header = vec!["workload (ns/message)".to_owned()];
    header.extend(implementations.iter().map(|name| name.to_string()));
    header.extend(ratios.iter().map(|name| format!("{name}/{BASELINE}")));
    let mut rows = vec![header];
    let mut stale = false;
    for workload in workloads {
        let benches = &results[workload];
        let latest = benches.values().map(|r| r.written).max();
        let from_this_run = |result: &Measurement| {
            latest.is_none_or(|latest| {
                latest.duration_since(result.written).unwrap_or_default() <= SAME_RUN
            })
        };
        let mut row = vec![workload.to_owned()];
        for implementation in &implementations {
            row.push(match benches.get(*implementation) {
                Some(result) if from_this_run(result) => format!("{:.1}", result.ns_per_message),
                Some(result) => {
                    stale = true;
                    format!("{:.1}*", result.ns_per_message)
                }
                None => "-".to_owned(),
            });
        }
        let baseline = benches.get(BASELINE).filter(|r| from_this_run(r));
        for implementation in &ratios {
            row.push(
                match (
                    benches.get(*implementation).filter(|r| from_this_run(r)),
                    baseline,
                ) {
                    (Some(ours), Some(theirs)) => {
                        format!("{:.2}", ours.ns_per_message / theirs.ns_per_message)
                    }
                    _ => "-".to_owned(),
                },
            );
        }
        rows.push(row);
    }

    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|row| row[c].len()).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let cells = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, width))| {
                if c == 0 {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            });
        out.push(line(cells.collect()));
        if i == 0 {
            let rule = widths.iter().enumerate().map(|(c, width)| {
                let dashes = "-".repeat(width.saturating_sub(1).max(2));
                if c == 0 {
                    format!("{dashes}-")
                } else {
                    format!("{dashes}:")
                }
            });
            out.push(line(rule.collect()));
        }
    }
    if stale {
        out.push(String::new());
        out.push(format!(
            "* from an earlier `cargo bench` run than the rest of its row (more than {} min \
             earlier): no ratio. Run the whole workload again.",
            SAME_RUN.as_secs() / 60
        ));
    }
    out.join("\n")
}
