//! Request paths in the one form routes are matched in and tasks receive.
//!
//! [`normalize`] works on the path as received (percent-encoding kept) and:
//!
//! - decodes percent-encoded unreserved characters (`%41` → `A`, `%7E` → `~`) and writes every
//!   other escape in upper case (RFC 3986 §6.2.2.1–2), so two spellings of one path match the
//!   same route;
//! - removes dot segments (RFC 3986 §5.2.4: `/a/./b/../c` → `/a/c`, never above the root) and
//!   merges runs of `/` (`/a//b` → `/a/b`), as Traefik (2.11+, 3.x) sanitises paths, so a
//!   prefix a route matched or stripped cannot be climbed out of or side-stepped;
//! - treats what a backend may read as a separator or a dot by [`PathPolicy`]: an encoded slash
//!   or backslash (`%2F`, `%5C`) or a bare backslash, and an encoded dot that makes a dot
//!   segment (`%2e%2e`, `%2E.`, `.%2e`). By default both are refused: a backend that decodes
//!   them would climb where hawser did not route.
//!
//! `%00` and malformed escapes (`%zz`, a `%` at the end) are always refused. The query is not
//! part of the path and is never touched.

use std::borrow::Cow;

use serde::Deserialize;
use thiserror::Error;

/// What `%2F`, `%5C` and `\` in a path get.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum EncodedSlashes {
    /// The request is answered `400`.
    #[default]
    Reject,
    /// Passed on as they are: data inside a segment, never a separator.
    Keep,
}

/// What an encoded dot that makes a `.` or `..` segment gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum EncodedDots {
    /// The request is answered `400`.
    #[default]
    Reject,
    /// Decoded, then removed like a plain dot segment (what Traefik 3 does).
    Decode,
}

/// How [`normalize`] treats the encodings backends disagree about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathPolicy {
    pub encoded_slashes: EncodedSlashes,
    pub encoded_dots: EncodedDots,
}

/// Why a path is refused.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum PathError {
    #[error("the path does not start with '/'")]
    NotAbsolute,
    #[error("a '%' in the path is not followed by two hex digits")]
    MalformedEscape,
    #[error("the path contains an encoded NUL (%00)")]
    EncodedNul,
    #[error("the path contains an encoded slash or backslash (%2F, %5C) or a backslash")]
    EncodedSlash,
    #[error("the path contains an encoded dot segment (%2E)")]
    EncodedDotSegment,
}

/// The path in normal form; borrowed when it already is (the common case).
pub fn normalize(path: &str, policy: PathPolicy) -> Result<Cow<'_, str>, PathError> {
    let Some(inner) = path.strip_prefix('/') else {
        return Err(PathError::NotAbsolute);
    };
    if !needs_work(path) {
        return Ok(Cow::Borrowed(path));
    }
    let mut kept: Vec<Cow<'_, str>> = Vec::new();
    let mut trailing_slash = false;
    let mut segments = inner.split('/').peekable();
    while let Some(raw) = segments.next() {
        let last = segments.peek().is_none();
        let segment = decode_segment(raw, policy)?;
        match segment.text.as_ref() {
            "." | ".." if segment.encoded_dot && policy.encoded_dots == EncodedDots::Reject => {
                return Err(PathError::EncodedDotSegment);
            }
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            _ => {
                kept.push(segment.text);
                continue;
            }
        }
        // A segment that names a directory (empty, `.`, `..`) at the end leaves a trailing `/`.
        trailing_slash = last;
    }
    let mut normal = String::with_capacity(path.len());
    for segment in &kept {
        normal.push('/');
        normal.push_str(segment);
    }
    if trailing_slash || kept.is_empty() {
        normal.push('/');
    }
    if normal == path {
        return Ok(Cow::Borrowed(path));
    }
    Ok(Cow::Owned(normal))
}

/// Whether the path is free of dot segments and empty ones (`//`), a trailing `/` aside: the
/// check Traefik makes on a path a middleware rewrote. [`normalize`]'s output always is.
pub fn is_clean(path: &str) -> bool {
    let inner = path.strip_prefix('/').unwrap_or(path);
    let mut segments = inner.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if matches!(segment, "." | "..") || (segment.is_empty() && !last) {
            return false;
        }
    }
    true
}

/// Whether any segment is `.` or `..`, or would be once `%2E` is decoded: what a rewrite must
/// not produce, or the backend would climb out of the prefix it was given.
pub fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(is_dot_segment)
}

/// `.` or `..`, each dot plain or `%2E`.
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', after @ ..] => after,
            [b'%', b'2', b'e' | b'E', after @ ..] => after,
            _ => return false,
        };
        dots += 1;
    }
    (1..=2).contains(&dots)
}

/// Nothing to decode, no dot segment to remove, no `//` to merge and no backslash to judge.
fn needs_work(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().any(|&byte| byte == b'%' || byte == b'\\')
        || bytes
            .windows(2)
            .any(|pair| pair[0] == b'/' && (pair[1] == b'/' || pair[1] == b'.'))
}

struct Segment<'a> {
    text: Cow<'a, str>,
    /// A `.` in `text` came from `%2E`.
    encoded_dot: bool,
}

/// One segment with its escapes normalised: unreserved characters decoded, others upper case.
fn decode_segment(raw: &str, policy: PathPolicy) -> Result<Segment<'_>, PathError> {
    let keep_slashes = policy.encoded_slashes == EncodedSlashes::Keep;
    if !raw.contains(['%', '\\']) {
        return Ok(Segment {
            text: Cow::Borrowed(raw),
            encoded_dot: false,
        });
    }
    let bytes = raw.as_bytes();
    let mut text = String::with_capacity(raw.len());
    let mut encoded_dot = false;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let byte = escaped_byte(bytes, index).ok_or(PathError::MalformedEscape)?;
                match byte {
                    0 => return Err(PathError::EncodedNul),
                    b'/' | b'\\' if !keep_slashes => return Err(PathError::EncodedSlash),
                    byte if is_unreserved(byte) => {
                        encoded_dot |= byte == b'.';
                        text.push(char::from(byte));
                    }
                    byte => text.push_str(&format!("%{byte:02X}")),
                }
                index += 3;
            }
            b'\\' if !keep_slashes => return Err(PathError::EncodedSlash),
            _ => {
                // Copy the run up to the next escape whole: it may hold multi-byte characters.
                let run = raw[index..]
                    .find(['%', '\\'])
                    .map_or(raw.len(), |offset| index + offset);
                let run = if run == index { index + 1 } else { run };
                text.push_str(&raw[index..run]);
                index = run;
            }
        }
    }
    Ok(Segment {
        text: Cow::Owned(text),
        encoded_dot,
    })
}

fn escaped_byte(bytes: &[u8], percent: usize) -> Option<u8> {
    let high = char::from(*bytes.get(percent + 1)?).to_digit(16)?;
    let low = char::from(*bytes.get(percent + 2)?).to_digit(16)?;
    u8::try_from(high << 4 | low).ok()
}

/// RFC 3986 §2.3.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
#[path = "path_tests.rs"]
mod tests;
