//! Backslash escapes, in and out of classes: Go's `parseEscape`, `parsePerlClassEscape` and
//! `parseUnicodeClass`.

use super::unicode_names;
use super::{EVERYTHING, GoRegexError, GoRegexProblem, NOTHING, problem_at};

/// Go's Perl classes, which are ASCII-only (Rust's are Unicode-aware by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PerlClass {
    Digit,
    NotDigit,
    Space,
    NotSpace,
    Word,
    NotWord,
}

impl PerlClass {
    /// The class on its own, outside brackets.
    pub(super) fn standalone(self) -> &'static str {
        match self {
            PerlClass::Digit => "[0-9]",
            PerlClass::NotDigit => "[^0-9]",
            PerlClass::Space => r"[\t\n\f\r ]",
            PerlClass::NotSpace => r"[^\t\n\f\r ]",
            PerlClass::Word => "[0-9A-Za-z_]",
            PerlClass::NotWord => "[^0-9A-Za-z_]",
        }
    }

    /// The class as members of an enclosing class (negated ones nest, which Rust unions).
    pub(super) fn in_class(self) -> &'static str {
        match self {
            PerlClass::Digit => "0-9",
            PerlClass::Space => r"\t\n\f\r ",
            PerlClass::Word => "0-9A-Za-z_",
            negated => negated.standalone(),
        }
    }
}

/// `\d \D \s \S \w \W` at the start of `text`.
pub(super) fn perl_class(text: &str) -> Option<PerlClass> {
    let class = match text.strip_prefix('\\')?.bytes().next()? {
        b'd' => PerlClass::Digit,
        b'D' => PerlClass::NotDigit,
        b's' => PerlClass::Space,
        b'S' => PerlClass::NotSpace,
        b'w' => PerlClass::Word,
        b'W' => PerlClass::NotWord,
        _ => return None,
    };
    Some(class)
}

/// `\pL`, `\p{Greek}`, `\P{L}`, `\p{^Greek}` at `start`: the Rust class and its length in bytes.
/// Go knows only the general categories, the scripts and `Any`, spelled exactly.
pub(super) fn unicode_class(
    pattern: &str,
    start: usize,
) -> Result<Option<(String, usize)>, GoRegexError> {
    let text = &pattern[start..];
    let negated = if text.starts_with(r"\p") {
        false
    } else if text.starts_with(r"\P") {
        true
    } else {
        return Ok(None);
    };
    let bad = |end: usize| problem_at(pattern, GoRegexProblem::InvalidCharRange, start, end);
    let (name, length) = match text[2..].chars().next() {
        None => return Err(bad(pattern.len())),
        Some('{') => match text.find('}') {
            Some(end) => (&text[3..end], end + 1),
            None => return Err(bad(pattern.len())),
        },
        Some(letter) => (&text[2..2 + letter.len_utf8()], 2 + letter.len_utf8()),
    };
    let (name, negated) = match name.strip_prefix('^') {
        Some(name) => (name, !negated),
        None => (name, negated),
    };
    if !unicode_names::is_known(name) {
        return Err(bad(start + length));
    }
    // Surrogates are a category to Go, but no string holds one, and Rust refuses the name.
    if name == "Cs" {
        let class = if negated { EVERYTHING } else { NOTHING };
        return Ok(Some((class.to_owned(), length)));
    }
    let letter = if negated { 'P' } else { 'p' };
    Ok(Some((format!(r"\{letter}{{{name}}}"), length)))
}

/// One escaped character at `start` (which holds the backslash): its code point and length.
/// Go's `parseEscape`: octal, `\x41`, `\x{41}`, `\a \f \n \r \t \v`, and any escaped ASCII
/// punctuation as itself. A code point may be a surrogate, which Go allows and never matches.
pub(super) fn single(pattern: &str, start: usize) -> Result<(u32, usize), GoRegexError> {
    let text = &pattern[start..];
    let bad = |end: usize| problem_at(pattern, GoRegexProblem::InvalidEscape, start, start + end);
    let mut chars = text[1..].chars();
    let Some(letter) = chars.next() else {
        return Err(problem_at(
            pattern,
            GoRegexProblem::TrailingBackslash,
            pattern.len(),
            pattern.len(),
        ));
    };
    let after = 1 + letter.len_utf8();
    let octal = |index: usize| {
        text.as_bytes()
            .get(index)
            .filter(|byte| (b'0'..=b'7').contains(byte))
            .map(|byte| u32::from(byte - b'0'))
    };
    let code = match letter {
        // A lone digit would be a back-reference, which RE2 does not have.
        '1'..='7' if octal(2).is_none() => return Err(bad(after)),
        '0'..='7' => {
            let mut value = u32::from(letter) - u32::from('0');
            let mut length = after;
            while length < 4 {
                match octal(length) {
                    Some(digit) => {
                        value = value * 8 + digit;
                        length += 1;
                    }
                    None => break,
                }
            }
            return Ok((value, length));
        }
        'x' => return hex(text).ok_or_else(|| bad(hex_error_end(text))),
        'a' => 0x07,
        'f' => 0x0C,
        'n' => 0x0A,
        'r' => 0x0D,
        't' => 0x09,
        'v' => 0x0B,
        punctuation if punctuation.is_ascii() && !punctuation.is_ascii_alphanumeric() => {
            u32::from(punctuation)
        }
        _ => return Err(bad(after)),
    };
    Ok((code, after))
}

/// `\xHH` or `\x{H...}` at the start of `text`.
fn hex(text: &str) -> Option<(u32, usize)> {
    let body = text.get(2..)?;
    if let Some(braced) = body.strip_prefix('{') {
        let end = braced.find('}')?;
        let digits = &braced[..end];
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let value = u32::from_str_radix(digits, 16)
            .ok()
            .filter(|&value| value <= 0x10FFFF)?;
        return Some((value, 2 + 1 + end + 1));
    }
    let digits = body.get(..2)?;
    if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    Some((u32::from_str_radix(digits, 16).ok()?, 4))
}

/// How much of a bad `\x` escape Go quotes: up to the closing brace, or two characters.
fn hex_error_end(text: &str) -> usize {
    let body = &text[2..];
    if let Some(braced) = body.strip_prefix('{') {
        return braced.find('}').map_or(text.len(), |end| 3 + end + 1);
    }
    let taken: usize = body.chars().take(2).map(char::len_utf8).sum();
    2 + taken
}
