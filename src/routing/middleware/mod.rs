//! Middlewares as routes carry them: each one's validated configuration and, for those that
//! need nothing but the request in hand, its logic. Pure and synchronous like the rest of
//! routing: time comes in through [`RequestContext::now`].
//!
//! A middleware is one file here: its configuration type, `from_options` (its labels, read the
//! way Traefik reads them), and either a [`RequestStep`] (it rewrites the request or answers it
//! itself) or nothing more, when the proxy runs it because it must call out or touch bodies
//! (`crate::proxy::middleware`). Adding one is a new file, a variant of [`Middleware`] and an
//! arm in [`Middleware::parse`].

pub mod add_prefix;
pub mod basic_auth;
pub mod cors;
pub mod entry_point_redirect;
pub mod go_regex;
pub mod headers;
pub mod htpasswd;
pub mod ip_allow_list;
pub mod ip_strategy;
pub mod rate_limit;
pub mod redirect_regex;
pub mod redirect_scheme;
pub mod replace_path;
pub mod replace_path_regex;
pub mod strip_prefix;
pub mod strip_prefix_regex;
pub mod token_bucket;
pub mod uri;

// Run by the proxy: they call out, wait or work on bodies.
pub mod buffering;
pub mod code_ranges;
pub mod compress;
pub mod errors;
pub mod forward_auth;
pub mod in_flight_req;
pub mod retry;
pub mod retry_expression;

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;
use http::{Response, StatusCode};

use super::options::{OptionError, Options};

pub use add_prefix::AddPrefix;
pub use basic_auth::BasicAuth;
pub use entry_point_redirect::EntryPointRedirect;
pub use headers::Headers;
pub use ip_allow_list::IpAllowList;
pub use rate_limit::RateLimit;
pub use redirect_regex::RedirectRegex;
pub use redirect_scheme::RedirectScheme;
pub use replace_path::ReplacePath;
pub use replace_path_regex::ReplacePathRegex;
pub use strip_prefix::StripPrefix;
pub use strip_prefix_regex::StripPrefixRegex;

pub use buffering::Buffering;
pub use compress::Compress;
pub use errors::Errors;
pub use forward_auth::ForwardAuth;
pub use in_flight_req::InFlightReq;
pub use retry::Retry;

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
    AddPrefix(AddPrefix),
    BasicAuth(BasicAuth),
    /// Made from v1's `frontend.redirect.entryPoint` alone (no v2/v3 middleware type).
    EntryPointRedirect(EntryPointRedirect),
    /// Boxed: by far the largest configuration.
    Headers(Box<Headers>),
    /// `ipAllowList`, or its deprecated v2 name `ipWhiteList` (which has no `rejectStatusCode`).
    IpAllowList(IpAllowList),
    RateLimit(RateLimit),
    RedirectRegex(RedirectRegex),
    RedirectScheme(RedirectScheme),
    ReplacePath(ReplacePath),
    ReplacePathRegex(ReplacePathRegex),
    StripPrefix(StripPrefix),
    StripPrefixRegex(StripPrefixRegex),

    // Run by the proxy (`crate::proxy::middleware`).
    Buffering(Buffering),
    Compress(Compress),
    Errors(Errors),
    ForwardAuth(Box<ForwardAuth>),
    InFlightReq(InFlightReq),
    Retry(Retry),
}

