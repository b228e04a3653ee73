//! The shapes that known holes in the compiler's checks need, so that safe
//! code cannot corrupt memory (and forge a pass from inside the test's
//! process).
//!
//! - **Implied bounds between two lifetimes** (rust-lang/rust#25860 and its
//!   relatives #84591, #100051, #114936; packaged by the crate cve-rs): a
//!   function whose signature relates two lifetimes only through a type,
//!   `&'a &'b ()`, is assumed to have `'b: 'a`; turned into a higher-ranked
//!   function pointer it loses the assumption, and any reference can be
//!   given any lifetime. Every known form needs a type that relates two
//!   lifetimes, so each of these is rejected wherever it appears (in a
//!   signature, a struct's field, a type alias, a trait's arguments):
//!   a reference with a named lifetime to a type that names another
//!   (`&'a &'b T`, `&'static Foo<'b>`); a generic type given two different
//!   lifetimes, one of them directly (`W<'a, 'b>`, `W<'static, &'b ()>`); a
//!   bound between two lifetimes (`'b: 'a`, `'a: 'static`), which a struct
//!   can carry into a function's signature.
//! - **A trait implemented for every `T: ?Sized`** (rust-lang/rust#57893):
//!   the impl also covers `dyn Trait`, whose built-in impl the compiler
//!   trusts instead, and an associated type then converts any type into
//!   any other. Only a generic that may be unsized covers `dyn Trait` (an
//!   impl for `dyn Trait` itself is refused by the compiler), and however
//!   the impl spells its self type (`for T`, `for (T)`, an alias of `T`),
//!   its generic needs a `?Sized` bound: so every `?` in a bound is
//!   rejected. A channel moves its values, which are sized.
//!
//! - **A trait object that relates two lifetimes** (found by an
//!   independent review, on rustc 1.95): with `trait Tr<'x>: 'x`, the type
//!   `dyn Tr<'b> + 'a` is well-formed only if `'a: 'b`, which the compiler
//!   then assumes, as it does for `&'a &'b ()`; both #25860's
//!   function-pointer form and #100051's impl-header form work through it.
//!   So a `dyn` type that names two lifetimes, a trait with a lifetime
//!   parameter, and a bound of `Self` by a lifetime are each rejected.
//! - **A type declared with its parameter outliving a fixed lifetime**
//!   (found by a third review, rustc 1.95): with `struct S<T: 'static>(T)`,
//!   a function taking `S<&'b ()>` may assume `'b: 'static`, #25860's
//!   relation again, with the two lifetimes in two items. So a bound of a
//!   type parameter by a lifetime that is not the declaration's own (in
//!   practice `'static`) is rejected in a struct's, enum's, union's or
//!   trait's generics or `where` clause, and on an associated type.
//! - **`&Self` of a type with a lifetime, beside another lifetime or a
//!   closure** (a fourth review, rustc 1.95): in `impl<'b> Foo<'b>`,
//!   `&'a Self` is `&'a Foo<'b>` without being written so, and a method
//!   taking it and `&'b mut u64` can return the latter as `&'a`; two such
//!   functions (or closures) in the arms of an `if` become a function
//!   pointer without `fn(` being written. So, in an impl for a type with a
//!   lifetime, a function that takes `Self` by reference (`&self` too) and
//!   also names a lifetime (not `'_`) or takes a closure (`Fn…` bound) is
//!   rejected. A future's `poll(self: Pin<&mut Self>, cx: &mut Context<'_>)`
//!   names none.
//! - **A function pointer type** (`fn(…)`): the step every known form of
//!   #25860 takes, whatever gave the implied bound.
//! - **An impl for a projection** (#100051: implied bounds from an impl
//!   header `for <X as Trait>::Type`): an impl whose self type is a
//!   qualified path, and a type alias of one (the way to spell it without
//!   `<`), are rejected.
//!
//! A channel needs none of these: one lifetime at a time (`Recv<'a, T>`
//! borrowing `&'a mut Receiver<T>`, `Context<'_>`, `Pin<&mut Self>`) is all
//! it relates. `pin!` (rust-lang/rust#153438) is closed with the macros.

