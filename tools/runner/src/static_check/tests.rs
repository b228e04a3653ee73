//! Both directions: every attack shape is rejected, for the right reason,
//! and honest code (names a student may choose, what a channel needs)
//! passes.

use super::*;

/// Each offence's `found` text and why, or the unparsable message.
fn offences(source: &str) -> Vec<String> {
    match inspect(source) {
        Ok(findings) => findings
            .offences
            .into_iter()
            .map(|f| format!("{} {}", f.found, f.why))
            .collect(),
        Err(unparsable) => vec![format!("unparsable: {unparsable}")],
    }
}

fn notices(source: &str) -> Vec<String> {
    inspect(source)
        .map(|f| f.notices.into_iter().map(|n| n.found).collect())
        .unwrap_or_default()
}

/// Asserts that `source` is rejected, one offence's text containing
/// `expected`.
#[track_caller]
fn rejected(source: &str, expected: &str) {
    let found = offences(source);
    assert!(
        found.iter().any(|f| f.contains(expected)),
        "expected an offence containing {expected:?} in\n{source}\ngot {found:?}"
    );
}

#[track_caller]
fn all_rejected(cases: &[(&str, &str)]) {
    for (source, expected) in cases {
        rejected(source, expected);
    }
}

#[track_caller]
fn passes(source: &str) {
    let found = offences(source);
    assert!(
        found.is_empty(),
        "expected\n{source}\nto pass, got {found:?}"
    );
}

#[test]
fn the_process_and_the_os_are_off_limits_however_they_are_named() {
    let cases = [
        ("fn f() { std::process::exit(0) }", "std::process::exit"),
        ("fn f() { ::std::process::exit(0) }", "std::process::exit"),
        ("fn f() { core::arch::x86_64::_rdtsc(); }", "core::arch"),
        ("use std::process as p;", "std::process"),
        (
            "use std as s; fn f() { s::process::exit(0) }",
            "std::process::exit",
        ),
        (
            "use ::std as s; fn f() { s::r#process::abort() }",
            "std::process::abort",
        ),
        (
            "use std::{self as x}; fn f() { x::process::abort() }",
            "std::process::abort",
        ),
        ("use std::*; fn f() { let g = fs::read; }", "std::*"),
        ("use core::*;", "core::*"),
        ("use std::{io::{self, *}};", "std::io::*"),
        (
            "fn f() { use std as s; s::env::var(\"X\"); }",
            "std::env::var",
        ),
        (
            "fn f() { { use std::net; net::TcpStream::connect(\"x\"); } }",
            "std::net",
        ),
        (
            "mod m { pub use std::io; } fn f() { crate::m::io::stdin(); }",
            "std::io::stdin",
        ),
        ("use std::io; fn f() { io::pipe(); }", "std::io::pipe"),
        (
            "use std::io::{self as i}; fn f() { i::stdin(); }",
            "std::io::stdin",
        ),
        (
            "use std as a; use a::os as b; fn f() { b::unix::x(); }",
            "std::os",
        ),
        (
            "fn f() { std::panic::set_hook(Box::new(|_| {})) }",
            "std::panic::set_hook",
        ),
        (
            "use std::panic::{self}; fn f() { panic::take_hook(); }",
            "std::panic::take_hook",
        ),
        ("fn f() { std::fs::write(\"x\", \"y\"); }", "std::fs::write"),
        (
            "fn f() { std::path::Path::new(\"/\").exists(); }",
            "std::path::Path::new",
        ),
        ("fn f() { std::ffi::CString::new(\"x\"); }", "std::ffi"),
        ("fn f() { std::alloc::System; }", "std::alloc::System"),
        (
            "fn f() { std::intrinsics::abort() }",
            "std::intrinsics::abort",
        ),
        (
            "fn f() { std::backtrace::Backtrace::capture(); }",
            "std::backtrace",
        ),
        ("fn f() { std::rt::lang_start(); }", "std::rt"),
        (
            "fn f() -> Vec<std::process::Child> { Vec::new() }",
            "std::process::Child",
        ),
        (
            "fn f() { <std::process::Command>::new(\"sh\"); }",
            "std::process::Command",
        ),
        ("type C = std::process::Command;", "std::process::Command"),
    ];
    all_rejected(&cases);
}

