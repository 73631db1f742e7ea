//! `compress`: responses compressed with the encoding the client prefers, as Traefik v3.4+
//! does (`pkg/middlewares/compress`): `encodings` (gzip, br, zstd by default, in that order of
//! preference among equal weights), `defaultEncoding` (used when the request has no
//! `Accept-Encoding`, or for `*`), `minResponseBodyBytes` (1024), `excludedContentTypes` or
//! `includedContentTypes` (never both; `application/grpc` is never compressed).
//!
//! Never for HEAD, nor for a request whose own `Content-Type` is excluded (as for
//! `text/event-stream`); never for a response that already has a `Content-Encoding`, is a range
//! (`Content-Range`), has an unparsable or unwanted `Content-Type`, or is shorter than the
//! minimum. `Vary: Accept-Encoding` is added once an encoding is chosen. gzip is used only when
//! the client names it (klauspost's `gzhttp`, which Traefik uses for gzip, ignores `*`).

use http::HeaderMap;
use http::header::{ACCEPT_ENCODING, CONTENT_TYPE};
use http::request::Parts;

use crate::routing::options::{OptionError, Options};

/// Traefik's `defaultMinSize`.
pub const DEFAULT_MIN_SIZE: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Gzip,
    Brotli,
    Zstd,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "gzip" => Some(Encoding::Gzip),
            "br" => Some(Encoding::Brotli),
            "zstd" => Some(Encoding::Zstd),
            _ => None,
        }
    }
}

/// A media type with its parameters, lowercased as Go's `mime.ParseMediaType` gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaType {
    pub essence: String,
    pub params: Vec<(String, String)>,
}

impl MediaType {
    /// `None` when it does not parse (no `type/subtype`, or a bad parameter).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(';');
        let essence = parts.next()?.trim().to_ascii_lowercase();
        let (kind, subtype) = essence.split_once('/')?;
        let token = |text: &str| !text.is_empty() && text.bytes().all(is_token_byte);
        if !token(kind) || !token(subtype) {
            return None;
        }
        let mut params = Vec::new();
        for param in parts {
            let param = param.trim();
            if param.is_empty() {
                continue;
            }
            let (name, value) = param.split_once('=')?;
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim().trim_matches('"').to_owned();
            if !token(&name) {
                return None;
            }
            params.push((name, value));
        }
        params.sort();
        Some(MediaType { essence, params })
    }

    /// Traefik's `parsedContentType.equals`: same essence, and when this one has parameters,
    /// exactly the same ones.
    fn covers(&self, other: &MediaType) -> bool {
        self.essence == other.essence && (self.params.is_empty() || self.params == other.params)
    }
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compress {
    pub encodings: Vec<Encoding>,
    pub default_encoding: Option<Encoding>,
    pub min_response_body_bytes: usize,
    pub excluded: Vec<MediaType>,
    pub included: Vec<MediaType>,
}

/// What to do with a request's response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Leave it alone (HEAD, an excluded request, no `Accept-Encoding`, identity, nothing
    /// acceptable): no `Vary` either.
    Pass,
    /// Compress it with this encoding if the response allows; `Vary` in any case.
    Encode(Encoding),
    /// An encoding was chosen but will not be used (gzip for `*`): `Vary` only.
    VaryOnly,
}