use super::Findings;
use super::tree::{self, angle_end, group, ident, keyword, lifetime, lifetimes_in, punct};
use proc_macro2::{Delimiter, TokenTree};

const HOLE: &str = "this is the shape of a known hole in the compiler's lifetime checks \
     (rust-lang/rust#25860, packaged by the crate cve-rs) that lets safe code corrupt memory. \
     A channel never needs it: give each reference one lifetime (or `'_`)";

/// Judges one level of tokens.
pub(super) fn level(tokens: &[TokenTree], found: &mut Findings) {
    for i in 0..tokens.len() {
        nested_reference(tokens, i, found);
        two_lifetime_type(tokens, i, found);
        lifetime_bound(tokens, i, found);
        blanket_impl(tokens, i, found);
        relaxed_bound(tokens, i, found);
        relating_trait_object(tokens, i, found);
        lifetime_trait(tokens, i, found);
        self_outlives(tokens, i, found);
        projection_alias(tokens, i, found);
        declared_outlives(tokens, i, found);
        function_pointer(tokens, i, found);
        self_relation(tokens, i, found);
    }
}

/// In `impl<'b> Foo<'b> { … }` (an impl for a type with a lifetime, or for
/// one this file declares with a lifetime parameter): a function taking
/// `Self` by reference that also names a lifetime or takes a closure.
fn self_relation(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    if !keyword(tokens, i, "impl") {
        return;
    }
    let Some(body) = (i + 1..tokens.len()).find(|&k| group(tokens, k, Delimiter::Brace).is_some())
    else {
        return;
    };
    let mut start = i + 1;
    if punct(tokens, start, '<') {
        start = angle_end(tokens, start).map_or(body, |close| close + 1);
    }
    let end = (start..body)
        .find(|&k| keyword(tokens, k, "where"))
        .unwrap_or(body);
    let self_type = match (start..end).find(|&k| keyword(tokens, k, "for")) {
        Some(for_at) => &tokens[for_at + 1..end],
        None => &tokens[start..end],
    };
    let declared_with_lifetime = ident(self_type, 0).is_some_and(|name| {
        // `struct Name<'a …` somewhere in this file's top level.
        (0..tokens.len()).any(|k| {
            ["struct", "enum", "union"]
                .iter()
                .any(|kind| keyword(tokens, k, kind))
                && ident(tokens, k + 1).as_deref() == Some(name.as_str())
                && punct(tokens, k + 2, '<')
                && lifetime(tokens, k + 3).is_some()
        })
    });
    if lifetimes_in(self_type).is_empty() && !declared_with_lifetime {
        return;
    }
    let Some(block) = group(tokens, body, Delimiter::Brace) else {
        return;
    };
    let items: Vec<TokenTree> = block.stream().into_iter().collect();
    for f in (0..items.len()).filter(|&k| keyword(&items, k, "fn")) {
        let signature_end = (f..items.len())
            .find(|&k| group(&items, k, Delimiter::Brace).is_some() || punct(&items, k, ';'))
            .unwrap_or(items.len());
        let signature = &items[f..signature_end];
        if !refers_to_self(signature) {
            continue;
        }
        let names_a_lifetime = lifetimes_in(signature).iter().any(|(name, _)| name != "_");
        let takes_a_closure = (0..signature.len()).any(|k| {
            ["Fn", "FnMut", "FnOnce"]
                .iter()
                .any(|t| ident(signature, k).as_deref() == Some(*t))
        });
        if names_a_lifetime || takes_a_closure {
            found.offence(
                items[f].span(),
                "&Self … '_/Fn in an impl with a lifetime",
                &format!(
                    "a function that takes `Self` (a type with a lifetime) by reference and also \
                     names a lifetime or takes a closure, which lets the compiler assume one \
                     lifetime outlives the other: {HOLE}. In a channel's impl, elide the \
                     lifetimes (`&self`, `Context<'_>`) and call closures elsewhere"
                ),
            );
        }
    }
}

