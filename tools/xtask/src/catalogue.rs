//! `cargo xtask catalogue`: proves that the tests catch realistic student
//! bugs and pass correct channels that are not the reference solutions.
//!
//! `catalogue/<crate>/` holds two kinds of entry:
//!
//! - `<name>.patch`: one realistic mistake, as a diff against the exercise's
//!   reference solution under a `# Bug:` and a `# Caught by:` line. The
//!   patched solution must compile, and fail the tests that `Caught by`
//!   names, by an assertion or their own deadline, never by the runner's
//!   outer time limit. A patch that no longer applies fails, and says how to
//!   re-express it.
//! - `correct-<name>.rs`: a different correct channel (a thin wrapper over
//!   tokio's, futures' or async-channel's, say), whole, that must pass every
//!   test.
//!
//! The files:
//!
//! - [`entry`]: reading entries and the `lib.rs` each stands for;
//! - [`patch`]: the patch header, applying and making patches (`diffy`);
//! - [`run`]: building and testing many entries in a row, fast;
//! - [`verdict`]: caught, passing, and the first message a student sees;
//! - [`table`]: the kill table and the public tests' catch rates;
//! - [`new`]: `--new`, which turns an edited copy of a solution into a patch.

pub mod entry;
pub mod new;
pub mod patch;
pub mod run;
pub mod table;
pub mod verdict;

use anyhow::{Result, bail};
use std::path::PathBuf;

/// The options of `cargo xtask catalogue` (documented on `Command::Catalogue`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only the entries whose `<crate>/<name>` contains this.
    #[arg(long, value_name = "TEXT")]
    only: Option<String>,
    /// How many test processes each entry runs at once.
    #[arg(long, value_name = "N", default_value_t = lesson13_grader::default_jobs(), value_parser = lesson13_grader::commands::grade::at_least_one)]
    jobs: usize,
    /// Also print, per bug, the first message a student would see: the
    /// first failing public test's, or if the public tests all pass, the
    /// grade's first.
    #[arg(long)]
    messages: bool,
    /// Write the bug CRATE/NAME as a patch: the difference between the
    /// exercise's solution and the edited copy given with --from. Then run
    /// it, and check that its `Caught by` tests fail.
    #[arg(long, value_name = "CRATE/NAME", requires = "from")]
    new: Option<String>,
    /// With --new: the edited copy of `solutions/src/<exercise>.rs`.
    #[arg(long, value_name = "FILE", requires = "new")]
    from: Option<PathBuf>,
    /// With --new: the mistake, in one sentence (kept from the existing
    /// entry if not given).
    #[arg(long, value_name = "SENTENCE", requires = "new")]
    bug: Option<String>,
    /// With --new: the tests (function names, comma-separated) that must
    /// fail on the bug. Without it, an existing entry's are kept, and a new
    /// entry's are measured: the tests that fail in two runs, up to three.
    #[arg(long, value_name = "TESTS", requires = "new", value_delimiter = ',')]
    caught_by: Vec<String>,
}

/// Runs `cargo xtask catalogue`.
pub fn command(args: Args) -> Result<String> {
    if let (Some(id), Some(from)) = (&args.new, &args.from) {
        let bug = new::NewBug {
            id,
            from,
            bug: args.bug,
            caught_by: args.caught_by,
        };
        return new::run(bug, args.jobs);
    }
    check(args.only.as_deref(), args.jobs, args.messages)
}

/// Runs the catalogue (the entries whose id contains `only`, if given),
/// prints the kill table and the public tests' catch rates, and fails if a
/// patch is stale, a bug survived or missed its `Caught by` tests, or a
/// correct channel failed.
pub fn check(only: Option<&str>, jobs: usize, messages: bool) -> Result<String> {
    let root = lesson13_grader::workspace::root();
    let selected: Vec<entry::Entry> = entry::entries(&root)?
        .into_iter()
        .filter(|e| only.is_none_or(|o| e.id().contains(o)))
        .collect();
    if selected.is_empty() {
        bail!("no catalogue entries selected");
    }
    let total = selected.len();
    let outcomes = run::run(&root, &selected, jobs, &|done, outcome| {
        println!("{}", table::progress(done, total, outcome));
    })?;
    table::print_kill_table(&outcomes);
    if messages {
        table::print_messages(&outcomes);
    }
    let rates = table::public_catch_rates(&outcomes);
    println!();
    for rate in &rates {
        println!("  {rate}");
    }
    let problems: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.problem().map(|p| format!("{}: {p}", o.entry.id())))
        .collect();
    let bugs = outcomes.iter().filter(|o| o.entry.is_bug()).count();
    let correct = outcomes.len() - bugs;
    let public = outcomes
        .iter()
        .filter(|o| o.entry.is_bug() && o.caught_by_public())
        .count();
    if problems.is_empty() {
        Ok(format!(
            "{}, all caught by the tests their headers name ({public} by the public tests \
             alone); {}, all pass",
            table::count(bugs, "bug"),
            table::count(correct, "correct channel")
        ))
    } else {
        Err(anyhow::anyhow!("{}", problems.join("\n")))
    }
}
