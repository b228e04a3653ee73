//! Finding the students in a class folder, and the exercise files in a
//! submission, however it was unpacked.
//!
//! A class folder holds one folder (or one `.zip`) per student; dot-folders
//! (`.git`) and `__MACOSX` are not students. In a submission, each exercise
//! is `<crate>/src/lib.rs`, found at the top of the submission or one
//! folder down when the submission holds a single folder (a zip that
//! unpacked one level deeper); else as loose files named after their
//! exercise (`lesson13-oneshot.rs` or `oneshot.rs`); else inside the
//! submission's one `.zip`, by the same rules. Each at most
//! [`MAX_FILE_BYTES`]. A submission that holds a link or a special file, or
//! is too large, is refused before anything in it is read
//! ([`crate::intake`]).

use crate::intake::{self, Unpacked};
use anyhow::{Context, Result, bail};
use lesson13_runner::exercises::{ALL, Exercise};
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file read from a submission; a real `lib.rs` is a few
/// kilobytes, and the static check rejects one over 256 KiB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A name that is never a student nor a submission's folder: version
/// control and editor folders (`.git`, `.vscode`), and the resource forks
/// that macOS puts in zip files (`__MACOSX`).
pub fn is_skipped(name: &OsStr) -> bool {
    name.to_str()
        .is_none_or(|n| n.starts_with('.') || n == "__MACOSX")
}

/// One student of a class folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    /// The folder's name (the zip's, without `.zip`): the student's id in
    /// every report and the gradebook.
    pub name: String,
    /// Their folder, or their zip file.
    pub path: PathBuf,
}

/// The students of a class folder, sorted by name, and what was skipped.
#[derive(Debug, Default)]
pub struct Class {
    /// The students.
    pub students: Vec<Student>,
    /// The entries that are not students, for the run to say so.
    pub skipped: Vec<String>,
}

/// Lists the students of `class`.
pub fn list(class: &Path) -> Result<Class> {
    folder_or_explain(class, "--submissions")?;
    let entries =
        std::fs::read_dir(class).with_context(|| format!("cannot read {}", class.display()))?;
    let mut found = Class::default();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", class.display()))?;
        let (path, file_name) = (entry.path(), entry.file_name());
        let shown = file_name.to_string_lossy().into_owned();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let named_zip = path.extension().is_some_and(|x| x == "zip");
        // A link that would be a student is one, and is refused when graded
        // (see `intake`): it is looked at (where it leads), not followed.
        let linked = kind.is_symlink() && (named_zip || path.is_dir());
        let zip = (kind.is_file() || linked) && named_zip;
        if file_name.to_str().is_some_and(|n| n.starts_with('.')) || file_name == "__MACOSX" {
            found.skipped.push(format!("{shown} (not a student)"));
        } else if kind.is_dir() || zip || linked {
            let name = if zip {
                path.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            } else {
                shown
            };
            found.students.push(Student { name, path });
        } else if kind.is_symlink() {
            found
                .skipped
                .push(format!("{shown} (a symbolic link: not followed)"));
        } else {
            found
                .skipped
                .push(format!("{shown} (not a folder or a .zip)"));
        }
    }
    found.students.sort_by(|a, b| a.name.cmp(&b.name));
    found.skipped.sort();
    if let Some(pair) = found.students.windows(2).find(|w| w[0].name == w[1].name) {
        bail!(
            "{} and {} would both be graded as student {:?} (a folder and a zip of the same \
             name, or names that differ only in bytes that are not UTF-8): rename one",
            pair[0].path.display(),
            pair[1].path.display(),
            pair[0].name
        );
    }
    if found.students.is_empty() {
        bail!(
            "{} has no student folders: expected one folder (or .zip) per student{}",
            class.display(),
            skipped_note(&found.skipped)
        );
    }
    Ok(found)
}

fn skipped_note(skipped: &[String]) -> String {
    if skipped.is_empty() {
        String::new()
    } else {
        format!(", found only {}", skipped.join(", "))
    }
}

/// `Ok` if `path` is a folder; else an error that says what it is instead.
pub fn folder_or_explain(path: &Path, flag: &str) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) if path.extension().is_some_and(|x| x == "zip") => Err(anyhow::anyhow!(
            "{flag} {}: is a file, not a folder: unzip it first",
            path.display()
        )),
        Ok(_) => Err(anyhow::anyhow!(
            "{flag} {}: is a file, not a folder",
            path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(anyhow::anyhow!("{flag} {}: no such folder", path.display()))
        }
        Err(e) => Err(anyhow::anyhow!("{flag} {}: {e}", path.display())),
    }
}

