//! The dialect-neutral rule model: a tree of matchers (all / any / not) that decides whether a
//! request belongs to a route, and an ordered list of modifiers that rewrite its path.
//!
//! Label dialects (Traefik v1, v2 and v3) parse into this model; nothing here knows about
//! labels.

use std::borrow::Cow;
use std::net::IpAddr;

use http::{HeaderMap, HeaderName, Method};
use ipnet::IpNet;
use regex::Regex;

use super::host;
use super::pattern::Pattern;
use super::query;

/// The parts of a request that rules look at, borrowed from the request once.
#[derive(Debug)]
pub struct RequestView<'a> {
    pub method: &'a Method,
    /// Lowercase, without port.
    pub host: &'a str,
    /// The path as received (percent-encoding kept).
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The connection's peer: what Traefik's `ClientIP` reads (never `X-Forwarded-For`).
    pub client_ip: IpAddr,
}

/// A boolean expression over matchers.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Every child matches (an empty list matches everything).
    All(Vec<Expr>),
    /// At least one child matches.
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Test(Matcher),
}

/// One test on the request.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// Exact host, lowercase, port ignored.
    Host(String),
    /// Host template such as `{sub:[a-z]+}.example.com`.
    HostPattern(Pattern),
    /// The whole path.
    Path(Pattern),
    /// The start of the path, as a plain string prefix (`/ping` matches `/pingpong`).
    PathPrefix(Pattern),
    Method(Method),
    /// A header with exactly this value (any of its values).
    Header {
        name: HeaderName,
        value: String,
    },
    /// A header with a value the regex finds a match in; the dialect anchors it if it must.
    HeaderPattern {
        name: HeaderName,
        regex: Regex,
    },
    /// A query parameter, with a given value when `value` is set.
    Query {
        key: String,
        value: Option<String>,
    },
    /// `*` (any host, even none) or `*.example.com` (exactly one label in place of the `*`),
    /// lowercase; see [`host::wildcard_matches`].
    HostWildcard(String),
    /// A regex found anywhere in the host (brackets of an IPv6 address removed).
    HostRegexp(Regex),
    /// A regex found anywhere in the path.
    PathRegexp(Regex),
    /// The connection's peer address is in this network (IPv4-mapped addresses count as IPv4).
    ClientIp(IpNet),
    /// Some value of the query parameter `key`, percent-decoded, equals `value`; an empty
    /// `value` matches `?key` and `?key=`.
    QueryValue {
        key: String,
        value: String,
    },
    /// Some decoded value of `key` contains a match of the regex.
    QueryRegexp {
        key: String,
        regex: Regex,
    },
    /// `key=` and the first decoded value of `key` match the template as a whole; an absent
    /// key is tested as the empty string (gorilla/mux, Traefik v2).
    QueryFirstValue {
        key: String,
        pattern: Pattern,
    },
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        use Matcher::*;
        match (self, other) {
            (Host(a), Host(b)) => a == b,
            (HostPattern(a), HostPattern(b)) | (Path(a), Path(b)) => a == b,
            (PathPrefix(a), PathPrefix(b)) => a == b,
            (Method(a), Method(b)) => a == b,
            (
                Header {
                    name: n1,
                    value: v1,
                },
                Header {
                    name: n2,
                    value: v2,
                },
            ) => n1 == n2 && v1 == v2,
            (
                HeaderPattern {
                    name: n1,
                    regex: r1,
                },
                HeaderPattern {
                    name: n2,
                    regex: r2,
                },
            ) => n1 == n2 && r1.as_str() == r2.as_str(),
            (Query { key: k1, value: v1 }, Query { key: k2, value: v2 }) => k1 == k2 && v1 == v2,
            (HostWildcard(a), HostWildcard(b)) => a == b,
            (HostRegexp(a), HostRegexp(b)) | (PathRegexp(a), PathRegexp(b)) => {
                a.as_str() == b.as_str()
            }
            (ClientIp(a), ClientIp(b)) => a == b,
            (QueryValue { key: k1, value: v1 }, QueryValue { key: k2, value: v2 }) => {
                k1 == k2 && v1 == v2
            }
            (QueryRegexp { key: k1, regex: r1 }, QueryRegexp { key: k2, regex: r2 }) => {
                k1 == k2 && r1.as_str() == r2.as_str()
            }
            (
                QueryFirstValue {
                    key: k1,
                    pattern: p1,
                },
                QueryFirstValue {
                    key: k2,
                    pattern: p2,
                },
            ) => k1 == k2 && p1 == p2,
            _ => false,
        }
    }
}

