//! Report paths: every one checked before grading starts, so that a typo
//! costs a second, not a whole run (each file's folder is created and each
//! path is checked to be writable, a file where a file is wanted and a
//! folder where a folder is), and every report written whole or not at all
//! ([`write()`]).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` whole or not at all: into a new file beside it,
/// renamed over `path` once written, so an interrupted or failed write
/// leaves the old file (or none), never half a report.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    use std::io::Write;
    let writing = || format!("cannot write {}", path.display());
    let mut partial = tempfile::NamedTempFile::new_in(parent(path)).with_context(writing)?;
    partial.write_all(bytes.as_ref()).with_context(writing)?;
    // A temporary file is its owner's alone; a report is to be read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let readable = std::fs::Permissions::from_mode(0o644);
        partial
            .as_file()
            .set_permissions(readable)
            .with_context(writing)?;
    }
    partial
        .persist(path)
        .map_err(|e| e.error)
        .with_context(writing)?;
    Ok(())
}

/// What a report option writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One file.
    File,
    /// A folder of files (one per student).
    Folder,
}

/// One report option and its path.
#[derive(Debug, Clone)]
pub struct Output<'a> {
    /// The option, e.g. `--csv`.
    pub flag: &'a str,
    /// Its path.
    pub path: &'a Path,
    /// A file or a folder.
    pub kind: Kind,
}

/// Checks and creates every output, or says what is wrong with the first
/// bad one. None may lie inside `class` (it would be graded as a student
/// next time), and no two may be the same path.
pub fn prepare(outputs: &[Output], class: Option<&Path>) -> Result<()> {
    for (i, output) in outputs.iter().enumerate() {
        if let Some(other) = outputs[..i].iter().find(|o| o.path == output.path) {
            bail!(
                "{} and {} both write {}: give each its own path",
                other.flag,
                output.flag,
                output.path.display()
            );
        }
        if let Some(class) = class {
            inside_class(output, class)?;
        }
        match output.kind {
            Kind::File => file(output)?,
            Kind::Folder => folder(output)?,
        }
    }
    Ok(())
}

fn file(output: &Output) -> Result<()> {
    let Output { flag, path, .. } = output;
    if path.is_dir() {
        bail!("{flag} {}: is a folder, not a file", path.display());
    }
    let parent = parent(path);
    create(flag, &parent)?;
    // Opening for appending checks the permission without truncating a
    // previous report; a file made just for the check is removed again.
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("{flag} {}: cannot write", path.display()))?;
    if !existed {
        std::fs::remove_file(path).with_context(|| format!("{flag} {}", path.display()))?;
    }
    Ok(())
}

fn folder(output: &Output) -> Result<()> {
    let Output { flag, path, .. } = output;
    if path.exists() && !path.is_dir() {
        bail!(
            "{flag} {}: is a file, not a folder (with --submissions it gets one report \
             per student)",
            path.display()
        );
    }
    create(flag, path)?;
    tempfile::tempfile_in(path)
        .map(drop)
        .with_context(|| format!("{flag} {}: cannot write in it", path.display()))
}

fn create(flag: &str, folder: &Path) -> Result<()> {
    std::fs::create_dir_all(folder).map_err(|e| {
        // A file where a folder should be, here or further up.
        let blocker = folder.ancestors().find(|a| a.is_file());
        match blocker {
            Some(file) => anyhow::anyhow!(
                "{flag}: cannot create the folder {}: {} is a file, not a folder",
                folder.display(),
                file.display()
            ),
            None => anyhow::Error::new(e).context(format!(
                "{flag}: cannot create the folder {}",
                folder.display()
            )),
        }
    })
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses an output inside the class folder.
fn inside_class(output: &Output, class: &Path) -> Result<()> {
    // The output may not exist yet: compare its nearest existing ancestor.
    let existing = output
        .path
        .ancestors()
        .find(|a| !a.as_os_str().is_empty() && a.exists())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let (Ok(at), Ok(class_at)) = (existing.canonicalize(), class.canonicalize()) else {
        return Ok(());
    };
    if at.starts_with(&class_at) && at != class_at || at == class_at && existing != output.path {
        bail!(
            "{} {}: is inside the submissions folder {}, where it would be graded as a \
             student next time: write it elsewhere",
            output.flag,
            output.path.display(),
            class.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out<'a>(flag: &'a str, path: &'a Path, kind: Kind) -> Output<'a> {
        Output { flag, path, kind }
    }

    #[test]
    fn missing_folders_are_created_before_grading() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a/b/grades.csv");
        let json = dir.path().join("reports/json");
        prepare(
            &[
                out("--csv", &csv, Kind::File),
                out("--json", &json, Kind::Folder),
            ],
            None,
        )
        .unwrap();
        assert!(csv.parent().unwrap().is_dir() && !csv.exists());
        assert!(json.is_dir());
    }

    #[test]
    fn a_file_where_a_folder_is_wanted_and_the_reverse_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("reports");
        std::fs::write(&file, "").unwrap();
        let error = prepare(&[out("--json", &file, Kind::Folder)], None)
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(error.contains("is a file, not a folder"), "{error}");
        let error = prepare(&[out("--csv", dir.path(), Kind::File)], None)
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(error.contains("is a folder, not a file"), "{error}");
    }

    #[test]
    fn an_existing_report_is_kept_until_grading_writes_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("grades.csv");
        std::fs::write(&csv, "last week's").unwrap();
        prepare(&[out("--csv", &csv, Kind::File)], None).unwrap();
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), "last week's");
    }

    #[test]
    fn an_unwritable_path_is_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, "").unwrap();
        let csv = blocker.join("grades.csv");
        let error = prepare(&[out("--csv", &csv, Kind::File)], None)
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(error.contains("cannot create the folder"), "{error}");
        assert!(error.contains("is a file, not a folder"), "{error}");
    }

    #[test]
    fn outputs_inside_the_class_or_on_one_path_are_refused() {
        let class = tempfile::tempdir().unwrap();
        let inside = class.path().join("reports");
        let error = prepare(&[out("--json", &inside, Kind::Folder)], Some(class.path()))
            .map_err(|e| format!("{e:#}"))
            .unwrap_err();
        assert!(error.contains("inside the submissions folder"), "{error}");
        assert!(!inside.exists(), "nothing is created when refused");
        let error = prepare(
            &[out("--csv", class.path(), Kind::File)],
            Some(class.path()),
        );
        assert!(error.is_err());
        let other = tempfile::tempdir().unwrap();
        let same = other.path().join("x");
        let error = prepare(
            &[
                out("--csv", &same, Kind::File),
                out("--class-report", &same, Kind::File),
            ],
            None,
        )
        .map_err(|e| format!("{e:#}"))
        .unwrap_err();
        assert!(error.contains("both write"), "{error}");
        prepare(&[out("--csv", &same, Kind::File)], Some(class.path())).unwrap();
    }
}
