use http::{HeaderMap, HeaderValue, Method};

use super::parse_rule;
use crate::routing::RuleError;
use crate::routing::rule::{Modifier, RequestView, Rule};

struct Request {
    method: Method,
    host: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    headers: HeaderMap,
}

fn get(host: &'static str, path: &'static str) -> Request {
    Request {
        method: Method::GET,
        host,
        path,
        query: None,
        headers: HeaderMap::new(),
    }
}

impl Request {
    fn matches(&self, rule: &Rule) -> bool {
        rule.matches(&RequestView {
            method: &self.method,
            host: self.host,
            path: self.path,
            query: self.query,
            headers: &self.headers,
            client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        })
    }
}

fn rule(text: &str) -> Rule {
    parse_rule(text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

#[test]
fn the_seed_rules_parse_and_match() {
    let hello = rule("PathPrefixStrip: /hello/");
    assert!(get("localhost", "/hello/world").matches(&hello));
    assert!(!get("localhost", "/hello").matches(&hello));
    assert_eq!(hello.rewrite("/hello/world").path, "/world");
    let ping = rule("PathPrefixStrip: /ping");
    assert!(get("localhost", "/ping").matches(&ping));
    assert!(get("localhost", "/pingpong").matches(&ping));
    assert_eq!(ping.rewrite("/ping").path, "/");
}

#[test]
fn host_is_exact_case_insensitive_and_ors_its_arguments() {
    let host = rule("Host: Example.com, www.example.com");
    assert!(get("example.com", "/").matches(&host));
    assert!(get("www.example.com", "/").matches(&host));
    assert!(!get("api.example.com", "/").matches(&host));
    let with_port = rule("Host: example.com:8080");
    assert!(get("example.com", "/").matches(&with_port));
}

#[test]
fn host_regexp_takes_templates() {
    let wildcard = rule("HostRegexp: {sub:[a-z]+}.example.com");
    assert!(get("api.example.com", "/").matches(&wildcard));
    assert!(!get("api2.example.com", "/").matches(&wildcard));
    let with_comma = rule("HostRegexp: {sub:[a-z]{1,3}}.example.com, other.test");
    assert!(get("abc.example.com", "/").matches(&with_comma));
    assert!(get("other.test", "/").matches(&with_comma));
    assert!(!get("abcd.example.com", "/").matches(&with_comma));
}

#[test]
fn path_matchers() {
    let exact = rule("Path: /a, /b/{id:[0-9]+}");
    assert!(get("h", "/a").matches(&exact));
    assert!(get("h", "/b/7").matches(&exact));
    assert!(!get("h", "/a/").matches(&exact));
    assert!(!get("h", "/b/x").matches(&exact));
    let prefix = rule("PathPrefix: /api");
    assert!(get("h", "/api/v1").matches(&prefix));
    assert!(get("h", "/apix").matches(&prefix));
    assert!(!get("h", "/ap").matches(&prefix));
    assert!(prefix.modifiers.is_empty());
    let strip = rule("PathStrip: /health");
    assert!(get("h", "/health").matches(&strip));
    assert!(!get("h", "/health/x").matches(&strip));
    assert_eq!(strip.rewrite("/health").path, "/");
}

#[test]
fn method_is_case_insensitive_and_ors() {
    let method = rule("Method: get, POST");
    let mut request = get("h", "/");
    assert!(request.matches(&method));
    request.method = Method::POST;
    assert!(request.matches(&method));
    request.method = Method::DELETE;
    assert!(!request.matches(&method));
}

#[test]
fn headers_and_query_need_every_pair() {
    let headers = rule("Headers: X-Env, prod, X-Team, core");
    let mut request = get("h", "/");
    request
        .headers
        .insert("x-env", HeaderValue::from_static("prod"));
    assert!(!request.matches(&headers));
    request
        .headers
        .insert("x-team", HeaderValue::from_static("core"));
    assert!(request.matches(&headers));

    let regexp = rule("HeadersRegexp: Content-Type, application/(text|json)");
    request
        .headers
        .insert("content-type", HeaderValue::from_static("application/json"));
    assert!(request.matches(&regexp));
    request.headers.insert(
        "content-type",
        HeaderValue::from_static("application/jsonx"),
    );
    assert!(!request.matches(&regexp));

    let query = rule("Query: mobile=1, beta, lang=");
    request.query = Some("beta&mobile=1&lang=fr");
    assert!(request.matches(&query));
    request.query = Some("mobile=1&lang=fr");
    assert!(!request.matches(&query));
    request.query = Some("beta=yes&mobile=2&lang=fr");
    assert!(!request.matches(&query));
}

#[test]
fn parts_are_anded_and_whitespace_is_ignored() {
    let combined = rule("  Host:a.test ;PathPrefix:  /x  ;  Method : GET ");
    assert!(get("a.test", "/x/1").matches(&combined));
    assert!(!get("b.test", "/x/1").matches(&combined));
    assert!(!get("a.test", "/y").matches(&combined));
    let trailing = rule("Host: a.test;");
    assert!(get("a.test", "/").matches(&trailing));
}

#[test]
fn modifiers_apply_in_traefik_order_whatever_the_written_order() {
    let chained = rule("AddPrefix: /api; PathPrefixStrip: /v1");
    assert!(matches!(chained.modifiers[0], Modifier::StripPrefix(_)));
    assert_eq!(chained.rewrite("/v1/users").path, "/api/users");
    let replace = rule("Path: /old; ReplacePath: /new");
    assert_eq!(replace.rewrite("/old").path, "/new");
    let regex = rule("PathPrefix: /foo; ReplacePathRegex: ^/foo/(.*) /bar/$1");
    assert_eq!(regex.rewrite("/foo/x").path, "/bar/x");
    let both = rule("ReplacePath: /last; ReplacePathRegex: ^/(.*) /first/$1");
    let rewrite = both.rewrite("/x");
    assert_eq!(rewrite.path, "/last");
    assert_eq!(rewrite.replaced_path.as_deref(), Some("/x"));
    let trailing_slash = rule("PathPrefix: /; AddPrefix: /api/");
    assert_eq!(trailing_slash.rewrite("/x").path, "/api/x");
}

#[test]
fn a_modifier_alone_matches_every_request() {
    let catch_all = rule("AddPrefix: /api");
    assert!(get("any", "/x").matches(&catch_all));
}

type Expectation = fn(&RuleError) -> bool;

#[test]
fn malformed_rules_are_errors_that_name_the_problem() {
    let cases: &[(&str, Expectation)] = &[
        ("", |e| matches!(e, RuleError::Empty)),
        (" ; ", |e| matches!(e, RuleError::Empty)),
        ("PathPrefix /x", |e| matches!(e, RuleError::MissingColon(_))),
        (
            "Hots: a.test",
            |e| matches!(e, RuleError::UnknownMatcher(name) if name == "Hots"),
        ),
        ("Path:", |e| matches!(e, RuleError::EmptyArgument(_))),
        ("Path: /a,", |e| matches!(e, RuleError::EmptyArgument(_))),
        ("Path: /a/{id", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
        ("Method: G E T", |e| matches!(e, RuleError::BadMethod(_))),
        ("Headers: X-Env", |e| {
            matches!(e, RuleError::OddHeaderArguments(_))
        }),
        ("Headers: Bad Name, x", |e| {
            matches!(e, RuleError::BadHeaderName(_))
        }),
        ("HeadersRegexp: X, (", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
        ("AddPrefix: /a, /b", |e| {
            matches!(e, RuleError::OneArgument(_, 2))
        }),
        ("AddPrefix: api", |e| matches!(e, RuleError::NotAPath(..))),
        ("ReplacePath: new", |e| matches!(e, RuleError::NotAPath(..))),
        ("ReplacePathRegex: ^/x", |e| {
            matches!(e, RuleError::BadReplacePathRegex(_))
        }),
        ("ReplacePathRegex: ( /x", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
    ];
    for (text, expected) in cases {
        let err = parse_rule(text).expect_err(text);
        assert!(expected(&err), "{text:?} gave {err:?}");
        assert!(!err.to_string().is_empty());
    }
}
