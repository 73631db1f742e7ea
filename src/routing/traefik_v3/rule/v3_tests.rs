//! v3 matchers: the table in traefik-v3-routing.md §1.8 (the harness's
//! /work/research/v3harness/cases/matchers.out).
//!
//! Rows whose outcome depends on Traefik's request preparation (percent-decoding and
//! dot-segment cleanup of the path, the trailing dot kept on the host) are in
//! `v3_docs_tests::known_differences`: hawser matches the path as received for now.

use super::test_support::{Request, check, error, get, root};
use crate::routing::RuleError;
use crate::routing::traefik_v3::RuleSyntax;

pub(super) fn host(host: &str) -> Request {
    root().host(host)
}

pub(super) fn v3_cases(cases: &[(&str, Request, bool)]) {
    check(RuleSyntax::V3, cases);
}

#[test]
fn host_is_case_insensitive_port_free_and_trailing_dot_tolerant() {
    v3_cases(&[
        ("Host(`example.com`)", host("EXAMPLE.com"), true),
        ("Host(`Example.COM`)", host("example.com"), true),
        ("Host(`example.com`)", host("example.com:8080"), true),
        ("Host(`example.com:8080`)", host("example.com:8080"), false),
        ("Host(`example.com.`)", host("example.com"), true),
        ("Host(`example.com`)", host("example.com."), true),
        ("Host(`example.com.`)", host("example.com."), true),
        ("Host(`::1`)", host("[::1]:80"), true),
        ("Host(`::1`)", host("[::1]"), true),
        ("Host(`10.0.0.1`)", host("10.0.0.1:80"), true),
        ("Host(`example.com`)", get("http:///x"), false),
        ("Host(`.`)", get("http:///x"), false),
        ("Host(`mystack-web`)", host("mystack-web"), true),
    ]);
}

#[test]
fn host_wildcards_as_in_traefik_3_7() {
    v3_cases(&[
        ("Host(`*.example.com`)", host("a.example.com"), true),
        ("Host(`*.example.com`)", host("a.b.example.com"), false),
        ("Host(`*.example.com`)", host("example.com"), false),
        ("Host(`*.example.com`)", host("A.EXAMPLE.COM:443"), true),
        ("Host(`*.example.com`)", host("a.example.com."), true),
        ("Host(`*.Example.com.`)", host("a.example.com"), true),
        ("Host(`*`)", host("anything"), true),
        ("Host(`*`)", get("http:///x"), true),
        ("Host(`*foo.example.com`)", host("xfoo.example.com"), false),
        ("Host(`a.*.com`)", host("a.b.com"), false),
        // harness: the trailing-dot retry makes `*.` match single-label hosts.
        ("Host(`*.`)", host("localhost"), true),
        ("Host(`*.`)", host("a.example.com"), false),
    ]);
    // The wildcard is checked before the ASCII check, exactly `*` only.
    assert!(matches!(
        error(RuleSyntax::V3, "Host(`*.bücher.de`)"),
        RuleError::BadMatcher { .. }
    ));
}

#[test]
fn host_regexp_is_unanchored_on_the_lowercase_host() {
    v3_cases(&[
        (
            r"HostRegexp(`^[a-z]+\.example\.com$`)",
            host("foo.example.com"),
            true,
        ),
        (
            r"HostRegexp(`^[a-z]+\.example\.com$`)",
            host("FOO.example.com:8080"),
            true,
        ),
        ("HostRegexp(`example`)", host("notexample.org"), true),
        (r"HostRegexp(`^Example\.com$`)", host("Example.com"), false),
        (
            r"HostRegexp(`(?i)^Example\.com$`)",
            host("example.com"),
            true,
        ),
        (
            r"HostRegexp(`^example\.com:8080$`)",
            host("example.com:8080"),
            false,
        ),
        // A v2 template is valid RE2 with literal braces, so it matches nothing real.
        (
            "HostRegexp(`{subdomain:[a-z]+}.example.com`)",
            host("foo.example.com"),
            false,
        ),
        (
            r"HostRegexp(`^.+\.example\.com$`)",
            host("a.b.example.com"),
            true,
        ),
        ("HostRegexp(`^::1$`)", host("[::1]:80"), true),
        // The empty-string quirk (§1.3): a regex matching "" matches every request.
        ("HostRegexp(`^$`)", host("example.com"), true),
        ("HostRegexp(`^foo$|^$`)", host("example.com"), true),
        ("!HostRegexp(`x*`)", host("example.com"), false),
    ]);
}

