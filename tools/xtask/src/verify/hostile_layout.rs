//! The hostile submissions that are not a `lib.rs`: the shape of a class
//! folder or of one submission, and cargo configuration planted where a
//! build would read it. Each is one row of a table, with the reason the
//! grader must give:
//!
//! - [`LAYOUTS`]: a class folder where bob hands in a correct Exercise 1
//!   (a zip) and each mallory tries to read what is not theirs (a link to
//!   bob's zip or folder, a zip entry that is a link, a hard link, a fifo)
//!   or to fill the disk (a zip bomb). The class is graded once, as an
//!   instructor would; every mallory must be refused, unread, with 0 marks
//!   and the reason, and bob must keep his full marks;
//! - [`PLANTED`]: a `rustc-wrapper` (a script that would leave a canary
//!   file) in a cargo configuration in `$TMPDIR` and in the folders above
//!   the grading copy. It must never run: grading goes on where the
//!   configuration does not apply, and stops with the file's path where it
//!   would.

use anyhow::{Context, Result, bail};
use lesson13_grader::class::{self, Options};
use lesson13_grader::engine::{Settings, Submission, grade};
use lesson13_grader::grading_copy;
use lesson13_grader::report::{Report, Status};
use lesson13_grader::scheme::Scheme;
use lesson13_grader::submissions;
use lesson13_grader::workspace;
use lesson13_runner::sandbox::Mode;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One hostile student of the class, and what the refusal must say.
struct Layout {
    student: &'static str,
    /// Puts the student's entry into the class folder, from bob's
    /// submission (`class/bob/work.zip`) and a file outside the class.
    plant: fn(&Places) -> Result<()>,
    says: &'static str,
}

/// Where the layouts are made.
struct Places {
    class: PathBuf,
    /// A correct Exercise 1, outside the class folder.
    outside: PathBuf,
}

impl Places {
    fn student(&self, name: &str) -> PathBuf {
        self.class.join(name)
    }
    fn bob_zip(&self) -> PathBuf {
        self.class.join("bob/work.zip")
    }
}

const LAYOUTS: &[Layout] = &[
    Layout {
        student: "mallory-zip-is-a-link",
        plant: |p| {
            let dir = p.student("mallory-zip-is-a-link");
            std::fs::create_dir_all(&dir)?;
            std::os::unix::fs::symlink(p.bob_zip(), dir.join("work.zip"))?;
            Ok(())
        },
        says: "work.zip is a symbolic link (to ",
    },
    Layout {
        student: "mallory-folder-is-a-link",
        plant: |p| {
            std::os::unix::fs::symlink(p.student("bob"), p.student("mallory-folder-is-a-link"))?;
            Ok(())
        },
        says: "mallory-folder-is-a-link is a symbolic link (to ",
    },
    Layout {
        student: "mallory-lib-is-a-link",
        plant: |p| {
            let lib = p.student("mallory-lib-is-a-link/lesson13-oneshot/src/lib.rs");
            std::fs::create_dir_all(lib.parent().unwrap())?;
            std::os::unix::fs::symlink(&p.outside, lib)?;
            Ok(())
        },
        says: "lesson13-oneshot/src/lib.rs is a symbolic link (to ",
    },
    Layout {
        student: "mallory-zip-entry-is-a-link",
        plant: |p| {
            let dir = p.student("mallory-zip-entry-is-a-link");
            std::fs::create_dir_all(&dir)?;
            let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.join("work.zip"))?);
            zip.add_symlink(
                "lesson13-oneshot/src/lib.rs",
                "../../../bob/lesson13-oneshot/src/lib.rs",
                zip::write::SimpleFileOptions::default(),
            )?;
            zip.finish()?;
            Ok(())
        },
        says: "its entry lesson13-oneshot/src/lib.rs is a symbolic link",
    },
    Layout {
        student: "mallory-hard-link",
        plant: |p| {
            let lib = p.student("mallory-hard-link/lesson13-oneshot/src/lib.rs");
            std::fs::create_dir_all(lib.parent().unwrap())?;
            std::fs::hard_link(&p.outside, lib)?;
            Ok(())
        },
        says: "lesson13-oneshot/src/lib.rs is a hard link",
    },
    Layout {
        student: "mallory-fifo",
        plant: |p| {
            let lib = p.student("mallory-fifo/lesson13-oneshot/src/lib.rs");
            std::fs::create_dir_all(lib.parent().unwrap())?;
            nix::unistd::mkfifo(&lib, nix::sys::stat::Mode::S_IRWXU)?;
            Ok(())
        },
        says: "lesson13-oneshot/src/lib.rs is a fifo, not a regular file",
    },
    Layout {
        student: "mallory-zip-bomb",
        plant: |p| {
            // 100 entries of 1 MiB of zeros, each a candidate exercise
            // file: about 100 KiB zipped.
            let dir = p.student("mallory-zip-bomb");
            std::fs::create_dir_all(&dir)?;
            let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.join("work.zip"))?);
            let zeros = vec![0u8; 1 << 20];
            for i in 0..100 {
                let options = zip::write::SimpleFileOptions::default();
                zip.start_file(format!("d{i}/lesson13-oneshot.rs"), options)?;
                zip.write_all(&zeros)?;
            }
            zip.finish()?;
            Ok(())
        },
        says: "work.zip: its files add up to more than 64 MiB",
    },
];

