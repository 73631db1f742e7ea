//! The v1 matchers that rewrite (the four strips) and the modifiers, against Traefik 1.7:
//! what the task receives and the `X-Forwarded-Prefix` / `X-Replaced-Path` values. Sources as
//! in rule_tests.rs.

use super::parse_rule;
use super::tests::{get, rule};
use crate::routing::RuleError;
use crate::routing::rule::Modifier;

/// (rule, request path, path the task gets, X-Forwarded-Prefix).
type StripRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

fn assert_strips(rows: &[StripRow]) {
    for (text, path, forwarded, prefix) in rows {
        let parsed = rule(text);
        assert!(
            get("h", path).matches(&parsed),
            "{text} should match {path}"
        );
        let rewrite = parsed.rewrite(path);
        assert_eq!(rewrite.path, *forwarded, "{text} on {path}");
        assert_eq!(
            rewrite.stripped_prefix.as_deref(),
            *prefix,
            "{text} on {path}"
        );
    }
}

#[test]
fn path_prefix_strip() {
    assert_strips(&[
        // stripPrefix_test.go TestStripPrefix, through the rule:
        ("PathPrefixStrip:/", "/", "/", Some("/")), // "wildcard (.*) requests"
        ("PathPrefixStrip:/stat", "/stat", "/", Some("/stat")), // "prefix and path matching"
        ("PathPrefixStrip:/stat/", "/stat/", "/", Some("/stat/")),
        ("PathPrefixStrip:/stat/", "/stat/us", "/us", Some("/stat/")),
        ("PathPrefixStrip:/stat", "/stat/", "/", Some("/stat")), // "general prefix ..."
        ("PathPrefixStrip:/stat", "/status", "/us", Some("/stat")), // "within slash boundaries"
        (
            "PathPrefixStrip:/stat",
            "/stat/a%2Fb",
            "/a%2Fb",
            Some("/stat"),
        ), // "raw path ..."
        // rules.go pathPrefixStrip sorts by length, longest first (harness PPS10, PPS11).
        ("PathPrefixStrip:/a,/a/b", "/a/b/c", "/c", Some("/a/b")),
        ("PathPrefixStrip:/a/b,/a", "/a/b/c", "/c", Some("/a/b")),
        ("PathPrefixStrip:/a,/a/b", "/a/bc", "/c", Some("/a/b")),
        (
            "PathPrefixStrip:/stat,/stat/us",
            "/stat/us",
            "/",
            Some("/stat/us"),
        ),
        // harness PPS12, PPS13, PPS14: exactly one '/' after the prefix is removed.
        ("PathPrefixStrip:/", "/x", "/x", Some("/")),
        ("PathPrefixStrip:/foo", "/foo//bar", "//bar", Some("/foo")),
        ("PathPrefixStrip:/foo/", "/foo//bar", "/bar", Some("/foo/")),
        // server_configuration_test.go TestServerMultipleFrontendRules
        (
            "PathPrefixStrip:/management;ReplacePath:/health",
            "/management",
            "/health",
            Some("/management"),
        ),
    ]);
    // harness PPS9: `/stat` does not start with `/stat/`.
    assert!(!get("h", "/stat").matches(&rule("PathPrefixStrip:/stat/")));
}

#[test]
fn path_strip() {
    assert_strips(&[
        // harness PS1, PS4, PS5
        ("PathStrip:/foo", "/foo", "/", Some("/foo")),
        ("PathStrip:/foo/", "/foo/", "/", Some("/foo/")),
        ("PathStrip:/foo,/foo/bar", "/foo/bar", "/", Some("/foo/bar")),
        ("PathStrip:/foo,/foo/bar", "/foo", "/", Some("/foo")),
    ]);
    assert!(!get("h", "/foo/x").matches(&rule("PathStrip:/foo")));
}