/// A rewrite of the forwarded path, applied in list order after the route matched.
#[derive(Clone, Debug)]
pub enum Modifier {
    /// Removes the whole path when it equals one of these (the backend sees `/`).
    StripPath(Vec<Pattern>),
    /// Removes the longest of these prefixes that the path starts with.
    StripPrefix(Vec<Pattern>),
    AddPrefix(String),
    ReplacePath(String),
    ReplacePathRegex {
        regex: Regex,
        replacement: String,
    },
}

impl PartialEq for Modifier {
    fn eq(&self, other: &Self) -> bool {
        use Modifier::*;
        match (self, other) {
            (StripPath(a), StripPath(b)) | (StripPrefix(a), StripPrefix(b)) => a == b,
            (AddPrefix(a), AddPrefix(b)) | (ReplacePath(a), ReplacePath(b)) => a == b,
            (
                ReplacePathRegex {
                    regex: r1,
                    replacement: p1,
                },
                ReplacePathRegex {
                    regex: r2,
                    replacement: p2,
                },
            ) => r1.as_str() == r2.as_str() && p1 == p2,
            _ => false,
        }
    }
}

/// A parsed rule: when it matches, and how it rewrites.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub expr: Expr,
    pub modifiers: Vec<Modifier>,
}

/// The path to forward, and what the rewrite did (for `X-Forwarded-Prefix`, `X-Replaced-Path`).
#[derive(Debug, PartialEq, Eq)]
pub struct Rewrite<'a> {
    pub path: Cow<'a, str>,
    /// The prefix a strip modifier removed.
    pub stripped_prefix: Option<String>,
    /// The path before the first replace modifier, when one applied.
    pub replaced_path: Option<String>,
}

impl Rule {
    pub fn matches(&self, request: &RequestView<'_>) -> bool {
        self.expr.matches(request)
    }

    /// Applies the modifiers to `path`. Borrowed when nothing changes, which is the common case.
    pub fn rewrite<'a>(&self, path: &'a str) -> Rewrite<'a> {
        let mut rewrite = Rewrite {
            path: Cow::Borrowed(path),
            stripped_prefix: None,
            replaced_path: None,
        };
        for modifier in &self.modifiers {
            modifier.apply(&mut rewrite);
        }
        rewrite
    }
}

impl Modifier {
    fn apply(&self, rewrite: &mut Rewrite<'_>) {
        match self {
            Modifier::StripPath(paths) => {
                if paths.iter().any(|pattern| pattern.matches(&rewrite.path)) {
                    rewrite.stripped_prefix = Some(rewrite.path.to_string());
                    rewrite.path = Cow::Borrowed("/");
                }
            }
            Modifier::StripPrefix(prefixes) => {
                let longest = prefixes
                    .iter()
                    .filter_map(|prefix| prefix.match_prefix(&rewrite.path))
                    .max();
                if let Some(length) = longest {
                    let (prefix, rest) = rewrite.path.split_at(length);
                    let rest = rest.trim_start_matches('/');
                    rewrite.stripped_prefix = Some(prefix.to_owned());
                    rewrite.path = Cow::Owned(format!("/{rest}"));
                }
            }
            Modifier::AddPrefix(prefix) => {
                rewrite.path = Cow::Owned(format!("{prefix}{}", rewrite.path));
            }
            Modifier::ReplacePath(replacement) => {
                record_original(rewrite);
                rewrite.path = Cow::Owned(replacement.clone());
            }
            Modifier::ReplacePathRegex { regex, replacement } => {
                if regex.is_match(&rewrite.path) {
                    let replaced = regex
                        .replace(&rewrite.path, replacement.as_str())
                        .into_owned();
                    record_original(rewrite);
                    rewrite.path = Cow::Owned(replaced);
                }
            }
        }
    }
}

