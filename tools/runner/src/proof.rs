//! Proof that a test's body really returned, for the grader.
//!
//! An exit status of 0 and a line `test … ok` prove nothing: the code under
//! test can exit the process, or print that line, itself. So the runner
//! hands each test process a fresh random token on an inherited socket (fd
//! [`FD`], named by the variable [`FD_VAR`]; the token itself is never in
//! argv or the environment), and `lesson13_testkit::with_deadline` reads it
//! before the test body runs and writes it back only after the body has
//! returned. A test passes only with the token back.
//!
//! Plain `cargo test` passes no socket, and the harness then proves nothing
//! and needs nothing.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The variable that names the proof socket's fd in the test process.
pub use lesson13_testkit::protocol::PROOF_FD_VAR as FD_VAR;

/// The proof socket's fd number in the test process.
pub const FD: i32 = 3;

/// One test process's proof channel.
pub struct Proof {
    ours: UnixStream,
    token: Vec<u8>,
}

impl Proof {
    /// Gives `command` a fresh token on fd [`FD`]: the child gets one end of
    /// a socket pair, holding the token and then end-of-file.
    pub fn attach(command: &mut Command) -> std::io::Result<Proof> {
        let (mut ours, theirs) = UnixStream::pair()?;
        let token = fresh_token()?;
        ours.write_all(&token)?;
        ours.shutdown(Shutdown::Write)?;
        let fd = theirs.as_raw_fd();
        command.env(FD_VAR, FD.to_string());
        // SAFETY: between fork and exec this only calls dup2 and fcntl, which
        // are async-signal-safe; `theirs` lives in the closure, so the fd is
        // open until the command (and so the closure) is dropped.
        unsafe {
            command.pre_exec(move || {
                let _keep = &theirs;
                pass_fd(fd, FD)
            });
        }
        Ok(Proof { ours, token })
    }

    /// Whether the test process wrote the token back. Call once the
    /// process has ended: this does not wait for more.
    pub fn confirmed(mut self) -> bool {
        let mut returned = Vec::new();
        if self.ours.set_nonblocking(true).is_err() {
            return false;
        }
        let mut chunk = [0; 256];
        while let Ok(n @ 1..) = self.ours.read(&mut chunk) {
            returned.extend_from_slice(&chunk[..n]);
            if returned.len() > 4096 {
                return false;
            }
        }
        returned
            .split(|&b| b == b'\n')
            .next()
            .is_some_and(|line| line == self.token)
    }
}

/// Puts `fd` at `target` in a child about to exec, without close-on-exec.
/// Only async-signal-safe calls: it runs between fork and exec.
pub(crate) fn pass_fd(fd: i32, target: i32) -> std::io::Result<()> {
    // SAFETY: plain syscalls on fds this process owns.
    let result = unsafe {
        if fd == target {
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, target)
        }
    };
    if result < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// 32 random bytes from the OS, as 64 hex digits.
pub(crate) fn fresh_token() -> std::io::Result<Vec<u8>> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_hex() {
        let (a, b) = (fresh_token().unwrap(), fresh_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.iter().all(u8::is_ascii_hexdigit));
    }

    #[test]
    fn a_process_that_echoes_the_token_is_confirmed_and_one_that_does_not_is_not() {
        let echo = format!("read -r t <&{FD}; printf '%s\\n' \"$t\" >&{FD}");
        let mut command = Command::new("sh");
        command.args(["-c", &echo]);
        let proof = Proof::attach(&mut command).unwrap();
        assert!(command.status().unwrap().success());
        assert!(proof.confirmed());

        let mut command = Command::new("sh");
        command.args(["-c", &format!("echo forged >&{FD}")]);
        let proof = Proof::attach(&mut command).unwrap();
        assert!(command.status().unwrap().success());
        assert!(!proof.confirmed());
    }
}
