//! Loom on any `lib.rs`: the student's, a catalogue entry's or a
//! solution's, checked by the exercise's loom models (`loom-models/`), with
//! a failing interleaving told as numbered steps of that file.
//!
//! [`check`] does it for one exercise:
//!
//! 1. [`rewrite`]: the file, as the models include it (its `std::sync`
//!    becomes loom's, on the same lines), or `skipped` with why loom cannot
//!    model it (its own threads, sleeping, spinning, time, another crate's
//!    channel);
//! 2. writes it to `<target>/sources/<crate>.rs` (only when it changed, so
//!    a warm rebuild is the one test crate) and builds the models' test
//!    target `<crate>` of `loom-models` in release, with `--cfg loom` and
//!    line tables (the replay reads lines from backtraces), through
//!    [`crate::build::build_release`]: the grader's build, scrubbed and
//!    limited for untrusted code. A file that does not build there (it uses
//!    `Weak`, say, which loom lacks) is `skipped`, with the compiler's
//!    first error;
//! 3. runs each model in its own process, `jobs` at a time, through the
//!    grader's own process runner (the sandbox, when the options have one;
//!    its time limit; the last 64 KiB of output), with the preemption bound
//!    and the time budget of [`Settings`]. The harness explores, and on a
//!    failure saves loom's checkpoint and replays that schedule with every
//!    lock, waker and poll recorded ([`lines`] reads what it printed);
//! 4. saves each checkpoint as `<target>/replay/<crate>/<model>.json`, and
//!    tells the first failure as steps ([`steps`]).
//!
//! The result is [`Outcome::Clean`] (no failure in any interleaving within
//! the bound: never "correct"), [`Outcome::Race`], [`Outcome::Inconclusive`]
//! (the budget ran out: no race found within N preemptions) or
//! [`Outcome::Skipped`].
//!
//! [`check`] with [`Check::replay`] runs one model on a saved checkpoint
//! instead: that one interleaving, with what the code prints among the
//! steps.

pub mod lines;
pub mod rewrite;
pub mod steps;

use crate::build::{self, Build, Code, TestBinary};
use crate::exercises::Exercise;
use crate::run::{Ended, Options, Staged, run_process};
use lines::{ModelOutput, Verdict};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use steps::Story;

/// The package that holds the models.
pub const MODELS: &str = "loom-models";

/// How the checked file is named in the steps.
pub const FILE: &str = "lib.rs";

/// How hard loom looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The preemption bound: every interleaving with at most this many
    /// preemptions is run.
    pub preemptions: u32,
    /// How long each model may explore before it stops, inconclusive.
    pub budget: Duration,
    /// How many models run at once.
    pub jobs: usize,
}

impl Default for Settings {
    /// 3 preemptions, 20 s per model, one model per core.
    fn default() -> Settings {
        Settings {
            preemptions: 3,
            budget: Duration::from_secs(20),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// One exercise's loom check.
#[derive(Debug, Clone, Copy)]
pub struct Check<'a> {
    /// The workspace that holds `loom-models/` (built in place: the checked
    /// file goes to the target folder, not into the workspace).
    pub workspace: &'a Path,
    /// Its target folder for the loom build (`--cfg loom` rebuilds
    /// everything, so not the usual one).
    pub target_dir: &'a Path,
    /// The exercise.
    pub exercise: Exercise,
    /// The bound and budget.
    pub settings: Settings,
    /// The run's options: the sandbox (which makes the build untrusted),
    /// `--locked`, extra environment.
    pub options: Options<'a>,
    /// Only the models whose name contains this.
    pub only: Option<&'a str>,
    /// Run this one model on this checkpoint, instead of exploring.
    pub replay: Option<(&'a str, &'a Path)>,
}

/// What loom found in one exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No interleaving within the bound failed, in any model.
    Clean {
        /// How many models ran.
        models: usize,
        /// The preemption bound.
        preemptions: u32,
    },
    /// An interleaving failed.
    Race(Box<Race>),
    /// No model failed, but the budget ran out before one was done.
    Inconclusive {
        /// The models that ran out of time.
        models: Vec<String>,
        /// The preemption bound.
        preemptions: u32,
    },
    /// loom cannot check this file.
    Skipped {
        /// Why, for the student.
        reason: String,
    },
}

/// A failing interleaving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Race {
    /// The model that found it.
    pub model: String,
    /// The interleaving, told.
    pub story: Story,
    /// How many interleavings loom ran to find it.
    pub iterations: u64,
    /// The preemption bound.
    pub preemptions: u32,
    /// loom's checkpoint of it, saved for a replay.
    pub checkpoint: Option<PathBuf>,
}

