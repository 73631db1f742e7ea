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

fn literal(prefixes: &[&str]) -> Modifier {
    Modifier::StripPrefix(prefixes.iter().map(|prefix| (*prefix).to_owned()).collect())
}

#[test]
fn strip_prefix_removes_the_prefix_and_one_slash_after_it() {
    // middlewares/stripPrefix.go: "/" + TrimPrefix(TrimPrefix(path, prefix), "/").
    let cases: &[(&str, &str, &str)] = &[
        ("/hello/", "/hello/world", "/world"),
        ("/hello/", "/hello/", "/"),
        ("/hello/", "/hello//x", "/x"),
        ("/foo", "/foo//bar", "//bar"),
        ("/ping", "/ping", "/"),
        ("/ping", "/ping/x", "/x"),
        ("/ping", "/pingpong", "/pong"),
        ("/", "/x", "/x"),
    ];
    for (prefix, input, expected) in cases {
        let rewrite = rule(vec![literal(&[prefix])]).rewrite(input);
        assert_eq!(rewrite.path, *expected, "{prefix} on {input}");
        assert_eq!(rewrite.stripped_prefix.as_deref(), Some(*prefix));
    }
}

#[test]
fn strip_prefix_takes_the_first_that_applies_in_the_order_given() {
    // stripPrefix_test.go TestStripPrefix "earlier prefix matching", "later prefix matching".
    let earlier = rule(vec![literal(&["/stat", "/stat/us"])]).rewrite("/stat/us");
    assert_eq!(earlier.path, "/us");
    assert_eq!(earlier.stripped_prefix.as_deref(), Some("/stat"));
    let later = rule(vec![literal(&["/mismatch", "/stat"])]).rewrite("/stat");
    assert_eq!(later.path, "/");
    assert_eq!(later.stripped_prefix.as_deref(), Some("/stat"));
    let none = rule(vec![literal(&["/a"])]).rewrite("/b");
    assert!(matches!(none.path, Cow::Borrowed("/b")));
    assert_eq!(none.stripped_prefix, None);
}

#[test]
fn strip_matched_prefix_removes_what_the_first_matching_template_matched() {
    // stripPrefixRegex_test.go TestStripPrefixRegex, with the middleware's prefixes in order.
    let strip = rule(vec![Modifier::StripMatchedPrefix(vec![
        pattern("/a/api/"),
        pattern("/b/{regex}/"),
        pattern("/c/{category}/{id:[0-9]+}/"),
    ])]);
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("/a/api/test", "/test", Some("/a/api/")),
        ("/b/api/", "/", Some("/b/api/")),
        ("/b/api/test1", "/test1", Some("/b/api/")),
        ("/b/api2/test2", "/test2", Some("/b/api2/")),
        ("/c/api/123/", "/", Some("/c/api/123/")),
        ("/c/api/123/test3", "/test3", Some("/c/api/123/")),
        ("/c/api/abc/test4", "/c/api/abc/test4", None),
        ("/a/test", "/a/test", None),
    ];
    for (input, path, prefix) in cases {
        let rewrite = strip.rewrite(input);
        assert_eq!(rewrite.path, *path, "{input}");
        assert_eq!(rewrite.stripped_prefix.as_deref(), *prefix, "{input}");
    }
}

#[test]
fn later_modifiers_see_the_rest_of_a_matched_strip_without_a_slash() {
    // middlewares/stripPrefixRegex.go leaves URL.Path without its '/', and addPrefix.go
    // prepends to it: the research harness sent `/apiorders` to the backend.
    let chain = rule(vec![
        Modifier::StripMatchedPrefix(vec![pattern("/t/{tenant}/")]),
        Modifier::AddPrefix("/api".into()),
    ]);
    assert_eq!(chain.rewrite("/t/acme/orders").path, "/apiorders");
    let replaced = rule(vec![
        Modifier::StripMatchedPrefix(vec![pattern("/t/{tenant}/")]),
        Modifier::ReplacePath("/x".into()),
    ])
    .rewrite("/t/acme/orders");
    assert_eq!(replaced.replaced_paths, ["orders"]);
}

#[test]
fn modifiers_apply_in_order() {
    let chain = rule(vec![literal(&["/v1"]), Modifier::AddPrefix("/api".into())]);
    assert_eq!(chain.rewrite("/v1/users").path, "/api/users");
    let replace = rule(vec![Modifier::ReplacePath("/fixed".into())]);
    let rewrite = replace.rewrite("/anything");
    assert_eq!(rewrite.path, "/fixed");
    assert_eq!(rewrite.replaced_paths, ["/anything"]);
}

fn replace_regex(regex: &str, replacement: &str) -> Modifier {
    let regex = Regex::new(regex).expect("regex");
    let replacement = Replacement::parse(replacement, &regex);
    Modifier::ReplacePathRegex { regex, replacement }
}

