//! The student runner's binary: `cargo xtask <command>` in the student
//! workspace, where `.cargo/config.toml` makes `cargo xtask` an alias for
//! `cargo run --package lesson13-runner --bin student --`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    lesson13_runner::student::main(&workspace_root(), &args)
}

/// The folder above this crate's: `cargo run` says where the crate is now
/// (the workspace may have moved since it was built).
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf)
}
