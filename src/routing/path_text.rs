//! Text a rule writes into a forwarded path, read the way Traefik (Go) reads it: replacement
//! templates in Go's `Regexp.Expand` syntax, and plain text escaped as Go escapes a path.
//!
//! hawser forwards paths as received (percent-encoding kept), while Traefik rewrites the
//! decoded path and escapes the result. Escaping the rule's own text once, when the rule is
//! parsed, gives the backend the same bytes for everything the client did not encode oddly.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// A `ReplacePathRegex` replacement: `$1`, `${1}`, `$name`, `${name}` and `$$`, as Go expands
/// them. This is not the `regex` crate's syntax, which differs at the edges: Go reads `$01` as
/// the (missing) group named `01`, takes Unicode letters into `$name`, and treats a `$` that
/// starts no reference as a literal `$`.
#[derive(Clone, Debug)]
pub struct Replacement {
    written: String,
    pieces: Vec<Piece>,
}

impl PartialEq for Replacement {
    fn eq(&self, other: &Self) -> bool {
        self.written == other.written
    }
}

#[derive(Clone, Debug)]
enum Piece {
    Literal(String),
    /// A capture group by index; one the regex lacks expands to nothing, as in Go.
    Group(usize),
}

/// Go's `extract`: a name is a run of Unicode letters (`\p{L}`), decimal digits (`\p{Nd}`)
/// and `_`.
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\p{L}\p{Nd}_]+").unwrap_or_else(|err| panic!("name regex: {err}"))
});

impl Replacement {
    /// Reads `template` against the capture groups of `regex` (names are resolved once, here).
    pub fn parse(template: &str, regex: &Regex) -> Self {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = template;
        while let Some(dollar) = rest.find('$') {
            literal.push_str(&rest[..dollar]);
            rest = &rest[dollar..];
            if rest.starts_with("$$") {
                literal.push('$');
                rest = &rest[2..];
                continue;
            }
            let Some((name, after)) = reference(rest) else {
                literal.push('$');
                rest = &rest[1..];
                continue;
            };
            rest = after;
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            let index = match group_number(name) {
                Some(number) => Some(number),
                None => regex.capture_names().position(|group| group == Some(name)),
            };
            // A group the regex does not have expands to nothing: leave it out.
            if let Some(index) = index.filter(|&index| index < regex.captures_len()) {
                pieces.push(Piece::Group(index));
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Replacement {
            written: template.to_owned(),
            pieces,
        }
    }

    /// The same template with its literal text passed through `map` (the captures are not).
    pub fn map_literals(mut self, map: impl Fn(&str) -> String) -> Self {
        for piece in &mut self.pieces {
            if let Piece::Literal(text) = piece {
                *text = map(text);
            }
        }
        self
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// Go's `ReplaceAllString`: every non-overlapping match of `regex` in `text` replaced.
    /// `None` when nothing matches, so the caller can tell "unchanged" from "replaced".
    pub fn replace_all(&self, regex: &Regex, text: &str) -> Option<String> {
        let mut output = String::with_capacity(text.len());
        let mut copied_to = 0;
        let mut matched = false;
        for captures in regex.captures_iter(text) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            matched = true;
            output.push_str(&text[copied_to..whole.start()]);
            self.expand(&captures, &mut output);
            copied_to = whole.end();
        }
        if !matched {
            return None;
        }
        output.push_str(&text[copied_to..]);
        Some(output)
    }

    fn expand(&self, captures: &Captures<'_>, output: &mut String) {
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => output.push_str(text),
                Piece::Group(index) => {
                    if let Some(group) = captures.get(*index) {
                        output.push_str(group.as_str());
                    }
                }
            }
        }
    }
}

/// `$name` or `${name}` at the start of `text` (which starts with `$`): the name and the rest.
fn reference(text: &str) -> Option<(&str, &str)> {
    let after_dollar = &text[1..];
    match after_dollar.strip_prefix('{') {
        Some(braced) => {
            let name = NAME.find(braced)?.as_str();
            let rest = braced[name.len()..].strip_prefix('}')?;
            Some((name, rest))
        }
        None => {
            let name = NAME.find(after_dollar)?.as_str();
            Some((name, &after_dollar[name.len()..]))
        }
    }
}

/// A name that is a group number in Go: ASCII digits, no leading zero, below 10^8.
fn group_number(name: &str) -> Option<usize> {
    let digits = name.bytes().all(|byte| byte.is_ascii_digit());
    let leading_zero = name.len() > 1 && name.starts_with('0');
    if !digits || leading_zero || name.len() > 8 {
        return None;
    }
    name.parse().ok()
}

/// Escapes `text` as Go's `URL.EscapedPath` does: everything but letters, digits, `-_.~` and
/// `$&+,/:;=@` becomes `%XX` (so `%` itself, `?`, space and non-ASCII are escaped).
pub fn encode_path_text(text: &str) -> Cow<'_, str> {
    let kept = |byte: u8| byte.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&byte);
    if text.bytes().all(kept) {
        return Cow::Borrowed(text);
    }
    let mut encoded = String::with_capacity(text.len() + 8);
    for byte in text.bytes() {
        if kept(byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Cow::Owned(encoded)
}

#[cfg(test)]
#[path = "path_text_tests.rs"]
mod tests;
