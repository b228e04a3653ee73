//! `cargo xtask flakes`: runs the solutions' test binaries (every public and
//! hidden test) many times, with libtest's default thread count and with
//! `--test-threads=1`, and counts the failures. A correct channel must never
//! fail, however the threads are scheduled.

use anyhow::{Context, Result, bail};
use lesson13_grader::workspace;
use lesson13_runner::{self as runner, Build};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs every solutions test binary `runs` times in each thread setting.
pub fn run(runs: usize) -> Result<String> {
    let root = workspace::root();
    // A target folder of its own: a build elsewhere must not replace the
    // binaries while they run.
    let target = workspace::scratch_target_dir().join("flakes");
    let binaries = match runner::build(&root, "solutions", &target, true, runner::Code::Trusted)
        .map_err(anyhow::Error::msg)?
    {
        Build::Built { binaries, .. } => binaries,
        Build::CompileError(errors) => {
            bail!("the solutions' tests do not compile:\n{errors}");
        }
    };
    let started = Instant::now();
    let mut failures = Vec::new();
    for threads in [None, Some("--test-threads=1")] {
        let setting = threads.unwrap_or("default threads");
        for run in 1..=runs {
            for binary in &binaries {
                let output = Command::new(&binary.path)
                    .args(threads)
                    .arg("--quiet")
                    .current_dir(root.join("solutions"))
                    .stdin(Stdio::null())
                    .output()
                    .with_context(|| format!("could not run {}", binary.path.display()))?;
                if !output.status.success() {
                    let stdout = String::from_utf8_lossy(&output.stdout);
                    let failed: Vec<&str> =
                        stdout.lines().filter(|l| l.ends_with("FAILED")).collect();
                    failures.push(format!(
                        "{setting}, run {run}, {}: {}",
                        binary.target,
                        failed.join("; ")
                    ));
                }
            }
            if run % 20 == 0 || run == runs {
                println!(
                    "  {setting}: {run}/{runs} runs, {} failures so far ({:.0?})",
                    failures.len(),
                    started.elapsed()
                );
            }
        }
    }
    let total = 2 * runs * binaries.len();
    if failures.is_empty() {
        Ok(format!(
            "{total} binary runs ({} test binaries × {runs} runs × 2 thread settings): 0 failures",
            binaries.len()
        ))
    } else {
        Err(anyhow::anyhow!(
            "{} of {total} runs failed:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}