/// Whether a signature takes `Self` by reference: `&self`, `&'a mut self`,
/// `&Self`, `Pin<&mut Self>`, in any group within it.
fn refers_to_self(tokens: &[TokenTree]) -> bool {
    (0..tokens.len()).any(|k| {
        if punct(tokens, k, '&') {
            let mut at = k + 1;
            if lifetime(tokens, at).is_some() {
                at += 2;
            }
            if keyword(tokens, at, "mut") {
                at += 1;
            }
            if keyword(tokens, at, "self") || keyword(tokens, at, "Self") {
                return true;
            }
        }
        match &tokens[k] {
            TokenTree::Group(inner) => {
                refers_to_self(&inner.stream().into_iter().collect::<Vec<_>>())
            }
            _ => false,
        }
    })
}

/// `fn(…)`: a function pointer type. Every known form of #25860 turns a
/// function into a pointer, which loses what its signature assumed; the
/// other half, the implied bound, keeps turning up in new spellings.
fn function_pointer(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    if keyword(tokens, i, "fn") && group(tokens, i + 1, Delimiter::Parenthesis).is_some() {
        found.offence(
            tokens[i].span(),
            "fn(…)",
            "a function pointer type: a function turned into a pointer loses what its \
             signature assumed, the step every known form of a hole in the compiler's lifetime \
             checks (rust-lang/rust#25860) needs to let safe code corrupt memory. A channel \
             never needs one: call the function, or take an `impl Fn…`",
        );
    }
}

/// `struct S<T: 'static>`, `enum E<T> where T: 'static`, `trait Tr<T:
/// 'static>`, `type Item: 'static;`: a type parameter (or an associated
/// type) bounded by a lifetime the declaration does not declare. A use of
/// the type then implies that bound for whatever it is given (`S<&'b ()>`:
/// `'b: 'static`).
fn declared_outlives(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let kinds = ["struct", "enum", "union", "trait", "type"];
    if !kinds.iter().any(|k| keyword(tokens, i, k)) || ident(tokens, i + 1).is_none() {
        return;
    }
    let alias_or_associated = keyword(tokens, i, "type");
    let mut own = Vec::new();
    let mut bounds: Vec<&[TokenTree]> = Vec::new();
    let mut at = i + 2;
    if punct(tokens, at, '<') {
        let Some(close) = angle_end(tokens, at) else {
            return;
        };
        for param in tree::split_commas(&tokens[at + 1..close]) {
            match lifetime(param, 0) {
                Some(name) => own.push(name),
                None => bounds.extend(after_colon(param)),
            }
        }
        at = close + 1;
    }
    // The declaration runs to its body (a block) or its `;`; an alias's
    // `=` starts the aliased type, whose bounds (`dyn Fn() + 'static`) are
    // that type's own.
    let end = (at..tokens.len())
        .find(|&k| {
            group(tokens, k, Delimiter::Brace).is_some()
                || punct(tokens, k, ';')
                || (alias_or_associated && punct(tokens, k, '='))
        })
        .unwrap_or(tokens.len());
    if alias_or_associated {
        // `type Item: 'static;` (an associated type's own bounds).
        if punct(tokens, at, ':') {
            bounds.push(&tokens[at + 1..end]);
        }
    } else if let Some(clause) = (at..end).find(|&k| keyword(tokens, k, "where")) {
        for predicate in tree::split_commas(&tokens[clause + 1..end]) {
            // `'b: 'a` is `lifetime_bound`'s to judge.
            if lifetime(predicate, 0).is_none() {
                bounds.extend(after_colon(predicate));
            }
        }
    }
    for bound in bounds {
        if let Some((k, name)) = bare_lifetime(bound, |n| !own.iter().any(|o| o == n)) {
            found.offence(
                bound[k].span(),
                &format!("T: '{name} in a type's declaration"),
                &format!(
                    "a type whose parameter must outlive '{name}, so that a use of it with a \
                     reference makes the compiler assume that reference lives as long: {HOLE}. \
                     The bound is not needed: a channel's `T` is whatever its user sends"
                ),
            );
            return;
        }
    }
}

