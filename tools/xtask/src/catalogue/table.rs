//! What the catalogue run prints: the kill table, how many bugs the public
//! tests alone catch per exercise, and each bug's first message.

use super::run::Outcome;
use super::verdict::fn_name;
use lesson13_runner::exercises::ALL;
use lesson13_runner::message::wrap;

/// One line as an entry finishes: `[3/64] lesson13-mpsc/lifo-push-front … caught`.
pub fn progress(done: usize, total: usize, outcome: &Outcome) -> String {
    let verdict = match (outcome.problem(), outcome.entry.is_bug()) {
        (Some(_), _) => "PROBLEM".to_owned(),
        (None, true) => format!("caught by {}", count(outcome.failed().count(), "test")),
        (None, false) => "passes".to_owned(),
    };
    format!("  [{done}/{total}] {} … {verdict}", outcome.entry.id())
}

/// The kill table: each entry, whether the public tests catch it, and what
/// caught it (the header's tests first).
pub fn print_kill_table(outcomes: &[Outcome]) {
    println!(
        "\n  {:<22} {:<40} {:<7} result",
        "exercise", "entry", "public"
    );
    for outcome in outcomes {
        let entry = &outcome.entry;
        let public = match (entry.is_bug(), outcome.caught_by_public()) {
            (false, _) => "",
            (true, true) => "caught",
            (true, false) => "-",
        };
        let result = match (outcome.problem(), entry.is_bug()) {
            (Some(problem), _) => problem.lines().next().unwrap_or("").to_owned(),
            (None, false) => "correct: passes every test".to_owned(),
            (None, true) => {
                let failed: Vec<&str> = outcome.failed().map(|r| fn_name(&r.name)).collect();
                let shown: Vec<&str> = failed.iter().take(2).copied().collect();
                let more = failed.len().saturating_sub(shown.len());
                let more = if more > 0 {
                    format!(" +{more} more")
                } else {
                    String::new()
                };
                format!("caught by {}{more}", shown.join(", "))
            }
        };
        println!(
            "  {:<22} {:<40} {:<7} {result}",
            entry.exercise.krate, entry.name, public
        );
    }
}

/// Per exercise: how many of its bugs the public tests alone catch.
pub fn public_catch_rates(outcomes: &[Outcome]) -> Vec<String> {
    ALL.iter()
        .filter_map(|exercise| {
            let bugs: Vec<&Outcome> = outcomes
                .iter()
                .filter(|o| o.entry.exercise == *exercise && o.entry.is_bug())
                .collect();
            if bugs.is_empty() {
                return None;
            }
            let caught = bugs.iter().filter(|o| o.caught_by_public()).count();
            Some(format!(
                "{}: the public tests alone catch {caught} of {} ({}%)",
                exercise.krate,
                count(bugs.len(), "bug"),
                100 * caught / bugs.len()
            ))
        })
        .collect()
}

/// Each bug and the first failure a student would see.
pub fn print_messages(outcomes: &[Outcome]) {
    println!("\n  The first message a student sees, per bug:");
    for outcome in outcomes.iter().filter(|o| o.entry.is_bug()) {
        println!(
            "\n  {} ({})\n    {}",
            outcome.entry.id(),
            outcome.entry.about,
            wrap(&outcome.first_message(), 100, "      ")
        );
    }
}

/// `1 bug`, `2 bugs`.
pub fn count(n: usize, word: &str) -> String {
    match n {
        1 => format!("1 {word}"),
        _ => format!("{n} {word}s"),
    }
}
