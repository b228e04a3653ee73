//! The student runner's binary: `cargo xtask <command>` in the student
//! workspace, where `.cargo/config.toml` makes `cargo xtask` an alias for
//! `cargo run --package lesson13-student --bin student --`, and in the
//! course workspace, where `cargo xtask`'s dispatcher runs it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    lesson13_student::main(&workspace_root(), &args)
}

/// Two folders above this crate's (`tools/student`): `cargo run` says where
/// the crate it runs is now (the workspace may have moved since it was
/// built). Under the course workspace's dispatcher that is the dispatcher's
/// crate, `tools/dispatch`, at the same depth.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .ancestors()
        .nth(2)
        .map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf)
}