#[test]
fn a_closed_macro_is_caught_in_macro_position_whatever_its_path() {
    let cases = [
        ("const X: &str = env!(\"HOME\");", "env!"),
        (
            "const X: Option<&str> = option_env!(\"HOME\");",
            "option_env!",
        ),
        (
            "const S: &str = include_str!(\"../tests/hidden/graded.rs\");",
            "include_str!",
        ),
        (
            "const S: &[u8] = std::include_bytes!(\"x\");",
            "std::include_bytes",
        ),
        ("include!(\"x.rs\");", "include!"),
        ("fn f() { core::arch::asm!(\"nop\") }", "core::arch::asm"),
        ("fn f() { asm!(\"nop\") }", "asm!"),
        ("use std::prelude::v1::include_str as inc;", "include_str"),
        ("fn f() { let s = std::prelude::v1::env!(\"X\"); }", "env"),
        ("fn f() { let x = std::pin::pin!(async {}); }", "pin"),
        (
            "use std::pin::pin; fn f() { let x = pin!(async {}); }",
            "std::pin::pin",
        ),
        (
            "fn f() { let x = vec![include_str!(\"/etc/passwd\")]; }",
            "include_str!",
        ),
        (
            "#[doc = include_str!(\"../README.md\")] fn f() {}",
            "include_str!",
        ),
        (
            "#![doc = include_str!(\"../../solutions/src/oneshot.rs\")]",
            "include_str!",
        ),
        ("fn f() { my_macro!(); }", "my_macro!"),
        ("fn f() { crate::helper!(); }", "crate::helper!"),
    ];
    all_rejected(&cases);
}

#[test]
fn macro_rules_is_closed_since_a_macro_can_assemble_a_path() {
    rejected(
        "macro_rules! m { ($x:ident) => { std::$x::exit(0) } } fn f() { m!(process) }",
        "macro_rules!",
    );
    rejected("fn f() { macro_rules! g { () => {} } }", "macro_rules!");
}

#[test]
fn attributes_are_judged_in_attribute_position_inner_and_outer() {
    let cases = [
        ("#[no_mangle] pub fn f() {}", "#[no_mangle]"),
        ("#[unsafe(no_mangle)] pub fn f() {}", "#[unsafe]"),
        ("#[export_name = \"main\"] pub fn f() {}", "#[export_name]"),
        (
            "#[link_section = \".init_array\"] static F: fn() = f;",
            "#[link_section]",
        ),
        ("#[used] static X: u8 = 0;", "#[used]"),
        ("#[link(name = \"c\")] mod m {}", "#[link]"),
        ("#[path = \"x.rs\"] mod x {}", "#[path]"),
        ("#[cfg_attr(all(), path = \"x.rs\")] mod x {}", "#[path]"),
        (
            "#[cfg_attr(test, cfg_attr(all(), no_mangle))] fn f() {}",
            "#[no_mangle]",
        ),
        (
            "#[global_allocator] static A: u8 = 0;",
            "#[global_allocator]",
        ),
        ("#[panic_handler] fn p() {}", "#[panic_handler]"),
        ("#![feature(core_intrinsics)]", "#![feature]"),
        ("#![no_std]", "#![no_std]"),
        ("#![recursion_limit = \"100000\"]", "#![recursion_limit]"),
        (
            "#![allow(long_running_const_eval)]",
            "long_running_const_eval",
        ),
        (
            "#![debugger_visualizer(gdb_script_file = \"../tests/hidden/graded.rs\")]",
            "#![debugger_visualizer]",
        ),
        ("#[macro_export] fn f() {}", "#[macro_export]"),
        ("#[some_tool::thing] fn f() {}", "#[some_tool::thing]"),
        ("fn f() { #[no_mangle] fn g() {} }", "#[no_mangle]"),
    ];
    all_rejected(&cases);
}