#[test]
fn path_strip_and_path_prefix_strip_share_one_setting() {
    // rules.go: both write Route.StripPrefixes, so the last part wins (harness O8, O9).
    assert_strips(&[
        ("PathStrip:/a;PathPrefixStrip:/", "/a", "/a", Some("/")),
        ("PathStrip:/a;PathPrefixStrip:/a", "/a", "/", Some("/a")),
        ("PathPrefixStrip:/a;PathStrip:/a", "/a", "/", Some("/a")),
    ]);
}

#[test]
fn path_prefix_strip_regex() {
    // stripPrefixRegex_test.go TestStripPrefixRegex: its prefixes, through the rule (which
    // sorts them longest first, as rules.go pathPrefixStripRegex does).
    let rule_text = "PathPrefixStripRegex: /a/api/, /b/{regex}/, /c/{category}/{id:[0-9]+}/";
    assert_strips(&[
        (rule_text, "/a/api/test", "/test", Some("/a/api/")),
        (rule_text, "/b/api/", "/", Some("/b/api/")),
        (rule_text, "/b/api/test1", "/test1", Some("/b/api/")),
        (rule_text, "/b/api2/test2", "/test2", Some("/b/api2/")),
        (rule_text, "/c/api/123/", "/", Some("/c/api/123/")),
        (rule_text, "/c/api/123/test3", "/test3", Some("/c/api/123/")),
        (rule_text, "/a/api/a%2Fb", "/a%2Fb", Some("/a/api/")),
        // server_configuration_test.go TestServerMultipleFrontendRules
        (
            "PathPrefixStripRegex:/one/{two}/{three:[0-9]+}",
            "/one/some/12345/four",
            "/four",
            Some("/one/some/12345"),
        ),
        // harness PPSR8, PPSR11, PPSR13, PPSR14
        (
            "PathPrefixStripRegex:/t/{tenant}",
            "/t/acme/orders",
            "/orders",
            Some("/t/acme"),
        ),
        (
            "PathPrefixStripRegex:/t/{tenant}",
            "/t/acme",
            "/",
            Some("/t/acme"),
        ),
        (
            "PathPrefixStripRegex:/{a:[a-z]+},/api/{v:v[0-9]}",
            "/api/v1/x",
            "/x",
            Some("/api/v1"),
        ),
        (
            "PathPrefixStripRegex:/{v:v[0-9]+}",
            "/v12x/y",
            "/x/y",
            Some("/v12"),
        ),
        ("PathPrefixStripRegex:/{p:a|ab}", "/abc", "/bc", Some("/a")),
        // harness PPSR12: the longer *template* is tried first, not the longer match.
        (
            "PathPrefixStripRegex:/{v:[a-z]},/{w:.*}",
            "/abc/d",
            "/bc/d",
            Some("/a"),
        ),
    ]);
    for path in ["/a/test", "/c/api/abc/test4"] {
        assert!(!get("h", path).matches(&rule(rule_text)), "{path}");
    }
    // harness PPSR10: a template ending in '/' needs it.
    assert!(!get("h", "/t/acme").matches(&rule("PathPrefixStripRegex:/t/{tenant}/")));
}

#[test]
fn path_strip_regex() {
    assert_strips(&[
        // harness PSR1
        (
            "PathStripRegex:/foo/{id:[0-9]+}",
            "/foo/12",
            "/",
            Some("/foo/12"),
        ),
        ("PathStripRegex:/{a},/{a}/{b}", "/x/y", "/", Some("/x/y")),
    ]);
    assert!(!get("h", "/foo/12/x").matches(&rule("PathStripRegex:/foo/{id:[0-9]+}")));
    assert!(!get("h", "/foo/ab").matches(&rule("PathStripRegex:/foo/{id:[0-9]+}")));
}

