//! The v1 grammar and matchers against Traefik 1.7. Each row names where the behaviour comes
//! from: a Traefik test (`rules/rules_test.go TestPathPrefix`), a source file, or `harness`
//! (Traefik's own code run by /work/research/harness, results.jsonl; row IDs from
//! /work/research/traefik-v1.md).

use http::{HeaderMap, HeaderValue, Method};

use super::parse_rule;
use crate::routing::host::canonical_host;
use crate::routing::rule::{RequestView, Rule};

pub(super) struct Request {
    pub method: Method,
    pub host: String,
    pub path: &'static str,
    pub query: Option<&'static str>,
    pub headers: HeaderMap,
}

/// A GET as the proxy sees it: `host` canonicalised, `target` split at `?`.
pub(super) fn get(host: &str, target: &'static str) -> Request {
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    Request {
        method: Method::GET,
        host: canonical_host(host).into_owned(),
        path,
        query,
        headers: HeaderMap::new(),
    }
}

impl Request {
    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.append(name, HeaderValue::from_static(value));
        self
    }

    pub fn matches(&self, rule: &Rule) -> bool {
        rule.matches(&RequestView {
            method: &self.method,
            host: &self.host,
            path: self.path,
            query: self.query,
            headers: &self.headers,
            client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        })
    }
}

