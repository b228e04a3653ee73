//! The launcher on Linux: four processes, each with one job.
//!
//! - **L**, the launcher the runner started, stays in the grader's
//!   namespaces. It writes the ID maps of the new user namespace (only a
//!   process outside it may map `nobody`), enforces the time limit, and as a
//!   child subreaper it exits only once every process below it is reaped.
//! - **C** unshares the user, PID, network and mount namespaces, mounts the
//!   test's private tmpfs, becomes `nobody` (as root), and forks:
//! - **G**, PID 1 of the new PID namespace: a tiny init that reaps, reports
//!   how the test ended, and whose exit makes the kernel kill everything
//!   left in the namespace. It forks:
//! - **T**, which applies the resource limits, Landlock and seccomp to
//!   itself and executes the test binary.
//!
//! Every process has `PR_SET_PDEATHSIG` = SIGKILL, so a killed grader takes
//! the tree with it. The test is not PID 1 itself because PID 1 ignores the
//! signals it has no handler for, which would turn an abort into something
//! else.

use super::spec::{Protection, STATUS_FD, Spec};
use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, LandlockStatus, PathBeneath, PathFd,
    Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
};
use nix::sched::{CloneFlags, unshare};
use nix::sys::prctl;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Gid, Pid, Uid, fork};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

/// Who the test runs as when the grader is root: `nobody`.
const NOBODY: u32 = 65534;

/// The limits each test process gets.
const LIMITS: [(Resource, u64); 6] = [
    (Resource::RLIMIT_AS, 1 << 30),
    (Resource::RLIMIT_FSIZE, 64 << 20),
    (Resource::RLIMIT_NOFILE, 256),
    (Resource::RLIMIT_CPU, 60),
    (Resource::RLIMIT_NPROC, 128),
    (Resource::RLIMIT_CORE, 0),
];

/// The system libraries a test binary may load.
const SYSTEM_LIBRARIES: [&str; 8] = [
    "/lib",
    "/lib64",
    "/lib32",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib32",
    "/usr/local/lib",
    "/etc/ld.so.cache",
];

/// What a test may read besides (devices it may also write: `/dev/null`).
const DEVICES: [&str; 3] = ["/dev/null", "/dev/urandom", "/dev/zero"];

/// The launcher's `main`: runs L, never returns.
pub fn launcher_main() -> ! {
    let spec: Option<Spec> = std::env::args()
        .nth(2)
        .and_then(|json| serde_json::from_str(&json).ok());
    let result = match spec {
        Some(spec) => launcher(&spec),
        None => Err("the launch spec is missing or malformed".into()),
    };
    if let Err(why) = result {
        report(&format!("error {why}"));
        std::process::exit(112);
    }
    std::process::exit(0)
}

/// One line to the runner on the status socket.
fn report(line: &str) {
    // SAFETY: the runner opened STATUS_FD for the launcher's processes; it
    // stays open in them (close-on-exec only affects the test binary).
    let fd = unsafe { BorrowedFd::borrow_raw(STATUS_FD) };
    let _ = nix::unistd::write(fd, format!("{line}\n").as_bytes());
}

/// Ends this process at once (a forked child must not run the parent's
/// destructors or atexit handlers twice).
fn quit(code: i32) -> ! {
    // SAFETY: _exit is always safe to call; it just ends the process.
    unsafe { libc::_exit(code) }
}

