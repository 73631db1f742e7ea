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
use super::path_text::Replacement;
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
    /// The raw query string (matchers decode what they look at).
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
    /// A header with exactly this value (any of its values); `None`: present, any value.
    Header {
        name: HeaderName,
        value: Option<String>,
    },
    /// A header with a value the regex finds a match in, anywhere (unanchored, as Go's
    /// `MatchString`: write `^...$` to match the whole value).
    HeaderPattern {
        name: HeaderName,
        regex: Regex,
    },
    /// The first value of a query parameter, decoded, matches `value`; `None`: present, any
    /// value.
    Query {
        key: String,
        value: Option<Pattern>,
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

/// A rewrite of the forwarded path, applied in list order after the route matched. Text in
/// a modifier is path text as forwarded (already percent-encoded where needed).
#[derive(Clone, Debug)]
pub enum Modifier {
    /// The first of these literal prefixes the path starts with is removed, and one `/` of
    /// what follows: the rest gets exactly one leading `/` added back if it lacks one
    /// (`/foo` on `/foo//bar` leaves `//bar`). The dialect decides the order.
    StripPrefix(Vec<String>),
    /// The first of these patterns that matches at the start of the path: the text it matched
    /// is removed and the rest kept as it is, even without a leading `/` (modifiers after it
    /// see what Traefik's do; the forwarded path gets its `/` back at the end).
    StripMatchedPrefix(Vec<Pattern>),
    AddPrefix(String),
    ReplacePath(String),
    /// Every match of the regex replaced (Go's `ReplaceAllString`).
    ReplacePathRegex {
        regex: Regex,
        replacement: Replacement,
    },
}

impl PartialEq for Modifier {
    fn eq(&self, other: &Self) -> bool {
        use Modifier::*;
        match (self, other) {
            (StripPrefix(a), StripPrefix(b)) => a == b,
            (StripMatchedPrefix(a), StripMatchedPrefix(b)) => a == b,
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
    /// The path before each replace modifier that applied, in order: one `X-Replaced-Path`
    /// value each, as Traefik adds one per replacement.
    pub replaced_paths: Vec<String>,
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
            replaced_paths: Vec::new(),
        };
        for modifier in &self.modifiers {
            modifier.apply(&mut rewrite);
        }
        if !rewrite.path.starts_with('/') && matches!(rewrite.path, Cow::Owned(_)) {
            rewrite.path = Cow::Owned(format!("/{}", rewrite.path));
        }
        rewrite
    }
}

impl Modifier {
    fn apply(&self, rewrite: &mut Rewrite<'_>) {
        match self {
            Modifier::StripPrefix(prefixes) => {
                let Some(prefix) = prefixes
                    .iter()
                    .find(|prefix| rewrite.path.starts_with(prefix.as_str()))
                else {
                    return;
                };
                let rest = &rewrite.path[prefix.len()..];
                let rest = rest.strip_prefix('/').unwrap_or(rest);
                rewrite.path = Cow::Owned(format!("/{rest}"));
                rewrite.stripped_prefix = Some(prefix.clone());
            }
            Modifier::StripMatchedPrefix(patterns) => {
                let Some(length) = patterns
                    .iter()
                    .find_map(|pattern| pattern.match_prefix(&rewrite.path))
                else {
                    return;
                };
                let (prefix, rest) = rewrite.path.split_at(length);
                rewrite.stripped_prefix = Some(prefix.to_owned());
                rewrite.path = Cow::Owned(rest.to_owned());
            }
            Modifier::AddPrefix(prefix) => {
                rewrite.path = Cow::Owned(format!("{prefix}{}", rewrite.path));
            }
            Modifier::ReplacePath(replacement) => {
                rewrite.replaced_paths.push(rewrite.path.to_string());
                rewrite.path = Cow::Owned(replacement.clone());
            }
            Modifier::ReplacePathRegex { regex, replacement } => {
                if let Some(replaced) = replacement.replace_all(regex, &rewrite.path) {
                    rewrite.replaced_paths.push(rewrite.path.to_string());
                    rewrite.path = Cow::Owned(replaced);
                }
            }
        }
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

    /// The host names of its `Host` matchers, in rule order, without repeats: what a
    /// certificate is ordered for when a route has no `tls.domains` (Traefik's
    /// `ParseDomains`, which reads every `Host` under `&&` and `||`). A negated `Host` is
    /// left out (Traefik keeps it; a certificate for a host the route refuses helps no one);
    /// `*.example.com` stays in, for the resolver to refuse (wildcards need DNS-01).
    pub fn literal_hosts(&self) -> Vec<&str> {
        let mut hosts = Vec::new();
        self.collect_hosts(&mut hosts);
        hosts
    }

    fn collect_hosts<'a>(&'a self, hosts: &mut Vec<&'a str>) {
        let host = match self {
            Expr::All(children) | Expr::Any(children) => {
                for child in children {
                    child.collect_hosts(hosts);
                }
                return;
            }
            Expr::Not(_) => return,
            Expr::Test(Matcher::Host(host)) => host.as_str(),
            Expr::Test(Matcher::HostPattern(pattern)) if pattern.is_literal() => pattern.source(),
            Expr::Test(Matcher::HostWildcard(pattern)) if pattern != "*" => pattern.as_str(),
            Expr::Test(_) => return,
        };
        if !host.is_empty() && !hosts.contains(&host) {
            hosts.push(host);
        }
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
            Matcher::Header { name, value } => {
                let mut values = request.headers.get_all(name).iter();
                match value {
                    None => values.next().is_some(),
                    Some(value) => values.any(|candidate| candidate.as_bytes() == value.as_bytes()),
                }
            }
            Matcher::HeaderPattern { name, regex } => {
                request.headers.get_all(name).iter().any(|candidate| {
                    candidate
                        .to_str()
                        .is_ok_and(|candidate| regex.is_match(candidate))
                })
            }
            Matcher::Query { key, value } => query::first_value(request.query, key)
                .is_some_and(|found| value.as_ref().is_none_or(|pattern| pattern.matches(&found))),
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

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;