#[test]
fn unsafe_extern_and_other_files_are_closed() {
    let cases = [
        ("fn f() { unsafe {} }", "unsafe"),
        ("unsafe fn f() {}", "unsafe"),
        ("extern \"C\" { fn exit(c: i32); }", "extern"),
        ("extern crate alloc;", "extern"),
        ("mod hidden;", "mod hidden;"),
        ("mod core { pub fn f() {} }", "core"),
        ("use crate::helpers as std;", "std"),
    ];
    all_rejected(&cases);
}

#[test]
fn non_ascii_identifiers_are_rejected_with_rename_it() {
    // U+212A KELVIN SIGN is a letter that rustc normalises to `K`.
    let found = inspect("fn \u{212A}() {}").unwrap().offences;
    assert_eq!(found[0].found, "\u{212A}");
    assert!(found[0].why.contains("rename it"), "{found:?}");
}

#[test]
fn the_lifetime_hole_shapes_are_rejected() {
    let cases = [
        // cve-rs's translator.
        (
            "fn tr<'a, 'b, T: ?Sized>(_: &'a &'b (), v: &'b T) -> &'a T { v }",
            "&'a … 'b",
        ),
        (
            "fn tr<'b, T>(_: &'static &'b (), v: &'b T) -> &'static T { v }",
            "&'static … 'b",
        ),
        ("fn tr<'a, 'b, T>(_: &'a mut &'b mut T) {}", "&'a … 'b"),
        ("fn tr<'a, 'b, T>(_: Option<&'a [&'b T]>) {}", "&'a … 'b"),
        (
            "fn tr<'a, 'b, T>(v: &'b T) -> (&'a T, [&'a &'b (); 0]) { todo!() }",
            "&'a … 'b",
        ),
        ("struct W<'a, 'b>(&'a &'b ());", "&'a … 'b"),
        ("type P<'b> = &'static &'b ();", "&'static … 'b"),
        ("fn tr<'a, 'b, T>(_: &'a (dyn Fn() + 'b)) {}", "&'a … 'b"),
        // A struct that carries the relation into a signature.
        (
            "fn tr<'a, 'b, T>(_: W<'a, 'b>, v: &'b T) -> &'a T { v }",
            "W<'a, 'b>",
        ),
        (
            "fn tr<'b, T>(_: W<'static, 'b>, v: &'b T) -> &'static T { v }",
            "W<'static, 'b>",
        ),
        ("fn tr<'a, 'b, T>(_: W<'a, &'b ()>) {}", "W<'a, 'b>"),
        (
            "struct W<'a, 'b: 'a>(PhantomData<(&'a (), &'b ())>);",
            "'b: 'a",
        ),
        (
            "struct W<'b> where 'b: 'static { x: &'b () }",
            "'b: 'static",
        ),
        ("impl<'a, 'b> Tr<'b> for H<'a> where H<'a>: 'b {}", "'a: 'b"),
        ("fn f<'a, 'b>() where &'a (): 'b {}", "'a: 'b"),
        // rust-lang/rust#84591, #100051, #129005, #114936.
        (
            "fn f<S>() where S: for<'a, 'b> Sup<'a, 'b, &'b &'a ()> {}",
            "Sup<'a, 'b>",
        ),
        (
            "impl<'a, 'b> E<'a, 'b> for <&'b &'a () as T>::Type {}",
            "&'b … 'a",
        ),
        (
            "fn e<'a, 'b>(x: &'a str) -> <&'b &'a () as A<&'b str>>::Arg { x }",
            "&'b … 'a",
        ),
        (
            "fn w(f: impl for<'s> FnOnce(&'s str) -> [&'static &'s (); 0]) {}",
            "&'static … 's",
        ),
    ];
    all_rejected(&cases);
}