#[test]
fn replace_path_regex_replaces_every_match_and_skips_non_matches() {
    // replace_path_regex_test.go TestReplacePathRegex.
    let cases: &[(&str, &str, &str, &str)] = &[
        // "simple regex"
        (
            "^/whoami/(.*)",
            "/who-am-i/$1",
            "/whoami/and/whoami",
            "/who-am-i/and/whoami",
        ),
        // "simple replace (no regex)": every match, Go's ReplaceAllString.
        (
            "/whoami",
            "/who-am-i",
            "/whoami/and/whoami",
            "/who-am-i/and/who-am-i",
        ),
        // "multiple replacement"
        (
            "^(?i)/downloads/([^/]+)/([^/]+)$",
            "/downloads/$1-$2",
            "/downloads/src/source.go",
            "/downloads/src-source.go",
        ),
    ];
    for (regex, replacement, input, expected) in cases {
        let rewrite = rule(vec![replace_regex(regex, replacement)]).rewrite(input);
        assert_eq!(rewrite.path, *expected, "{regex} {replacement}");
        assert_eq!(rewrite.replaced_paths, [*input]);
    }
    let untouched = rule(vec![replace_regex("^/foo/(.*)", "/bar/$1")]).rewrite("/other");
    assert!(matches!(untouched.path, Cow::Borrowed("/other")));
    assert!(untouched.replaced_paths.is_empty());
}

#[test]
fn each_replacement_that_applies_records_the_path_before_it() {
    // server_configuration.go buildMatcherMiddlewares: ReplacePathRegex, then ReplacePath,
    // each adding an X-Replaced-Path value (harness: ["/x", "/first/x"]).
    let both = rule(vec![
        replace_regex("^/(.*)", "/first/$1"),
        Modifier::ReplacePath("/last".into()),
    ]);
    let rewrite = both.rewrite("/x");
    assert_eq!(rewrite.path, "/last");
    assert_eq!(rewrite.replaced_paths, ["/x", "/first/x"]);
}

#[test]
fn a_rewritten_path_always_starts_with_a_slash() {
    let chain = rule(vec![Modifier::StripMatchedPrefix(vec![pattern(
        "/t/{tenant}/",
    )])]);
    assert_eq!(chain.rewrite("/t/acme/orders").path, "/orders");
    assert_eq!(chain.rewrite("/t/acme/").path, "/");
}

#[test]
fn an_unmodified_path_is_borrowed() {
    let plain = rule(vec![]);
    assert!(matches!(plain.rewrite("/x").path, Cow::Borrowed("/x")));
}

#[test]
fn header_and_query_matchers_without_a_value_ask_for_presence() {
    let mut headers = HeaderMap::new();
    let query_rule = |value: Option<&str>| Rule {
        expr: Expr::Test(Matcher::Query {
            key: "lang".into(),
            value: value
                .map(|value| Pattern::parse(value, PatternKind::QueryValue).expect("valid")),
        }),
        modifiers: vec![],
    };
    let header_rule = Rule {
        expr: Expr::Test(Matcher::Header {
            name: HeaderName::from_static("x-env"),
            value: None,
        }),
        modifiers: vec![],
    };
    let view = |query, headers: &HeaderMap| {
        let matches = |rule: &Rule| {
            rule.matches(&RequestView {
                method: &Method::GET,
                host: "h",
                path: "/",
                query,
                headers,
                client_ip: std::net::Ipv4Addr::LOCALHOST.into(),
            })
        };
        (
            matches(&query_rule(None)),
            matches(&query_rule(Some("fr"))),
            matches(&header_rule),
        )
    };
    assert_eq!(view(Some("lang"), &headers), (true, false, false));
    assert_eq!(view(Some("lang=fr&lang=de"), &headers), (true, true, false));
    assert_eq!(
        view(Some("lang=de&lang=fr"), &headers),
        (true, false, false)
    );
    headers.insert("x-env", http::HeaderValue::from_static(""));
    assert_eq!(view(None, &headers), (false, false, true));
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

/// Traefik's `ParseDomains` (`pkg/muxer/http/mux.go`) reads every `Host` of a rule, under `&&`
/// and `||` alike; hawser leaves out negated ones and the catch-all `*`.
#[test]
fn literal_hosts_are_every_host_matcher_not_negated() {
    let host = |name: &str| Expr::Test(Matcher::Host(name.into()));
    let method = Expr::Test(Matcher::Method(Method::GET));
    let rule = Expr::All(vec![
        Expr::Any(vec![host("a.test"), host("b.test"), host("a.test")]),
        method,
        Expr::Not(Box::new(host("not.test"))),
        Expr::Test(Matcher::HostWildcard("*.wild.test".into())),
        Expr::Test(Matcher::HostWildcard("*".into())),
        Expr::Test(Matcher::HostPattern(pattern("literal.test"))),
        Expr::Test(Matcher::HostPattern(pattern("{sub:[a-z]+}.test"))),
    ]);
    assert_eq!(
        rule.literal_hosts(),
        ["a.test", "b.test", "*.wild.test", "literal.test"]
    );
    assert!(Expr::All(vec![]).literal_hosts().is_empty());
}
