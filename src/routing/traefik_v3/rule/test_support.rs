//! Requests for the rule tables, built the way the proxy builds its [`RequestView`].

use std::net::{IpAddr, SocketAddr};

use http::{HeaderMap, HeaderName, HeaderValue, Method};

use super::parse_rule;
use crate::routing::RuleError;
use crate::routing::host::canonical_host;
use crate::routing::rule::{RequestView, Rule};
use crate::routing::traefik_v3::RuleSyntax;

/// A request: `GET http://example.com/` from 10.0.0.1 unless told otherwise (the harness's
/// defaults in /work/research/v3harness/main.go).
#[derive(Clone, Debug)]
pub(super) struct Request {
    method: Method,
    host: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    client_ip: IpAddr,
}

/// `url` is `http://host/path?query`; the host is canonicalised as the proxy does it.
pub(super) fn get(url: &str) -> Request {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (target, None),
    };
    Request {
        method: Method::GET,
        host: canonical_host(authority).into_owned(),
        path: if path.is_empty() { "/" } else { path }.to_owned(),
        query,
        headers: HeaderMap::new(),
        client_ip: IpAddr::from([10, 0, 0, 1]),
    }
}

/// `GET http://example.com/`.
pub(super) fn root() -> Request {
    get("http://example.com/")
}

impl Request {
    /// The `Host` header, as the client sent it.
    pub(super) fn host(mut self, host: &str) -> Self {
        self.host = canonical_host(host).into_owned();
        self
    }

    pub(super) fn method(mut self, method: &str) -> Self {
        self.method = Method::from_bytes(method.as_bytes()).expect("a method token");
        self
    }

    /// Adds one header line.
    pub(super) fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        let value = HeaderValue::from_str(value).expect("a header value");
        self.headers.append(name, value);
        self
    }

    /// The connection's peer, as `ip` or `ip:port` / `[ipv6]:port`.
    pub(super) fn from(mut self, remote: &str) -> Self {
        self.client_ip = remote
            .parse::<SocketAddr>()
            .map(|socket| socket.ip())
            .or_else(|_| remote.parse::<IpAddr>())
            .expect("an address");
        self
    }

    pub(super) fn matches(&self, rule: &Rule) -> bool {
        rule.matches(&self.view())
    }

    pub(super) fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            host: &self.host,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            client_ip: self.client_ip,
        }
    }
}

pub(super) fn v3(text: &str) -> Rule {
    parse_rule(text, RuleSyntax::V3).unwrap_or_else(|err| panic!("{text:?}: {err}"))
}

pub(super) fn v2(text: &str) -> Rule {
    parse_rule(text, RuleSyntax::V2).unwrap_or_else(|err| panic!("{text:?}: {err}"))
}

/// Each rule against each request, with the expected outcome.
pub(super) fn check(syntax: RuleSyntax, cases: &[(&str, Request, bool)]) {
    for (text, request, expected) in cases {
        let rule = parse_rule(text, syntax).unwrap_or_else(|err| panic!("{text:?}: {err}"));
        assert_eq!(request.matches(&rule), *expected, "{text:?} on {request:?}");
    }
}

/// The error a rule gets.
pub(super) fn error(syntax: RuleSyntax, text: &str) -> RuleError {
    match parse_rule(text, syntax) {
        Ok(rule) => panic!("{text:?} should be rejected, got {rule:?}"),
        Err(err) => err,
    }
}
