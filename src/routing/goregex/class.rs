//! Bracketed classes, read as Go's `parseClass` reads them and written so that Rust's class
//! extensions (nested `[...]`, `&&`, `--`, `~~`) can never apply: every member that is not an
//! ASCII letter or digit is written as `\x{...}`.

use super::escape;
use super::{EVERYTHING, GoRegexError, GoRegexProblem, NOTHING, problem_at};

const POSIX_NAMES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// The class starting at `start` (a `[`): its Rust form and its length in bytes.
pub(super) fn translate(pattern: &str, start: usize) -> Result<(String, usize), GoRegexError> {
    let mut pos = start + 1;
    let negated = pattern[pos..].starts_with('^');
    if negated {
        pos += 1;
    }
    let mut members = String::new();
    // `]` right after `[` or `[^` is a member, not the end.
    let mut first = true;
    loop {
        let text = &pattern[pos..];
        if text.is_empty() {
            return Err(missing_bracket(pattern, start));
        }
        if text.starts_with(']') && !first {
            pos += 1;
            break;
        }
        first = false;
        if let Some(length) = posix_class(pattern, pos, &mut members)? {
            pos += length;
            continue;
        }
        if let Some((class, length)) = escape::unicode_class(pattern, pos)? {
            members.push_str(&class);
            pos += length;
            continue;
        }
        if let Some(class) = escape::perl_class(text) {
            members.push_str(class.in_class());
            pos += 2;
            continue;
        }
        let range_start = pos;
        let (low, length) = class_char(pattern, pos, start)?;
        pos += length;
        let mut high = low;
        let text = &pattern[pos..];
        // `[a-]` is `a` or `-`: a dash only makes a range when something other than `]` follows.
        if text.len() >= 2 && text.starts_with('-') && !text[1..].starts_with(']') {
            pos += 1;
            let (end, length) = class_char(pattern, pos, start)?;
            pos += length;
            if end < low {
                return Err(problem_at(
                    pattern,
                    GoRegexProblem::InvalidCharRange,
                    range_start,
                    pos,
                ));
            }
            high = end;
        }
        push_range(&mut members, low, high);
    }
    let class = match (members.is_empty(), negated) {
        // Only possible when every member was a surrogate.
        (true, false) => NOTHING.to_owned(),
        (true, true) => EVERYTHING.to_owned(),
        (false, false) => format!("[{members}]"),
        (false, true) => format!("[^{members}]"),
    };
    Ok((class, pos - start))
}

fn missing_bracket(pattern: &str, start: usize) -> GoRegexError {
    problem_at(
        pattern,
        GoRegexProblem::MissingBracket,
        start,
        pattern.len(),
    )
}

/// `[:alpha:]` or `[:^alpha:]` at `pos`, written to `members`. `[:` without a closing `:]` is
/// not a POSIX class (the `[` is a plain member); an unknown name is an error.
fn posix_class(
    pattern: &str,
    pos: usize,
    members: &mut String,
) -> Result<Option<usize>, GoRegexError> {
    let text = &pattern[pos..];
    if text.len() <= 2 || !text.starts_with("[:") {
        return Ok(None);
    }
    let Some(end) = text[2..].find(":]") else {
        return Ok(None);
    };
    let whole = &text[..end + 4];
    let name = &text[2..end + 2];
    let bare = name.strip_prefix('^').unwrap_or(name);
    if !POSIX_NAMES.contains(&bare) {
        return Err(problem_at(
            pattern,
            GoRegexProblem::InvalidCharRange,
            pos,
            pos + whole.len(),
        ));
    }
    members.push_str(whole);
    Ok(Some(whole.len()))
}

/// One member character at `pos`: escaped or literal.
fn class_char(pattern: &str, pos: usize, start: usize) -> Result<(u32, usize), GoRegexError> {
    let text = &pattern[pos..];
    match text.chars().next() {
        None => Err(missing_bracket(pattern, start)),
        Some('\\') => escape::single(pattern, pos),
        Some(ch) => Ok((u32::from(ch), ch.len_utf8())),
    }
}

/// Writes `low-high`, leaving out surrogates (no string holds them, so Go never matches them).
fn push_range(members: &mut String, low: u32, high: u32) {
    const SURROGATES: std::ops::RangeInclusive<u32> = 0xD800..=0xDFFF;
    let mut pieces = Vec::with_capacity(2);
    if low < *SURROGATES.start() {
        pieces.push((low, high.min(SURROGATES.start() - 1)));
    }
    if high > *SURROGATES.end() {
        pieces.push((low.max(SURROGATES.end() + 1), high));
    }
    for (from, to) in pieces {
        push_member(members, from);
        if to != from {
            members.push('-');
            push_member(members, to);
        }
    }
}

fn push_member(members: &mut String, code: u32) {
    match char::from_u32(code) {
        Some(ch) if ch.is_ascii_alphanumeric() => members.push(ch),
        _ => members.push_str(&format!(r"\x{{{code:X}}}")),
    }
}