#[test]
fn the_coherence_hole_shape_is_rejected_however_the_self_type_is_spelled() {
    for source in [
        "trait Object<U> { type Output; } impl<T: ?Sized, U> Object<U> for T { type Output = U; }",
        "impl<T, U> Object<U> for T where T: ?Sized { type Output = U; }",
        // The forms an independent review forged a pass with.
        "impl<T: ?Sized, U> Object<U> for (T) { type Output = U; }",
        "type Me<X> = X; impl<X: ?Sized, U> Object<U> for Me<X> { type Output = U; }",
        "impl<T: Send + ?Sized, U> Object<U> for T { type Output = U; }",
        "impl<T: ?::core::marker::Sized, U> Object<U> for T { type Output = U; }",
        "fn foo<T: ?Sized, U>(x: <T as Object<U>>::Output) -> U { x }",
    ] {
        let found = inspect(source).unwrap().offences;
        assert!(
            found
                .iter()
                .any(|f| f.why.contains("rust-lang/rust#57893") && f.found.starts_with('?')),
            "not rejected for `?Sized`: {source}\n{found:#?}"
        );
    }
    // The `?` operator is not a bound.
    passes("fn f() -> Option<u8> { let x: Option<u8> = None; let y = x?; Some(y + g()?) }");
    // Without `?Sized`, an impl for every type is only noted.
    let found = inspect("impl<T, U> Object<U> for (T) { type Output = U; }").unwrap();
    assert!(found.passed(), "{:#?}", found.offences);
    assert!(
        found.notices.iter().any(|n| n.found == "impl … for T"),
        "{:#?}",
        found.notices
    );
}

#[test]
fn a_trait_object_that_relates_two_lifetimes_is_rejected() {
    // An independent review's forgeries (rustc 1.95): `trait Tr<'x>: 'x`
    // makes `dyn Tr<'b> + 'a` imply `'a: 'b`, through a function pointer
    // (#25860) or an impl for a projection (#100051), through an alias.
    for (source, expected) in [
        ("trait Tr<'x>: 'x {}", "trait … <'x>"),
        ("trait Tr<'x> where Self: 'x {}", "Self: 'x"),
        ("trait Job: Send + 'static {}", "Self: 'static"),
        (
            "fn foo<'a, 'b, T>(_: Option<Box<dyn Tr<'a> + 'b>>, v: &'b mut T) -> &'a mut T { v }",
            "dyn … 'a … 'b",
        ),
        (
            "impl<'x, 'y> Trait for Box<dyn Tr<'x> + 'y> { type Type = (); }",
            "dyn … 'x … 'y",
        ),
        ("type Unit<A> = <A as Trait>::Type;", "<… as …>::…"),
        (
            "impl<'a> Extend<&'a mut u64> for <Box<u8> as Trait>::Type {}",
            "<… as …>::…",
        ),
        (
            "struct S; impl S { fn f() where Self: 'static {} }",
            "Self: 'static",
        ),
    ] {
        let found = inspect(source).unwrap().offences;
        assert!(
            found.iter().any(|f| f.found == expected),
            "expected `{expected}` in {source}\n{found:#?}"
        );
    }
    for file in ["dynfn", "dynproj", "quiet", "quiet_where"] {
        let source = match file {
            "dynfn" => {
                "trait Tr<'x>: 'x {}\n\
                 fn foo<'a, 'b, T>(_: Option<Box<dyn Tr<'a> + 'b>>, v: &'b mut T) -> &'a mut T { v }\n\
                 fn forever<T>(v: &mut T) -> &'static mut T {\n\
                 let f: for<'y> fn(Option<Box<dyn Tr<'static>>>, &'y mut T) -> &'static mut T = foo;\n\
                 f(None, v) }"
            }
            "dynproj" => {
                "trait Tr<'x>: 'x {}\ntrait Trait { type Type; }\n\
                 impl<T> Trait for T { type Type = (); }\n\
                 impl<'a, 'b> Extend<&'a mut u64, &'b mut u64> for <Box<dyn Tr<'b> + 'a> as Trait>::Type {}"
            }
            "quiet" => {
                "pub trait Trait { type Type; }\npub trait Tr<'x>: 'x {}\n\
                 impl<'x, 'y> Trait for Box<dyn Tr<'x> + 'y> { type Type = (); }\n\
                 type Unit<A> = <A as Trait>::Type;\n\
                 impl<'a, 'b> Extend<&'a mut u64, &'b mut u64> for Unit<Box<dyn Tr<'b> + 'a>> {}"
            }
            _ => "pub trait Tr<'x> where Self: 'x {}",
        };
        assert!(!inspect(source).unwrap().passed(), "{file} passed");
    }
    // What a channel writes stays allowed.
    passes("type Job = Box<dyn FnOnce() + Send + 'static>;");
    passes("struct F<'a> { f: Pin<Box<dyn Future<Output = ()> + Send + 'a>> }");
    passes("impl<T> Future for Receiver<T> { type Output = Self::Output; }");
    passes("fn f(g: impl for<'a> Fn(&'a u8) -> &'a u8) {}");
    passes("trait Channel<T>: Send { fn close(&self); }");
    passes("fn f<'a>(x: &'a dyn std::fmt::Debug) {}");
}