/// Where a submission's exercise files are.
#[derive(Debug)]
pub struct Located {
    /// A folder that holds `<crate>/src/lib.rs` for each exercise found.
    pub dir: PathBuf,
    /// Where the files were found, relative to the submission: `.`,
    /// `handin`, `loose files`, `work.zip: handin`...
    pub found_in: String,
    /// The exercises found.
    pub exercises: Vec<Exercise>,
    /// When none was found: what the submission holds instead, and what
    /// was expected.
    pub hint: String,
    /// Why the submission is refused, unread (a link in it, say; see
    /// [`crate::intake`]); it then has no exercise.
    pub refused: Option<String>,
    /// The folder that holds files taken out of a zip or gathered from
    /// loose files; removed when this is dropped.
    _scratch: Option<tempfile::TempDir>,
}

impl Located {
    /// A submission refused for `why`, with nothing read from it.
    fn refused(path: &Path, why: String) -> Located {
        Located {
            dir: path.to_path_buf(),
            found_in: ".".into(),
            exercises: Vec::new(),
            hint: why.clone(),
            refused: Some(why),
            _scratch: None,
        }
    }
}

/// Finds the exercise files of the submission at `path`, a folder or a zip;
/// or refuses it, unread (see [`crate::intake`]).
pub fn locate(path: &Path) -> Result<Located> {
    if let Err(why) = intake::check(path) {
        return Ok(Located::refused(path, why));
    }
    if path.is_file() {
        return in_zip(path, &file_label(path));
    }
    if let Some(found) = in_folder(path, None)? {
        return Ok(found);
    }
    let zips: Vec<PathBuf> = visible_entries(path)
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "zip"))
        .collect();
    if let [zip] = zips.as_slice() {
        let found = in_zip(zip, &file_label(zip))?;
        if !found.exercises.is_empty() || found.refused.is_some() {
            return Ok(found);
        }
    }
    Ok(Located {
        dir: path.to_path_buf(),
        found_in: ".".into(),
        exercises: Vec::new(),
        hint: layout_hint(path),
        refused: None,
        _scratch: None,
    })
}

fn file_label(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// The exercise files in `dir` or its single sub-folder: laid out as a
/// workspace, or loose. `label` names `dir` in `found_in` (a zip's name).
fn in_folder(dir: &Path, label: Option<&str>) -> Result<Option<Located>> {
    let mut candidates = vec![(dir.to_path_buf(), None)];
    if let [single] = visible_entries(dir)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect::<Vec<_>>()
        .as_slice()
    {
        candidates.push((single.clone(), Some(file_label(single))));
    }
    let label = |sub: &Option<String>, loose: &str| {
        let mut parts: Vec<String> = label.map(str::to_owned).into_iter().collect();
        parts.extend(sub.clone());
        let place = if parts.is_empty() {
            ".".to_owned()
        } else {
            parts.join(": ")
        };
        format!("{place}{loose}")
    };
    for (candidate, sub) in &candidates {
        let laid = laid_out(candidate, dir);
        let loose: Vec<(Exercise, PathBuf)> = loose_files(candidate, dir)
            .into_iter()
            .filter(|(e, _)| !laid.contains(e))
            .collect();
        if loose.is_empty() && laid.is_empty() {
            continue;
        }
        if loose.is_empty() {
            return Ok(Some(Located {
                dir: candidate.clone(),
                found_in: label(sub, ""),
                exercises: laid,
                hint: String::new(),
                refused: None,
                _scratch: None,
            }));
        }
        // Loose files (and any laid out beside them) go into a folder of
        // their own, laid out.
        let scratch = crate::workspace::temp_dir("submission-")?;
        let laid_files = laid.iter().map(|e| (*e, candidate.join(e.lib_rs())));
        let mut exercises = Vec::new();
        for (exercise, file) in laid_files.chain(loose.iter().cloned()) {
            let to = scratch.path().join(exercise.lib_rs());
            std::fs::create_dir_all(to.parent().expect("lib.rs has a parent"))
                .with_context(|| format!("cannot create {}", to.display()))?;
            std::fs::copy(&file, &to).with_context(|| format!("cannot copy {}", file.display()))?;
            exercises.push(exercise);
        }
        exercises.sort_by_key(|e| e.number);
        let kind = if laid.is_empty() {
            " (loose files)"
        } else {
            " (and loose files)"
        };
        return Ok(Some(Located {
            dir: scratch.path().to_path_buf(),
            found_in: label(sub, kind),
            exercises,
            hint: String::new(),
            refused: None,
            _scratch: Some(scratch),
        }));
    }
    Ok(None)
}

/// The exercises whose `<crate>/src/lib.rs` is in `dir`.
pub fn laid_out(dir: &Path, submission: &Path) -> Vec<Exercise> {
    ALL.into_iter()
        .filter(|e| gradable(&dir.join(e.lib_rs()), submission))
        .collect()
}

/// The loose files in `dir` named after an exercise, one per exercise: its
/// crate's name (`lesson13-oneshot.rs`) first, else its solution's
/// (`oneshot.rs`).
fn loose_files(dir: &Path, submission: &Path) -> Vec<(Exercise, PathBuf)> {
    ALL.into_iter()
        .filter_map(|e| {
            [format!("{}.rs", e.krate), e.solution.to_owned()]
                .into_iter()
                .map(|name| dir.join(name))
                .find(|path| gradable(path, submission))
                .map(|path| (e, path))
        })
        .collect()
}

/// A regular file of at most [`MAX_FILE_BYTES`], inside `submission` even
/// once symbolic links are followed.
fn gradable(path: &Path, submission: &Path) -> bool {
    path.exists() && refusal(path, submission).is_none()
}

/// Why an exercise file that is there is not graded.
fn refusal(path: &Path, submission: &Path) -> Option<&'static str> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Some("cannot be read");
    };
    let inside = match (path.canonicalize(), submission.canonicalize()) {
        (Ok(file), Ok(root)) => file.starts_with(root),
        _ => false,
    };
    if !inside {
        Some("leads out of the submission (a symbolic link)")
    } else if !meta.is_file() {
        Some("is not a regular file (a symbolic link?)")
    } else if meta.len() > MAX_FILE_BYTES {
        Some("is larger than 1 MiB")
    } else {
        None
    }
}

