//! Middlewares as routes carry them: each one's validated configuration and, for those that
//! need nothing but the request in hand, its logic. Pure and synchronous like the rest of
//! routing: time comes in through [`RequestContext::now`].
//!
//! A middleware is one file here: its configuration type, `from_options` (its labels, read the
//! way Traefik reads them), and either a [`RequestStep`] (it rewrites the request or answers it
//! itself) or nothing more, when the proxy runs it because it must call out or touch bodies
//! (`crate::proxy::middleware`). Adding one is a new file, a variant of [`Middleware`] and an
//! arm in [`Middleware::parse`].

pub mod strip_prefix;

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;
use http::{Response, StatusCode};

use super::options::{OptionError, Options};

pub use strip_prefix::StripPrefix;

/// A middleware with its (provider-qualified) name, as a router references it.
#[derive(Clone, Debug, PartialEq)]
pub struct MiddlewareDef {
    /// `name@swarm`, `name@file`, ...
    pub name: String,
    pub middleware: Middleware,
}

/// Every middleware hawser implements, with its configuration.
#[derive(Clone, Debug, PartialEq)]
pub enum Middleware {
    StripPrefix(StripPrefix),
}

impl Middleware {
    /// Reads a middleware of type `kind` (Traefik's name, any case) from its options.
    pub fn parse(kind: &str, options: &Options<'_>) -> Result<Middleware, OptionError> {
        let middleware = match kind.to_ascii_lowercase().as_str() {
            "stripprefix" => Middleware::StripPrefix(StripPrefix::from_options(options)?),
            _ => {
                return Err(OptionError {
                    label: options.label_of(""),
                    reason: format!("{kind:?} is not a middleware hawser knows"),
                });
            }
        };
        options.finish()?;
        Ok(middleware)
    }

    /// Traefik's name for the type, for operators.
    pub fn kind(&self) -> &'static str {
        match self {
            Middleware::StripPrefix(_) => "stripPrefix",
        }
    }

    /// How the proxy runs it: its request step, or the configuration of a middleware the
    /// proxy runs itself (the proxy matches on this, so none can be left out).
    pub fn runner(&self) -> Runner<'_> {
        match self {
            Middleware::StripPrefix(step) => Runner::Step(step),
        }
    }
}

/// How a middleware is run.
pub enum Runner<'a> {
    /// Needs only the request: rewrites it, or answers it.
    Step(&'a dyn RequestStep),
}

/// What a request-only middleware sees besides the request.
#[derive(Clone, Copy, Debug)]
pub struct RequestContext {
    /// The address of the client's TCP connection.
    pub client_ip: IpAddr,
    /// The client connected with TLS.
    pub tls: bool,
    pub now: Instant,
}

/// A middleware that works on the request alone: it rewrites it and lets it go on, or answers
/// it. Response headers it wants are left in `edits`, applied to whatever answer comes back.
pub trait RequestStep {
    fn on_request(
        &self,
        request: &mut Parts,
        context: &RequestContext,
        edits: &mut ResponseEdits,
    ) -> Verdict;
}

/// A middleware's decision about a request.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Continue,
    /// Answer the client now; the request goes no further.
    Respond(Answer),
}

/// A short answer a middleware gives itself (a redirect, a 401, a 403, a preflight...).
#[derive(Debug, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// `text/plain` with the status's reason as the body, as Traefik answers.
    pub fn status(status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("");
        Answer::text(status, format!("{reason}\n"))
    }

    pub fn text(status: StatusCode, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        Answer {
            status,
            headers,
            body: body.into(),
        }
    }

    /// The answer as a response with the body type `B` makes from bytes.
    pub fn into_response<B: From<Bytes>>(self) -> Response<B> {
        let mut response = Response::new(B::from(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// Header changes a middleware asks for on the response, in order.
#[derive(Debug, Default, PartialEq)]
pub struct ResponseEdits {
    edits: Vec<HeaderEdit>,
}

#[derive(Debug, PartialEq)]
enum HeaderEdit {
    Set(HeaderName, HeaderValue),
    Append(HeaderName, HeaderValue),
    Remove(HeaderName),
}

impl ResponseEdits {
    pub fn set(&mut self, name: HeaderName, value: HeaderValue) {
        self.edits.push(HeaderEdit::Set(name, value));
    }

    pub fn append(&mut self, name: HeaderName, value: HeaderValue) {
        self.edits.push(HeaderEdit::Append(name, value));
    }

    pub fn remove(&mut self, name: HeaderName) {
        self.edits.push(HeaderEdit::Remove(name));
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    pub fn apply(&self, headers: &mut HeaderMap) {
        for edit in &self.edits {
            match edit {
                HeaderEdit::Set(name, value) => {
                    headers.insert(name.clone(), value.clone());
                }
                HeaderEdit::Append(name, value) => {
                    headers.append(name.clone(), value.clone());
                }
                HeaderEdit::Remove(name) => {
                    headers.remove(name);
                }
            }
        }
    }
}

/// Replaces the path of a request, keeping its query.
pub fn set_path(request: &mut Parts, path: &str) -> Result<(), http::Error> {
    let path_and_query = match request.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = request.uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse()?);
    request.uri = http::Uri::from_parts(parts)?;
    Ok(())
}

/// Whether a path has no `.` or `..` segment and no empty one (`//`): what Traefik checks after
/// a rewrite, answering 400 otherwise, so that a rewrite never climbs out of where it routed.
pub fn is_clean_path(path: &str) -> bool {
    super::path::is_clean(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_paths_have_no_dot_or_empty_segments() {
        for clean in ["/", "", "/a", "/a/", "/a/b.c/..d", "/..."] {
            assert!(is_clean_path(clean), "{clean}");
        }
        for dirty in [
            "//", "/a//b", "/./a", "/a/..", "/a/../b", "/.", "./a", "/a/./",
        ] {
            assert!(!is_clean_path(dirty), "{dirty}");
        }
    }

    #[test]
    fn edits_apply_in_order() {
        let mut headers = HeaderMap::new();
        headers.insert("x-old", HeaderValue::from_static("1"));
        let mut edits = ResponseEdits::default();
        edits.set(
            HeaderName::from_static("x-a"),
            HeaderValue::from_static("1"),
        );
        edits.append(
            HeaderName::from_static("x-a"),
            HeaderValue::from_static("2"),
        );
        edits.remove(HeaderName::from_static("x-old"));
        edits.apply(&mut headers);
        let values: Vec<_> = headers.get_all("x-a").iter().collect();
        assert_eq!(values, ["1", "2"]);
        assert!(!headers.contains_key("x-old"));
    }

    #[test]
    fn an_unknown_type_names_the_middleware() {
        let options = Options::new("traefik.http.middlewares.m.nosuch");
        let err = Middleware::parse("noSuch", &options).expect_err("unknown");
        assert!(err.reason.contains("noSuch"), "{err}");
    }
}
