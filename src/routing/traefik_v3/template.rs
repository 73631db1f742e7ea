//! `--default-rule`: the rule of routers that have none, as a Go `text/template` the way
//! Traefik's `defaultRule` is written. hawser implements the part of the language such rules
//! use: literal text and actions `{{ .Name }}`, `{{ normalize .Name }}`,
//! `{{ index .Labels "key" }}` and `{{ normalize (index .Labels "key") }}`. Anything else is
//! refused when the setting is read, with the position of what is not understood.

use std::collections::BTreeMap;

use thiserror::Error;

use super::names::normalize;

/// Traefik's `DefaultTemplateRule` (`pkg/provider/docker/shared.go`).
pub const DEFAULT_RULE: &str = "Host(`{{ normalize .Name }}`)";

#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("default rule template {template:?}, at byte {position}: {reason}")]
pub struct TemplateError {
    pub template: String,
    pub position: usize,
    pub reason: String,
}

/// A parsed default rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleTemplate {
    source: String,
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value { value: Value, normalized: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    /// The normalized service name (Traefik's `.Name`).
    Name,
    /// A label of the service; a missing one is empty, as Go's `index` gives.
    Label(String),
}

const SUPPORTED: &str = "supported: {{ .Name }}, {{ normalize .Name }}, \
                         {{ index .Labels \"key\" }}, {{ normalize (index .Labels \"key\") }}";

impl Default for RuleTemplate {
    fn default() -> Self {
        RuleTemplate {
            source: DEFAULT_RULE.to_owned(),
            pieces: vec![
                Piece::Text("Host(`".into()),
                Piece::Value {
                    value: Value::Name,
                    normalized: true,
                },
                Piece::Text("`)".into()),
            ],
        }
    }
}

impl RuleTemplate {
    pub fn parse(source: &str) -> Result<RuleTemplate, TemplateError> {
        let error = |position: usize, reason: String| TemplateError {
            template: source.to_owned(),
            position,
            reason,
        };
        let mut pieces = Vec::new();
        let mut rest = 0;
        while let Some(open) = source[rest..].find("{{").map(|at| rest + at) {
            if open > rest {
                pieces.push(Piece::Text(source[rest..open].to_owned()));
            }
            let mut lexer = Lexer {
                text: source,
                at: open + 2,
            };
            let (piece, end) = lexer.action().map_err(|(at, reason)| error(at, reason))?;
            pieces.push(piece);
            rest = end;
        }
        if let Some(stray) = source[rest..].find("}}") {
            return Err(error(rest + stray, "\"}}\" without \"{{\"".into()));
        }
        if rest < source.len() {
            pieces.push(Piece::Text(source[rest..].to_owned()));
        }
        Ok(RuleTemplate {
            source: source.to_owned(),
            pieces,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The rule for a service: `name` is its normalized name, `labels` all of its labels.
    pub fn render(&self, name: &str, labels: &BTreeMap<String, String>) -> String {
        let mut rule = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => rule.push_str(text),
                Piece::Value { value, normalized } => {
                    let raw = match value {
                        Value::Name => name,
                        Value::Label(key) => labels.get(key).map_or("", String::as_str),
                    };
                    if *normalized {
                        rule.push_str(&normalize(raw));
                    } else {
                        rule.push_str(raw);
                    }
                }
            }
        }
        rule
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Field(String),
    Text(String),
    Open,
    Close,
    End,
}

type LexError = (usize, String);

struct Lexer<'a> {
    text: &'a str,
    at: usize,
}

impl Lexer<'_> {
    /// One action, after its `{{`: the piece and the byte after its `}}`.
    fn action(&mut self) -> Result<(Piece, usize), LexError> {
        let start = self.at;
        if self.text[self.at..].starts_with('-') {
            return Err((
                start,
                format!("trim markers are not supported ({SUPPORTED})"),
            ));
        }
        let piece = match self.next()? {
            (_, Token::Word(word)) if word == "normalize" => Piece::Value {
                value: self.argument()?,
                normalized: true,
            },
            (at, token) => Piece::Value {
                value: self.value(at, token)?,
                normalized: false,
            },
        };
        match self.next()? {
            (_, Token::End) => Ok((piece, self.at)),
            (at, _) => Err((at, format!("one value per action ({SUPPORTED})"))),
        }
    }