#[test]
fn a_type_whose_parameter_outlives_a_fixed_lifetime_is_rejected() {
    // A third review's forgery (rustc 1.95): `S<&'b ()>` implies
    // `'b: 'static`.
    for source in [
        "struct S<T: 'static>(T);\nfn tr<'b, T>(_: S<&'b ()>, v: &'b mut T) -> &'static mut T { v }",
        "struct S<T: Send + 'static>(T);",
        "struct S<T>(T) where T: 'static;",
        "enum E<T> where T: Send + 'static { A(T) }",
        "union U<T: Copy + 'static> { a: T }",
        "trait Tr<T: 'static> {}",
        "trait Tr { type Item: 'static; }",
    ] {
        let found = inspect(source).unwrap().offences;
        assert!(
            found
                .iter()
                .any(|f| f.found.ends_with("in a type's declaration")),
            "not rejected: {source}\n{found:#?}"
        );
    }
    // The declaration's own lifetime, and bounds elsewhere, stay allowed.
    passes("struct Recv<'a, T: 'a> { rx: &'a mut Receiver<T> }");
    passes("struct Recv<'a, T> where T: 'a { rx: &'a mut Receiver<T> }");
    passes("type Job = Box<dyn FnOnce() + Send + 'static>;");
    passes("fn spawn<F: Send + 'static>(f: F) {}");
    passes("impl<T: Send + 'static> Sender<T> {}");
    passes("struct S<T: Clone>(std::marker::PhantomData<T>);");
    passes("trait Tr { type Item; fn get(&self) -> Self::Item; }");
}

#[test]
fn a_reference_to_self_beside_another_lifetime_or_a_closure_is_rejected() {
    // A fourth review's forgeries (rustc 1.95): `&'a Self` in
    // `impl<'b> Foo<'b>` is `&'a Foo<'b>`, and two such functions or
    // closures in an `if` become a function pointer without `fn(`.
    for source in [
        "struct Foo<'b>(&'b ());\nimpl<'b> Foo<'b> {\n\
         fn f1<'a>(_: &'a Self, v: &'b mut u64) -> &'a mut u64 { v }\n}",
        "struct Foo<'b>(&'b ());\nimpl<'b> Foo<'b> {\n\
         fn f1(&self, v: &'b mut u64) -> &mut u64 { v }\n}",
        "struct Foo<'b>(&'b (), Option<&'b mut u64>);\nimpl<'b> Foo<'b> {\n\
         fn mk<F: Fn(&Self, Self) -> &mut u64>(f: F) -> F { f }\n}",
        "struct Foo<'b>(&'b ());\nimpl Foo<'_> {\n\
         fn mk<F: for<'a> Fn(&'a Self) -> &'a u64>(f: F) -> F { f }\n}",
        // The lifetime hidden in the impl's self type: `Foo` is declared
        // with one.
        "struct Foo<'b>(&'b ());\nimpl Foo {\n\
         fn f1<'a>(_: &'a Self, v: &'a u64) -> &'a u64 { v }\n}",
    ] {
        let found = inspect(source).unwrap().offences;
        assert!(
            found
                .iter()
                .any(|f| f.found == "&Self … '_/Fn in an impl with a lifetime"),
            "not rejected: {source}\n{found:#?}"
        );
    }
    // A future borrowing its receiver, as the exercises write it.
    passes(
        "struct Recv<'a, T> { rx: &'a mut Receiver<T> }\n\
         impl<'a, T> Recv<'a, T> { fn new(rx: &'a mut Receiver<T>) -> Self { Recv { rx } } }\n\
         impl<T> Future for Recv<'_, T> {\n\
         type Output = Option<T>;\n\
         fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> { todo!() }\n}\n\
         impl<T> Drop for Recv<'_, T> { fn drop(&mut self) {} }",
    );
    // Without a lifetime in the type, `&self` beside a closure is fine.
    passes("struct S;\nimpl S { fn each<F: Fn(u8)>(&self, f: F) {} }");
}

