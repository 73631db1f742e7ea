//! The walk over a Go pattern: groups, alternation, repetition (with Go's checks), escapes
//! and literals; classes are [`super::class`]'s.

use std::collections::HashSet;

use super::syntax::{flags_end, parse_flags, parse_repeat};
use super::{GoRegexError, GoRegexProblem, MAX_REPEAT, NOTHING, class, escape, problem_at};

/// What the last thing written was, for Go's rules on repetition operators.
#[derive(Clone, Copy)]
enum Last {
    /// Start of the pattern, of a group or of an alternative: nothing to repeat.
    Nothing,
    /// Something repeatable; `need` is the budget its nested counted repeats use up.
    Atom { need: u32 },
    /// A repetition operator, which another operator may not follow.
    Repeat { need: u32, start: usize },
}

impl Last {
    fn need(self) -> u32 {
        match self {
            Last::Nothing => 0,
            Last::Atom { need } | Last::Repeat { need, .. } => need,
        }
    }
}

/// An open group: where it started, and the largest budget used by what it holds so far.
struct Group {
    start: usize,
    need: u32,
}

pub(super) struct Translator<'a> {
    pattern: &'a str,
    pos: usize,
    out: String,
    /// The whole pattern is the bottom frame, which `)` may not close.
    groups: Vec<Group>,
    names: HashSet<&'a str>,
    last: Last,
    /// A `(?flags)` group, written only when something follows it, so that a repetition right
    /// after it still applies to the atom before it (as in Go).
    pending_flags: String,
}

impl<'a> Translator<'a> {
    pub(super) fn new(pattern: &'a str) -> Self {
        Translator {
            pattern,
            pos: 0,
            out: String::with_capacity(pattern.len() + 16),
            groups: vec![Group { start: 0, need: 0 }],
            names: HashSet::new(),
            last: Last::Nothing,
            pending_flags: String::new(),
        }
    }

    fn error(&self, problem: GoRegexProblem, start: usize, end: usize) -> GoRegexError {
        problem_at(self.pattern, problem, start, end)
    }

