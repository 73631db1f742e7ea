//! v2 syntax (`ruleSyntax=v2`): the table in traefik-v3-routing.md §1.9 (the harness's
//! /work/research/v3harness/cases/v2.out) and the v2.11 docs' examples in §4.2
//! (`v2.11:docs/content/routing/routers/index.md`; results in cases/docs.out). Rows marked
//! "harness" were run through the same harness while writing this.

use super::test_support::{Request, check, error, get, root, v2};
use crate::routing::error::{MatcherProblem, RuleError};
use crate::routing::traefik_v3::{RuleSyntax, default_priority};

fn host(host: &str) -> Request {
    root().host(host)
}

fn v2_cases(cases: &[(&str, Request, bool)]) {
    check(RuleSyntax::V2, cases);
}

fn problem(text: &str) -> MatcherProblem {
    match error(RuleSyntax::V2, text) {
        RuleError::BadMatcher { problem, .. } => *problem,
        other => panic!("{text:?}: expected a matcher error, got {other:?}"),
    }
}

#[test]
fn hosts_are_literal_and_any_of_them_will_do() {
    v2_cases(&[
        ("Host(`a.com`, `example.com`)", root(), true),
        ("Host(`a.com`, `b.com`)", root(), false),
        ("HostHeader(`example.com`)", root(), true),
        ("Hostheader(`example.com`)", root(), true),
        ("Host(`EXAMPLE.com`)", host("example.COM:80"), true),
        ("Host(`example.com.`)", host("example.com"), true),
        ("Host(`*.example.com`)", host("a.example.com"), false),
        ("Host(`::1`)", host("[::1]"), true),
    ]);
    assert!(matches!(
        error(RuleSyntax::V2, "hostHeader(`example.com`)"),
        RuleError::UnknownFunction { .. }
    ));
}

#[test]
fn host_regexp_takes_anchored_case_insensitive_templates() {
    let template = "HostRegexp(`{subdomain:[a-z]+}.example.com`)";
    v2_cases(&[
        (template, host("foo.example.com"), true),
        (template, host("FOO.Example.com:8080"), true),
        (template, host("foo.bar.example.com"), false),
        (template, host("example.com"), false),
        (
            "HostRegexp(`{subdomain}.example.com`)",
            host("foo-1.example.com"),
            true,
        ),
        (
            "HostRegexp(`{subdomain}.example.com`)",
            host("a.b.example.com"),
            false,
        ),
        ("HostRegexp(`example.com`)", host("exampleXcom"), false),
        ("HostRegexp(`example.com`)", host("example.com"), true),
        (
            "HostRegexp(`example.com`, `{sub:[a-z]+}.example.org`)",
            host("x.example.org"),
            true,
        ),
        (
            "HostRegexp(`{sub:.+}.example.org`)",
            host("x.y.example.org"),
            true,
        ),
        ("HostRegexp(`{x:.*}`)", host("anything"), true),
        // A v3 regex is quoted as a literal under v2.
        (
            r"HostRegexp(`^[a-z]+\.example\.com$`)",
            host("foo.example.com"),
            false,
        ),
        // harness: the variable regex is Go's, taken as written (not lower-cased).
        (
            "HostRegexp(`{sub:[A-Z]+}.example.com`)",
            host("foo.example.com"),
            true,
        ),
        (r"HostRegexp(`{x:\pL+}.com`)", host("foo.com"), true),
        (r"HostRegexp(`{x:\PL+}.com`)", host("foo.com"), false),
        ("HostRegexp(`{x:a{2}}.com`)", host("aa.com"), true),
        (
            "HostRegexp(`{sub}.example.com`, `{sub}.example.org`)",
            host("a.example.org"),
            true,
        ),
    ]);
    let unbalanced = problem("HostRegexp(`{sub:[a-z]+.example.com`)");
    assert!(
        matches!(unbalanced, MatcherProblem::BadTemplate { .. }),
        "{unbalanced:?}"
    );
    let unnamed = problem("HostRegexp(`{:[a-z]+}.example.com`)");
    assert!(
        matches!(unnamed, MatcherProblem::BadTemplate { .. }),
        "{unnamed:?}"
    );
    let non_ascii = problem("HostRegexp(`{x}.bücher.de`)");
    assert!(
        matches!(non_ascii, MatcherProblem::NonAsciiHost(_)),
        "{non_ascii:?}"
    );
}

