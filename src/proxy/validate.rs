//! The first step of every request: what a trusted proxy refuses or normalises before routing.
//!
//! hyper has already enforced message framing (RFC 9112 §6: `Transfer-Encoding` with
//! `Content-Length`, duplicate or malformed `Content-Length`, obs-fold, bad chunk sizes) and the
//! head limits (`431`). What it leaves to the server is checked here, in this order:
//!
//! 1. `CONNECT` is not a reverse proxy's to serve: `501`.
//! 2. A target longer than the limit: `414`; more header fields than the limit: `431`.
//! 3. The target's form (RFC 9112 §3.2): origin-form, or absolute-form with an `http(s)`
//!    scheme and no userinfo; `*` only for `OPTIONS`, which hawser answers itself as Go's
//!    server (and so Traefik) does: `200`, nothing forwarded.
//! 4. `Host` (RFC 9112 §3.2, RFC 9113 §8.3.1): an HTTP/1.1 request needs exactly one, a valid
//!    `host[:port]`; more than one is refused in any version; an absolute-form target's or
//!    HTTP/2 `:authority`'s host and port must be the `Host` header's.
//! 5. The path, put in normal form ([`crate::routing::path`]); the request goes on with that
//!    path, so routes match, and tasks receive, the same path.
//!
//! A refusal is answered with `Connection: close` on HTTP/1: a client that sent something
//! malformed may not agree with hawser on where its next request starts.

use std::net::Ipv6Addr;