impl Compress {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let media_types = |key: &str| -> Result<Vec<MediaType>, OptionError> {
            options
                .list(key)
                .unwrap_or_default()
                .into_iter()
                .map(|text| {
                    MediaType::parse(text)
                        .ok_or_else(|| options.error(key, format!("{text:?} is not a media type")))
                })
                .collect()
        };
        let excluded = media_types("excludedcontenttypes")?;
        let included = media_types("includedcontenttypes")?;
        if !excluded.is_empty() && !included.is_empty() {
            return Err(options.error(
                "includedcontenttypes",
                "excludedContentTypes and includedContentTypes options are mutually exclusive",
            ));
        }
        let min: i64 = options.number("minresponsebodybytes")?.unwrap_or(0);
        let min_response_body_bytes = usize::try_from(min)
            .ok()
            .filter(|&min| min > 0)
            .unwrap_or(DEFAULT_MIN_SIZE);
        let encodings = match options.list("encodings") {
            None => vec![Encoding::Gzip, Encoding::Brotli, Encoding::Zstd],
            Some(names) => names
                .into_iter()
                .map(|name| {
                    Encoding::from_name(name).ok_or_else(|| {
                        options.error("encodings", format!("unsupported encoding: {name}"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        if encodings.is_empty() {
            return Err(options.error("encodings", "at least one encoding must be specified"));
        }
        let default_encoding = match options.string("defaultencoding").map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(
                Encoding::from_name(name)
                    .filter(|encoding| encodings.contains(encoding))
                    .ok_or_else(|| {
                        options.error(
                            "defaultencoding",
                            format!("unsupported default encoding: {name}"),
                        )
                    })?,
            ),
        };
        Ok(Compress {
            encodings,
            default_encoding,
            min_response_body_bytes,
            excluded,
            included,
        })
    }

    /// The choice for a request (`compress.go` ServeHTTP, `acceptencoding.go`).
    pub fn choose(&self, request: &Parts) -> Choice {
        if request.method == http::Method::HEAD {
            return Choice::Pass;
        }
        let request_type = request
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(MediaType::parse);
        if request_type.is_some_and(|media| self.request_excluded(&media.essence)) {
            return Choice::Pass;
        }
        let lines: Vec<&str> = request
            .headers
            .get_all(ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        if lines.is_empty() {
            return self.default_encoding.map_or(Choice::Pass, Choice::Encode);
        }
        match self.negotiate(&lines) {
            Negotiated::Encoding(Encoding::Gzip, true) if !names_gzip(&lines) => Choice::VaryOnly,
            Negotiated::Encoding(encoding, _) => Choice::Encode(encoding),
            Negotiated::Identity | Negotiated::NotAcceptable => Choice::Pass,
        }
    }

    fn request_excluded(&self, essence: &str) -> bool {
        essence == "application/grpc" || self.excluded.iter().any(|media| media.essence == essence)
    }

    fn negotiate(&self, lines: &[&str]) -> Negotiated {
        if lines == [""] {
            return Negotiated::Identity;
        }
        // (name, weight, priority): priority is the index in `encodings`, `*` first,
        // identity last.
        let mut acceptable: Vec<(Token, f64, isize)> = Vec::new();
        for line in lines {
            for item in line.replace(' ', "").split(',') {
                let (name, param) = match item.split_once(';') {
                    Some((name, param)) => (name, Some(param)),
                    None => (item, None),
                };
                let token = match name {
                    "*" => Token::Any,
                    "identity" => Token::Identity,
                    other => {
                        match Encoding::from_name(other).filter(|e| self.encodings.contains(e)) {
                            Some(encoding) => Token::Encoding(encoding),
                            None => continue,
                        }
                    }
                };
                let weight = match param.and_then(|param| param.strip_prefix("q=")) {
                    Some(weight) => weight.parse::<f64>().unwrap_or(0.0),
                    None => 1.0,
                };
                if weight == 0.0 {
                    continue;
                }
                let priority = match token {
                    Token::Any => -1,
                    Token::Identity => self.encodings.len() as isize,
                    Token::Encoding(encoding) => self
                        .encodings
                        .iter()
                        .position(|&e| e == encoding)
                        .map_or(0, |index| index as isize),
                };
                acceptable.push((token, weight, priority));
            }
        }
        acceptable.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
        match acceptable.first() {
            None => Negotiated::NotAcceptable,
            Some((Token::Identity, _, _)) => Negotiated::Identity,
            Some((Token::Encoding(encoding), _, _)) => Negotiated::Encoding(*encoding, false),
            Some((Token::Any, _, _)) => match self.default_encoding {
                Some(encoding) => Negotiated::Encoding(encoding, false),
                None => Negotiated::Encoding(self.encodings[0], true),
            },
        }
    }

    /// Whether a response with these headers may be compressed (its size aside).
    pub fn compresses(&self, headers: &HeaderMap) -> bool {
        if headers.contains_key(http::header::CONTENT_ENCODING)
            || headers.contains_key(http::header::CONTENT_RANGE)
        {
            return false;
        }
        let Some(value) = headers.get(CONTENT_TYPE) else {
            return true;
        };
        let Some(media) = value.to_str().ok().and_then(MediaType::parse) else {
            return false;
        };
        if media.essence == "application/grpc" {
            return false;
        }
        if !self.included.is_empty() {
            return self.included.iter().any(|included| included.covers(&media));
        }
        !self.excluded.iter().any(|excluded| excluded.covers(&media))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Token {
    Any,
    Identity,
    Encoding(Encoding),
}

enum Negotiated {
    /// `true`: chosen for `*`, not by name.
    Encoding(Encoding, bool),
    Identity,
    NotAcceptable,
}

fn names_gzip(lines: &[&str]) -> bool {
    lines.iter().any(|line| {
        line.split(',').any(|item| {
            let (name, param) = item.split_once(';').unwrap_or((item, ""));
            name.trim() == "gzip"
                && param
                    .trim()
                    .strip_prefix("q=")
                    .is_none_or(|q| q.trim().parse::<f64>().is_ok_and(|q| q > 0.0))
        })
    })
}

#[cfg(test)]
#[path = "compress_tests.rs"]
mod tests;