#[test]
fn paths_are_templates() {
    v2_cases(&[
        (
            "Path(`/articles/{cat:[a-z]+}/{id:[0-9]+}`)",
            get("http://example.com/articles/news/42"),
            true,
        ),
        (
            "Path(`/articles/{cat:[a-z]+}/{id:[0-9]+}`)",
            get("http://example.com/articles/news/42/"),
            false,
        ),
        ("Path(`/a`, `/b`)", get("http://example.com/b"), true),
        ("Path(`/a`)", get("http://example.com/a/"), false),
        ("Path(`/a.b`)", get("http://example.com/axb"), false),
        (
            "Path(`/{path:(?i:Products)}`)",
            get("http://example.com/products"),
            true,
        ),
        ("Path(`/{id}`)", get("http://example.com/x/y"), false),
        ("Path(`/{id:.*}`)", get("http://example.com/x/y"), true),
        ("Path(`/a%2Fb`)", get("http://example.com/a%2Fb"), true),
        (
            "PathPrefix(`/products/`)",
            get("http://example.com/products/shoes"),
            true,
        ),
        (
            "PathPrefix(`/products`)",
            get("http://example.com/productsforsale"),
            true,
        ),
        (
            "PathPrefix(`/products/`)",
            get("http://example.com/products"),
            false,
        ),
        (
            "PathPrefix(`/articles/{cat:[a-z]+}/{id:[0-9]+}`)",
            get("http://example.com/articles/news/42/comments"),
            true,
        ),
        ("PathPrefix(`/a`, `/b`)", get("http://example.com/bc"), true),
        // harness: names and regexes are not trimmed; flags stay inside their variable.
        ("Path(`/{ id:[0-9]+}`)", get("http://example.com/1"), true),
        ("Path(`/{x:(?i)A}b`)", get("http://example.com/aB"), false),
        (
            "Path(`/{x:[a-z]+}{y}`)",
            get("http://example.com/abc"),
            true,
        ),
    ]);
    assert_eq!(problem("Path(`a`)"), MatcherProblem::NotAPath("a".into()));
    for text in ["Path(`/a{`)", "Path(`/{v:a)(b}`)", "Path(`/{v:x**}`)"] {
        let problem = problem(text);
        assert!(
            matches!(problem, MatcherProblem::BadTemplate { .. }),
            "{text}: {problem:?}"
        );
    }
}

#[test]
fn methods_headers_and_client_ips() {
    v2_cases(&[
        ("Method(`GET`, `post`)", root().method("POST"), true),
        ("Method(`GET`)", root().method("PUT"), false),
        ("Method(`get`)", root(), true),
        ("Headers(`X-A`, `1`)", root().header("X-A", "1"), true),
        (
            "Headers(`x-a`, `1`)",
            root().header("X-A", "0").header("X-A", "1"),
            true,
        ),
        (
            "Headers(`X-A`, `1`, `X-B`, `2`)",
            root().header("X-A", "1").header("X-B", "2"),
            true,
        ),
        (
            "Headers(`X-A`, `1`, `X-B`, `2`)",
            root().header("X-A", "1"),
            false,
        ),
        // harness: pairs are a map, so a repeated name keeps its last value; names that
        // differ only in case are both checked.
        (
            "Headers(`X-A`,`1`,`X-A`,`2`)",
            root().header("X-A", "1"),
            false,
        ),
        (
            "Headers(`X-A`,`1`,`X-A`,`2`)",
            root().header("X-A", "2"),
            true,
        ),
        (
            "Headers(`X-A`,`1`,`x-a`,`2`)",
            root().header("X-A", "1"),
            false,
        ),
        ("headers(`X-A`, `1`)", root().header("X-A", "1"), true),
        (
            "HeadersRegexp(`Content-Type`, `application/(json|yaml)`)",
            root().header("Content-Type", "xapplication/jsonx"),
            true,
        ),
        (
            "ClientIP(`10.0.0.0/16`, `::1`)",
            root().from("[::1]:1"),
            true,
        ),
        (
            "ClientIP(`10.0.0.0/16`, `::1`)",
            root().from("10.1.0.1:1"),
            false,
        ),
    ]);
    for text in ["Headers(`X-A`)", "HeadersRegexp(`X-A`)"] {
        assert_eq!(problem(text), MatcherProblem::OddPairs(1), "{text}");
    }
    let bad_ip = problem("ClientIP(`10.0.0.0/8`, `foo`)");
    assert_eq!(bad_ip, MatcherProblem::BadClientIp("foo".into()));
    assert_eq!(
        problem("Host(`a.com`, ``)"),
        MatcherProblem::EmptyArgument(2)
    );
}