use http::header::{self, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use thiserror::Error;

use super::body::ProxyBody;
use super::limits::Limits;
use crate::routing::host::canonical_host;
use crate::routing::path::{PathError, PathPolicy, normalize};

/// Why hawser answers a request itself instead of routing it.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum Answer {
    #[error("CONNECT is not supported")]
    Connect,
    #[error("the request target is longer than the limit")]
    UriTooLong,
    #[error("the request has more header fields than the limit")]
    TooManyHeaders,
    #[error("the request target is not a path or an http(s) URL")]
    BadTarget,
    #[error("the request target has a userinfo part")]
    UserInfo,
    #[error("missing Host header")]
    MissingHost,
    #[error("more than one Host header")]
    DuplicateHost,
    #[error("the Host header is not a valid host[:port]")]
    InvalidHost,
    #[error("the request target's host is not the Host header's")]
    HostMismatch,
    #[error("{0}")]
    Path(#[from] PathError),
    /// The route's rewrite of the path left a dot segment in it.
    #[error("the route's rewrite of this path would climb out of its prefix")]
    RewriteLeavesPrefix,
    /// `OPTIONS *`: about the server, not a resource.
    #[error("OPTIONS * is answered by hawser")]
    ServerOptions,
}

impl Answer {
    pub fn status(&self) -> StatusCode {
        match self {
            Answer::Connect => StatusCode::NOT_IMPLEMENTED,
            Answer::UriTooLong => StatusCode::URI_TOO_LONG,
            Answer::TooManyHeaders => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Answer::ServerOptions => StatusCode::OK,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The answer to a request of `version`: a short text naming the reason, and for HTTP/1 a
    /// closed connection.
    pub fn to_response(&self, version: Version) -> Response<ProxyBody> {
        if *self == Answer::ServerOptions {
            let mut response = Response::new(ProxyBody::empty());
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            return response;
        }
        let status = self.status();
        let reason = status.canonical_reason().unwrap_or("");
        let text = format!("{} {reason}: {self}\n", status.as_u16());
        let mut response = Response::new(ProxyBody::text(text));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if version < Version::HTTP_2 {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Checks the request and puts its path in normal form; the answer to give instead when it
/// must go no further.
pub fn request<B>(
    request: &mut Request<B>,
    limits: &Limits,
    paths: PathPolicy,
) -> Result<(), Answer> {
    if request.method() == Method::CONNECT {
        return Err(Answer::Connect);
    }
    if target_length(request.uri()) > limits.uri_length {
        return Err(Answer::UriTooLong);
    }
    if request.headers().len() > limits.header_count {
        return Err(Answer::TooManyHeaders);
    }
    check_target(request)?;
    check_host(request)?;
    let uri = request.uri();
    let normal = match normalize(uri.path(), paths)? {
        std::borrow::Cow::Borrowed(_) => return Ok(()),
        std::borrow::Cow::Owned(normal) => normal,
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{normal}?{query}"),
        None => normal,
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query =
        Some(PathAndQuery::try_from(path_and_query).map_err(|_| Answer::BadTarget)?);
    *request.uri_mut() = Uri::from_parts(parts).map_err(|_| Answer::BadTarget)?;
    Ok(())
}

/// The target as sent: `scheme://authority` (absolute-form, HTTP/2) and the path and query.
fn target_length(uri: &Uri) -> usize {
    let scheme = uri.scheme_str().map_or(0, |scheme| scheme.len() + 3);
    let authority = uri
        .authority()
        .map_or(0, |authority| authority.as_str().len());
    let path = uri.path_and_query().map_or(0, |path| path.as_str().len());
    scheme + authority + path
}

fn check_target<B>(request: &Request<B>) -> Result<(), Answer> {
    let uri = request.uri();
    if uri.path() == "*" {
        return match (request.method(), uri.query()) {
            (&Method::OPTIONS, None) => Err(Answer::ServerOptions),
            _ => Err(Answer::BadTarget),
        };
    }
    if !uri.path().starts_with('/') {
        // Authority-form (`host:port`) is CONNECT's alone.
        return Err(Answer::BadTarget);
    }
    match uri.scheme() {
        None if uri.authority().is_none() => Ok(()),
        Some(scheme) if *scheme == Scheme::HTTP || *scheme == Scheme::HTTPS => {
            let authority = uri.authority().ok_or(Answer::BadTarget)?;
            if authority.as_str().contains('@') {
                return Err(Answer::UserInfo);
            }
            if !is_valid_host(authority.as_str()) {
                return Err(Answer::BadTarget);
            }
            Ok(())
        }
        _ => Err(Answer::BadTarget),
    }
}

fn check_host<B>(request: &Request<B>) -> Result<(), Answer> {
    let mut values = request.headers().get_all(header::HOST).iter();
    let host = values.next();
    if values.next().is_some() {
        return Err(Answer::DuplicateHost);
    }
    let authority = request.uri().authority();
    let Some(host) = host else {
        // HTTP/1.0 needs no Host; HTTP/2 may carry the host in `:authority` alone.
        return match request.version() {
            Version::HTTP_09 | Version::HTTP_10 => Ok(()),
            Version::HTTP_2 | Version::HTTP_3 if authority.is_some() => Ok(()),
            _ => Err(Answer::MissingHost),
        };
    };
    let host = host.to_str().map_err(|_| Answer::InvalidHost)?;
    if host.is_empty() && authority.is_none() {
        // RFC 9112 §3.2: the Host of a target without an authority is empty.
        return Ok(());
    }
    if !is_valid_host(host) {
        return Err(Answer::InvalidHost);
    }
    match authority {
        Some(authority) if !same_origin(host, authority, request.uri().scheme()) => {
            Err(Answer::HostMismatch)
        }
        _ => Ok(()),
    }
}

/// `host[:port]` as RFC 3986 writes it, kept to what DNS names and IP addresses use: letters,
/// digits, `-`, `.`, `_`, `~`, or an IPv6 literal in brackets; a port of 1 to 5 digits.
fn is_valid_host(text: &str) -> bool {
    let (host, port) = if let Some(literal) = text.strip_prefix('[') {
        let Some((address, rest)) = literal.split_once(']') else {
            return false;
        };
        if address.parse::<Ipv6Addr>().is_err() {
            return false;
        }
        match rest {
            "" => return true,
            rest => match rest.strip_prefix(':') {
                Some(port) => ("x", Some(port)),
                None => return false,
            },
        }
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'));
    let port_ok = port.is_none_or(|port| {
        (1..=5).contains(&port.len())
            && port.bytes().all(|byte| byte.is_ascii_digit())
            && port.parse::<u16>().is_ok()
    });
    host_ok && port_ok
}

/// The same host (case and a trailing dot aside) and the same port, a missing one being the
/// scheme's default.
fn same_origin(host: &str, authority: &Authority, scheme: Option<&Scheme>) -> bool {
    let default_port = if scheme == Some(&Scheme::HTTPS) {
        443
    } else {
        80
    };
    let port_of = |text: &str| -> u16 {
        let after_literal = text.rfind(']').map_or(0, |end| end + 1);
        text[after_literal..]
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .unwrap_or(default_port)
    };
    canonical_host(host) == canonical_host(authority.as_str())
        && port_of(host) == port_of(authority.as_str())
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