#[test]
fn add_prefix_and_replace_path() {
    assert_strips(&[
        // addPrefix_test.go TestAddPrefix; TestServerMultipleFrontendRules
        ("AddPrefix:/a", "/b", "/a/b", None),
        ("AddPrefix:/a", "/b%2Fc", "/a/b%2Fc", None),
        ("Host:h;AddPrefix:/blah", "/baz", "/blah/baz", None),
        // harness AP6, AP7, AP9: rule text is plain text, escaped as Go escapes a path.
        ("AddPrefix:/a b", "/x", "/a%20b/x", None),
        ("AddPrefix:/a%20b", "/x", "/a%2520b/x", None),
        (
            "PathPrefixStrip:/v1;AddPrefix:/api",
            "/v1",
            "/api/",
            Some("/v1"),
        ),
        // harness RP7
        ("ReplacePath:/n?ew", "/x", "/n%3Few", None),
        ("ReplacePath:/a b", "/x", "/a%20b", None),
    ]);
    // replace_path_test.go TestReplacePath: X-Replaced-Path holds the path it replaced.
    for path in ["/example", "/some/really/long/path"] {
        let rewrite = rule("ReplacePath:/replacement-path").rewrite(path);
        assert_eq!(rewrite.path, "/replacement-path");
        assert_eq!(rewrite.replaced_paths, [path]);
    }
    // TestServerMultipleFrontendRules: AddPrefix then ReplacePath.
    assert_eq!(
        rule("AddPrefix:/blah;ReplacePath:/baz")
            .rewrite("/hello")
            .path,
        "/baz"
    );
}

#[test]
fn replace_path_regex() {
    let cases: &[(&str, &str, &str)] = &[
        // replace_path_regex_test.go TestReplacePathRegex
        (
            "ReplacePathRegex: ^/whoami/(.*) /who-am-i/$1",
            "/whoami/and/whoami",
            "/who-am-i/and/whoami",
        ),
        (
            "ReplacePathRegex: /whoami /who-am-i",
            "/whoami/and/whoami",
            "/who-am-i/and/who-am-i",
        ),
        (
            "ReplacePathRegex: ^(?i)/downloads/([^/]+)/([^/]+)$ /downloads/$1-$2",
            "/downloads/src/source.go",
            "/downloads/src-source.go",
        ),
        // harness RPR5, RPR6, RPR7
        ("ReplacePathRegex: ^/foo/(.*) /bar/$1", "/foo/x", "/bar/x"),
        ("ReplacePathRegex: ^/(.*) /$1x", "/abc", "/"),
        ("ReplacePathRegex: ^/(.*) /${1}x", "/abc", "/abcx"),
        (
            "ReplacePathRegex: ^/(?P<name>.*) /n/$name",
            "/abc",
            "/n/abc",
        ),
        // harness: Go escapes the rewritten path, so a literal '!' goes out as %21.
        ("ReplacePathRegex: ^/(.*) $0!", "/abc", "/abc%21"),
    ];
    for (text, path, forwarded) in cases {
        let rewrite = rule(text).rewrite(path);
        assert_eq!(rewrite.path, *forwarded, "{text}");
        assert_eq!(rewrite.replaced_paths, [*path], "{text}");
    }
    // harness RPR10: no match, no change and no X-Replaced-Path.
    let untouched = rule("ReplacePathRegex: ^/zzz /x").rewrite("/abc");
    assert_eq!(untouched.path, "/abc");
    assert!(untouched.replaced_paths.is_empty());
}

/// (rule, request path, path the task gets, X-Forwarded-Prefix, X-Replaced-Path values).
type OrderRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