#[test]
fn the_hostile_fixture_is_rejected_for_the_lifetime_hole() {
    let fixture = include_str!("../../../xtask/fixtures/hostile/lifetime-expansion.rs");
    let found = inspect(fixture).unwrap().offences;
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|f| f.why.contains("rust-lang/rust#25860")),
        "{found:#?}"
    );
}

#[test]
fn the_hostile_fixture_is_rejected_for_the_coherence_hole() {
    let fixture = include_str!("../../../xtask/fixtures/hostile/trait-object-transmute.rs");
    let found = inspect(fixture).unwrap().offences;
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|f| f.why.contains("rust-lang/rust#57893")),
        "{found:#?}"
    );
}

#[test]
fn the_hostile_fixture_is_rejected_for_the_trait_object() {
    let fixture = include_str!("../../../xtask/fixtures/hostile/trait-object-lifetimes.rs");
    let found: Vec<String> = inspect(fixture)
        .unwrap()
        .offences
        .into_iter()
        .map(|f| f.found)
        .collect();
    for expected in ["trait … <'x>", "Self: 'x", "dyn … 'long … 'short"] {
        assert!(found.iter().any(|f| f == expected), "{expected}: {found:?}");
    }
}

#[test]
fn the_hostile_fixture_is_rejected_for_the_bounded_type_parameter() {
    let fixture = include_str!("../../../xtask/fixtures/hostile/bounded-type-parameter.rs");
    let found = inspect(fixture).unwrap().offences;
    assert!(
        found
            .iter()
            .any(|f| f.found == "T: 'static in a type's declaration"),
        "{found:#?}"
    );
}

#[test]
fn the_hostile_fixture_is_rejected_for_the_reference_to_self() {
    let fixture = include_str!("../../../xtask/fixtures/hostile/self-reference-coercion.rs");
    let found = inspect(fixture).unwrap().offences;
    assert!(
        found
            .iter()
            .any(|f| f.found == "&Self … '_/Fn in an impl with a lifetime"),
        "{found:#?}"
    );
}

#[test]
fn names_a_student_chooses_pass() {
    passes(
        r#"#![doc = include_str!("../README.md")]
        //! Docs may say std::process::exit, unsafe and include_str!.
        #![allow(unused_variables, dead_code)]
        #![cfg_attr(feature = "x", allow(unused))]
        use std::sync::{Arc, Mutex};
        use std::io::Write;
        mod fs { pub fn read() {} }
        mod env { pub const PATH: &str = "/"; }
        #[cfg(feature = "fancy")]
        fn fancy() {}
        /* std::process::exit(0) in a comment */
        struct Inner { used: bool, link: Option<Box<Inner>>, path: Vec<u8>, os: u8, env: u8 }
        struct File; struct include; struct naked; struct feature;
        enum Exit { Now }
        impl Inner {
            fn process(&self) -> bool { self.used }
            fn exit(&mut self) { self.used = true; }
            fn abort(&mut self) { let exists = true; let metadata = 1; let process = 2; }
        }
        fn helper() { fs::read(); let _ = env::PATH; let _ = Exit::Now; Inner::exit; }
        fn say() { println!("std::process::exit(0) in a string is fine"); let _ = std::io::stdout().flush(); }
        fn r#extern() {}
        "#,
    );
}