pub(super) fn rule(text: &str) -> Rule {
    parse_rule(text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

/// Rows of (rule, request, whether it matches).
pub(super) fn assert_matches(rows: &[(&str, Request, bool)]) {
    for (text, request, expected) in rows {
        assert_eq!(
            request.matches(&rule(text)),
            *expected,
            "{text} on {} {}{}",
            request.host,
            request.path,
            request
                .query
                .map(|query| format!("?{query}"))
                .unwrap_or_default()
        );
    }
}

#[test]
fn parts_and_arguments() {
    assert_matches(&[
        // rules_test.go TestParseOneRule
        ("Host:foo.bar", get("foo.bar", "/"), true),
        // rules_test.go TestParseTwoRules: names and arguments trimmed, paths case-sensitive.
        (
            "Host: Foo.Bar ; Path:/FOObar",
            get("foo.bar", "/foobar"),
            false,
        ),
        (
            "Host: Foo.Bar ; Path:/FOObar",
            get("foo.bar", "/FOObar"),
            true,
        ),
        // harness P8: empty parts are dropped.
        (";;Host:a.test;;", get("a.test", "/"), true),
        // harness P13, rules.go parseRules: a run of ':' is one, end colons go.
        ("Path:/a::b", get("h", "/a:b"), true),
        ("Path:/a:b:", get("h", "/a:b"), true),
        ("Path::/x", get("h", "/x"), true),
        // rules.go: all parts AND.
        ("Host:a.test;PathPrefix:/x", get("b.test", "/x"), false),
        // harness (hawser extension): a rule of modifiers alone matches every request.
        ("AddPrefix:/api", get("any", "/x"), true),
    ]);
}

#[test]
fn host() {
    assert_matches(&[
        // harness H1, H2, H4: case-insensitive, port ignored, arguments OR.
        ("Host:a.test", get("A.TEST:8080", "/"), true),
        ("Host:A.Test", get("a.test", "/"), true),
        ("Host:a.test,b.test", get("b.test", "/"), true),
        ("Host:a.test,b.test", get("c.test", "/"), false),
    ]);
}

#[test]
fn host_regexp() {
    let host =
        |pattern: &str, host: &str| get(host, "/").matches(&rule(&format!("HostRegexp:{pattern}")));
    // rules_test.go TestHostRegexp: every case, every URL.
    let cases: &[(&str, &[(&str, bool)])] = &[
        (
            r"{subdomain:(foo\.)?bar\.com}",
            &[
                ("foo.bar.com", true),
                ("bar.com", true),
                ("fooubar.com", false),
                ("barucom", false),
                ("barcom", false),
            ],
        ),
        (
            r"{subdomain:(?:foo\.)?bar\.com}",
            &[
                ("foo.bar.com", true),
                ("bar.com", true),
                ("fooubar.com", false),
            ],
        ),
        (
            r"{dummy:[A-Za-z-]+\.bar\.com}",
            &[
                ("FOO.bar.com", true),
                ("foo.bar.com", true),
                ("barcom", false),
            ],
        ),
        (
            r"{dummy:[a-z-]+\.bar\.com}",
            &[
                ("FOO.bar.com", true),
                ("foo.bar.com", true),
                ("fooubar.com", false),
            ],
        ),
        (
            "foo.bar.com",
            &[
                ("FOO.bar.com", true),
                ("foo.bar.com", true),
                ("fooubar.com", false),
            ],
        ),
        // harness HR4, HR5, HR6: one label by default.
        (
            "{sub:[a-z]+}.a.test",
            &[("SUB.A.TEST:8080", true), ("x.y.a.test", false)],
        ),
        ("{sub}.a.test", &[("x.a.test", true), ("x.y.a.test", false)]),
        ("{sub:.+}.a.test", &[("x.y.a.test", true)]),
        // harness HR10: the regex is not lowercased, `\D` stays "not a digit".
        (
            r"{x:\D+}.a.test",
            &[("abc.a.test", true), ("12.a.test", false)],
        ),
    ];
    for (pattern, hosts) in cases {
        for (name, expected) in *hosts {
            assert_eq!(host(pattern, name), *expected, "{pattern} on {name}");
        }
    }
}

#[test]
fn path_and_path_prefix() {
    assert_matches(&[
        // harness PA1, PA5, PA6
        ("Path:/foo", get("h", "/foo"), true),
        ("Path:/foo", get("h", "/FOO"), false),
        ("Path:/foo/{id}", get("h", "/foo/1"), true),
        ("Path:/foo/{id}", get("h", "/foo/1/2"), false),
        ("Path:/foo/{id:.*}", get("h", "/foo/1/2"), true),
        ("Path:/a,/b/{id:[0-9]+}", get("h", "/b/7"), true),
        ("Path:/a,/b/{id:[0-9]+}", get("h", "/b/x"), false),
        // rules_test.go TestPathPrefix "leading slash", "leading trailing slash"
        ("PathPrefix:/bar", get("h", "/bar"), true),
        ("PathPrefix:/bar", get("h", "/bar/"), true),
        ("PathPrefix:/bar/", get("h", "/bar"), false),
        ("PathPrefix:/bar/", get("h", "/bar/"), true),
        // rules_test.go TestPriorites; docs/basics.md: a string prefix, not segment-aware.
        ("PathPrefix:/foo", get("h", "/fo"), false),
        ("PathPrefix:/foo", get("h", "/foobar"), true),
        // harness PP7: a template prefix is not segment-aware either.
        ("PathPrefix:/foo/{id:[0-9]+}", get("h", "/foo/12abc"), true),
        (
            "PathPrefix:/foo/{id:[0-9]+}/",
            get("h", "/foo/12abc"),
            false,
        ),
    ]);
}

#[test]
fn method() {
    let mut post = get("h", "/");
    post.method = Method::POST;
    let mut put = get("h", "/");
    put.method = Method::PUT;
    assert_matches(&[
        // harness M1, M3, M4: rule methods are upper-cased; arguments OR.
        ("Method:get", get("h", "/"), true),
        ("Method:GET,POST", post, true),
        ("Method:GET,POST", put, false),
    ]);
}

/// One part of a generated rule: a matcher or modifier name and its arguments.
fn rule_part() -> impl proptest::strategy::Strategy<Value = (&'static str, Vec<String>)> {
    use proptest::prelude::*;
    let host = "[a-z0-9][a-z0-9.-]{0,8}";
    let path = "/[a-zA-Z0-9._~/-]{0,8}";
    prop_oneof![
        prop::collection::vec(host, 1..3).prop_map(|args| ("Host", args)),
        prop::collection::vec(path, 1..3).prop_map(|args| ("Path", args)),
        prop::collection::vec(path, 1..3).prop_map(|args| ("PathPrefix", args)),
        prop::collection::vec(path, 1..3).prop_map(|args| ("PathPrefixStrip", args)),
        path.prop_map(|arg| ("AddPrefix", vec![arg])),
        path.prop_map(|arg| ("ReplacePath", vec![arg])),
        prop::sample::select(vec!["GET", "POST"]).prop_map(|arg| ("Method", vec![arg.into()])),
        ("[A-Za-z][A-Za-z0-9-]{0,6}", "[a-z0-9]{1,6}")
            .prop_map(|(name, value)| ("Headers", vec![name, value])),
    ]
}

proptest::proptest! {
    /// Written out plainly and then with what Traefik's parser ignores (spaces, runs of colons,
    /// colons at the ends of the arguments, empty parts, names in another case), a rule reads
    /// back the same.
    #[test]
    fn a_rule_written_out_two_ways_reads_back_the_same(
        parts in proptest::collection::vec(rule_part(), 1..4),
    ) {
        let plain: Vec<String> = parts
            .iter()
            .map(|(name, args)| format!("{name}:{}", args.join(",")))
            .collect();
        let plain = plain.join(";");
        let loose: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(index, (name, args))| {
                let name = if index % 2 == 0 { name.to_lowercase() } else { name.to_uppercase() };
                format!(" {name} ::: {} : ", args.join(" ,  "))
            })
            .collect();
        let loose = format!("; {} ;;", loose.join(" ; "));
        let plain_rule = parse_rule(&plain);
        proptest::prop_assert!(plain_rule.is_ok(), "{}: {:?}", plain, plain_rule);
        proptest::prop_assert_eq!(plain_rule.ok(), parse_rule(&loose).ok(), "{} | {}", plain, loose);
    }
}