/// The first lifetime (not `'_`, and one `counts`) in a list of bounds at
/// the list's own level (`'x`, not `Other<'x>`): its index and name.
fn bare_lifetime(bounds: &[TokenTree], counts: impl Fn(&str) -> bool) -> Option<(usize, String)> {
    let mut depth = 0usize;
    for k in 0..bounds.len() {
        if punct(bounds, k, '<') {
            depth += 1;
        } else if punct(bounds, k, '>') {
            depth = depth.saturating_sub(1);
        } else if depth == 0
            && let Some(name) = lifetime(bounds, k).filter(|n| n != "_" && counts(n))
        {
            return Some((k, name));
        }
    }
    None
}

/// The bounds after the first `:` of `predicate` (not a `::`), if any.
fn after_colon(predicate: &[TokenTree]) -> Option<&[TokenTree]> {
    let colon = (0..predicate.len()).find(|&k| {
        punct(predicate, k, ':')
            && !punct(predicate, k + 1, ':')
            && !(k > 0 && punct(predicate, k - 1, ':'))
    })?;
    Some(&predicate[colon + 1..])
}

/// `dyn Tr<'b> + 'a`: a trait object that names two lifetimes (`'_`
/// relates nothing).
fn relating_trait_object(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    if !keyword(tokens, i, "dyn") {
        return;
    }
    let end = tree::type_end(tokens, i + 1);
    let mut names: Vec<String> = lifetimes_in(&tokens[i + 1..end])
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name != "_")
        .collect();
    names.sort();
    names.dedup();
    if let [first, second, ..] = &names[..] {
        found.offence(
            tokens[i].span(),
            &format!("dyn … '{first} … '{second}"),
            &format!(
                "a trait object that names two lifetimes, which the compiler may take as one \
                 outliving the other: {HOLE}"
            ),
        );
    }
}

/// `trait Tr<'x>`: a trait of one's own with a lifetime parameter, the
/// other half of a trait object that relates two lifetimes.
fn lifetime_trait(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    if !keyword(tokens, i, "trait") || !punct(tokens, i + 2, '<') {
        return;
    }
    let Some(close) = angle_end(tokens, i + 2) else {
        return;
    };
    if let Some((name, _)) = lifetimes_in(&tokens[i + 3..close]).into_iter().next() {
        found.offence(
            tokens[i].span(),
            &format!("trait … <'{name}>"),
            &format!(
                "a trait with a lifetime parameter, whose trait object can relate two \
                 lifetimes: {HOLE}"
            ),
        );
    }
}

/// `Self: 'x` (in a `where` clause, or a trait's `: 'x` supertrait): a
/// type bounded by a lifetime it does not name.
fn self_outlives(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    // The `:` before the bounds: after `Self`, or after a trait's name and
    // generics (`trait Name<…>:`).
    let start = if keyword(tokens, i, "Self") && punct(tokens, i + 1, ':') {
        i + 1
    } else if keyword(tokens, i, "trait") && ident(tokens, i + 1).is_some() {
        let mut at = i + 2;
        if punct(tokens, at, '<') {
            at = angle_end(tokens, at).map_or(tokens.len(), |close| close + 1);
        }
        if !punct(tokens, at, ':') {
            return;
        }
        at
    } else {
        return;
    };
    // `Self::Item` is a path, not a bound.
    if punct(tokens, start + 1, ':') {
        return;
    }
    let bounds = &tokens[start + 1..tree::type_end(tokens, start + 1)];
    if let Some((at, name)) = bare_lifetime(bounds, |_| true) {
        found.offence(
            bounds[at].span(),
            &format!("Self: '{name}"),
            &format!(
                "a bound of `Self` by a lifetime, which makes a trait object of it relate two \
                 lifetimes: {HOLE}"
            ),
        );
    }
}