    /// `.Name`, or `(index .Labels "key")`.
    fn argument(&mut self) -> Result<Value, LexError> {
        match self.next()? {
            (_, Token::Open) => {
                let (at, token) = self.next()?;
                let value = self.value(at, token)?;
                match self.next()? {
                    (_, Token::Close) => Ok(value),
                    (at, _) => Err((at, "expected \")\"".into())),
                }
            }
            (at, token) => self.value(at, token),
        }
    }

    /// `.Name`, or `index .Labels "key"`.
    fn value(&mut self, at: usize, token: Token) -> Result<Value, LexError> {
        match token {
            Token::Field(field) if field == "Name" => Ok(Value::Name),
            Token::Word(word) if word == "index" => {
                match self.next()? {
                    (_, Token::Field(field)) if field == "Labels" => {}
                    (at, _) => return Err((at, "index takes .Labels first".into())),
                }
                match self.next()? {
                    (_, Token::Text(key)) => Ok(Value::Label(key)),
                    (at, _) => Err((at, "index .Labels takes a quoted label name".into())),
                }
            }
            Token::Field(field) => Err((at, format!(".{field} is not supported ({SUPPORTED})"))),
            Token::Word(word) => Err((at, format!("{word:?} is not supported ({SUPPORTED})"))),
            _ => Err((at, format!("expected a value ({SUPPORTED})"))),
        }
    }

    fn next(&mut self) -> Result<(usize, Token), LexError> {
        let rest = &self.text[self.at..];
        let skipped = rest.len() - rest.trim_start().len();
        self.at += skipped;
        let start = self.at;
        let rest = &self.text[start..];
        let mut chars = rest.chars();
        let Some(first) = chars.next() else {
            return Err((start, "unclosed action: no \"}}\"".into()));
        };
        let token = match first {
            '}' if rest.starts_with("}}") => {
                self.at += 2;
                Token::End
            }
            '(' => {
                self.at += 1;
                Token::Open
            }
            ')' => {
                self.at += 1;
                Token::Close
            }
            '.' => {
                let name = identifier(&rest[1..]);
                if name.is_empty() {
                    return Err((start, format!("\".\" alone is not supported ({SUPPORTED})")));
                }
                self.at += 1 + name.len();
                Token::Field(name.to_owned())
            }
            '`' => {
                let Some(end) = rest[1..].find('`') else {
                    return Err((start, "unterminated raw string".into()));
                };
                self.at += end + 2;
                Token::Text(rest[1..=end].to_owned())
            }
            '"' => {
                let (text, length) =
                    quoted(&rest[1..]).ok_or((start, "bad quoted string".into()))?;
                self.at += length + 1;
                Token::Text(text)
            }
            ch if ch.is_alphabetic() || ch == '_' => {
                let name = identifier(rest);
                self.at += name.len();
                Token::Word(name.to_owned())
            }
            other => return Err((start, format!("unexpected {other:?} ({SUPPORTED})"))),
        };
        Ok((start, token))
    }
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// A Go interpreted string after its opening quote: its value and its length with the
/// closing quote. Common escapes only.
fn quoted(text: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, ch)) = chars.next() {
        match ch {
            '"' => return Some((value, at + 1)),
            '\n' => return None,
            '\\' => {
                let (_, escaped) = chars.next()?;
                value.push(match escaped {
                    '"' => '"',
                    '\\' => '\\',
                    'n' => '\n',
                    't' => '\t',
                    _ => return None,
                });
            }
            ch => value.push(ch),
        }
    }
    None
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