impl Outcome {
    /// `clean`, `race`, `inconclusive` or `skipped`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Clean { .. } => "clean",
            Outcome::Race(_) => "race",
            Outcome::Inconclusive { .. } => "inconclusive",
            Outcome::Skipped { .. } => "skipped",
        }
    }

    /// One line: what loom found, and what it does not say.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Clean {
                models,
                preemptions,
            } => format!(
                "clean: no failing interleaving in {models} model{} with up to {preemptions} \
                 preemptions (loom checks these models' races, not every test)",
                if *models == 1 { "" } else { "s" }
            ),
            Outcome::Race(race) => format!(
                "race: {} in model `{}`: {}",
                race.story.kind, race.model, race.story.ending
            ),
            Outcome::Inconclusive {
                models,
                preemptions,
            } => format!(
                "inconclusive: no race found within {preemptions} preemptions, but the time ran \
                 out before every interleaving of {} was run",
                models.join(", ")
            ),
            Outcome::Skipped { reason } => format!("skipped: {reason}"),
        }
    }
}

/// What [`check`] found, and what each model did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The exercise's result.
    pub outcome: Outcome,
    /// Each model run: its name, its verdict and how long it took.
    pub models: Vec<(String, Option<Verdict>, Duration)>,
    /// On a replay: the harness's read output (events, with what the code
    /// printed among them).
    pub replayed: Option<ModelOutput>,
}

/// Checks `source` as `check.exercise`'s `lib.rs` with the exercise's loom
/// models. `Err` only when the check itself could not run (cargo missing,
/// a folder not writable); whatever the code does is in the [`Report`].
pub fn check(check: &Check, source: &str) -> Result<Report, String> {
    let krate = check.exercise.krate;
    let skipped = |reason: String| Report {
        outcome: Outcome::Skipped { reason },
        models: Vec::new(),
        replayed: None,
    };
    let checked = match rewrite::rewrite(source) {
        Ok(checked) => checked,
        Err(unsupported) => return Ok(skipped(unsupported.to_string())),
    };
    let sources = absolute(&check.target_dir.join("sources"))?;
    write_if_changed(&sources.join(format!("{krate}.rs")), &checked)?;
    let binary = match build_models(check, &sources)? {
        Ok(binary) => binary,
        Err(errors) if !errors.contains(&format!("sources/{krate}.rs")) => {
            return Err(format!(
                "the loom models of {krate} do not build:\n{errors}"
            ));
        }
        Err(errors) => {
            let errors = errors.replace(&format!("{}/{krate}.rs", sources.display()), FILE);
            return Ok(skipped(format!(
                "it does not build on loom's std::sync (loom has no `Weak`, `OnceLock`, \
                 `LazyLock` or std's `mpsc`, say):\n{errors}"
            )));
        }
    };
    let mut models = build::list(&binary)?;
    if let Some((model, _)) = check.replay {
        models.retain(|m| m == model);
        if models.is_empty() {
            return Err(format!("{krate} has no loom model named {model}"));
        }
    } else if let Some(only) = check.only {
        models.retain(|m| m.contains(only));
        if models.is_empty() {
            return Err(format!("no loom model of {krate} has {only:?} in its name"));
        }
    }
    let replay = match check.replay {
        Some((_, checkpoint)) => Some(
            std::fs::read_to_string(checkpoint)
                .map_err(|e| format!("cannot read the checkpoint {}: {e}", checkpoint.display()))?,
        ),
        None => None,
    };
    // In the sandbox, the models run from its copy of the binary.
    let staged = Staged::new(&check.options, std::slice::from_ref(&binary))?;
    let runner = ModelRunner {
        check,
        binary: &staged.binaries[0],
        tag: tag()?,
        checked: format!("sources/{krate}.rs"),
    };
    let outputs = in_parallel(&models, check.settings.jobs, |model| {
        let started = Instant::now();
        let output = match &replay {
            Some(checkpoint) => runner.run(model, &[("LESSON13_LOOM_CHECKPOINT", checkpoint)]),
            None => runner.explore_save_replay(model),
        };
        (model.clone(), output, started.elapsed())
    });
    let outcome = outcome(check, &outputs, &sources.join(format!("{krate}.rs")))?;
    let replayed = check
        .replay
        .and_then(|_| outputs.first().map(|(_, o, _)| o.clone()));
    Ok(Report {
        outcome,
        models: outputs
            .into_iter()
            .map(|(model, read, took)| (model, read.verdict, took))
            .collect(),
        replayed,
    })
}