/// L: map the IDs, enforce the limit, reap everything.
fn launcher(spec: &Spec) -> Result<(), String> {
    prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| format!("pdeathsig: {e}"))?;
    // The test binary must not inherit the status socket.
    // SAFETY: fcntl on an fd this process holds.
    unsafe { libc::fcntl(STATUS_FD, libc::F_SETFD, libc::FD_CLOEXEC) };
    prctl::set_child_subreaper(true).map_err(|e| format!("subreaper: {e}"))?;
    let root = nix::unistd::geteuid().is_root();
    let (uid, gid) = if root {
        (NOBODY, NOBODY)
    } else {
        (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        )
    };
    if root {
        // Without a tmpfs over it, the folder on disk must be the test's.
        nix::unistd::chown(
            &spec.work,
            Some(Uid::from_raw(uid)),
            Some(Gid::from_raw(gid)),
        )
        .map_err(|e| format!("chown {}: {e}", spec.work.display()))?;
    }
    let (ready_r, ready_w) = nix::unistd::pipe().map_err(|e| e.to_string())?;
    let (go_r, go_w) = nix::unistd::pipe().map_err(|e| e.to_string())?;
    // SAFETY: the launcher is single-threaded (it runs before anything
    // else in main), so the child may run any code.
    let c = match unsafe { fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => {
            drop((ready_r, go_w));
            unshare_and_fork(spec, ready_w, go_r, uid, gid)
        }
        ForkResult::Parent { child } => child,
    };
    drop((ready_w, go_r));
    let mut kind = [0u8; 1];
    let _ = nix::unistd::read(&ready_r, &mut kind);
    if kind[0] == b'U' {
        if let Err(why) = write_id_maps(c, uid, gid) {
            let _ = kill(c, Signal::SIGKILL);
            reap_all();
            return Err(why);
        }
    }
    let _ = nix::unistd::write(&go_w, b"g");
    let limit = Duration::from_millis(spec.limit_ms);
    if !exited_within(c, limit) {
        // C's death kills G (parent-death signal), and G's, as PID 1, kills
        // everything in its namespace; the group kill covers a sandbox
        // without a PID namespace.
        let _ = kill(c, Signal::SIGKILL);
        let _ = killpg(c, Signal::SIGKILL);
        report("killed");
    }
    reap_all();
    let _ = killpg(c, Signal::SIGKILL);
    Ok(())
}

/// Maps the one ID the test uses in the new user namespace of `pid`.
fn write_id_maps(pid: Pid, uid: u32, gid: u32) -> Result<(), String> {
    let write = |file: &str, text: String| {
        std::fs::write(format!("/proc/{pid}/{file}"), text).map_err(|e| format!("{file}: {e}"))
    };
    // Needed before an unprivileged gid_map; older kernels lack the file.
    let _ = write("setgroups", "deny".into());
    write("uid_map", format!("{uid} {uid} 1"))?;
    write("gid_map", format!("{gid} {gid} 1"))
}

/// Whether `pid` (a child) exits within `limit` (it may be reaped already).
fn exited_within(pid: Pid, limit: Duration) -> bool {
    // SAFETY: pidfd_open on our own child; the returned fd is owned below.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        // No pidfd (Linux < 5.3): poll the child.
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            use nix::sys::wait::WaitPidFlag;
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(5)),
                _ => return true,
            }
        }
        return false;
    }
    // SAFETY: the fd was just returned by pidfd_open and is ours alone.
    let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    let mut poll = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let deadline = std::time::Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let millis = left.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready > 0 {
            return true;
        }
        if ready == 0 || left.is_zero() {
            return false;
        }
        // EINTR: poll again for the time left.
    }
}

/// Waits for every child (and every orphan reparented to this subreaper)
/// until none is left.
fn reap_all() {
    loop {
        match waitpid(None::<Pid>, None) {
            Err(nix::errno::Errno::EINTR) | Ok(_) => continue,
            Err(_) => return,
        }
    }
}

