//! Which grader made a report, and when: the grader's version, the commit
//! of the workspace it graded with, and the time.

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The file a packaged grader (the Gradescope autograder) carries its commit
/// in, since the package has no git history.
pub const COMMIT_FILE: &str = "GRADER_COMMIT";

/// The grader's version and the time of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The version of the grading tool (`xtask`).
    pub version: String,
    /// The workspace's git commit, with `-dirty` when tracked files were
    /// changed since; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// When the submission was graded (RFC 3339, UTC).
    pub graded_at: String,
}

impl Stamp {
    /// This grader, now.
    pub fn now() -> Stamp {
        static COMMIT: OnceLock<Option<String>> = OnceLock::new();
        let commit = COMMIT.get_or_init(|| commit(&crate::workspace::root()));
        Stamp {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: commit.clone(),
            graded_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        }
    }

    /// `0.1.0 (1a2b3c4d5e6f)`, for a report's header.
    pub fn version(&self) -> String {
        match &self.commit {
            Some(commit) => format!("{} ({})", self.version, short(commit)),
            None => self.version.clone(),
        }
    }
}

/// The first 12 characters of a commit hash, and its `-dirty` mark.
fn short(commit: &str) -> String {
    let (hash, dirty) = commit
        .strip_suffix("-dirty")
        .map_or((commit, ""), |h| (h, "-dirty"));
    format!("{}{dirty}", &hash[..hash.len().min(12)])
}

/// The commit of the workspace at `root`: from git, or from the package's
/// [`COMMIT_FILE`].
pub fn commit(root: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "HEAD"]) {
        Some(hash) if !hash.is_empty() => {
            let changed = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            Some(if changed {
                format!("{hash}-dirty")
            } else {
                hash
            })
        }
        _ => std::fs::read_to_string(root.join(COMMIT_FILE))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_has_the_version_and_a_utc_time() {
        let stamp = Stamp::now();
        assert_eq!(stamp.version, env!("CARGO_PKG_VERSION"));
        assert!(
            stamp.graded_at.ends_with('Z') && stamp.graded_at.len() == 20,
            "{}",
            stamp.graded_at
        );
    }

    #[test]
    fn a_package_without_git_reads_its_commit_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(commit(dir.path()), None);
        std::fs::write(dir.path().join(COMMIT_FILE), "abc123\n").unwrap();
        assert_eq!(commit(dir.path()).as_deref(), Some("abc123"));
    }

    #[test]
    fn the_header_shows_a_short_commit() {
        let stamp = Stamp {
            version: "0.1.0".into(),
            commit: Some(format!("{}-dirty", "a".repeat(40))),
            graded_at: String::new(),
        };
        assert_eq!(stamp.version(), "0.1.0 (aaaaaaaaaaaa-dirty)");
    }
}