#[test]
fn path_and_prefix_are_plain_strings() {
    v3_cases(&[
        (
            "Path(`/products`)",
            get("http://example.com/products"),
            true,
        ),
        (
            "Path(`/products`)",
            get("http://example.com/products/"),
            false,
        ),
        (
            "Path(`/products`)",
            get("http://example.com/Products"),
            false,
        ),
        (
            "Path(`/products`)",
            get("http://example.com/products?x=1"),
            true,
        ),
        (
            "PathPrefix(`/products`)",
            get("http://example.com/products-for-sale"),
            true,
        ),
        (
            "PathPrefix(`/products/`)",
            get("http://example.com/products"),
            false,
        ),
        ("PathPrefix(`/`)", get("http://example.com"), true),
        ("Path(`/`)", get("http://example.com"), true),
        ("Path(`/a/b`)", get("http://example.com/a%2Fb"), false),
        ("Path(`/a%2Fb`)", get("http://example.com/a%2Fb"), true),
        // No templates in v3: braces are literal.
        ("Path(`/{id}`)", get("http://example.com/{id}"), true),
        ("Path(`/{id}`)", get("http://example.com/42"), false),
    ]);
}

#[test]
fn path_regexp_is_unanchored_on_the_path_without_the_query() {
    v3_cases(&[
        (
            "PathRegexp(`^/products/(shoes|socks)/[0-9]+$`)",
            get("http://example.com/products/shoes/31"),
            true,
        ),
        (
            r"PathRegexp(`\.(jpeg|jpg|png)$`)",
            get("http://example.com/a/b.png"),
            true,
        ),
        (
            "PathRegexp(`(?i)^/products`)",
            get("http://example.com/PRODUCTS-x"),
            true,
        ),
        (
            "PathRegexp(`products`)",
            get("http://example.com/a/products/b"),
            true,
        ),
        (
            r"PathRegexp(`^/a\?b$`)",
            get("http://example.com/a%3Fb"),
            false,
        ),
        (
            "PathRegexp(`^/a%3Fb$`)",
            get("http://example.com/a%3Fb"),
            true,
        ),
        ("PathRegexp(`foo`)", get("http://example.com/x?foo"), false),
        ("PathRegexp(`^$`)", get("http://example.com"), false),
        // Go's \d is ASCII-only.
        (r"PathRegexp(`^/\d+$`)", get("http://example.com/٣"), false),
    ]);
}

#[test]
fn method_is_upper_cased_in_the_rule_only() {
    v3_cases(&[
        ("Method(`GET`)", root(), true),
        ("Method(`get`)", root(), true),
        ("Method(`GET`)", root().method("get"), false),
        ("Method(`GET`)", root().method("HEAD"), false),
        ("Method(`PURGE`)", root().method("PURGE"), true),
    ]);
}

#[test]
fn header_values_are_exact_per_line() {
    v3_cases(&[
        (
            "Header(`content-type`, `application/json`)",
            root().header("Content-Type", "application/json"),
            true,
        ),
        (
            "Header(`Content-Type`, `application/json`)",
            root().header("content-type", "application/json"),
            true,
        ),
        (
            "Header(`Content-Type`, `Application/JSON`)",
            root().header("Content-Type", "application/json"),
            false,
        ),
        (
            "Header(`X-A`, `b`)",
            root().header("X-A", "a").header("X-A", "b"),
            true,
        ),
        ("Header(`X-A`, `b`)", root().header("X-A", "a, b"), false),
        ("Header(`X_A`, `b`)", root().header("X_A", "b"), true),
        // Go keeps Host out of the header map, so these never match.
        (
            "Header(`Host`, `example.com`)",
            root().header("Host", "example.com"),
            false,
        ),
        (
            "HeaderRegexp(`host`, `.`)",
            root().header("Host", "example.com"),
            false,
        ),
        (
            "!Header(`Host`, `example.com`)",
            root().header("Host", "example.com"),
            true,
        ),
        (
            "HeaderRegexp(`Content-Type`, `json`)",
            root().header("Content-Type", "application/json; charset=utf-8"),
            true,
        ),
        (
            "HeaderRegexp(`Content-Type`, `^application/(json|yaml)$`)",
            root().header("Content-Type", "application/yaml"),
            true,
        ),
        ("HeaderRegexp(`X-A`, `.*`)", root(), false),
        ("HeaderRegexp(`X-A`, `^$`)", root().header("X-A", ""), true),
    ]);
}