/// C: namespaces, the tmpfs, the user; then G.
fn unshare_and_fork(spec: &Spec, ready: OwnedFd, go: OwnedFd, uid: u32, gid: u32) -> ! {
    let _ = prctl::set_pdeathsig(Signal::SIGKILL);
    // One process group for the whole tree, so that L can kill it even
    // without a PID namespace.
    let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
    let root = nix::unistd::geteuid().is_root();
    if root {
        // Root's supplementary groups (group root among them) would stay
        // with the test inside a user namespace, where they cannot be
        // dropped: drop them now.
        let _ = nix::unistd::setgroups(&[Gid::from_raw(gid)]);
    }
    let namespaces = CloneFlags::CLONE_NEWPID | CloneFlags::CLONE_NEWNET | CloneFlags::CLONE_NEWNS;
    let mut applied = Vec::new();
    let kind = if unshare(namespaces | CloneFlags::CLONE_NEWUSER).is_ok() {
        applied.push(Protection::UserNamespace);
        b'U'
    } else if root && unshare(namespaces).is_ok() {
        b'P'
    } else {
        b'N'
    };
    if kind != b'N' {
        applied.extend([Protection::PidNamespace, Protection::NetworkNamespace]);
    }
    let _ = nix::unistd::write(&ready, &[kind]);
    let mut go_byte = [0u8; 1];
    if !matches!(nix::unistd::read(&go, &mut go_byte), Ok(1)) {
        quit(112); // L gave up (it reports why)
    }
    if kind != b'N' && mount_tmpfs(&spec.work, uid, gid).is_ok() {
        applied.push(Protection::PrivateTmpfs);
    }
    if kind != b'N' || root {
        // In the user namespace only `uid` is mapped; outside one, root
        // drops to nobody (and so loses every capability).
        let (u, g) = (Uid::from_raw(uid), Gid::from_raw(gid));
        if kind != b'U' {
            let _ = nix::unistd::setgroups(&[g]);
        }
        if let Err(e) = nix::unistd::setresgid(g, g, g).and(nix::unistd::setresuid(u, u, u)) {
            report(&format!("error cannot become uid {uid}: {e}"));
            quit(112);
        }
    }
    // SAFETY: C is single-threaded.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => init(spec, applied),
        Ok(ForkResult::Parent { child }) => {
            let _ = waitpid(child, None);
            quit(0)
        }
        Err(e) => {
            report(&format!("error fork: {e}"));
            quit(112)
        }
    }
}

/// Makes the test's folder a private tmpfs in the new mount namespace.
fn mount_tmpfs(work: &Path, uid: u32, gid: u32) -> nix::Result<()> {
    use nix::mount::{MsFlags, mount};
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )?;
    let options = format!("size=64m,nr_inodes=4096,mode=0700,uid={uid},gid={gid}");
    mount(
        Some("tmpfs"),
        work,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some(options.as_str()),
    )
}

/// G: PID 1 of the namespace. Forks T, reaps, reports how T ended.
fn init(spec: &Spec, applied: Vec<Protection>) -> ! {
    let _ = prctl::set_pdeathsig(Signal::SIGKILL);
    // SAFETY: G is single-threaded.
    let test = match unsafe { fork() } {
        Ok(ForkResult::Child) => confine_and_exec(spec, applied),
        Ok(ForkResult::Parent { child }) => child,
        Err(e) => {
            report(&format!("error fork: {e}"));
            quit(112)
        }
    };
    loop {
        match waitpid(None::<Pid>, None) {
            Ok(WaitStatus::Exited(pid, code)) if pid == test => {
                report(&format!("exit {code}"));
                break;
            }
            Ok(WaitStatus::Signaled(pid, signal, _)) if pid == test => {
                report(&format!("signal {}", signal as i32));
                break;
            }
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => break,
        }
    }
    // Exiting kills whatever the test left in the namespace.
    quit(0)
}