/// `X-Replaced-Path` carries the path as it was before the first replacement.
fn record_original(rewrite: &mut Rewrite<'_>) {
    if rewrite.replaced_path.is_none() {
        rewrite.replaced_path = Some(rewrite.path.to_string());
    }
}

impl Expr {
    pub fn matches(&self, request: &RequestView<'_>) -> bool {
        match self {
            Expr::All(children) => children.iter().all(|child| child.matches(request)),
            Expr::Any(children) => children.iter().any(|child| child.matches(request)),
            Expr::Not(child) => !child.matches(request),
            Expr::Test(matcher) => matcher.matches(request),
        }
    }

    /// Hosts one of which every matching request must have, if the rule pins them down.
    /// The route index files the route under each of them.
    pub fn required_hosts(&self) -> Option<Vec<&str>> {
        self.required(&|matcher| match matcher {
            Matcher::Host(host) => Some(vec![host.as_str()]),
            Matcher::HostPattern(pattern) if pattern.is_literal() => Some(vec![pattern.source()]),
            _ => None,
        })
    }

    /// Literal path prefixes one of which every matching request's path starts with.
    pub fn required_path_prefixes(&self) -> Option<Vec<&str>> {
        self.required(&|matcher| match matcher {
            Matcher::Path(pattern) | Matcher::PathPrefix(pattern) => {
                Some(vec![pattern.literal_prefix()])
            }
            _ => None,
        })
    }

    /// A set of keys such that every request this expression accepts has one of them.
    fn required<'a>(
        &'a self,
        keys_of: &dyn Fn(&'a Matcher) -> Option<Vec<&'a str>>,
    ) -> Option<Vec<&'a str>> {
        match self {
            Expr::Test(matcher) => keys_of(matcher),
            Expr::Not(_) => None,
            Expr::Any(children) => {
                let mut keys = Vec::new();
                for child in children {
                    keys.extend(child.required(keys_of)?);
                }
                (!children.is_empty()).then_some(keys)
            }
            // Any one conjunct's keys are necessary; the narrowest set filters best.
            Expr::All(children) => children
                .iter()
                .filter_map(|child| child.required(keys_of))
                .min_by_key(|keys| keys.len()),
        }
    }
}

impl Matcher {
    fn matches(&self, request: &RequestView<'_>) -> bool {
        match self {
            Matcher::Host(host) => request.host == host,
            Matcher::HostPattern(pattern) => pattern.matches(request.host),
            Matcher::Path(pattern) => pattern.matches(request.path),
            Matcher::PathPrefix(pattern) => pattern.match_prefix(request.path).is_some(),
            Matcher::Method(method) => request.method == method,
            Matcher::Header { name, value } => request
                .headers
                .get_all(name)
                .iter()
                .any(|candidate| candidate.as_bytes() == value.as_bytes()),
            Matcher::HeaderPattern { name, regex } => {
                request.headers.get_all(name).iter().any(|candidate| {
                    candidate
                        .to_str()
                        .is_ok_and(|candidate| regex.is_match(candidate))
                })
            }
            Matcher::Query { key, value } => query_has(request.query, key, value.as_deref()),
            Matcher::HostWildcard(pattern) => host::wildcard_matches(pattern, request.host),
            Matcher::HostRegexp(regex) => regex.is_match(host::unbracketed(request.host)),
            Matcher::PathRegexp(regex) => regex.is_match(request.path),
            Matcher::ClientIp(network) => network.contains(&request.client_ip.to_canonical()),
            Matcher::QueryValue { key, value } => {
                query::values(request.query, key).any(|found| *found == *value.as_bytes())
            }
            Matcher::QueryRegexp { key, regex } => query::values(request.query, key)
                .any(|found| regex.is_match(&String::from_utf8_lossy(&found))),
            Matcher::QueryFirstValue { key, pattern } => {
                pattern.matches(&query::first_pair(request.query, key))
            }
        }
    }
}

/// Whether the raw query string has `key` (with `value`, when given). Pairs compare as sent.
fn query_has(query: Option<&str>, key: &str, value: Option<&str>) -> bool {
    query.is_some_and(|query| {
        query.split('&').any(|pair| {
            let (pair_key, pair_value) = pair.split_once('=').unwrap_or((pair, ""));
            pair_key == key && value.is_none_or(|wanted| pair_value == wanted)
        })
    })
}

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;