impl Middleware {
    /// Reads a middleware of type `kind` (Traefik's name, any case) from its options.
    pub fn parse(kind: &str, options: &Options<'_>) -> Result<Middleware, OptionError> {
        let middleware = match kind.to_ascii_lowercase().as_str() {
            "addprefix" => Middleware::AddPrefix(AddPrefix::from_options(options)?),
            "basicauth" => Middleware::BasicAuth(BasicAuth::from_options(options)?),
            "headers" => Middleware::Headers(Box::new(Headers::from_options(options)?)),
            "ipallowlist" => Middleware::IpAllowList(IpAllowList::from_options(options)?),
            "ipwhitelist" => Middleware::IpAllowList(IpAllowList::from_white_list(options)?),
            "ratelimit" => Middleware::RateLimit(RateLimit::from_options(options)?),
            "redirectregex" => Middleware::RedirectRegex(RedirectRegex::from_options(options)?),
            "redirectscheme" => Middleware::RedirectScheme(RedirectScheme::from_options(options)?),
            "replacepath" => Middleware::ReplacePath(ReplacePath::from_options(options)?),
            "replacepathregex" => {
                Middleware::ReplacePathRegex(ReplacePathRegex::from_options(options)?)
            }
            "stripprefix" => Middleware::StripPrefix(StripPrefix::from_options(options)?),
            "stripprefixregex" => {
                Middleware::StripPrefixRegex(StripPrefixRegex::from_options(options)?)
            }

            "buffering" => Middleware::Buffering(Buffering::from_options(options)?),
            "compress" => Middleware::Compress(Compress::from_options(options)?),
            "errors" => Middleware::Errors(Errors::from_options(options)?),
            "forwardauth" => Middleware::ForwardAuth(Box::new(ForwardAuth::from_options(options)?)),
            "inflightreq" => Middleware::InFlightReq(InFlightReq::from_options(options)?),
            "retry" => Middleware::Retry(Retry::from_options(options)?),
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
            Middleware::AddPrefix(_) => "addPrefix",
            Middleware::BasicAuth(_) => "basicAuth",
            Middleware::EntryPointRedirect(_) => "entryPointRedirect",
            Middleware::Headers(_) => "headers",
            Middleware::IpAllowList(config) if config.white_list => "ipWhiteList",
            Middleware::IpAllowList(_) => "ipAllowList",
            Middleware::RateLimit(_) => "rateLimit",
            Middleware::RedirectRegex(_) => "redirectRegex",
            Middleware::RedirectScheme(_) => "redirectScheme",
            Middleware::ReplacePath(_) => "replacePath",
            Middleware::ReplacePathRegex(_) => "replacePathRegex",
            Middleware::StripPrefix(_) => "stripPrefix",
            Middleware::StripPrefixRegex(_) => "stripPrefixRegex",

            Middleware::Buffering(_) => "buffering",
            Middleware::Compress(_) => "compress",
            Middleware::Errors(_) => "errors",
            Middleware::ForwardAuth(_) => "forwardAuth",
            Middleware::InFlightReq(_) => "inFlightReq",
            Middleware::Retry(_) => "retry",
        }
    }

    /// How the proxy runs it: its request step, or the configuration of a middleware the
    /// proxy runs itself (the proxy matches on this, so none can be left out).
    pub fn runner(&self) -> Runner<'_> {
        match self {
            Middleware::AddPrefix(step) => Runner::Step(step),
            Middleware::BasicAuth(config) => Runner::BasicAuth(config),
            Middleware::EntryPointRedirect(step) => Runner::Step(step),
            Middleware::Headers(step) => Runner::Step(step.as_ref()),
            Middleware::IpAllowList(step) => Runner::Step(step),
            Middleware::RateLimit(config) => Runner::RateLimit(config),
            Middleware::RedirectRegex(step) => Runner::Step(step),
            Middleware::RedirectScheme(step) => Runner::Step(step),
            Middleware::ReplacePath(step) => Runner::Step(step),
            Middleware::ReplacePathRegex(step) => Runner::Step(step),
            Middleware::StripPrefix(step) => Runner::Step(step),
            Middleware::StripPrefixRegex(step) => Runner::Step(step),

            Middleware::Buffering(config) => Runner::Buffering(config),
            Middleware::Compress(config) => Runner::Compress(config),
            Middleware::Errors(config) => Runner::Errors(config),
            Middleware::ForwardAuth(config) => Runner::ForwardAuth(config),
            Middleware::InFlightReq(config) => Runner::InFlightReq(config),
            Middleware::Retry(config) => Runner::Retry(config),
        }
    }

    /// The services (balancer names) it sends requests to besides the route's own: the
    /// compile step checks that each exists in the table, which resolves them for the proxy
    /// ([`crate::routing::Route::service`]).
    pub fn services(&self) -> Vec<&str> {
        match self {
            Middleware::Errors(errors) => vec![errors.service.as_str()],
            _ => Vec::new(),
        }
    }

    /// Qualifies the services it names with the provider of the middleware (`swarm`,
    /// `file`), as Traefik does for a name without `@`.
    pub fn qualify_services(&mut self, provider: &str) {
        if let Middleware::Errors(errors) = self {
            errors.qualify(provider);
        }
    }
}