/// The entries of `dir` that are not skipped, sorted.
fn visible_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| !is_skipped(&e.file_name()))
        .map(|e| e.path())
        .collect();
    paths.sort();
    paths
}

/// The exercise files in a zip: its entries that could be one are taken out
/// (nothing else is written), then looked for as in a folder.
fn in_zip(zip: &Path, label: &str) -> Result<Located> {
    let scratch = crate::workspace::temp_dir("submission-zip-")?;
    let unreadable = |why: String| Located {
        dir: scratch.path().to_path_buf(),
        found_in: label.to_owned(),
        exercises: Vec::new(),
        hint: format!("{label} could not be read as a zip: {why}"),
        refused: None,
        _scratch: None,
    };
    match extract_candidates(zip, scratch.path()) {
        Err(why) => return Ok(unreadable(format!("{why:#}"))),
        Ok(Err(refused)) => return Ok(Located::refused(zip, format!("{label}: {refused}"))),
        Ok(Ok(())) => {}
    }
    match in_folder(scratch.path(), Some(label))? {
        Some(mut found) => {
            found._scratch.get_or_insert(scratch);
            Ok(found)
        }
        None => Ok(Located {
            dir: scratch.path().to_path_buf(),
            found_in: label.to_owned(),
            exercises: Vec::new(),
            hint: format!(
                "in {label}: {}",
                layout_hint_of(&zip_listing(zip).unwrap_or_default())
            ),
            refused: None,
            _scratch: Some(scratch),
        }),
    }
}

/// Whether a path inside a submission could be an exercise file: at most
/// two folders above `<crate>/src/lib.rs` or a loose file, none of them
/// skipped.
fn could_be_exercise(path: &Path) -> bool {
    let parts: Vec<&OsStr> = path.iter().collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| is_skipped(p)) {
        return false;
    }
    let text = path.to_string_lossy();
    ALL.iter().any(|e| {
        text.ends_with(&e.lib_rs())
            || [format!("{}.rs", e.krate), e.solution.to_owned()]
                .iter()
                .any(|loose| path.file_name().is_some_and(|n| n == loose.as_str()))
    })
}