/// `impl … for <X as Trait>::Type` and `type A<…> = <X as Trait>::Type;`:
/// a projection as an impl's self type, directly or through an alias.
fn projection_alias(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let self_type = keyword(tokens, i, "for") && punct(tokens, i + 1, '<') && {
        // `for<'a>` (a higher-ranked bound) declares lifetimes instead.
        lifetime(tokens, i + 2).is_none()
    };
    let alias = keyword(tokens, i, "type") && ident(tokens, i + 1).is_some() && {
        let mut at = i + 2;
        if punct(tokens, at, '<') {
            at = angle_end(tokens, at).map_or(tokens.len(), |close| close + 1);
        }
        punct(tokens, at, '=') && punct(tokens, at + 1, '<')
    };
    if self_type || alias {
        found.offence(
            tokens[i].span(),
            "<… as …>::…",
            "an impl for a projection, or a type alias of one: the shape of a known hole in the \
             compiler's checks (rust-lang/rust#100051) that lets safe code corrupt memory. A \
             channel never needs it: implement traits for your own types",
        );
    }
}

/// `?Sized` (any `?` that starts a bound: after `:` or `+`, or first in a
/// parenthesised bound; the `?` operator always follows an expression).
fn relaxed_bound(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let starts_a_bound = i == 0 || punct(tokens, i - 1, ':') || punct(tokens, i - 1, '+');
    if !punct(tokens, i, '?') || !starts_a_bound {
        return;
    }
    let bound = ident(tokens, i + 1).unwrap_or_else(|| "Sized".to_owned());
    found.offence(
        tokens[i].span(),
        &format!("?{bound}"),
        "a `?Sized` bound lets a generic stand for unsized types, trait objects included, \
         which a known hole in the compiler's trait checks (rust-lang/rust#57893) needs to let \
         safe code reinterpret memory. A channel moves its values, which are sized: drop the \
         `?Sized`",
    );
}

/// `&'a T` where `T` names another lifetime than `'a` (not `'_` or
/// `'static`, which relate nothing).
fn nested_reference(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let Some(outer) = lifetime(tokens, i + 1).filter(|_| punct(tokens, i, '&')) else {
        return;
    };
    if outer == "_" {
        return;
    }
    let start = i + 3 + usize::from(keyword(tokens, i + 3, "mut"));
    let end = tree::type_end(tokens, start).max(start);
    let inner = lifetimes_in(&tokens[start..end])
        .into_iter()
        .find(|(name, _)| *name != outer && name != "_" && name != "static");
    if let Some((inner, _)) = inner {
        found.offence(
            tokens[i].span(),
            &format!("&'{outer} … '{inner}"),
            &format!("a reference with lifetime '{outer} to a type with lifetime '{inner}: {HOLE}"),
        );
    }
}

/// `Name<'a, 'b>`, `Name<'static, &'b T>`: a generic type given a lifetime
/// and another one. Declarations (`struct W<'a, 'b>`, `impl<'a, 'b>`,
/// `fn f<'a, 'b>`, `for<'a, 'b>`) are not types.
fn two_lifetime_type(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let Some(name) = ident(tokens, i) else { return };
    let open = if punct(tokens, i + 1, '<') {
        i + 1
    } else if tree::path_separator(tokens, i + 1) && punct(tokens, i + 3, '<') {
        i + 3
    } else {
        return;
    };
    let declares = ["fn", "struct", "enum", "union", "trait", "type"];
    let declaration = name == "impl"
        || name == "for"
        || (i > 0 && declares.iter().any(|word| keyword(tokens, i - 1, word)));
    if declaration || tree::is_keyword(tokens, i) {
        return;
    }
    let Some(close) = angle_end(tokens, open) else {
        return;
    };
    let arguments = &tokens[open + 1..close];
    let direct: Vec<String> = tree::split_commas(arguments)
        .into_iter()
        .filter(|part| part.len() == 2)
        .filter_map(|part| lifetime(part, 0))
        .filter(|name| name != "_")
        .collect();
    let mut all = direct.clone();
    for (nested, _) in lifetimes_in(arguments) {
        if nested != "_" && nested != "static" && !all.contains(&nested) {
            all.push(nested);
        }
    }
    all.dedup();
    if !direct.is_empty() && all.len() >= 2 {
        let listed: Vec<String> = all.iter().map(|l| format!("'{l}")).collect();
        found.offence(
            tokens[i].span(),
            &format!("{name}<{}>", listed.join(", ")),
            &format!("a type given two lifetimes: {HOLE}"),
        );
    }
}