#[test]
fn query_pairs_match_the_first_value_and_all_must_hold() {
    let url = |query: &str| get(&format!("http://example.com/{query}"));
    v2_cases(&[
        ("Query(`foo=bar`, `bar=baz`)", url("?foo=bar&bar=baz"), true),
        ("Query(`foo=bar`, `bar=baz`)", url("?foo=bar"), false),
        ("Query(`foo=bar`)", url("?foo=x&foo=bar"), false),
        ("Query(`foo=bar`)", url("?foo=bar&foo=x"), true),
        ("Query(`foo=`)", url("?foo=anything"), true),
        ("Query(`foo=`)", url("?foo"), true),
        ("Query(`foo=`)", url("?bar=1"), false),
        ("Query(`foo`, `bar`)", url("?foo=bar"), true),
        ("Query(`foo={v:[0-9]+}`)", url("?foo=42"), true),
        ("Query(`foo={v:[0-9]+}`)", url("?foo=42a"), false),
        ("Query(`foo=b.r`)", url("?foo=bxr"), false),
        ("Query(`foo=a b`)", url("?foo=a+b"), true),
        ("Query(`foo=bar=baz`)", url("?foo=bar%3Dbaz"), true),
        // harness: more of gorilla's quirks.
        ("Query(`{k}=v`)", url("?{k}=v"), true),
        ("Query(`{k}=v`)", url("?%7Bk%7D=v"), true),
        ("Query(`foo={v}`)", url("?foo="), true),
        ("Query(`foo={v}`)", url("?foo"), true),
        ("Query(`foo=`)", url("?foo=&foo=x"), true),
        ("Query(`a b=1`)", url("?a+b=1"), true),
        ("Query(`foo=bar`)", url("?foo=bar%zz&foo=bar"), true),
        ("Query(`foo=bar`)", url("?foo=bar;foo=x"), true),
    ]);
    assert_eq!(problem("Query(`foo`)"), MatcherProblem::OddPairs(1));
    assert_eq!(problem("Query(`a=1`, `b`)"), MatcherProblem::OddPairs(3));
    assert_eq!(
        problem("Query(`a={v}`, `b={v}`)"),
        MatcherProblem::DuplicateVariable("v".into())
    );
}

#[test]
fn v3_matchers_do_not_exist_under_v2_and_the_operators_are_the_same() {
    for text in ["Header(`X-A`, `1`)", "PathRegexp(`/a`)", "QueryRegexp(`a`)"] {
        assert!(
            matches!(
                error(RuleSyntax::V2, text),
                RuleError::UnknownFunction { .. }
            ),
            "{text}"
        );
    }
    v2_cases(&[
        ("!Path(`/a`)", get("http://example.com/b"), true),
        (
            "Host(`example.com`) && (Path(`/a`) || Path(`/b`))",
            get("http://example.com/b"),
            true,
        ),
    ]);
}

/// §4.2, E1–E15.
#[test]
fn v2_documentation_examples() {
    let org = |path: &str| get(&format!("http://example.org{path}"));
    v2_cases(&[
        ("Host(`example.com`)", root(), true),
        (
            "Host(`example.com`) || (Host(`example.org`) && Path(`/traefik`))",
            org("/traefik"),
            true,
        ),
        (
            "Headers(`key`, `value`)",
            root().header("Key", "value"),
            true,
        ),
        (
            "HeadersRegexp(`key`, `regexp`)",
            root().header("Key", "myregexpx"),
            true,
        ),
        ("Host(`example.com`, `example.org`)", org("/"), true),
        ("HostHeader(`example.com`, `example.org`)", org("/"), true),
        (
            "HostRegexp(`example.com`, `{subdomain:[a-z]+}.example.com`)",
            host("www.example.com"),
            true,
        ),
        (
            "Method(`GET`, `POST`, `PUT`, `DELETE`, `PATCH`, `HEAD`)",
            root().method("PATCH"),
            true,
        ),
        (
            "Path(`/path`, `/articles/{cat:[a-z]+}/{id:[0-9]+}`)",
            get("http://example.com/articles/tech/12"),
            true,
        ),
        (
            "PathPrefix(`/products/`, `/articles/{cat:[a-z]+}/{id:[0-9]+}`)",
            get("http://example.com/articles/tech/12/x"),
            true,
        ),
        (
            "Query(`foo=bar`, `bar=baz`)",
            get("http://example.com/?foo=bar&bar=baz"),
            true,
        ),
        (
            "ClientIP(`10.0.0.0/16`, `::1`)",
            root().from("[::1]:1"),
            true,
        ),
        (
            "Path(`/{path:(?i:Products)}`)",
            get("http://example.com/PRODUCTS"),
            true,
        ),
        (
            "Path(`/products`)",
            get("http://example.com/products/shoes"),
            false,
        ),
        (
            "PathPrefix(`/products`)",
            get("http://example.com/products/shoes"),
            true,
        ),
        (
            "PathPrefix(`/products`)",
            get("http://example.com/productsforsale/shoes"),
            true,
        ),
        (
            "HostRegexp(`{subdomain:[a-z]+}.traefik.com`)",
            host("foobar.traefik.com"),
            true,
        ),
    ]);
    // E14: the template rule is longer, so it wins without priorities.
    let template = "HostRegexp(`{subdomain:[a-z]+}.traefik.com`)";
    assert_eq!(default_priority(template), 44);
    // E15: non-ASCII hosts make the router invalid.
    for text in ["Host(`bücher.de`)", "HostRegexp(`bücher.de`)"] {
        assert!(
            matches!(problem(text), MatcherProblem::NonAsciiHost(_)),
            "{text}"
        );
    }
    assert!(host("xn--bcher-kva.de").matches(&v2("Host(`xn--bcher-kva.de`)")));
}
