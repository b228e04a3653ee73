//! What a submission may be, before anything in it is read: plain folders
//! and regular files, within limits.
//!
//! A link would make the grader read what is not the student's: a student
//! folder or a `work.zip` that is a symbolic link to another student's, a
//! `lib.rs` that is a link to the instructor's files, a zip entry that
//! unpacks as a link, or a hard link (a second name for another student's
//! file). A special file (a fifo, a socket, a device) could block the
//! grader or read from a device. So a submission holding any of these is
//! refused, with the path and why, and nothing of it is graded. A
//! submission is also refused when it is too large to be a channel: its
//! entries and bytes are counted, a zip's as its directory declares them,
//! and what the grader unpacks is counted as it is written.
//!
//! Version control, editor and build folders (`.git`, `.vscode`,
//! `target`) and macOS's `__MACOSX` are never opened by the grader, so they
//! are neither looked into nor counted: a student's workspace with its
//! `target/` is fine.

use crate::submissions::is_skipped;
use std::ffi::OsStr;
use std::path::Path;

/// The most entries a submission (a folder, or a zip's directory) holds.
pub const MAX_ENTRIES: usize = 10_000;

/// The most bytes a submission's files add up to (a zip's, unpacked):
/// a channel is a few KiB.
pub const MAX_BYTES: u64 = 64 << 20;

/// The most the grader writes while unpacking one submission's exercise
/// files from its zip.
pub const MAX_UNPACKED_BYTES: u64 = 4 << 20;

/// Whether a folder is one the grader never opens (see the module).
pub fn never_opened(name: &OsStr) -> bool {
    is_skipped(name) || name == "target"
}

/// `Err(why)` if `path`, a student's folder or zip, or anything in it, is a
/// link or a special file, or if it is too large.
pub fn check(path: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    let shown = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    if let Some(why) = not_plain(&meta) {
        let target = std::fs::read_link(path)
            .map(|t| format!(" (to {})", t.display()))
            .unwrap_or_default();
        return Err(format!("{shown} {why}{target}: not followed"));
    }
    if meta.is_dir() {
        let mut count = Count::default();
        walk(path, path, &mut count)
    } else {
        Ok(())
    }
}

/// Why a file is not a plain folder or a regular file with one name.
fn not_plain(meta: &std::fs::Metadata) -> Option<String> {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Some("is a symbolic link".into());
    }
    if !kind.is_dir() && !kind.is_file() {
        return Some(format!("is {}, not a regular file", special_kind(meta)));
    }
    let names = link_count(meta);
    if kind.is_file() && names > 1 {
        return Some(format!(
            "is a hard link (the same file has {names} names, maybe another student's)"
        ));
    }
    None
}

#[cfg(unix)]
fn link_count(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn link_count(_: &std::fs::Metadata) -> u64 {
    1
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_fifo() {
        "a fifo"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::Metadata) -> &'static str {
    "a special file"
}

/// Entries and bytes seen so far.
#[derive(Default)]
struct Count {
    entries: usize,
    bytes: u64,
}

impl Count {
    fn add(&mut self, bytes: u64) -> Result<(), String> {
        self.entries += 1;
        self.bytes += bytes;
        if self.entries > MAX_ENTRIES {
            return Err(format!(
                "it holds more than {MAX_ENTRIES} files and folders (leave build folders out)"
            ));
        }
        if self.bytes > MAX_BYTES {
            return Err(format!(
                "its files add up to more than {} MiB: a channel is a few KiB",
                MAX_BYTES >> 20
            ));
        }
        Ok(())
    }
}

fn walk(dir: &Path, top: &Path, count: &mut Count) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read it: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read it: {e}"))?;
        if never_opened(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        let shown = path
            .strip_prefix(top)
            .unwrap_or(&path)
            .display()
            .to_string();
        let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("{shown}: {e}"))?;
        if let Some(why) = not_plain(&meta) {
            let target = std::fs::read_link(&path)
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            return Err(format!("{shown} {why}{target}: not followed"));
        }
        count.add(if meta.is_file() { meta.len() } else { 0 })?;
        if meta.is_dir() {
            walk(&path, top, count)?;
        }
    }
    Ok(())
}