#[test]
fn what_a_channel_needs_passes_and_is_not_noted() {
    let source = r#"
        use std::collections::VecDeque;
        use std::future::Future;
        use std::marker::PhantomData;
        use std::pin::Pin;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex, MutexGuard};
        use std::task::{Context, Poll, Waker};
        use std::mem;
        use std::mem::ManuallyDrop;
        pin_project_lite::pin_project! {
            pub struct SendFuture<'a, T> { #[pin] inner: Option<T>, sender: &'a Sender<T> }
        }
        pub struct Receiver<T> { inner: Arc<Mutex<VecDeque<T>>>, _p: PhantomData<T> }
        pub struct Sender<T> { inner: Arc<Mutex<VecDeque<T>>> }
        pub struct Recv<'a, T> { receiver: &'a mut Receiver<T> }
        impl<T> Receiver<T> {
            pub fn recv(&mut self) -> Recv<'_, T> { Recv { receiver: self } }
            pub fn recv_named<'a>(&'a mut self) -> Recv<'a, T> { Recv { receiver: self } }
            fn lock(&self) -> MutexGuard<'_, VecDeque<T>> { self.inner.lock().unwrap() }
        }
        impl<'a, T> Future for Recv<'a, T> {
            type Output = Option<T>;
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let waker: Option<Waker> = Some(cx.waker().clone());
                let old = mem::replace(&mut 1, 2);
                mem::forget(Box::leak(Box::new(ManuallyDrop::new(1))));
                let f: Box<dyn Fn(&T) -> bool + Send + 'static> = Box::new(|_| true);
                let g = |x: &T| -> usize { 1 };
                std::task::ready!(Poll::Ready(()));
                assert!(matches!(Some(1), Some(_)), "{}", format!("{old}"));
                'outer: loop { break 'outer; }
                Poll::Pending
            }
        }
        impl<'a, T: 'a> Drop for Recv<'a, T> { fn drop(&mut self) {} }
        fn error() -> Result<(), &'static str> { Err("closed") }
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[must_use]
        #[inline]
        pub struct Ticket(u64);
        #[cfg(test)]
        mod tests {
            use super::*;
            #[test]
            #[should_panic]
            fn works() { let x = std::thread::spawn(|| 1).join(); std::panic::catch_unwind(|| {}); }
        }
    "#;
    passes(source);
    assert_eq!(notices(source), Vec::<String>::new());
}

#[test]
fn a_function_pointer_type_is_rejected() {
    rejected("fn f() { let g: fn(u8) -> u8 = h; }", "fn(…)");
    rejected("struct S { f: Option<fn(&u8) -> &u8> }", "fn(…)");
    // A function item, a closure and an `impl Fn` stay allowed.
    passes("fn f() -> u8 { let g = |x: u8| x + 1; g(h(1)) }");
    passes("fn f(g: impl Fn(u8) -> u8) -> u8 { g(1) }");
}

#[test]
fn unusual_constructs_are_noted_not_rejected() {
    let cases = [
        ("fn f<F>() where F: for<'a> Fn(&'a u8) {}", "for<…>"),
        ("fn f<'a, 'b>(x: &'a u8, y: &'b u8) {}", "fn f<…>"),
        ("static UNIT: &&() = &&();", "static … &"),
        (
            "fn f() { let x = std::mem::MaybeUninit::<u8>::uninit(); }",
            "MaybeUninit",
        ),
        ("fn f(x: u8) { std::hint::black_box(x); }", "black_box"),
        ("fn f(x: *const u8) {}", "*const / *mut"),
        ("#[inline(never)] fn f() {}", "#[inline(never)]"),
        ("impl<T> Mine for T {}", "impl … for T"),
        (
            "fn f(x: Box<dyn Object<u8, Output = u16>>) {}",
            "dyn Object<… = …>",
        ),
    ];
    for (source, expected) in cases {
        passes(source);
        assert!(
            notices(source).iter().any(|n| n == expected),
            "expected the notice {expected:?} for\n{source}\ngot {:?}",
            notices(source)
        );
    }
    let long = "fn f() {}\n".repeat(2000);
    assert_eq!(notices(&long), ["2000 lines"]);
}