/// Where a cargo configuration is planted, and whether grading must stop.
struct Planted {
    what: &'static str,
    /// The folder to plant `file` in; `None`: a private `$TMPDIR`.
    folder: fn() -> Option<PathBuf>,
    file: &'static str,
    stops: bool,
}

const PLANTED: &[Planted] = &[
    Planted {
        what: "$TMPDIR/.cargo/config.toml",
        folder: || None,
        file: ".cargo/config.toml",
        stops: false,
    },
    Planted {
        what: "the grading copies' folder's .cargo/config.toml",
        folder: || Some(grading_copy::base()),
        file: ".cargo/config.toml",
        stops: true,
    },
    Planted {
        what: "a .cargo/config two folders above the grading copy",
        folder: || grading_copy::base().parent().map(Path::to_path_buf),
        file: ".cargo/config",
        stops: true,
    },
    Planted {
        what: "a rust-toolchain.toml above the grading copy",
        folder: || Some(grading_copy::base()),
        file: "rust-toolchain.toml",
        stops: true,
    },
];

/// What the checks found.
pub struct Verdicts {
    /// How many attacks held.
    pub held: usize,
    /// What went wrong.
    pub problems: Vec<String>,
}

/// Grades the hostile layouts and the planted configurations.
pub fn check(jobs: usize) -> Result<Verdicts> {
    let scratch = workspace::temp_dir("hostile-layout-")?;
    let places = Places {
        class: scratch.path().join("class"),
        outside: scratch.path().join("outside/lib.rs"),
    };
    let solution = workspace::root().join("solutions/src/oneshot.rs");
    std::fs::create_dir_all(places.outside.parent().unwrap())?;
    std::fs::copy(&solution, &places.outside)?;
    std::fs::create_dir_all(places.student("bob"))?;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(places.bob_zip())?);
    zip.start_file(
        "lesson13-oneshot/src/lib.rs",
        zip::write::SimpleFileOptions::default(),
    )?;
    zip.write_all(&std::fs::read(&solution)?)?;
    zip.finish()?;
    let bob = places.student("bob");
    for layout in LAYOUTS {
        (layout.plant)(&places).with_context(|| format!("cannot plant {}", layout.student))?;
    }
    let scheme = Scheme::default();
    let settings = Settings {
        sandbox: Mode::Require,
        ..Settings::new(&scheme, jobs)
    };
    let reports = class::grade_class(
        &places.class,
        &Options {
            parallel: 2,
            settings,
            shard: None,
            json: None,
            junit: None,
        },
    )?;
    let report = |name: &str| -> Result<&Report> {
        let (_, report) = reports
            .iter()
            .find(|(n, _)| n == name)
            .with_context(|| format!("{name} was not graded"))?;
        report
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{name} could not be graded: {e}"))
    };
    let mut verdicts = Verdicts {
        held: 0,
        problems: Vec::new(),
    };
    let mut judge = |what: &str, verdict: Result<()>| {
        println!(
            "  {what}: {}",
            if verdict.is_ok() { "held" } else { "BROKEN" }
        );
        match verdict {
            Ok(()) => verdicts.held += 1,
            Err(why) => verdicts.problems.push(format!("{what}: {why:#}")),
        }
    };
    for layout in LAYOUTS {
        judge(layout.student, refused(report(layout.student), layout.says));
    }
    judge("bob, beside them", full_marks_in_exercise_1(report("bob")));
    let _ = std::fs::remove_file(&places.outside);
    for planted in PLANTED {
        judge(planted.what, plant_and_grade(planted, &bob, &settings));
    }
    Ok(verdicts)
}