/// How a middleware is run.
pub enum Runner<'a> {
    /// Needs only the request: rewrites it, or answers it.
    Step(&'a dyn RequestStep),
    /// Checking a bcrypt hash takes tens of milliseconds, too long for a worker thread, and
    /// a `usersFile` must be read: the proxy does both, with this configuration's pure checks.
    BasicAuth(&'a BasicAuth),
    /// Traefik holds back a request that is a little early rather than refuse it; only the
    /// proxy can wait, so it runs [`RateLimit::admit`] and sleeps when told to.
    RateLimit(&'a RateLimit),

    // Run by the proxy: they call out, wait or work on bodies.
    /// Reads bodies whole, and sends the request again while its expression holds.
    Buffering(&'a Buffering),
    /// Compresses the response body as it streams.
    Compress(&'a Compress),
    /// Replaces a caught response with a page from another service.
    Errors(&'a Errors),
    /// Asks an authentication server first.
    ForwardAuth(&'a ForwardAuth),
    /// Holds a place until the response body is done, which only the proxy sees.
    InFlightReq(&'a InFlightReq),
    /// Sets the forward step's attempts, backoff and retried statuses for the request.
    Retry(&'a Retry),
}

/// What a request-only middleware sees besides the request.
#[derive(Clone, Copy, Debug)]
pub struct RequestContext {
    /// The address of the client's TCP connection.
    pub client_ip: IpAddr,
    /// The client is one of `--trusted-proxies`: the `X-Forwarded-For` it sent is believed
    /// (otherwise Traefik would have deleted it, and so the middlewares ignore it).
    pub trusted_proxy: bool,
    /// The client connected with TLS.
    pub tls: bool,
    pub now: Instant,
    /// The position of the entry point the request came in on.
    pub entry_point: usize,
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
    AddToken(HeaderName, HeaderValue),
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

    /// Adds `token` to a list header as Traefik adds `Origin` to `Vary`: nothing when the
    /// (first) value is exactly `token`, else `value,token` in place of all values.
    pub fn add_token(&mut self, name: HeaderName, token: HeaderValue) {
        self.edits.push(HeaderEdit::AddToken(name, token));
    }

    /// Adds `other`'s edits after these.
    pub fn extend(&mut self, other: ResponseEdits) {
        self.edits.extend(other.edits);
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
                HeaderEdit::AddToken(name, token) => {
                    let current = headers
                        .get(name)
                        .map(HeaderValue::as_bytes)
                        .unwrap_or_default();
                    if current == token.as_bytes() {
                        continue;
                    }
                    let joined = match current {
                        [] => token.clone(),
                        _ => HeaderValue::from_bytes(&[current, b",", token.as_bytes()].concat())
                            .unwrap_or_else(|_| token.clone()),
                    };
                    headers.insert(name.clone(), joined);
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
pub(crate) mod test_support;

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
    fn tokens_join_a_list_header_as_traefik_adds_vary_origin() {
        // pkg/middlewares/headers/header_test.go: none -> Origin, Testing -> Testing,Origin,
        // Origin -> Origin
        for (backend, expected) in [
            (None, "Origin"),
            (Some("Testing"), "Testing,Origin"),
            (Some("Origin"), "Origin"),
        ] {
            let mut headers = HeaderMap::new();
            if let Some(value) = backend {
                headers.insert("vary", HeaderValue::from_static(value));
            }
            let mut edits = ResponseEdits::default();
            edits.add_token(http::header::VARY, HeaderValue::from_static("Origin"));
            edits.apply(&mut headers);
            let values: Vec<_> = headers.get_all("vary").iter().collect();
            assert_eq!(values, [expected], "{backend:?}");
        }
    }

    #[test]
    fn an_unknown_type_names_the_middleware() {
        let options = Options::new("traefik.http.middlewares.m.nosuch");
        let err = Middleware::parse("noSuch", &options).expect_err("unknown");
        assert!(err.reason.contains("noSuch"), "{err}");
    }
}