#[test]
fn modifiers_run_in_traefik_order_whatever_the_written_order() {
    // server_configuration.go buildMatcherMiddlewares; harness O1-O5.
    let rows: &[OrderRow] = &[
        (
            "PathPrefixStrip:/v1;AddPrefix:/api",
            "/v1/users",
            "/api/users",
            Some("/v1"),
            &[],
        ),
        (
            "AddPrefix:/api;PathPrefixStrip:/v1",
            "/v1/users",
            "/api/users",
            Some("/v1"),
            &[],
        ),
        (
            "PathPrefixStripRegex:/one/{two}/{three:[0-9]+};AddPrefix:/zero",
            "/one/some/12345/four",
            "/zero/four",
            Some("/one/some/12345"),
            &[],
        ),
        (
            "ReplacePath:/last;ReplacePathRegex:^/(.*) /first/$1",
            "/x",
            "/last",
            None,
            &["/x", "/first/x"],
        ),
        (
            "PathPrefixStrip:/api;ReplacePath:/x",
            "/api/foo",
            "/x",
            Some("/api"),
            &["/foo"],
        ),
        (
            "PathPrefixStrip:/api;AddPrefix:/v2;ReplacePathRegex:^/v2/(.*) /w/$1",
            "/api/foo",
            "/w/foo",
            Some("/api"),
            &["/v2/foo"],
        ),
        // harness: the matched strip leaves no '/', so AddPrefix gives `/apiorders`.
        (
            "PathPrefixStripRegex:/t/{tenant}/;AddPrefix:/api",
            "/t/acme/orders",
            "/apiorders",
            Some("/t/acme/"),
            &[],
        ),
        (
            "PathPrefixStripRegex:/t/{tenant}/;ReplacePath:/x",
            "/t/acme/orders",
            "/x",
            Some("/t/acme/"),
            &["orders"],
        ),
    ];
    for (text, path, forwarded, prefix, replaced) in rows {
        let rewrite = rule(text).rewrite(path);
        assert_eq!(rewrite.path, *forwarded, "{text}");
        assert_eq!(rewrite.stripped_prefix.as_deref(), *prefix, "{text}");
        assert_eq!(rewrite.replaced_paths, *replaced, "{text}");
    }
    let chained = rule("AddPrefix: /api; PathPrefixStrip: /v1");
    assert!(matches!(chained.modifiers[0], Modifier::StripPrefix(_)));
}

type Expectation = fn(&RuleError) -> bool;

#[test]
fn modifiers_traefik_would_break_silently_are_errors() {
    let cases: &[(&str, Expectation)] = &[
        // harness PPS19, PS6: the literal strip answers 404 to a template.
        (
            "PathPrefixStrip: /t/{tenant}",
            |e| matches!(e, RuleError::StripTemplate { instead, .. } if *instead == "PathPrefixStripRegex"),
        ),
        (
            "PathStrip: /foo/{id}",
            |e| matches!(e, RuleError::StripTemplate { instead, .. } if *instead == "PathStripRegex"),
        ),
        // harness O6, O7: both kinds of strip answer 404 to almost every request.
        (
            "PathPrefixStripRegex:/{v:v[0-9]};PathPrefixStrip:/v1/api",
            |e| matches!(e, RuleError::StripsCombined),
        ),
        // harness RPR8, RPR9, RPR4: Traefik drops the modifier and serves the path unchanged.
        ("ReplacePathRegex: ^/x", |e| {
            matches!(e, RuleError::BadReplacePathRegex(_))
        }),
        ("ReplacePathRegex: ^/a(.*)  /b$1", |e| {
            matches!(e, RuleError::BadReplacePathRegex(_))
        }),
        ("ReplacePathRegex: ( /x", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
        (
            "ReplacePathRegex: ^(?err)/invalid/regexp/([^/]+)$ /x",
            |e| matches!(e, RuleError::BadPattern { .. }),
        ),
        ("PathPrefixStripRegex: /{v:[}", |e| {
            matches!(e, RuleError::BadPattern { .. })
        }),
        ("PathStripRegex: foo/{id}", |e| {
            matches!(e, RuleError::NotAPath(..))
        }),
    ];
    for (text, expected) in cases {
        let err = parse_rule(text).expect_err(text);
        assert!(expected(&err), "{text:?} gave {err:?}");
    }
}
