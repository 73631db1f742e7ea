//! Go's tokens, as much of them as Traefik rules use: names, backtick and double-quoted
//! strings with Go's escapes, `( ) , . && || !`, comments, and Go's automatic semicolon (a
//! line break right after a name, a string or `)` ends the expression). Other Go operators
//! are recognised only to be refused by name.

use crate::routing::error::{Position, RuleError, SyntaxProblem};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Name(String),
    Str(String),
    Number(String),
    Open,
    Close,
    Comma,
    Dot,
    And,
    Or,
    Not,
    /// A line break where Go inserts a semicolon.
    LineEnd,
    /// A Go operator the rule language does not have (`&`, `==`, `;`, ...).
    Unsupported(String),
    End,
}

impl Token {
    /// How an error message names the token.
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Name(name) => format!("'{name}'"),
            Token::Str(text) => format!("the string `{text}`"),
            Token::Number(number) => format!("the number {number}"),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::Comma => "','".into(),
            Token::Dot => "'.'".into(),
            Token::And => "'&&'".into(),
            Token::Or => "'||'".into(),
            Token::Not => "'!'".into(),
            Token::LineEnd => "a line break".into(),
            Token::Unsupported(operator) => format!("'{operator}'"),
            Token::End => "the end of the rule".into(),
        }
    }

    /// Whether Go ends the statement at a line break after this token.
    fn ends_statement(&self) -> bool {
        matches!(
            self,
            Token::Name(_) | Token::Str(_) | Token::Number(_) | Token::Close
        )
    }
}

/// A token and the byte offset it starts at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lexed {
    pub token: Token,
    pub offset: usize,
}

/// Go operators, longest first, that are refused by name.
const UNSUPPORTED: [&str; 21] = [
    "&^", "==", "!=", "<=", ">=", "<<", ">>", ":=", "<-", "++", "--", "&", "|", "+", "-", "*", "/",
    "%", "^", "=", ";",
];
const UNSUPPORTED_SINGLE: &str = "<>:[]{}~";