/// `'b: 'a`, `Holder<'b>: 'a`: a bound that makes one lifetime outlive
/// another (a label, `'a: loop`, is no bound; `T: 'a` relates no two
/// lifetimes).
fn lifetime_bound(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    let colon = punct(tokens, i, ':')
        && !punct(tokens, i + 1, ':')
        && !(i > 0 && punct(tokens, i - 1, ':'));
    let Some(shorter) = lifetime(tokens, i + 1).filter(|_| colon) else {
        return;
    };
    // The bounded type or lifetime: back to the `,`, `where` or `<` that
    // starts it.
    let mut start = i;
    let mut depth = 0usize;
    while start > 0 {
        let at = start - 1;
        if punct(tokens, at, '>') {
            depth += 1;
        } else if punct(tokens, at, '<') {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if depth == 0
            && (punct(tokens, at, ',')
                || punct(tokens, at, ';')
                || keyword(tokens, at, "where")
                || group(tokens, at, Delimiter::Brace).is_some())
        {
            break;
        }
        start = at;
    }
    let longer = lifetimes_in(&tokens[start..i])
        .into_iter()
        .find(|(name, _)| *name != shorter && name != "_");
    if let Some((longer, _)) = longer {
        found.offence(
            tokens[start].span(),
            &format!("'{longer}: '{shorter}"),
            &format!(
                "a bound that makes one lifetime outlive another, which a type can carry \
                 into a function: {HOLE}"
            ),
        );
    }
}

/// `impl<T> Trait for T` (or `for (T)`): an impl for every type, noted
/// (its `?Sized` form is [`relaxed_bound`]'s to reject).
fn blanket_impl(tokens: &[TokenTree], i: usize, found: &mut Findings) {
    if !keyword(tokens, i, "impl") {
        return;
    }
    let mut params = Vec::new();
    let mut next = i + 1;
    if punct(tokens, next, '<') {
        let Some(close) = angle_end(tokens, next) else {
            return;
        };
        for param in tree::split_commas(&tokens[next + 1..close]) {
            if lifetime(param, 0).is_none() && !keyword(param, 0, "const") {
                params.extend(ident(param, 0));
            }
        }
        next = close + 1;
    }
    let body = (next..tokens.len())
        .find(|&at| group(tokens, at, Delimiter::Brace).is_some())
        .unwrap_or(tokens.len());
    let Some(for_at) = (next..body).find(|&at| keyword(tokens, at, "for")) else {
        return;
    };
    let self_end = (for_at + 1..body)
        .find(|&at| keyword(tokens, at, "where"))
        .unwrap_or(body);
    // `(T)` is `T`.
    let mut self_type: Vec<TokenTree> = tokens[for_at + 1..self_end].to_vec();
    while let [TokenTree::Group(inner)] = &self_type[..]
        && inner.delimiter() == Delimiter::Parenthesis
    {
        self_type = inner.stream().into_iter().collect();
    }
    let Some(param) = ident(&self_type, 0).filter(|p| self_type.len() == 1 && params.contains(p))
    else {
        return;
    };
    found.notice(
        tokens[i].span(),
        &format!("impl … for {param}"),
        "an impl for every type: rare in a channel, and half of a known hole in the \
         compiler's trait checks (rust-lang/rust#57893)",
    );
}