/// T: limits, Landlock, seccomp, then the test binary.
fn confine_and_exec(spec: &Spec, mut applied: Vec<Protection>) -> ! {
    let _ = prctl::set_pdeathsig(Signal::SIGKILL);
    if let Err(e) = nix::unistd::chdir(&spec.work) {
        report(&format!("error chdir {}: {e}", spec.work.display()));
        quit(112);
    }
    if LIMITS
        .iter()
        .all(|&(resource, limit)| setrlimit(resource, limit, limit).is_ok())
    {
        applied.push(Protection::ResourceLimits);
    }
    match landlock(spec) {
        Ok(enforced) => applied.extend(enforced),
        Err(e) if spec.require.contains(&Protection::LandlockFiles) => {
            report(&format!("error landlock: {e}"));
            quit(112);
        }
        Err(_) => {}
    }
    match seccomp() {
        Ok(()) => applied.push(Protection::Seccomp),
        Err(e) if spec.require.contains(&Protection::Seccomp) => {
            report(&format!("error seccomp: {e}"));
            quit(112);
        }
        Err(_) => {}
    }
    applied.insert(0, Protection::ScrubbedEnvironment);
    if let Some(missing) = spec.require.iter().find(|p| !applied.contains(p)) {
        report(&format!("error could not apply {}", missing.describe()));
        quit(112);
    }
    report(&format!(
        "applied {}",
        serde_json::to_string(&applied).unwrap_or_default()
    ));
    if spec.probe {
        quit(0);
    }
    let run = || {
        std::process::Command::new(&spec.program)
            .args(&spec.args)
            .exec()
    };
    let mut error = run();
    // The program is a fresh copy of a test binary. Another thread of the
    // grader that forks just then (to start another test or a build) holds
    // a copy of the writable descriptor it was written through until its
    // child runs its own program, and for that instant Linux refuses to run
    // the file ("Text file busy"): wait for that instant to pass.
    for _ in 0..100 {
        if error.raw_os_error() != Some(nix::errno::Errno::ETXTBSY as i32) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        error = run();
    }
    report(&format!(
        "error cannot run {}: {error}",
        spec.program.display()
    ));
    quit(127)
}

/// The newest Landlock ABI this crate knows; best effort below it.
const ABI_USED: ABI = ABI::V6;

/// Reading and running files, and listing folders.
fn read_exec() -> landlock::BitFlags<AccessFs> {
    AccessFs::ReadFile | AccessFs::ReadDir | AccessFs::Execute
}

/// Landlock rules granting `access` beneath each of `paths` that exists.
fn beneath<'a>(
    paths: impl IntoIterator<Item = &'a Path>,
    access: landlock::BitFlags<AccessFs>,
) -> Vec<PathBeneath<PathFd>> {
    paths
        .into_iter()
        .filter_map(|path| PathFd::new(path).ok())
        .map(|fd| PathBeneath::new(fd, access))
        .collect()
}

/// The build jail (see `super::jail`): restricts this process with Landlock
/// to the jail's rules, then becomes the compiler cargo asked for (the
/// first argument), with the rest of the arguments. Never returns; a jail
/// that cannot be applied fails the compilation, loudly.
pub fn build_jail_main(rules: &str) -> ! {
    let fail = |why: String| -> ! {
        eprintln!("error: the grader's build jail could not be applied: {why}");
        std::process::exit(101)
    };
    let jail: super::jail::BuildJail = match serde_json::from_str(rules) {
        Ok(jail) => jail,
        Err(e) => fail(format!("its rules are malformed: {e}")),
    };
    let mut args = std::env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        fail("no compiler to run".into())
    };
    // SAFETY: the wrapper is single-threaded; nothing else reads the
    // environment.
    unsafe { std::env::remove_var(super::jail::JAIL_VAR) };
    let readable = jail
        .read
        .iter()
        .map(|p| p.as_path())
        .chain(super::jail::SYSTEM.iter().map(Path::new))
        .chain([Path::new(&rustc)]);
    let mut rules = beneath(readable, read_exec());
    rules.extend(beneath(
        jail.write.iter().map(|p| p.as_path()),
        AccessFs::from_all(ABI_USED),
    ));
    rules.extend(beneath(
        DEVICES.iter().map(Path::new),
        AccessFs::ReadFile | AccessFs::WriteFile,
    ));
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(ABI_USED))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(rules.into_iter().map(Ok::<_, landlock::RulesetError>)))
        .and_then(|r| r.restrict_self());
    match status {
        Ok(status) if status.ruleset != RulesetStatus::NotEnforced => {}
        Ok(_) => fail("this kernel does not enforce Landlock".into()),
        Err(e) => fail(e.to_string()),
    }
    let error = std::process::Command::new(&rustc).args(args).exec();
    fail(format!(
        "cannot run {}: {error}",
        Path::new(&rustc).display()
    ))
}