/// Splits `text` into tokens, ending with [`Token::End`].
pub(crate) fn tokens(text: &str) -> Result<Vec<Lexed>, RuleError> {
    let fail = |offset: usize, problem: SyntaxProblem| RuleError::Syntax {
        at: Position::locate(text, offset),
        problem,
    };
    let mut lexed: Vec<Lexed> = Vec::new();
    // Go skips a byte-order mark at the very start.
    let mut pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut ends_statement = false;
    while let Some(ch) = text[pos..].chars().next() {
        let rest = &text[pos..];
        let start = pos;
        let token = match ch {
            ' ' | '\t' | '\r' => {
                pos += 1;
                continue;
            }
            '\n' => {
                if ends_statement {
                    lexed.push(Lexed {
                        token: Token::LineEnd,
                        offset: pos,
                    });
                    ends_statement = false;
                }
                pos += 1;
                continue;
            }
            '/' if rest.starts_with("//") => {
                // The line break that ends the comment still counts.
                pos += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            '/' if rest.starts_with("/*") => {
                let Some(end) = rest[2..].find("*/") else {
                    return Err(fail(pos, SyntaxProblem::UnterminatedComment));
                };
                // A comment spanning lines acts as a line break.
                if ends_statement && rest[2..2 + end].contains('\n') {
                    lexed.push(Lexed {
                        token: Token::LineEnd,
                        offset: pos,
                    });
                    ends_statement = false;
                }
                pos += end + 4;
                continue;
            }
            '`' => {
                let Some(end) = rest[1..].find('`') else {
                    return Err(fail(pos, SyntaxProblem::UnterminatedString));
                };
                pos += end + 2;
                // Go drops carriage returns from raw strings.
                Token::Str(rest[1..=end].replace('\r', ""))
            }
            '"' => {
                let (value, length) = interpreted_string(text, pos)
                    .map_err(|(offset, problem)| fail(offset, problem))?;
                pos += length;
                Token::Str(value)
            }
            '\'' => return Err(fail(pos, SyntaxProblem::SingleQuote)),
            '(' => single(&mut pos, Token::Open),
            ')' => single(&mut pos, Token::Close),
            ',' => single(&mut pos, Token::Comma),
            '&' if rest.starts_with("&&") => double(&mut pos, Token::And),
            '|' if rest.starts_with("||") => double(&mut pos, Token::Or),
            '!' if !rest.starts_with("!=") => single(&mut pos, Token::Not),
            '.' if rest.starts_with("...") => {
                pos += 3;
                Token::Unsupported("...".into())
            }
            '.' if !rest[1..].starts_with(|next: char| next.is_ascii_digit()) => {
                single(&mut pos, Token::Dot)
            }
            _ if ch.is_ascii_digit() || ch == '.' => {
                let length = rest
                    .find(|next: char| !(next.is_alphanumeric() || next == '.' || next == '_'))
                    .unwrap_or(rest.len());
                pos += length;
                Token::Number(rest[..length].to_owned())
            }
            _ if ch.is_alphabetic() || ch == '_' => {
                let length = rest
                    .find(|next: char| !(next.is_alphanumeric() || next == '_'))
                    .unwrap_or(rest.len());
                pos += length;
                Token::Name(rest[..length].to_owned())
            }
            _ => match UNSUPPORTED
                .iter()
                .find(|operator| rest.starts_with(**operator))
            {
                Some(operator) => {
                    pos += operator.len();
                    Token::Unsupported((*operator).to_owned())
                }
                None if UNSUPPORTED_SINGLE.contains(ch) => {
                    pos += 1;
                    Token::Unsupported(ch.to_string())
                }
                None => return Err(fail(pos, SyntaxProblem::BadCharacter(ch))),
            },
        };
        ends_statement = token.ends_statement();
        lexed.push(Lexed {
            token,
            offset: start,
        });
    }
    lexed.push(Lexed {
        token: Token::End,
        offset: text.len(),
    });
    Ok(lexed)
}

fn single(pos: &mut usize, token: Token) -> Token {
    *pos += 1;
    token
}

fn double(pos: &mut usize, token: Token) -> Token {
    *pos += 2;
    token
}

/// A Go interpreted string starting at `start` (its `"`): its value and length in bytes.
/// Errors carry the offset they are at.
fn interpreted_string(text: &str, start: usize) -> Result<(String, usize), (usize, SyntaxProblem)> {
    let mut bytes = Vec::new();
    let mut pos = start + 1;
    loop {
        let Some(ch) = text[pos..].chars().next() else {
            return Err((start, SyntaxProblem::UnterminatedString));
        };
        match ch {
            '\n' => return Err((start, SyntaxProblem::UnterminatedString)),
            '"' => {
                pos += 1;
                break;
            }
            '\\' => {
                let length = escape(text, pos, &mut bytes)?;
                pos += length;
            }
            other => {
                let mut buffer = [0; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
                pos += other.len_utf8();
            }
        }
    }
    // `\xff` and octal escapes write single bytes, which must still make UTF-8.
    let value = String::from_utf8(bytes).map_err(|_| (start, SyntaxProblem::InvalidUtf8))?;
    Ok((value, pos - start))
}

/// One escape at `pos` (its backslash), appended to `bytes`; returns its length.
fn escape(text: &str, pos: usize, bytes: &mut Vec<u8>) -> Result<usize, (usize, SyntaxProblem)> {
    let rest = &text[pos..];
    let Some(letter) = rest[1..].chars().next() else {
        return Err((pos, SyntaxProblem::UnterminatedString));
    };
    let simple = match letter {
        'a' => Some(0x07),
        'b' => Some(0x08),
        'f' => Some(0x0C),
        'n' => Some(b'\n'),
        'r' => Some(b'\r'),
        't' => Some(b'\t'),
        'v' => Some(0x0B),
        '\\' => Some(b'\\'),
        '"' => Some(b'"'),
        _ => None,
    };
    if let Some(byte) = simple {
        bytes.push(byte);
        return Ok(2);
    }
    let (digits, radix, is_byte) = match letter {
        '0'..='7' => (3, 8, true),
        'x' => (2, 16, true),
        'u' => (4, 16, false),
        'U' => (8, 16, false),
        _ => {
            let shown = &rest[..1 + letter.len_utf8()];
            return Err((pos, SyntaxProblem::BadEscape(shown.to_owned())));
        }
    };
    let first = if radix == 8 { 1 } else { 2 };
    let end = first + digits;
    let written = rest
        .get(first..end)
        .filter(|digits| digits.chars().all(|digit| digit.is_digit(radix)));
    let Some(written) = written else {
        let shown: String = rest.chars().take(end).collect();
        return Err((pos, SyntaxProblem::BadEscape(shown)));
    };
    let value = u32::from_str_radix(written, radix).unwrap_or(u32::MAX);
    let invalid = || (pos, SyntaxProblem::BadEscapeValue(rest[..end].to_owned()));
    if is_byte {
        bytes.push(u8::try_from(value).map_err(|_| invalid())?);
    } else {
        let ch = char::from_u32(value).ok_or_else(invalid)?;
        let mut buffer = [0; 4];
        bytes.extend_from_slice(ch.encode_utf8(&mut buffer).as_bytes());
    }
    Ok(end)
}
