//! What of the standard library graded code may reach, and why the rest is
//! closed. An allowlist: a module added to std later is closed until it is
//! listed here.

/// The crates that are the standard library: a path through any of them is
/// checked against the lists below.
pub(super) const ROOTS: &[&str] = &["std", "core", "alloc"];

/// Modules open as a whole: what a channel, its helpers and its own unit
/// tests use.
const OPEN_MODULES: &[&str] = &[
    "any",
    "array",
    "ascii",
    "borrow",
    "boxed",
    "cell",
    "char",
    "clone",
    "cmp",
    "collections",
    "convert",
    "default",
    "error",
    "f32",
    "f64",
    "fmt",
    "future",
    "hash",
    "hint",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "iter",
    "marker",
    "mem",
    "num",
    "ops",
    "option",
    "pin",
    "prelude",
    "primitive",
    "ptr",
    "rc",
    "result",
    "slice",
    "str",
    "string",
    "sync",
    "task",
    "thread",
    "time",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "vec",
];

/// Modules open in part: the items listed, and why the rest is closed.
const PARTLY_OPEN: &[(&str, &[&str], &str)] = &[
    (
        "io",
        &[
            "Write",
            "Read",
            "BufRead",
            "Seek",
            "SeekFrom",
            "stdout",
            "stderr",
            "Stdout",
            "Stderr",
            "StdoutLock",
            "StderrLock",
            "Result",
            "Error",
            "ErrorKind",
            "prelude",
            "sink",
            "Sink",
            "empty",
            "Empty",
            "repeat",
            "Repeat",
            "Cursor",
            "BufReader",
            "BufWriter",
            "LineWriter",
            "IoSlice",
            "IoSliceMut",
            "copy",
        ],
        "reaches input or pipes, outside the program, which a channel never needs: of \
         std::io only printing is open (stdout, stderr, the Write and Read traits)",
    ),
    (
        "panic",
        &[
            "catch_unwind",
            "resume_unwind",
            "panic_any",
            "AssertUnwindSafe",
            "UnwindSafe",
            "RefUnwindSafe",
            "Location",
        ],
        "changes what every panic does (a panic hook), which would hide the tests' own \
         failures; of std::panic only catch_unwind, resume_unwind, panic_any, \
         AssertUnwindSafe, UnwindSafe, RefUnwindSafe and Location are open",
    ),
];

/// Closed modules whose reason is worth its own sentence.
const CLOSED_MODULES: &[(&[&str], &str)] = &[
    (
        &["process"],
        "runs programs or ends the whole process: a channel never needs it, and a test \
         passes by returning, not by ending the program",
    ),
    (
        &["fs", "path"],
        "reaches the file system: a channel keeps everything in memory",
    ),
    (&["net"], "reaches the network, which a channel never needs"),
    (
        &["env"],
        "reads the environment, which a channel never needs",
    ),
    (
        &["os", "ffi", "arch", "intrinsics", "simd"],
        "reaches the operating system or the machine directly: the exercises are \
         portable, safe Rust",
    ),
    (
        &["alloc"],
        "allocates memory by hand: Box, Vec, VecDeque and Arc allocate for you",
    ),
    (
        &["backtrace"],
        "reads the program's own file to describe the call stack, which a channel never needs",
    ),
];

/// Why a module that is in none of the lists above is closed.
const NOT_LISTED: &str = "is not among the parts of the standard library a channel needs \
     (std::sync, std::task, std::future, std::pin, std::collections and the like; the \
     exercise README's \"Off limits\" section lists them)";

/// The macros graded code may call: std's everyday ones and the bounded
/// channel's `pin_project!`.
pub(super) const MACROS: &[&str] = &[
    "println",
    "print",
    "eprintln",
    "eprint",
    "format",
    "format_args",
    "write",
    "writeln",
    "vec",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "unreachable",
    "unimplemented",
    "todo",
    "matches",
    "dbg",
    "thread_local",
    "concat",
    "stringify",
    "cfg",
    "line",
    "column",
    "file",
    "module_path",
    "compile_error",
    "ready",
    "addr_of",
    "addr_of_mut",
    "offset_of",
    "pin_project",
];

/// Macros closed for a reason worth its own sentence: any path that ends
/// in one of these names is closed, in a `use` as in a call (std re-exports
/// them in its prelude modules too).
const CLOSED_MACROS: &[(&[&str], &str)] = &[
    (
        &["include", "include_str", "include_bytes"],
        "reads another file into the crate: your whole answer is this one file",
    ),
    (
        &["env", "option_env"],
        "reads the environment when the crate is built, which a channel never needs",
    ),
    (
        &["asm", "global_asm", "naked_asm", "llvm_asm"],
        "is machine code: the exercises are safe Rust",
    ),
    (
        &[
            "concat_idents",
            "trace_macros",
            "log_syntax",
            "format_args_nl",
        ],
        "is an unstable macro: the exercises use stable Rust",
    ),
    (
        &["pin"],
        "can be tricked into pinning the wrong value, a known hole in the compiler \
         (rust-lang/rust#153438): use Box::pin instead",
    ),
];

/// Why `name!` may not be called, if it may not.
pub(super) fn macro_verdict(name: &str) -> Option<&'static str> {
    if let Some((_, why)) = CLOSED_MACROS
        .iter()
        .find(|(names, _)| names.contains(&name))
    {
        return Some(why);
    }
    (!MACROS.contains(&name)).then_some(
        "is not one of the macros graded code may call: std's everyday ones (println!, \
         format!, vec!, assert!, matches!, write!, todo!, …) and pin_project!",
    )
}

/// Why the standard-library path `path` (starting at one of [`ROOTS`]) is
/// closed, if it is.
pub(super) fn path_verdict(path: &[String]) -> Option<&'static str> {
    let module = path.get(1)?.as_str();
    let closed_macro = |name: &str| {
        CLOSED_MACROS
            .iter()
            .find(|(names, _)| names.contains(&name))
            .map(|(_, why)| *why)
    };
    if OPEN_MODULES.contains(&module) {
        // `std::pin` is open, `std::pin::pin` (the macro) is not; the
        // prelude modules re-export `include_str` and friends.
        return match path.len() {
            2 => None,
            _ => closed_macro(path.last()?),
        };
    }
    if path.len() == 2 && MACROS.contains(&module) {
        return None;
    }
    if let Some((_, items, why)) = PARTLY_OPEN.iter().find(|(name, ..)| *name == module) {
        return match path.get(2) {
            Some(item) if !items.contains(&item.as_str()) => Some(why),
            _ => None,
        };
    }
    let closed = CLOSED_MODULES
        .iter()
        .find(|(names, _)| names.contains(&module));
    Some(
        closed
            .map(|(_, why)| *why)
            .or_else(|| closed_macro(module))
            .unwrap_or(NOT_LISTED),
    )
}

/// Whether `use path::*` brings in nothing closed: the module must be open
/// as a whole (or be `std::io::prelude`).
pub(super) fn glob_is_open(path: &[String]) -> bool {
    match path.get(1).map(String::as_str) {
        Some(module) if OPEN_MODULES.contains(&module) => true,
        Some("io") => path.get(2).is_some_and(|m| m == "prelude"),
        _ => false,
    }
}
