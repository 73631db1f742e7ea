//! The dialect-neutral rule model: a tree of matchers (all / any / not) that decides whether a
//! request belongs to a route, and an ordered list of modifiers that rewrite its path.
//!
//! Label dialects (Traefik v1 today) parse into this model; nothing here knows about labels.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName, Method};
use regex::Regex;

use super::pattern::Pattern;

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
    /// A header with a value matching the regex (whole value).
    HeaderPattern {
        name: HeaderName,
        regex: Regex,
    },
    /// A query parameter, with a given value when `value` is set.
    Query {
        key: String,
        value: Option<String>,
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
mod tests {
    use super::*;
    use crate::routing::pattern::PatternKind;

    fn pattern(source: &str) -> Pattern {
        Pattern::parse(source, PatternKind::Path).expect("valid pattern")
    }

    fn rule(modifiers: Vec<Modifier>) -> Rule {
        Rule {
            expr: Expr::All(vec![]),
            modifiers,
        }
    }

    #[test]
    fn strip_prefix_keeps_a_leading_slash() {
        let strip = rule(vec![Modifier::StripPrefix(vec![pattern("/hello/")])]);
        let cases = [
            ("/hello/world", "/world"),
            ("/hello/", "/"),
            ("/hello//x", "/x"),
        ];
        for (input, expected) in cases {
            let rewrite = strip.rewrite(input);
            assert_eq!(rewrite.path, expected, "{input}");
            assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/hello/"));
        }
        let ping = rule(vec![Modifier::StripPrefix(vec![pattern("/ping")])]);
        assert_eq!(ping.rewrite("/ping").path, "/");
        assert_eq!(ping.rewrite("/ping/x").path, "/x");
        assert_eq!(ping.rewrite("/pingpong").path, "/pong");
    }

    #[test]
    fn strip_prefix_removes_the_longest_matching_prefix() {
        let strip = rule(vec![Modifier::StripPrefix(vec![
            pattern("/api"),
            pattern("/api/v2"),
        ])]);
        let rewrite = strip.rewrite("/api/v2/users");
        assert_eq!(rewrite.path, "/users");
        assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/api/v2"));
    }

    #[test]
    fn strip_prefix_with_a_template_strips_what_the_template_matched() {
        let strip = rule(vec![Modifier::StripPrefix(vec![pattern("/t/{tenant}")])]);
        let rewrite = strip.rewrite("/t/acme/orders");
        assert_eq!(rewrite.path, "/orders");
        assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/t/acme"));
    }

    #[test]
    fn strip_path_leaves_the_root() {
        let strip = rule(vec![Modifier::StripPath(vec![pattern("/health")])]);
        let rewrite = strip.rewrite("/health");
        assert_eq!(rewrite.path, "/");
        assert_eq!(rewrite.stripped_prefix.as_deref(), Some("/health"));
        assert_eq!(strip.rewrite("/healthz").path, "/healthz");
    }

    #[test]
    fn modifiers_apply_in_order() {
        let chain = rule(vec![
            Modifier::StripPrefix(vec![pattern("/v1")]),
            Modifier::AddPrefix("/api".into()),
        ]);
        assert_eq!(chain.rewrite("/v1/users").path, "/api/users");
        let replace = rule(vec![Modifier::ReplacePath("/fixed".into())]);
        let rewrite = replace.rewrite("/anything");
        assert_eq!(rewrite.path, "/fixed");
        assert_eq!(rewrite.replaced_path.as_deref(), Some("/anything"));
    }

    #[test]
    fn replace_path_regex_uses_capture_groups_and_skips_non_matches() {
        let replace = rule(vec![Modifier::ReplacePathRegex {
            regex: Regex::new("^/foo/(.*)").expect("regex"),
            replacement: "/bar/$1".into(),
        }]);
        let rewrite = replace.rewrite("/foo/baz");
        assert_eq!(rewrite.path, "/bar/baz");
        assert_eq!(rewrite.replaced_path.as_deref(), Some("/foo/baz"));
        let untouched = replace.rewrite("/other");
        assert_eq!(untouched.path, "/other");
        assert_eq!(untouched.replaced_path, None);
    }

    #[test]
    fn an_unmodified_path_is_borrowed() {
        let plain = rule(vec![]);
        assert!(matches!(plain.rewrite("/x").path, Cow::Borrowed("/x")));
    }

    #[test]
    fn query_matching_compares_raw_pairs() {
        assert!(query_has(Some("a=1&b=2"), "b", Some("2")));
        assert!(query_has(Some("a=1&flag"), "flag", None));
        assert!(query_has(Some("flag"), "flag", Some("")));
        assert!(!query_has(Some("a=1"), "a", Some("2")));
        assert!(!query_has(None, "a", None));
    }

    #[test]
    fn required_keys_follow_the_boolean_structure() {
        let host = |name: &str| Expr::Test(Matcher::Host(name.into()));
        let method = Expr::Test(Matcher::Method(Method::GET));
        let any = Expr::Any(vec![host("a.test"), host("b.test")]);
        assert_eq!(any.required_hosts(), Some(vec!["a.test", "b.test"]));
        let all = Expr::All(vec![method.clone(), host("a.test")]);
        assert_eq!(all.required_hosts(), Some(vec!["a.test"]));
        assert_eq!(
            Expr::Any(vec![host("a.test"), method.clone()]).required_hosts(),
            None
        );
        assert_eq!(Expr::Not(Box::new(host("a.test"))).required_hosts(), None);
        assert_eq!(Expr::All(vec![]).required_hosts(), None);
        let prefix = Expr::Test(Matcher::PathPrefix(pattern("/api/{v}")));
        assert_eq!(prefix.required_path_prefixes(), Some(vec!["/api/"]));
    }
}