/// `Err(why)` if a zip's directory lists a link or a special file, or more
/// entries or bytes than a submission may have.
pub fn check_zip<R: std::io::Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Result<(), String> {
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "it has {} entries, more than {MAX_ENTRIES}",
            archive.len()
        ));
    }
    let mut count = Count::default();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| e.to_string())?;
        let name = entry.name().to_owned();
        if Path::new(&name).iter().any(never_opened) {
            continue;
        }
        const TYPE: u32 = 0o170000;
        let kind = match entry.unix_mode().map(|m| m & TYPE) {
            None | Some(0) | Some(0o100000) | Some(0o040000) => None,
            Some(0o120000) => Some("a symbolic link"),
            Some(0o010000) => Some("a fifo"),
            Some(0o140000) => Some("a socket"),
            Some(_) => Some("a device or another special file"),
        };
        if let Some(kind) = kind {
            return Err(format!("its entry {name} is {kind}: not unpacked"));
        }
        count.add(entry.size())?;
    }
    Ok(())
}

/// `Err(why)` if the zip's directory lists more entries than `listed`, the
/// entries the zip reader kept: it keeps one of two entries of one name, so
/// which one would be graded is unclear. The count is the one in the zip's
/// end record, read from the last 64 KiB of `zip`.
pub fn check_unique_names<R: std::io::Read + std::io::Seek>(
    zip: &mut R,
    listed: usize,
) -> Result<(), String> {
    use std::io::SeekFrom;
    let Ok(size) = zip.seek(SeekFrom::End(0)) else {
        return Ok(());
    };
    let tail = size.min(22 + 65_535);
    let mut bytes = vec![0; tail as usize];
    if zip.seek(SeekFrom::Start(size - tail)).is_err() || zip.read_exact(&mut bytes).is_err() {
        return Ok(());
    }
    // The end record: its signature, then the total entry count at 10.
    let Some(end) = (0..bytes.len().saturating_sub(21))
        .rev()
        .find(|&at| bytes[at..at + 4] == *b"PK\x05\x06")
    else {
        return Ok(());
    };
    let declared = u16::from_le_bytes([bytes[end + 10], bytes[end + 11]]);
    // 0xFFFF means the count is in a zip64 record: a submission has no need.
    if declared != u16::MAX && usize::from(declared) > listed {
        return Err(format!(
            "it lists {declared} entries under {listed} names: a file is in it twice, so \
             which one is the work is unclear: not unpacked (zip the folder again)"
        ));
    }
    Ok(())
}

/// Counts what the grader writes while unpacking one submission.
#[derive(Debug, Default)]
pub struct Unpacked(u64);

impl Unpacked {
    /// Takes `bytes` more into account; `Err` once past
    /// [`MAX_UNPACKED_BYTES`].
    pub fn add(&mut self, bytes: u64) -> Result<(), String> {
        self.0 += bytes;
        if self.0 > MAX_UNPACKED_BYTES {
            Err(format!(
                "it unpacks to more than {} MiB of exercise files",
                MAX_UNPACKED_BYTES >> 20
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn plain_folders_and_files_pass_and_build_folders_are_not_looked_into() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("lesson13-mpsc/src/lib.rs"), b"x");
        write(&dir.path().join("target/debug/big"), &vec![0; 1024]);
        std::fs::hard_link(
            dir.path().join("target/debug/big"),
            dir.path().join("target/debug/big-link"),
        )
        .unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join(".git")).unwrap();
        assert_eq!(check(dir.path()), Ok(()));
    }

    #[test]
    fn links_and_special_files_anywhere_are_refused_with_their_path() {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("bob.zip"), b"bob's");
        type Plant<'a> = &'a dyn Fn(&Path);
        let cases: [(&str, Plant); 4] = [
            ("work.zip is a symbolic link (to ", &|d| {
                std::os::unix::fs::symlink(outside.path().join("bob.zip"), d.join("work.zip"))
                    .unwrap()
            }),
            (
                "handin/lib.rs is a hard link (the same file has 2 names",
                &|d| {
                    std::fs::create_dir(d.join("handin")).unwrap();
                    std::fs::hard_link(outside.path().join("bob.zip"), d.join("handin/lib.rs"))
                        .unwrap()
                },
            ),
            ("pipe is a fifo, not a regular file", &|d| {
                nix::unistd::mkfifo(&d.join("pipe"), nix::sys::stat::Mode::S_IRWXU).unwrap()
            }),
            ("src is a symbolic link", &|d| {
                std::os::unix::fs::symlink(outside.path(), d.join("src")).unwrap()
            }),
        ];
        for (expected, plant) in cases {
            let dir = tempfile::tempdir().unwrap();
            write(&dir.path().join("lesson13-mpsc/src/lib.rs"), b"x");
            plant(dir.path());
            let error = check(dir.path()).unwrap_err();
            assert!(error.starts_with(expected), "{error}");
        }
        let linked = outside.path().join("mallory");
        std::os::unix::fs::symlink(outside.path(), &linked).unwrap();
        assert!(
            check(&linked)
                .unwrap_err()
                .starts_with("mallory is a symbolic link (to ")
        );
    }