/// Takes the entries of `zip` that could be exercise files out into `into`,
/// each bounded to [`MAX_FILE_BYTES`] and all of them to
/// [`intake::MAX_UNPACKED_BYTES`]; paths that leave the folder are ignored.
/// `Err` if it is not a zip; `Ok(Err(why))` if it is refused (see
/// [`intake::check_zip`]).
fn extract_candidates(zip: &Path, into: &Path) -> Result<Result<(), String>> {
    let mut file = std::fs::File::open(zip)?;
    let mut archive = zip::ZipArchive::new(file.try_clone()?)?;
    if let Err(why) = intake::check_zip(&mut archive)
        .and_then(|()| intake::check_unique_names(&mut file, archive.len()))
    {
        return Ok(Err(why));
    }
    let mut unpacked = Unpacked::default();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let Some(path) = entry.enclosed_name() else {
            continue;
        };
        if !entry.is_file() || entry.is_symlink() || !could_be_exercise(&path) {
            continue;
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("{}", path.display()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            // Whatever its directory claims (a zip can understate a size).
            return Ok(Err(format!(
                "its entry {} is larger than 1 MiB, which no exercise file is: not unpacked",
                path.display()
            )));
        }
        if let Err(why) = unpacked.add(bytes.len() as u64) {
            return Ok(Err(why));
        }
        let to = into.join(&path);
        std::fs::create_dir_all(to.parent().expect("an entry has a parent"))
            .with_context(|| format!("cannot create {}", to.display()))?;
        std::fs::write(&to, bytes).with_context(|| format!("cannot write {}", to.display()))?;
    }
    Ok(Ok(()))
}

/// The file names in `zip`, for a hint.
fn zip_listing(zip: &Path) -> Option<Vec<String>> {
    let archive = zip::ZipArchive::new(std::fs::File::open(zip).ok()?).ok()?;
    let mut names: Vec<String> = archive
        .file_names()
        .filter(|n| n.ends_with(".rs"))
        .map(str::to_owned)
        .collect();
    names.sort();
    Some(names)
}

/// For a folder that holds no exercise: what it holds instead, and where
/// the files were expected.
pub fn layout_hint(dir: &Path) -> String {
    fn interesting(dir: &Path, base: &Path, depth: usize, found: &mut Vec<String>) {
        for path in visible_entries(dir) {
            let shown = || {
                path.strip_prefix(base)
                    .unwrap_or(&path)
                    .display()
                    .to_string()
            };
            if path.is_symlink() && path.is_dir() {
                found.push(format!("{} (a symbolic link: not followed)", shown()));
            } else if path.is_dir() && depth > 0 {
                interesting(&path, base, depth - 1, found);
            } else if path.extension().is_some_and(|x| x == "rs" || x == "zip") {
                match refusal(&path, base) {
                    Some(why) if path.exists() || path.is_symlink() => {
                        found.push(format!("{} (not graded: it {why})", shown()));
                    }
                    _ => found.push(shown()),
                }
            }
        }
    }
    let mut found = Vec::new();
    interesting(dir, dir, 4, &mut found);
    layout_hint_of(&found)
}