/// Applies Landlock; returns the parts the kernel enforces.
fn landlock(spec: &Spec) -> Result<Vec<Protection>, String> {
    let abi = ABI_USED;
    let files = spec
        .read_exec
        .iter()
        .map(|p| p.as_path())
        .chain(SYSTEM_LIBRARIES.iter().map(Path::new));
    let mut rules = beneath(files, read_exec());
    rules.extend(beneath(
        DEVICES.iter().map(Path::new),
        AccessFs::ReadFile | AccessFs::WriteFile,
    ));
    rules.push(PathBeneath::new(
        PathFd::new(&spec.work).map_err(|e| e.to_string())?,
        AccessFs::from_all(abi),
    ));
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp))
        .and_then(|r| r.scope(Scope::AbstractUnixSocket | Scope::Signal))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(rules.into_iter().map(Ok::<_, landlock::RulesetError>)))
        .and_then(|r| r.restrict_self())
        .map_err(|e| e.to_string())?;
    let effective = match status.landlock {
        LandlockStatus::Available { effective_abi, .. } => effective_abi,
        _ => ABI::Unsupported,
    };
    if status.ruleset == RulesetStatus::NotEnforced || effective == ABI::Unsupported {
        return Ok(Vec::new());
    }
    let mut enforced = vec![Protection::LandlockFiles];
    if effective >= ABI::V4 {
        enforced.push(Protection::LandlockNetwork);
    }
    if effective >= ABI::V6 {
        enforced.push(Protection::LandlockScopes);
    }
    Ok(enforced)
}

/// Installs the seccomp filters: no new processes (threads are fine), no
/// sockets, no `kill(2)`, and `clone3` answered "not implemented" so that
/// the C library falls back to `clone`, whose flags the filter can see.
fn seccomp() -> Result<(), String> {
    use seccompiler::{
        BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
        SeccompRule, TargetArch,
    };
    use std::collections::BTreeMap;
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| e.to_string())?;
    let no_thread = SeccompRule::new(vec![
        SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(libc::CLONE_THREAD as u64),
            0,
        )
        .map_err(|e| e.to_string())?,
    ])
    .map_err(|e| e.to_string())?;
    let mut denied: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    denied.insert(libc::SYS_clone, vec![no_thread]);
    #[cfg(target_arch = "x86_64")]
    for call in [libc::SYS_fork, libc::SYS_vfork] {
        denied.insert(call, Vec::new());
    }
    for call in [
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_kill,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_mount,
        libc::SYS_io_uring_setup,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
    ] {
        denied.insert(call, Vec::new());
    }
    let mut unimplemented = BTreeMap::new();
    unimplemented.insert(libc::SYS_clone3, Vec::new());
    let filters = [(denied, libc::EPERM), (unimplemented, libc::ENOSYS)];
    prctl::set_no_new_privs().map_err(|e| e.to_string())?;
    for (rules, errno) in filters {
        let filter = SeccompFilter::new(
            rules,
            SeccompAction::Allow,
            SeccompAction::Errno(errno as u32),
            arch,
        )
        .map_err(|e| e.to_string())?;
        let program: BpfProgram = filter
            .try_into()
            .map_err(|e: seccompiler::BackendError| e.to_string())?;
        seccompiler::apply_filter(&program).map_err(|e| e.to_string())?;
    }
    Ok(())
}