#[test]
fn a_file_that_is_not_rust_tokens_is_unparsable_at_the_right_line() {
    let cases = [
        (
            "fn f() {\n    if x {\n        y();\n    \n",
            (2, 10),
            "this `{` is never closed",
        ),
        (
            "impl X {\n    fn f() {\n        if x {\n            y();\n    }\n}\n",
            (1, 8),
            "this `{` is never closed: a `}` is missing further down (look for where the block \
             or list it opens should end); maybe at the `{` of line 3: the `}` of line 5, which \
             closes it, is indented as for an outer block",
        ),
        ("fn f() {}\n}\n", (2, 1), "this `}` closes nothing"),
        (
            "fn f() {\n    let y = (1;\n}\n",
            (3, 1),
            "the `(` opened at line 2, column 13 is still open",
        ),
        ("fn f() { \"abc }", (1, 10), "this string is never closed"),
        (
            "fn f() { r#\"abc\" }",
            (1, 10),
            "this string is never closed",
        ),
        ("/* a /* b */", (1, 1), "this comment is never closed"),
        ("fn f() { let c = 'ab'; }", (1, 18), "character"),
        ("fn f() { x = 5 ¬ 3; }", (1, 16), "`¬` has no meaning"),
    ];
    for (source, (line, column), message) in cases {
        let unparsable = inspect(source).unwrap_err();
        assert_eq!(
            (unparsable.line, unparsable.column),
            (line, column),
            "{source:?}: {unparsable}"
        );
        assert!(
            unparsable.message.contains(message),
            "{source:?}: {unparsable}"
        );
        assert!(!unparsable.message.contains("token stream"), "{unparsable}");
    }
}

#[test]
fn a_rejection_names_its_line_and_column_and_why() {
    let found = inspect("fn f() {}\n    fn g() { std::net::TcpStream::connect(\"x\"); }")
        .unwrap()
        .offences;
    assert_eq!(found[0].line, 2);
    assert_eq!(found[0].column, 14);
    assert_eq!(
        found[0].to_string(),
        "line 2, column 14: `std::net::TcpStream::connect`: reaches the network, which a \
         channel never needs"
    );
}

#[test]
fn an_alias_is_shown_with_what_it_names() {
    let found = inspect("use std as s;\nfn f() { s::process::exit(0) }")
        .unwrap()
        .offences;
    assert_eq!(found[0].found, "s::process::exit");
    assert!(
        found[0]
            .why
            .starts_with("(that is, `std::process::exit`) runs programs"),
        "{found:?}"
    );
}

#[test]
fn notices_are_described_one_line_per_kind() {
    let found = inspect("fn f(a: *const u8, b: *mut u8, c: *const u8) {}").unwrap();
    let lines = describe_notices(&found.notices);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("line 1, column 9: `*const / *mut`"),
        "{lines:?}"
    );
    assert!(lines[0].ends_with("(and 2 more like it)"), "{lines:?}");
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_submission_is_rejected_and_a_plain_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.rs");
    std::fs::write(&plain, "pub fn f() {}").unwrap();
    assert_eq!(read_submitted(dir.path(), &plain).unwrap(), "pub fn f() {}");
    let link = dir.path().join("link.rs");
    std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
    let found = read_submitted(dir.path(), &link).unwrap_err();
    assert!(found[0].why.contains("link"), "{found:?}");
    std::fs::write(&plain, b"fn f() {} \xff").unwrap();
    let found = read_submitted(dir.path(), &plain).unwrap_err();
    assert!(found[0].why.contains("UTF-8"), "{found:?}");
}

#[test]
fn a_huge_file_is_rejected() {
    let found = inspect(&" ".repeat(MAX_SOURCE_BYTES + 1)).unwrap().offences;
    assert!(found[0].why.contains("bytes"), "{found:?}");
}