/// The report of a submission refused unread: no marks, and why.
fn refused(report: Result<&Report>, says: &str) -> Result<()> {
    let report = report?;
    if report.passed != 0 || report.score.points != 0.0 {
        bail!("earned {} points", report.score.points);
    }
    if !report.message.starts_with("submission refused: ") || !report.message.contains(says) {
        bail!(
            "expected a refusal saying {says:?}, got {:?}",
            report.message
        );
    }
    Ok(())
}

fn full_marks_in_exercise_1(report: Result<&Report>) -> Result<()> {
    let exercise = &report?.exercises[0];
    if exercise.status == Status::Pass && exercise.passed == exercise.total && exercise.total > 0 {
        Ok(())
    } else {
        bail!(
            "a correct Exercise 1 got {:?} {}/{}",
            exercise.status,
            exercise.passed,
            exercise.total
        )
    }
}

/// Plants a configuration whose `rustc-wrapper` would leave a canary, grades
/// `submission`, and checks that the wrapper never ran, and that grading
/// went on or stopped as it must.
fn plant_and_grade(planted: &Planted, submission: &Path, settings: &Settings) -> Result<()> {
    let scratch = workspace::temp_dir("planted-")?;
    let canary = scratch.path().join("canary");
    let wrapper = scratch.path().join("wrapper.sh");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\ntouch '{}'\nexec \"$@\"\n", canary.display()),
    )?;
    lesson13_runner::sandbox::set_mode(&wrapper, 0o755).map_err(anyhow::Error::msg)?;
    // A temporary folder as the system's is: the tests' folders go there,
    // and the test user must reach them.
    let temporary = scratch.path().join("tmp");
    std::fs::create_dir(&temporary)?;
    for open in [scratch.path(), &temporary] {
        lesson13_runner::sandbox::set_mode(open, 0o711).map_err(anyhow::Error::msg)?;
    }
    let folder = (planted.folder)().unwrap_or_else(|| temporary.clone());
    let file = folder.join(planted.file);
    if file.exists() {
        bail!("{} is already there", file.display());
    }
    let _removed = Remove(file.clone());
    std::fs::create_dir_all(file.parent().unwrap())?;
    std::fs::write(
        &file,
        format!(
            "[build]\nrustc-wrapper = \"{0}\"\n[toolchain]\npath = \"{0}\"\n",
            wrapper.display()
        ),
    )?;
    let moved_tmpdir = (planted.folder)().is_none();
    let tmpdir = std::env::var_os("TMPDIR");
    if moved_tmpdir {
        // SAFETY: verify runs its checks one at a time on the main thread;
        // no other thread reads the environment while this one writes it.
        unsafe { std::env::set_var("TMPDIR", &temporary) };
    }
    let located = submissions::locate(submission);
    let graded = located.and_then(|l| grade(Submission::Located(&l), 0, settings));
    if moved_tmpdir {
        // SAFETY: as above.
        unsafe {
            match tmpdir {
                Some(old) => std::env::set_var("TMPDIR", old),
                None => std::env::remove_var("TMPDIR"),
            }
        }
    }
    if canary.exists() {
        bail!("the planted rustc-wrapper ran");
    }
    match (planted.stops, graded) {
        (false, Ok(report)) => full_marks_in_exercise_1(Ok(&report)),
        (false, Err(why)) => bail!("grading failed: {why:#}"),
        (true, Ok(_)) => bail!("grading went on under {}", file.display()),
        (true, Err(why)) => {
            let why = format!("{why:#}");
            let expected = format!("{} would configure the build", file.display());
            match why.contains(&expected) {
                true => Ok(()),
                false => bail!("expected {expected:?}, got {why}"),
            }
        }
    }
}

/// Removes a planted file when dropped, however the check ends.
struct Remove(PathBuf);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        // And its `.cargo/` folder, if it planted one.
        if let Some(parent) = self.0.parent().filter(|p| p.ends_with(".cargo")) {
            let _ = std::fs::remove_dir(parent);
        }
    }
}