    #[test]
    fn too_many_files_or_bytes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(dir.path().join("big")).unwrap();
        file.set_len(MAX_BYTES + 1).unwrap();
        assert!(check(dir.path()).unwrap_err().contains("more than 64 MiB"));
        let dir = tempfile::tempdir().unwrap();
        for i in 0..=MAX_ENTRIES {
            std::fs::create_dir(dir.path().join(i.to_string())).unwrap();
        }
        assert!(
            check(dir.path())
                .unwrap_err()
                .contains("more than 10000 files")
        );
    }

    /// A zip of these entries, each with its Unix mode (file type
    /// included: the zip crate writes only regular files and links, so a
    /// special file's type is set in the central directory by hand).
    fn zip_with(entries: &[(&str, u32, &[u8])]) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, mode, bytes) in entries {
            let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            if mode & 0o170000 == 0o120000 {
                zip.add_symlink(*name, "../../bob/work.zip", options)
                    .unwrap();
            } else {
                zip.start_file(*name, options).unwrap();
                zip.write_all(bytes).unwrap();
            }
        }
        let mut bytes = zip.finish().unwrap().into_inner();
        let mut entry = 0;
        for at in 0..bytes.len().saturating_sub(46) {
            if bytes[at..at + 4] == *b"PK\x01\x02" {
                let mode = entries[entry].1;
                bytes[at + 5] = 3; // made on Unix
                bytes[at + 38..at + 42].copy_from_slice(&(mode << 16).to_le_bytes());
                entry += 1;
            }
        }
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn a_zip_with_a_link_a_special_entry_or_too_much_in_it_is_refused() {
        let plain = [("lesson13-mpsc/src/lib.rs", 0o100644, &b"x"[..])];
        assert_eq!(check_zip(&mut zip_with(&plain)), Ok(()));
        let linked = [("lesson13-mpsc/src/lib.rs", 0o120777, &b""[..])];
        assert_eq!(
            check_zip(&mut zip_with(&linked)),
            Err("its entry lesson13-mpsc/src/lib.rs is a symbolic link: not unpacked".into())
        );
        let fifo = [("pipe", 0o010644, &b""[..])];
        assert!(
            check_zip(&mut zip_with(&fifo))
                .unwrap_err()
                .contains("a fifo")
        );
        let zeros = vec![0u8; 1 << 20];
        let bomb: Vec<(String, u32, &[u8])> = (0..70)
            .map(|i| {
                (
                    format!("d{i}/lesson13-oneshot.rs"),
                    0o100644,
                    zeros.as_slice(),
                )
            })
            .collect();
        let bomb: Vec<(&str, u32, &[u8])> =
            bomb.iter().map(|(n, m, b)| (n.as_str(), *m, *b)).collect();
        assert!(
            check_zip(&mut zip_with(&bomb))
                .unwrap_err()
                .contains("more than 64 MiB")
        );
    }

    #[test]
    fn a_zip_with_one_name_twice_is_refused() {
        let zip_of = |names: [&str; 2]| {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for name in names {
                let options = zip::write::SimpleFileOptions::default();
                zip.start_file(name, options).unwrap();
                zip.write_all(name.as_bytes()).unwrap();
            }
            zip.finish().unwrap().into_inner()
        };
        let mut bytes = zip_of(["a/src/lib.rs", "b/src/lib.rs"]);
        let mut reader = std::io::Cursor::new(bytes.clone());
        assert_eq!(check_unique_names(&mut reader, 2), Ok(()));
        // The writer refuses a name twice: rename the second entry by hand.
        for at in 0..bytes.len() - 12 {
            if &bytes[at..at + 12] == b"b/src/lib.rs" {
                bytes[at] = b'a';
            }
        }
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(archive.len(), 1, "the zip reader keeps one of the two");
        let why = check_unique_names(&mut std::io::Cursor::new(bytes), archive.len());
        assert!(why.unwrap_err().contains("a file is in it twice"));
    }

    #[test]
    fn unpacking_stops_past_its_budget() {
        let mut unpacked = Unpacked::default();
        assert!(unpacked.add(MAX_UNPACKED_BYTES).is_ok());
        assert!(unpacked.add(1).unwrap_err().contains("more than 4 MiB"));
    }
}