fn layout_hint_of(found: &[String]) -> String {
    let shown: Vec<&str> = found.iter().take(3).map(String::as_str).collect();
    let found = match shown.as_slice() {
        [] => "no .rs file".to_owned(),
        _ if found.len() > 3 => format!("{} and {} more", shown.join(", "), found.len() - 3),
        _ => shown.join(", "),
    };
    let crates: Vec<&str> = ALL.iter().map(|e| e.krate).collect();
    format!(
        "found {found}; expected <crate>/src/lib.rs (at the top or one folder down) or a \
         loose <crate>.rs, for at least one of {}",
        crates.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn zip_of(path: &Path, files: &[(&str, &str)]) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        for (name, text) in files {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn dot_folders_macos_forks_and_loose_files_are_not_students() {
        let class = tempfile::tempdir().unwrap();
        for dir in [".git", "__MACOSX", "alice", "Émile Zola", "bob"] {
            std::fs::create_dir(class.path().join(dir)).unwrap();
        }
        write(&class.path().join("notes.txt"), "");
        zip_of(&class.path().join("carol.zip"), &[]);
        std::os::unix::fs::symlink(class.path().join("bob"), class.path().join("linked")).unwrap();
        let found = list(class.path()).unwrap();
        std::os::unix::fs::symlink(class.path().join("notes.txt"), class.path().join("x.txt"))
            .unwrap();
        let names: Vec<&str> = found.students.iter().map(|s| s.name.as_str()).collect();
        // A link to a folder is a student, refused when graded (`intake`).
        assert_eq!(names, ["alice", "bob", "carol", "linked", "Émile Zola"]);
        assert_eq!(
            found.skipped,
            [
                ".git (not a student)",
                "__MACOSX (not a student)",
                "notes.txt (not a folder or a .zip)"
            ]
        );
        let found = list(class.path()).unwrap();
        assert!(
            found
                .skipped
                .contains(&"x.txt (a symbolic link: not followed)".to_owned())
        );
    }

    #[test]
    fn a_class_that_is_a_file_missing_or_empty_is_explained() {
        let class = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let file = elsewhere.path().join("class.zip");
        write(&file, "");
        assert_eq!(
            list(&file).map_err(|e| format!("{e:#}")).unwrap_err(),
            format!(
                "--submissions {}: is a file, not a folder: unzip it first",
                file.display()
            )
        );
        let missing = class.path().join("nope");
        assert!(
            list(&missing)
                .map_err(|e| format!("{e:#}"))
                .unwrap_err()
                .ends_with("no such folder")
        );
        std::fs::create_dir(class.path().join(".git")).unwrap();
        let error = list(class.path())
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(
            error.contains("no student folders") && error.contains(".git (not a student)"),
            "{error}"
        );
    }

    #[test]
    fn a_folder_and_a_zip_of_the_same_name_are_refused() {
        let class = tempfile::tempdir().unwrap();
        std::fs::create_dir(class.path().join("alice")).unwrap();
        zip_of(&class.path().join("alice.zip"), &[]);
        let error = list(class.path())
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(
            error.contains("both be graded as student \"alice\""),
            "{error}"
        );
    }

    #[test]
    fn files_at_the_top_are_found_in_dot() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("lesson13-mpsc/src/lib.rs"), "x");
        let found = locate(dir.path()).unwrap();
        assert_eq!(found.found_in, ".");
        assert_eq!(found.exercises, [ALL[2]]);
        assert_eq!(found.dir, dir.path());
    }

    #[test]
    fn a_single_folder_is_looked_into_and_recorded() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("handin/lesson13-oneshot/src/lib.rs"), "x");
        std::fs::create_dir(dir.path().join("__MACOSX")).unwrap();
        write(&dir.path().join("README.txt"), "");
        let found = locate(dir.path()).unwrap();
        assert_eq!(found.found_in, "handin");
        assert_eq!(found.exercises, [ALL[0]]);
        assert_eq!(found.dir, dir.path().join("handin"));
    }

    #[test]
    fn only_one_level_down_and_only_when_the_folder_is_alone() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("a/b/lesson13-oneshot/src/lib.rs"), "x");
        let found = locate(dir.path()).unwrap();
        assert!(found.exercises.is_empty());
        assert!(
            found
                .hint
                .starts_with("found a/b/lesson13-oneshot/src/lib.rs; expected"),
            "{}",
            found.hint
        );
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("a/lesson13-oneshot/src/lib.rs"), "x");
        std::fs::create_dir(dir.path().join("b")).unwrap();
        assert!(locate(dir.path()).unwrap().exercises.is_empty());
    }

    #[test]
    fn loose_files_named_after_their_exercise_are_graded() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("lesson13-oneshot.rs"), "one");
        write(&dir.path().join("bounded.rs"), "four");
        write(&dir.path().join("lib.rs"), "which one?");
        let found = locate(dir.path()).unwrap();
        assert_eq!(found.found_in, ". (loose files)");
        assert_eq!(found.exercises, [ALL[0], ALL[3]]);
        let text = std::fs::read_to_string(found.dir.join("lesson13-bounded/src/lib.rs"));
        assert_eq!(text.unwrap(), "four");
    }

    #[test]
    fn loose_files_beside_a_workspace_layout_fill_in_the_other_exercises() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("lesson13-mpsc/src/lib.rs"), "three");
        write(&dir.path().join("lesson13-oneshot.rs"), "one");
        write(&dir.path().join("mpsc.rs"), "not this one");
        let found = locate(dir.path()).unwrap();
        assert_eq!(found.found_in, ". (and loose files)");
        assert_eq!(found.exercises, [ALL[0], ALL[2]]);
        let text = |e: Exercise| std::fs::read_to_string(found.dir.join(e.lib_rs())).unwrap();
        assert_eq!(
            (text(ALL[0]).as_str(), text(ALL[2]).as_str()),
            ("one", "three")
        );
    }

    #[test]
    fn a_zip_is_looked_into_by_the_same_rules() {
        let dir = tempfile::tempdir().unwrap();
        zip_of(
            &dir.path().join("work.zip"),
            &[
                ("handin/lesson13-mpsc/src/lib.rs", "three"),
                ("handin/lesson13-mpsc/Cargo.toml", "not taken"),
                ("__MACOSX/handin/lesson13-mpsc/src/._lib.rs", "fork"),
                ("../../escape/lesson13-oneshot.rs", "never written"),
            ],
        );
        let found = locate(dir.path()).unwrap();
        assert_eq!(found.found_in, "work.zip: handin");
        assert_eq!(found.exercises, [ALL[2]]);
        let text = std::fs::read_to_string(found.dir.join("lesson13-mpsc/src/lib.rs"));
        assert_eq!(text.unwrap(), "three");
        assert!(!found.dir.join("lesson13-mpsc/Cargo.toml").exists());
        assert!(!dir.path().parent().unwrap().join("escape").exists());
    }

    #[test]
    fn a_broken_zip_or_one_without_exercises_says_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("work.zip"), "not a zip");
        let found = locate(dir.path()).unwrap();
        assert!(found.exercises.is_empty());
        assert!(found.hint.contains("found work.zip"), "{}", found.hint);
        let zip = dir.path().join("other.zip");
        zip_of(&zip, &[("src/lib.rs", "x")]);
        let found = locate(&zip).unwrap();
        assert!(
            found
                .hint
                .starts_with("in other.zip: found src/lib.rs; expected"),
            "{}",
            found.hint
        );
    }

    #[test]
    fn a_symbolic_link_anywhere_in_the_submission_refuses_it() {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("secret.rs"), "the instructor's");
        write(&outside.path().join("src/lib.rs"), "the instructor's");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lesson13-oneshot/src")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.rs"),
            dir.path().join("lesson13-oneshot/src/lib.rs"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("lesson13-mpsc")).unwrap();
        let found = locate(dir.path()).unwrap();
        assert!(found.exercises.is_empty());
        let why = found.refused.unwrap();
        assert!(
            why.starts_with("lesson13-mpsc is a symbolic link (to ")
                || why.starts_with("lesson13-oneshot/src/lib.rs is a symbolic link (to "),
            "{why}"
        );
        assert!(why.ends_with(": not followed"), "{why}");
    }

    #[test]
    fn a_student_or_a_zip_that_is_a_link_is_refused_unread() {
        let class = tempfile::tempdir().unwrap();
        write(
            &class.path().join("bob/lesson13-oneshot/src/lib.rs"),
            "bob's",
        );
        zip_of(
            &class.path().join("bob/work.zip"),
            &[("lesson13-mpsc.rs", "bob's")],
        );
        std::os::unix::fs::symlink(class.path().join("bob"), class.path().join("mallory")).unwrap();
        std::fs::create_dir(class.path().join("eve")).unwrap();
        std::os::unix::fs::symlink(
            class.path().join("bob/work.zip"),
            class.path().join("eve/work.zip"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            class.path().join("bob/work.zip"),
            class.path().join("trudy.zip"),
        )
        .unwrap();
        let found = list(class.path()).unwrap();
        let names: Vec<&str> = found.students.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["bob", "eve", "mallory", "trudy"]);
        for student in &found.students[1..] {
            let located = locate(&student.path).unwrap();
            assert!(located.exercises.is_empty(), "{}", student.name);
            let why = located.refused.unwrap();
            assert!(why.contains("is a symbolic link (to "), "{why}");
        }
        assert_eq!(locate(&found.students[0].path).unwrap().exercises.len(), 1);
    }

    #[test]
    fn a_zip_bomb_is_refused_before_much_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let zeros = "\0".repeat(1 << 20);
        let names: Vec<String> = (0..8)
            .map(|i| format!("d{i}/lesson13-oneshot.rs"))
            .collect();
        let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), zeros.as_str())).collect();
        zip_of(&dir.path().join("work.zip"), &files);
        let found = locate(dir.path()).unwrap();
        let why = found.refused.unwrap();
        assert_eq!(
            why,
            "work.zip: it unpacks to more than 4 MiB of exercise files"
        );
    }

    #[test]
    fn an_oversized_file_is_not_graded() {
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat(MAX_FILE_BYTES as usize + 1);
        write(&dir.path().join("lesson13-oneshot/src/lib.rs"), &big);
        let found = locate(dir.path()).unwrap();
        assert!(found.exercises.is_empty());
        assert!(found.hint.contains("larger than 1 MiB"), "{}", found.hint);
    }
}