/// Where [`check`] saves the checkpoint of `model`'s failing interleaving.
pub fn checkpoint_path(target_dir: &Path, exercise: Exercise, model: &str) -> PathBuf {
    target_dir
        .join("replay")
        .join(exercise.krate)
        .join(format!("{model}.json"))
}

/// Builds the models' test binary for the exercise: `Ok(Err(errors))` if
/// the checked file does not build.
fn build_models(check: &Check, sources: &Path) -> Result<Result<TestBinary, String>, String> {
    let sources = sources
        .to_str()
        .ok_or("the target folder's path is not UTF-8")?;
    let envs = [
        ("RUSTFLAGS", "--cfg loom"),
        ("LESSON13_LOOM_SOURCES", sources),
        // The replay finds each waker's and unlock's line in a backtrace.
        ("CARGO_PROFILE_RELEASE_DEBUG", "line-tables-only"),
    ];
    let code = match check.options.sandbox {
        Some(_) => Code::Untrusted,
        None => Code::Trusted,
    };
    let krate = check.exercise.krate;
    // The checked file compiles in the build jail, as a graded build does.
    let jail = build::jail_of(check.options.sandbox, check.workspace);
    let built = build::build_release(
        check.workspace,
        MODELS,
        krate,
        check.target_dir,
        check.options.locked,
        code,
        &envs,
        jail.as_ref(),
    )?;
    match built {
        Build::CompileError(errors) => Ok(Err(errors)),
        Build::Built { binaries, .. } => match binaries.into_iter().find(|b| b.target == krate) {
            Some(binary) => Ok(Ok(binary)),
            None => Err(format!("cargo built no loom models for {krate}")),
        },
    }
}

/// Runs one exercise's models, each in its own processes.
struct ModelRunner<'a> {
    check: &'a Check<'a>,
    binary: &'a TestBinary,
    /// The tag of this check's lines.
    tag: String,
    /// The end of the checked file's path, as the models include it.
    checked: String,
}

impl ModelRunner<'_> {
    /// Explores `model`; on a failure, runs it again to save loom's
    /// checkpoint of the failing run, then replays that run with every
    /// step recorded: the replay's events and verdict, the exploration's
    /// count of runs, and the checkpoint.
    fn explore_save_replay(&self, model: &str) -> ModelOutput {
        let explored = self.run(model, &[]);
        let Some(Verdict::Race { iterations, .. }) = explored.verdict else {
            return explored;
        };
        let at = iterations.to_string();
        let saved = self.run(model, &[("LESSON13_LOOM_SAVE_AT", &at)]);
        let Some(checkpoint) = saved.checkpoint else {
            return explored;
        };
        let mut replayed = self.run(model, &[("LESSON13_LOOM_CHECKPOINT", &checkpoint)]);
        match &mut replayed.verdict {
            Some(Verdict::Race { iterations: n, .. }) => *n = iterations,
            _ => return explored,
        }
        replayed.checkpoint = Some(checkpoint);
        replayed
    }

    /// Runs `model` once, in its own process (the sandbox's, if the options
    /// have one), with the settings and `envs`, and reads its output. No
    /// verdict is an `Error` verdict with the output's end.
    fn run(&self, model: &str, envs: &[(&str, &str)]) -> ModelOutput {
        let settings = self.check.settings;
        let preemptions = settings.preemptions.to_string();
        let budget = settings.budget.as_secs().max(1).to_string();
        let mut all: Vec<(&str, &str)> = self.check.options.envs.to_vec();
        all.extend([
            ("LESSON13_LOOM_PREEMPTIONS", preemptions.as_str()),
            ("LESSON13_LOOM_BUDGET_SECS", budget.as_str()),
            ("LESSON13_LOOM_TAG", self.tag.as_str()),
        ]);
        all.extend_from_slice(envs);
        let options = Options {
            envs: &all,
            proof: false,
            ..self.check.options
        };
        let args = [
            model,
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "--color",
            "never",
        ];
        // The budget, then the process's own start and end.
        let limit = settings.budget + Duration::from_secs(15);
        let dir = self.check.workspace.join(MODELS);
        let output = match run_process(self.binary, &args, &dir, &options, limit) {
            Ok((Ok(Ended::Killed), output)) => format!(
                "{output}\n[killed after {} s, past the model's budget]",
                limit.as_secs()
            ),
            Ok((_, output)) => output,
            Err(e) => format!("could not run the model: {e}"),
        };
        let mut read = lines::read(&output, &self.tag, &self.checked);
        if read.verdict.is_none() && read.checkpoint.is_none() {
            read.verdict = Some(Verdict::Error {
                message: format!(
                    "the model's process ended without a verdict:\n{}",
                    crate::message::tail(&output, 10)
                ),
            });
        }
        read
    }
}

