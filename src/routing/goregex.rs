//! Go RE2 regular expressions (what Traefik v2/v3 rules, constraints and middlewares use),
//! compiled into Rust [`Regex`]es that accept the same strings.
//!
//! The two dialects share most of their syntax but not all of its meaning: Go's `\d \w \s \b`
//! are ASCII-only, a `{` that does not start a repetition is a literal in Go (so v2 templates
//! pasted into v3 rules still compile), `\<` `\>` are literals, `\Q...\E` quotes, octal escapes
//! exist, and `&&` `--` `~~` or a nested `[` inside a class are plain characters. Go also
//! rejects things Rust accepts: repeat counts over 1000, stacked repetitions such as `a**`, and
//! flags other than `i m s U`. [`translate`] walks the pattern the way Go's `regexp/syntax`
//! parser does and writes an equivalent Rust pattern, rejecting what Go rejects with Go's
//! wording; [`compile`] then builds it.

mod class;
mod escape;
mod syntax;
mod translator;
mod unicode_names;

use regex::{Regex, RegexBuilder};
use thiserror::Error;

/// A Go pattern that Go's `regexp.Compile` would refuse (or, rarely, that Rust cannot build).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{problem}: `{text}` (at byte {offset} of the pattern)")]
pub struct GoRegexError {
    pub problem: GoRegexProblem,
    /// The offending part of the pattern, as Go quotes it.
    pub text: String,
    /// Where that part starts, in bytes.
    pub offset: usize,
}

/// Go's error classes (`regexp/syntax.ErrorCode`), with Go's wording.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum GoRegexProblem {
    #[error("invalid character class range")]
    InvalidCharRange,
    #[error("invalid escape sequence")]
    InvalidEscape,
    #[error("invalid named capture")]
    InvalidNamedCapture,
    #[error("invalid or unsupported Perl syntax")]
    InvalidPerlOp,
    #[error("invalid nested repetition operator")]
    InvalidRepeatOp,
    #[error("invalid repeat count")]
    InvalidRepeatSize,
    #[error("missing closing ]")]
    MissingBracket,
    #[error("missing closing )")]
    MissingParen,
    #[error("missing argument to repetition operator")]
    MissingRepeatArgument,
    #[error("trailing backslash at end of expression")]
    TrailingBackslash,
    #[error("unexpected )")]
    UnexpectedParen,
    /// Valid Go that the Rust engine still refuses (for example its size limit).
    #[error("the translated pattern is refused by the regex engine ({0})")]
    Engine(String),
}

/// Go's limit on nested groups (`maxHeight`); Rust's default is lower.
const NEST_LIMIT: u32 = 1000;
/// Go's largest repeat count, and its limit on nested counted repetitions.
const MAX_REPEAT: u32 = 1000;
/// A class with no members: what a surrogate code point (legal in Go, never in a string) becomes.
const NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";
/// Every character, newline included.
const EVERYTHING: &str = r"[\x{0}-\x{10FFFF}]";

/// Compiles a Go RE2 pattern. Matching is unanchored, as with Go's `MatchString`.
pub fn compile(pattern: &str) -> Result<Regex, GoRegexError> {
    let translated = translate(pattern)?;
    RegexBuilder::new(&translated)
        .nest_limit(NEST_LIMIT)
        .build()
        .map_err(|err| GoRegexError {
            problem: GoRegexProblem::Engine(last_line(&err.to_string())),
            text: pattern.to_owned(),
            offset: 0,
        })
}

/// The Rust pattern with the same meaning as the Go pattern `pattern`.
pub fn translate(pattern: &str) -> Result<String, GoRegexError> {
    translator::Translator::new(pattern).run()
}

/// The error for `pattern[start..end]`.
fn problem_at(pattern: &str, problem: GoRegexProblem, start: usize, end: usize) -> GoRegexError {
    let end = end.min(pattern.len());
    GoRegexError {
        problem,
        text: pattern.get(start..end).unwrap_or_default().to_owned(),
        offset: start,
    }
}

fn last_line(message: &str) -> String {
    message.lines().last().unwrap_or(message).trim().to_owned()
}

#[cfg(test)]
#[path = "goregex_tests.rs"]
mod tests;