#[test]
fn query_values_are_decoded_and_any_one_may_match() {
    let url = |query: &str| get(&format!("http://example.com/search{query}"));
    v3_cases(&[
        ("Query(`mobile`, `true`)", url("?mobile=true"), true),
        (
            "Query(`mobile`, `true`)",
            url("?mobile=false&mobile=true"),
            true,
        ),
        ("Query(`mobile`, `true`)", url("?Mobile=true"), false),
        ("Query(`mobile`, `true`)", url("?mobile=TRUE"), false),
        ("Query(`mobile`)", url("?mobile"), true),
        ("Query(`mobile`)", url("?mobile="), true),
        ("Query(`mobile`)", url("?mobile=true"), false),
        ("Query(`mobile`)", url(""), false),
        ("Query(`q`, `a b`)", url("?q=a%20b"), true),
        ("Query(`q`, `a b`)", url("?q=a+b"), true),
        ("Query(`q`, `a+b`)", url("?q=a%2Bb"), true),
        ("Query(`b`, `2`)", url("?a=1;b=2"), true),
        ("Query(`a`, `1;b=2`)", url("?a=1;b=2"), false),
        ("Query(`a b`, `1`)", url("?a%20b=1"), true),
        (
            "QueryRegexp(`mobile`, `^(true|yes)$`)",
            url("?mobile=yes"),
            true,
        ),
        ("QueryRegexp(`mobile`, `^.*$`)", url("?mobile"), true),
        ("QueryRegexp(`mobile`, `^.*$`)", url("?other=1"), false),
        ("QueryRegexp(`mobile`, `ru`)", url("?mobile=true"), true),
        ("QueryRegexp(`mobile`)", url("?mobile"), true),
        ("QueryRegexp(`mobile`)", url("?mobile=1"), false),
        (
            "QueryRegexp(`mobile`, `(?i)^(true|yes)$`)",
            url("?mobile=YES"),
            true,
        ),
    ]);
}

#[test]
fn client_ip_uses_the_peer_address_only() {
    v3_cases(&[
        ("ClientIP(`10.0.0.1`)", root().from("10.0.0.1:5555"), true),
        ("ClientIP(`10.0.0.0/8`)", root().from("10.9.9.9:5555"), true),
        (
            "ClientIP(`10.0.0.0/8`)",
            root()
                .from("192.168.1.1:5555")
                .header("X-Forwarded-For", "10.0.0.1"),
            false,
        ),
        ("ClientIP(`::1`)", root().from("[::1]:5555"), true),
        ("ClientIP(`fe80::/10`)", root().from("[fe80::1]:5555"), true),
        (
            "ClientIP(`10.0.0.1`)",
            root().from("[::ffff:10.0.0.1]:5555"),
            true,
        ),
        (
            "ClientIP(`::ffff:10.0.0.1`)",
            root().from("10.0.0.1:5555"),
            true,
        ),
        (
            "ClientIP(`::ffff:10.0.0.0/104`)",
            root().from("10.1.2.3:1"),
            true,
        ),
        ("ClientIP(`10.0.0.5/8`)", root().from("10.200.0.1:1"), true),
        // The zone of a link-local peer plays no part (`[fe80::1%eth0]` in the harness).
        ("ClientIP(`fe80::1`)", root().from("[fe80::1%2]:5555"), true),
        ("ClientIP(`::/0`)", root().from("10.0.0.1:1"), false),
    ]);
}