/// `f` of each of `items`, `jobs` at a time, in the order given.
fn in_parallel<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = f(item);
                    let index = items
                        .iter()
                        .position(|i| std::ptr::eq(i, item))
                        .unwrap_or(0);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((index, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// The exercise's outcome from its models' outputs: the first race (in
/// the models' order), else the first model loom could not model, else
/// the ones that ran out of time, else clean. Saves each race's
/// checkpoint.
fn outcome(
    check: &Check,
    outputs: &[(String, ModelOutput, Duration)],
    checked: &Path,
) -> Result<Outcome, String> {
    let checked = checked.to_string_lossy();
    for (model, output, _) in outputs {
        let Some(Verdict::Race {
            failure,
            message,
            iterations,
            preemptions,
        }) = &output.verdict
        else {
            continue;
        };
        let message = message.replace(checked.as_ref(), FILE);
        let checkpoint = match (&output.checkpoint, check.replay) {
            (Some(saved), None) => {
                let path = checkpoint_path(check.target_dir, check.exercise, model);
                write_if_changed(&path, saved)?;
                Some(path)
            }
            (_, Some((_, replayed))) => Some(replayed.to_path_buf()),
            (None, None) => None,
        };
        return Ok(Outcome::Race(Box::new(Race {
            model: model.clone(),
            story: steps::tell(&output.events, *failure, &message, FILE),
            iterations: *iterations,
            preemptions: *preemptions as u32,
            checkpoint,
        })));
    }
    for (model, output, _) in outputs {
        match &output.verdict {
            Some(Verdict::Unsupported { message }) => {
                let message = message.replace(checked.as_ref(), FILE);
                return Ok(Outcome::Skipped {
                    reason: if message.contains("maximum number of branches") {
                        format!(
                            "in model `{model}`, a thread kept taking steps without ever \
                             waiting (a spin loop?): loom can only check code that waits on a \
                             lock, a condition variable or a waker"
                        )
                    } else {
                        format!("model `{model}` could not run: {message}")
                    },
                });
            }
            Some(Verdict::Error { message }) => {
                return Ok(Outcome::Skipped {
                    reason: format!(
                        "loom could not check model `{model}`: {}",
                        message.replace(checked.as_ref(), FILE)
                    ),
                });
            }
            Some(Verdict::ReplayedClean) => {
                return Ok(Outcome::Skipped {
                    reason: format!(
                        "the saved interleaving of `{model}` no longer fails: lib.rs has \
                         changed since it was saved (run `--loom` again for a fresh one)"
                    ),
                });
            }
            _ => {}
        }
    }
    let inconclusive: Vec<String> = outputs
        .iter()
        .filter(|(_, o, _)| matches!(o.verdict, Some(Verdict::Inconclusive { .. })))
        .map(|(model, _, _)| format!("`{model}`"))
        .collect();
    if !inconclusive.is_empty() {
        return Ok(Outcome::Inconclusive {
            models: inconclusive,
            preemptions: check.settings.preemptions,
        });
    }
    Ok(Outcome::Clean {
        models: outputs.len(),
        preemptions: check.settings.preemptions,
    })
}

/// A fresh tag for the harness's lines: code under test cannot read it
/// (it cannot read the environment), so it cannot forge a verdict.
fn tag() -> Result<String, String> {
    #[cfg(unix)]
    let tag = crate::proof::fresh_token()
        .map_err(|e| format!("cannot read random bytes: {e}"))
        .map(|token| String::from_utf8_lossy(&token[..16]).into_owned());
    #[cfg(not(unix))]
    let tag = Ok(format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    tag.map(|t| format!(":{t}"))
}

/// `path`, made absolute from the current folder.
fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `text` to `path` (creating its folder) unless it holds exactly
/// that already: cargo rebuilds what includes a file whose time changed.
fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