    fn rest(&self) -> &'a str {
        &self.pattern[self.pos..]
    }

    pub(super) fn run(mut self) -> Result<String, GoRegexError> {
        while let Some(ch) = self.rest().chars().next() {
            match ch {
                '(' => self.open_group()?,
                ')' => self.close_group()?,
                '|' => {
                    self.begin_atom();
                    self.out.push('|');
                    self.last = Last::Nothing;
                    self.pos += 1;
                }
                '*' | '+' | '?' => {
                    let (min, max) = match ch {
                        '*' => (0, None),
                        '+' => (1, None),
                        _ => (0, Some(1)),
                    };
                    let start = self.pos;
                    self.pos += 1;
                    self.repeat(start, ch.to_string(), min, max, false)?;
                }
                '{' => match parse_repeat(self.rest()) {
                    Some((min, max, length)) => {
                        let start = self.pos;
                        self.pos += length;
                        let limit = |n: i64| (0..=i64::from(MAX_REPEAT)).contains(&n);
                        if !limit(min) || max.is_some_and(|max| !limit(max) || min > max) {
                            let end = self.pos;
                            return Err(self.error(GoRegexProblem::InvalidRepeatSize, start, end));
                        }
                        let (min, max) = (min as u32, max.map(|max| max as u32));
                        let text = match max {
                            Some(max) if max == min => format!("{{{min}}}"),
                            Some(max) => format!("{{{min},{max}}}"),
                            None => format!("{{{min},}}"),
                        };
                        self.repeat(start, text, min, max, true)?;
                    }
                    None => self.literal('{' as u32, 1),
                },
                '[' => {
                    self.begin_atom();
                    let (translated, length) = class::translate(self.pattern, self.pos)?;
                    self.out.push_str(&translated);
                    self.pos += length;
                    self.last = Last::Atom { need: 0 };
                }
                '.' | '^' | '$' => {
                    self.begin_atom();
                    self.out.push(ch);
                    self.pos += 1;
                    self.last = Last::Atom { need: 0 };
                }
                '\\' => self.backslash()?,
                other => self.literal(other as u32, other.len_utf8()),
            }
        }
        if let Some(open) = self.groups.get(1) {
            return Err(self.error(GoRegexProblem::MissingParen, open.start, self.pattern.len()));
        }
        Ok(self.out)
    }

    /// Writes any pending flags and files the previous atom's budget with its group.
    fn begin_atom(&mut self) {
        let need = self.last.need();
        if let Some(group) = self.groups.last_mut() {
            group.need = group.need.max(need);
        }
        let flags = std::mem::take(&mut self.pending_flags);
        self.out.push_str(&flags);
    }

    fn literal(&mut self, code: u32, length: usize) {
        self.begin_atom();
        push_literal(&mut self.out, code);
        self.pos += length;
        self.last = Last::Atom { need: 0 };
    }

    /// Applies a repetition operator (already consumed) to the last atom, with Go's checks.
    fn repeat(
        &mut self,
        start: usize,
        text: String,
        min: u32,
        max: Option<u32>,
        counted: bool,
    ) -> Result<(), GoRegexError> {
        let lazy = self.rest().starts_with('?');
        if lazy {
            self.pos += 1;
        }
        let need = match self.last {
            Last::Nothing => {
                return Err(self.error(GoRegexProblem::MissingRepeatArgument, start, self.pos));
            }
            Last::Repeat { start: first, .. } => {
                return Err(self.error(GoRegexProblem::InvalidRepeatOp, first, self.pos));
            }
            Last::Atom { need } => need,
        };
        let need = if counted {
            // Go's repeatIsValid: nested counted repeats may not multiply past 1000.
            let count = max.unwrap_or(min);
            let need = if count == 0 {
                0
            } else {
                count.saturating_mul(need.max(1))
            };
            if (min >= 2 || max.is_some_and(|max| max >= 2)) && need > MAX_REPEAT {
                return Err(self.error(GoRegexProblem::InvalidRepeatSize, start, self.pos));
            }
            need
        } else {
            need
        };
        self.out.push_str(&text);
        if lazy {
            self.out.push('?');
        }
        self.last = Last::Repeat { need, start };
        Ok(())
    }

    fn open_group(&mut self) -> Result<(), GoRegexError> {
        let start = self.pos;
        let rest = self.rest();
        if !rest.starts_with("(?") {
            self.begin_atom();
            self.out.push('(');
            self.pos += 1;
            self.push_group(start);
            return Ok(());
        }
        let after = &rest[2..];
        if after.starts_with("P<") || after.starts_with('<') {
            return self.named_group(start);
        }
        let (flags, opens_group, length) = parse_flags(after).ok_or_else(|| {
            self.error(
                GoRegexProblem::InvalidPerlOp,
                start,
                start + flags_end(rest),
            )
        })?;
        self.pos += 2 + length;
        if opens_group {
            self.begin_atom();
            self.out.push_str(&format!("(?{flags}:"));
            self.push_group(start);
        } else {
            // `(?i)` alone changes flags for the rest of the group and repeats nothing; like Go,
            // a repetition right after it applies to what came before it.
            if !flags.is_empty() {
                self.pending_flags.push_str(&format!("(?{flags})"));
            }
            if let Last::Repeat { need, .. } = self.last {
                self.last = Last::Atom { need };
            }
        }
        Ok(())
    }

    fn named_group(&mut self, start: usize) -> Result<(), GoRegexError> {
        let rest = self.rest();
        let name_start = if rest[2..].starts_with('<') { 3 } else { 4 };
        let Some(end) = rest.find('>') else {
            return Err(self.error(
                GoRegexProblem::InvalidNamedCapture,
                start,
                self.pattern.len(),
            ));
        };
        let name = &rest[name_start..end];
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
        if !valid {
            return Err(self.error(GoRegexProblem::InvalidNamedCapture, start, start + end + 1));
        }
        self.begin_atom();
        // Go accepts names Rust does not (a leading digit, a repeated name); the group keeps its
        // number either way, and matching never depends on names.
        let rust_valid = !name.starts_with(|first: char| first.is_ascii_digit());
        if rust_valid && self.names.insert(name) {
            self.out.push_str(&format!("(?P<{name}>"));
        } else {
            self.out.push('(');
        }
        self.pos += end + 1;
        self.push_group(start);
        Ok(())
    }

    fn push_group(&mut self, start: usize) {
        self.groups.push(Group { start, need: 0 });
        self.last = Last::Nothing;
    }

    fn close_group(&mut self) -> Result<(), GoRegexError> {
        if self.groups.len() == 1 {
            return Err(self.error(GoRegexProblem::UnexpectedParen, 0, self.pos + 1));
        }
        self.pending_flags.clear();
        self.begin_atom();
        let need = self.groups.pop().map_or(0, |group| group.need);
        self.out.push(')');
        self.pos += 1;
        self.last = Last::Atom { need };
        Ok(())
    }

    fn backslash(&mut self) -> Result<(), GoRegexError> {
        let start = self.pos;
        let rest = self.rest();
        let assertion = match rest.as_bytes().get(1) {
            Some(b'A') => Some(r"\A"),
            Some(b'z') => Some(r"\z"),
            Some(b'b') => Some(r"(?-u:\b)"),
            Some(b'B') => Some(r"(?-u:\B)"),
            Some(b'C') => return Err(self.error(GoRegexProblem::InvalidEscape, start, start + 2)),
            Some(b'Q') => {
                self.quoted();
                return Ok(());
            }
            _ => None,
        };
        if let Some(assertion) = assertion {
            self.begin_atom();
            self.out.push_str(assertion);
            self.pos += 2;
            self.last = Last::Atom { need: 0 };
            return Ok(());
        }
        if let Some((class, length)) = escape::unicode_class(self.pattern, start)? {
            self.begin_atom();
            self.out.push_str(&class);
            self.pos += length;
            self.last = Last::Atom { need: 0 };
            return Ok(());
        }
        if let Some(class) = escape::perl_class(rest) {
            self.begin_atom();
            self.out.push_str(class.standalone());
            self.pos += 2;
            self.last = Last::Atom { need: 0 };
            return Ok(());
        }
        let (code, length) = escape::single(self.pattern, start)?;
        self.literal(code, length);
        Ok(())
    }

    /// `\Q...\E` (or to the end): every character is a literal, each one an atom.
    fn quoted(&mut self) {
        let body_start = self.pos + 2;
        let body = &self.pattern[body_start..];
        let (quoted, consumed) = match body.find(r"\E") {
            Some(end) => (&body[..end], end + 2),
            None => (body, body.len()),
        };
        self.pos = body_start;
        for ch in quoted.chars() {
            self.literal(ch as u32, ch.len_utf8());
        }
        self.pos = body_start + consumed;
        if let Last::Repeat { need, .. } = self.last {
            self.last = Last::Atom { need };
        }
    }
}

/// Writes one literal character, escaped for Rust.
fn push_literal(out: &mut String, code: u32) {
    match char::from_u32(code) {
        Some(ch) => {
            let mut buffer = [0; 4];
            out.push_str(&regex::escape(ch.encode_utf8(&mut buffer)));
        }
        None => out.push_str(NOTHING),
    }
}
