//! The instructors' commands: `grade`, `merge-reports`,
//! `gradescope-autograder` and `gradescope-run`, as `lesson13-grader`
//! (and `cargo xtask`) parse them.

use crate::commands::{grade, gradescope, merge_reports};
use crate::default_jobs;
use anyhow::Result;

/// The instructors' commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Grade this workspace as it stands, one submission (--submission DIR)
    /// or one per student (--submissions DIR), into a table with points,
    /// JSON, JUnit, a CSV gradebook, Gradescope's results.json and a class
    /// report.
    ///
    /// A submission holds `<crate>/src/lib.rs` for any of lesson13-oneshot,
    /// lesson13-oneshot-drop, lesson13-mpsc and lesson13-bounded: at its
    /// top, or one folder down when it holds a single folder; else loose
    /// files named after their exercise (lesson13-oneshot.rs or oneshot.rs);
    /// else in its one .zip. A whole copy of the student workspace works,
    /// and everything in it but those files is ignored. A submission that
    /// is or holds a symbolic link, a hard link or a special file, or is too
    /// large, is refused unread, with the reason. The files are put
    /// into a clean copy of this workspace, so the tests (public and hidden)
    /// and the dependencies are the instructor's. Each test runs in its own
    /// process under a time limit, in a sandbox (see --sandbox), and passes
    /// only when the test harness proves that its body returned.
    /// Dot-folders and __MACOSX are not students.
    ///
    /// Each exercise is graded pass, fail, compile_error, rejected (its
    /// lib.rs names something off limits: it is not built), timeout or
    /// missing, with every test's result and failure message, and points
    /// from the grading scheme (grading.toml: 25 points per exercise,
    /// shared among its tests by weight, 1 each unless set).
    ///
    /// Every report path is checked, and its folder created, before
    /// grading starts.
    ///
    /// Exit status: 0 whenever grading ran, whatever the grade; non-zero
    /// only if grading itself could not run: a missing folder, a
    /// --submission folder with no exercise in it, an unwritable report
    /// file, cargo not found. (With --submissions, a student folder with no
    /// exercise is graded 0, all missing, and the run goes on.)
    Grade(grade::Args),
    /// Join the per-student JSON reports of sharded runs (grade
    /// --submissions DIR --shard K/N --json OUT_K) into one summary,
    /// gradebook and class report: the same as an unsharded run's. Fails if
    /// a shard is missing or a student was graded twice.
    MergeReports(merge_reports::Args),
    /// Write Gradescope's autograder package to OUT (a .zip to upload):
    /// setup.sh installs the pinned toolchain and pre-builds the
    /// dependencies; run_autograder grades /autograder/submission into
    /// /autograder/results/results.json.
    GradescopeAutograder {
        /// The .zip to write.
        out: std::path::PathBuf,
        /// The Rust toolchain setup.sh installs [default: the one this
        /// workspace builds with, e.g. 1.95.0].
        #[arg(long)]
        toolchain: Option<String>,
    },
    /// What the Gradescope package's run_autograder runs: grade
    /// ROOT/submission into ROOT/results/results.json.
    GradescopeRun {
        /// The autograder's root [default: $LESSON13_AUTOGRADER_ROOT, else
        /// /autograder].
        #[arg(long, value_name = "ROOT")]
        autograder_root: Option<std::path::PathBuf>,
        /// How many test processes at once.
        #[arg(long, default_value_t = default_jobs(), value_parser = grade::at_least_one)]
        jobs: usize,
    },
}

/// Runs one of the instructors' commands.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Grade(args) => grade::run(&args),
        Command::MergeReports(args) => merge_reports::run(&args),
        Command::GradescopeAutograder { out, toolchain } => gradescope::package(
            &out,
            toolchain.as_deref(),
        )
        .map(|summary| {
            println!(
                "wrote the Gradescope autograder to {}: {} files, Rust {}, commit {}",
                out.display(),
                summary.files,
                summary.toolchain,
                if summary.commit.is_empty() {
                    "unknown"
                } else {
                    &summary.commit
                }
            );
            println!(
                "upload it as the assignment's autograder (Configure Autograder → Zip file upload)"
            );
        }),
        Command::GradescopeRun {
            autograder_root,
            jobs,
        } => gradescope::run(&gradescope::root(autograder_root.as_deref()), jobs),
    }
}
