use http::HeaderMap;

use super::*;
use crate::routing::middleware::test_support::{Outcome, context, request, run};

fn parse(pairs: &[(&str, &str)]) -> Result<Headers, OptionError> {
    let mut options = Options::new("traefik.http.middlewares.h.headers");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    let parsed = Headers::from_options(&options)?;
    options.finish()?;
    Ok(parsed)
}

fn send(pairs: &[(&str, &str)], method: &str, headers: &[(&str, &str)]) -> Outcome {
    let step = parse(pairs).expect("valid");
    run(
        &step,
        request(method, "http://example.org/foo", headers),
        &context(),
    )
}

/// The response headers a backend answering with `backend` ends up with.
fn response(outcome: &Outcome, backend: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut headers = HeaderMap::new();
    for (name, value) in backend {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_str(value).expect("value"),
        );
    }
    let mut pairs: Vec<(String, String)> = outcome
        .response_headers(headers)
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().expect("ascii").to_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// Header or option pairs.
type Pairs<'a> = &'a [(&'a str, &'a str)];

const ORIGIN: (&str, &str) = ("origin", "https://foo.bar.org");
const PREFLIGHT: [(&str, &str); 2] = [ORIGIN, ("access-control-request-method", "GET")];

#[test]
fn custom_request_headers_set_remove_and_set_the_host() {
    // pkg/middlewares/headers/header_test.go (request headers), and the doc's X-Script-Name
    let outcome = send(
        &[(
            "customRequestHeaders.X-Custom-Request-Header",
            "test_request",
        )],
        "GET",
        &[("foo", "bar")],
    );
    assert_eq!(
        outcome.header("x-custom-request-header"),
        Some("test_request")
    );
    assert_eq!(outcome.header("foo"), Some("bar"));
    let removing = [
        ("customRequestHeaders.X-Forwarded-For", ""),
        ("customRequestHeaders.X-Custom-Request-Header", ""),
        ("customRequestHeaders.Foo", ""),
    ];
    let present = [
        ("x-forwarded-for", "1.2.3.4"),
        ("x-custom-request-header", "x"),
        ("foo", "bar"),
    ];
    let outcome = send(&removing, "GET", &present);
    for name in ["x-forwarded-for", "x-custom-request-header", "foo"] {
        assert_eq!(outcome.header(name), None, "{name}");
    }
    let outcome = send(
        &[("customRequestHeaders.Foo", "test")],
        "GET",
        &[("foo", "bar")],
    );
    assert_eq!(outcome.header("foo"), Some("test"), "set replaces");
    let outcome = send(&[("customRequestHeaders.Host", "example.com")], "GET", &[]);
    assert_eq!(outcome.header("host"), Some("example.com"));
}

#[test]
fn custom_response_headers_set_and_remove() {
    // header_test.go: backend Foo: bar
    let cases: &[(Pairs, Pairs)] = &[
        (
            &[
                ("customResponseHeaders.Testing", "foo"),
                ("customResponseHeaders.Testing2", "bar"),
            ],
            &[("foo", "bar"), ("testing", "foo"), ("testing2", "bar")],
        ),
        (&[("customResponseHeaders.Testing2", "")], &[("foo", "bar")]),
        (&[("customResponseHeaders.Foo", "")], &[]),
    ];
    for (config, expected) in cases {
        let outcome = send(config, "GET", &[]);
        assert_eq!(
            response(&outcome, &[("foo", "bar")]),
            pairs(expected),
            "{config:?}"
        );
    }
}

#[test]
fn preflights_are_answered_with_the_cors_headers() {
    // header_test.go (preflight), v3.7.6+ semantics
    let cases: &[(Pairs, Pairs, Pairs)] = &[
        (
            &[
                ("accessControlAllowMethods", "GET,OPTIONS,PUT"),
                ("accessControlAllowOriginList", "https://foo.bar.org"),
                ("accessControlMaxAge", "600"),
            ],
            &[],
            &[
                ("content-length", "0"),
                ("access-control-allow-origin", "https://foo.bar.org"),
                ("access-control-max-age", "600"),
                ("access-control-allow-methods", "GET,OPTIONS,PUT"),
            ],
        ),
        (
            &[("accessControlAllowOriginList", "*")],
            &[],
            &[
                ("content-length", "0"),
                ("access-control-allow-origin", "*"),
            ],
        ),
        (
            &[
                ("accessControlAllowOriginList", "*"),
                ("accessControlAllowCredentials", "true"),
            ],
            &[],
            &[
                ("content-length", "0"),
                ("access-control-allow-origin", "https://foo.bar.org"),
                ("access-control-allow-credentials", "true"),
            ],
        ),
        (
            &[("accessControlAllowHeaders", "origin,X-Forwarded-For")],
            &[("access-control-request-headers", "x-a")],
            &[
                ("content-length", "0"),
                ("access-control-allow-headers", "origin,X-Forwarded-For"),
            ],
        ),
        (
            &[
                ("accessControlAllowHeaders", "*"),
                ("accessControlAllowMethods", "*"),
                ("accessControlAllowCredentials", "true"),
                ("accessControlExposeHeaders", "*"),
            ],
            &[("access-control-request-headers", "x-a,x-b")],
            &[
                ("content-length", "0"),
                ("access-control-allow-headers", "x-a,x-b"),
                ("access-control-allow-methods", "GET"),
                ("access-control-allow-credentials", "true"),
            ],
        ),
    ];
    for (config, extra, expected) in cases {
        let mut headers = PREFLIGHT.to_vec();
        headers.extend_from_slice(extra);
        let outcome = send(config, "OPTIONS", &headers);
        let answer = outcome.answer();
        assert_eq!(answer.status, StatusCode::OK, "{config:?}");
        assert!(answer.body.is_empty());
        let mut got: Vec<(String, String)> = answer
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().expect("ascii").to_owned()))
            .collect();
        got.sort();
        assert_eq!(got, pairs(expected), "{config:?}");
    }
}

#[test]
fn the_doc_cors_example() {
    // docs: headers.md, CORS
    let config = [
        ("accesscontrolallowmethods", "GET,OPTIONS,PUT"),
        ("accesscontrolallowheaders", "*"),
        (
            "accesscontrolalloworiginlist",
            "https://foo.bar.org,https://example.org",
        ),
        ("accesscontrolmaxage", "100"),
        ("addvaryheader", "true"),
    ];
    let preflight = [
        ("origin", "https://example.org"),
        ("access-control-request-method", "GET"),
    ];
    let outcome = send(&config, "OPTIONS", &preflight);
    let answer = outcome.answer();
    assert_eq!(
        answer.headers["access-control-allow-origin"],
        "https://example.org"
    );
    assert_eq!(
        answer.headers["access-control-allow-methods"],
        "GET,OPTIONS,PUT"
    );
    assert_eq!(answer.headers["access-control-allow-headers"], "*");
    assert_eq!(answer.headers["access-control-max-age"], "100");
    assert!(
        !answer.headers.contains_key("vary"),
        "no Vary on a preflight"
    );
    let outcome = send(&config, "GET", &[ORIGIN]);
    assert_eq!(
        response(&outcome, &[]),
        pairs(&[
            ("access-control-allow-origin", "https://foo.bar.org"),
            ("vary", "Origin")
        ])
    );
    let outcome = send(&config, "GET", &[("origin", "https://evil.org")]);
    assert_eq!(response(&outcome, &[]), pairs(&[("vary", "Origin")]));
}

#[test]
fn origins_match_the_list_then_the_regexes() {
    // header_test.go (simple responses)
    let cases: &[(Pairs, Option<&str>, Option<&str>)] = &[
        (
            &[("accessControlAllowOriginList", "https://foo.bar.org")],
            Some("https://foo.bar.org"),
            Some("https://foo.bar.org"),
        ),
        (
            &[("accessControlAllowOriginList", "*")],
            Some("https://foo.bar.org"),
            Some("*"),
        ),
        (
            &[(
                "accessControlAllowOriginListRegex",
                r"^https?://([a-z]+)\.bar\.org$",
            )],
            Some("https://foo.bar.org"),
            Some("https://foo.bar.org"),
        ),
        (
            &[("accessControlAllowOriginListRegex", r"([a-z]+)\.bar")],
            Some("https://foo.bar.org"),
            Some("https://foo.bar.org"),
        ),
        (
            &[("accessControlAllowOriginListRegex", r"([a-z]+)\.bar\.org")],
            Some("https://bar.org"),
            None,
        ),
        (
            &[("accessControlAllowOriginList", "https://foo.bar.org")],
            None,
            None,
        ),
        (&[("accessControlAllowOriginList", "*")], None, Some("*")),
    ];
    for (config, origin, expected) in cases {
        let headers: Vec<(&str, &str)> = origin
            .map(|origin| ("origin", origin))
            .into_iter()
            .collect();
        let outcome = send(config, "GET", &headers);
        let got = outcome.response_headers(HeaderMap::new());
        let allowed = got
            .get("access-control-allow-origin")
            .map(|value| value.to_str().expect("ascii"));
        assert_eq!(allowed, *expected, "{config:?} {origin:?}");
    }
    let err = parse(&[("accessControlAllowOriginListRegex", "a(b")]).expect_err("bad regex");
    assert_eq!(err.label, "accessControlAllowOriginListRegex");
}

#[test]
fn responses_get_credentials_exposed_headers_and_one_origin() {
    // header_test.go: [*] + credentials echoes the origin; a backend's ACAO is replaced
    let config = [
        ("accessControlAllowOriginList", "*"),
        ("accessControlAllowCredentials", "true"),
        ("accessControlExposeHeaders", "origin,X-Forwarded-For"),
    ];
    let outcome = send(&config, "GET", &[ORIGIN]);
    assert_eq!(
        response(
            &outcome,
            &[("access-control-allow-origin", "http://foo.bar.org")]
        ),
        pairs(&[
            ("access-control-allow-origin", "https://foo.bar.org"),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "origin,X-Forwarded-For"),
        ])
    );
    let outcome = send(&[("customRequestHeaders.X-A", "1")], "OPTIONS", &PREFLIGHT);
    assert_eq!(
        outcome.verdict,
        Verdict::Continue,
        "no CORS option: a preflight goes through"
    );
}

#[test]
fn security_headers() {
    // pkg/middlewares/headers/secure_test.go, and the doc's framedeny + browserxssfilter
    let cases: &[(Pairs, Pairs)] = &[
        (
            &[("permissionsPolicy", "microphone=(),")],
            &[("permissions-policy", "microphone=(),")],
        ),
        (
            &[("stsSeconds", "1"), ("forceSTSHeader", "true")],
            &[("strict-transport-security", "max-age=1")],
        ),
        (
            &[
                ("stsSeconds", "1"),
                ("forceSTSHeader", "true"),
                ("stsPreload", "true"),
            ],
            &[("strict-transport-security", "max-age=1; preload")],
        ),
        (
            &[
                ("stsSeconds", "31536000"),
                ("forceSTSHeader", "true"),
                ("stsIncludeSubdomains", "true"),
                ("stsPreload", "true"),
            ],
            &[(
                "strict-transport-security",
                "max-age=31536000; includeSubDomains; preload",
            )],
        ),
        (&[("stsSeconds", "1")], &[]),
        (&[("stsSeconds", "0")], &[]),
        (
            &[
                ("stsSeconds", "1"),
                ("forceSTSHeader", "true"),
                ("isDevelopment", "true"),
            ],
            &[],
        ),
        (
            &[("customFrameOptionsValue", "foo"), ("frameDeny", "true")],
            &[("x-frame-options", "foo")],
        ),
        (
            &[("frameDeny", "true"), ("browserXssFilter", "true")],
            &[
                ("x-frame-options", "DENY"),
                ("x-xss-protection", "1; mode=block"),
            ],
        ),
        (
            &[("contentTypeNosniff", "true")],
            &[("x-content-type-options", "nosniff")],
        ),
        (
            &[("customBrowserXSSValue", "0")],
            &[("x-xss-protection", "0")],
        ),
        (
            &[("contentSecurityPolicy", "default-src 'self'")],
            &[("content-security-policy", "default-src 'self'")],
        ),
        (
            &[("contentSecurityPolicyReportOnly", "script-src 'none'")],
            &[("content-security-policy-report-only", "script-src 'none'")],
        ),
        (
            &[("referrerPolicy", "no-referrer")],
            &[("referrer-policy", "no-referrer")],
        ),
        (&[("publicKey", "pin-sha256=\"x\"")], &[]),
        (
            &[
                ("frameDeny", "true"),
                ("customResponseHeaders.X-Frame-Options", ""),
            ],
            &[],
        ),
    ];
    for (config, expected) in cases {
        let outcome = send(config, "GET", &[]);
        assert_eq!(response(&outcome, &[]), pairs(expected), "{config:?}");
    }
}

#[test]
fn sts_is_sent_over_tls_or_an_ssl_proxy_header() {
    let step = parse(&[
        ("stsSeconds", "60"),
        ("sslProxyHeaders.X-Forwarded-Proto", "https"),
    ])
    .expect("valid");
    let tls = RequestContext {
        tls: true,
        ..context()
    };
    let over_tls = run(&step, request("GET", "/", &[]), &tls);
    assert_eq!(
        response(&over_tls, &[]),
        pairs(&[("strict-transport-security", "max-age=60")])
    );
    let proxied = run(
        &step,
        request("GET", "/", &[("x-forwarded-proto", "https")]),
        &context(),
    );
    assert_eq!(
        response(&proxied, &[]),
        pairs(&[("strict-transport-security", "max-age=60")])
    );
    let plain = run(
        &step,
        request("GET", "/", &[("x-forwarded-proto", "http")]),
        &context(),
    );
    assert_eq!(response(&plain, &[]), pairs(&[]));
}

#[test]
fn hosts_not_allowed_are_answered_bad_host() {
    // secure_test.go: allowedHosts [foo.com, bar.com]
    let config = [
        ("allowedHosts", "foo.com, bar.com"),
        ("customResponseHeaders.X-C", "1"),
        ("frameDeny", "true"),
    ];
    let step = parse(&config).expect("valid");
    let allowed = run(&step, request("GET", "http://FOO.com/", &[]), &context());
    assert_eq!(allowed.verdict, Verdict::Continue);
    for host in ["", "boo.com", "foo.com:8080"] {
        let target = format!("http://{host}/");
        let parts = if host.is_empty() {
            request("GET", "/", &[])
        } else {
            request("GET", &target, &[])
        };
        let outcome = run(&step, parts, &context());
        let answer = outcome.answer();
        assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR, "{host}");
        assert_eq!(answer.body, "Bad Host\n");
        assert_eq!(
            response(&outcome, &[]),
            pairs(&[("x-c", "1")]),
            "custom headers, no security ones"
        );
    }
    let proxied = parse(&[
        ("allowedHosts", "foo.com"),
        ("hostsProxyHeaders", "X-Forwarded-Host"),
    ])
    .expect("valid");
    let outcome = run(
        &proxied,
        request(
            "GET",
            "http://internal/",
            &[("x-forwarded-host", "foo.com")],
        ),
        &context(),
    );
    assert_eq!(outcome.verdict, Verdict::Continue);
    let development =
        parse(&[("allowedHosts", "foo.com"), ("isDevelopment", "true")]).expect("valid");
    let outcome = run(
        &development,
        request("GET", "http://other/", &[]),
        &context(),
    );
    assert_eq!(outcome.verdict, Verdict::Continue);
}

#[test]
fn deprecated_options_are_accepted_with_a_warning_and_ignored() {
    // docs/content/migrate/v2-to-v3-details.md: sslRedirect and friends are ignored in v3
    let mut options = Options::new("traefik.http.middlewares.h.headers");
    options.push(
        "sslRedirect",
        "traefik.http.middlewares.h.headers.sslRedirect",
        "true",
    );
    options.push(
        "sslHost",
        "traefik.http.middlewares.h.headers.sslHost",
        "x.org",
    );
    options.push(
        "featurePolicy",
        "traefik.http.middlewares.h.headers.featurePolicy",
        "vibrate 'none'",
    );
    let parsed = Headers::from_options(&options).expect("v3 builds it");
    assert_eq!(options.finish(), Ok(()));
    assert_eq!(parsed, Headers::default());
    let warnings = options.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0]
            .starts_with("label traefik.http.middlewares.h.headers.sslRedirect: is deprecated"),
        "{warnings:?}"
    );
    let outcome = run(&parsed, request("GET", "http://h/", &[]), &context());
    assert_eq!(outcome.verdict, Verdict::Continue, "no redirect");
}

#[test]
fn bad_options_name_their_label() {
    let err = parse(&[]).expect_err("sets nothing");
    assert!(
        err.reason.contains("headers configuration not valid"),
        "{err}"
    );
    assert!(
        parse(&[("stsSeconds", "0")]).is_ok(),
        "secure_test.go: stsSeconds 0 alone builds"
    );
    for (pairs, label) in [
        (
            &[("customRequestHeaders.Bad Name", "x")][..],
            "customrequestheaders.Bad Name",
        ),
        (
            &[("customResponseHeaders.X-A", "a\nb")][..],
            "customresponseheaders.X-A",
        ),
        (&[("frameDeny", "yes")][..], "frameDeny"),
        (&[("stsSeconds", "long")][..], "stsSeconds"),
        (&[("hostsProxyHeaders", "a b")][..], "hostsProxyHeaders"),
        (&[("frameDenny", "true")][..], "frameDenny"),
    ] {
        let err = parse(pairs).expect_err("bad option");
        assert!(err.label.eq_ignore_ascii_case(label), "{pairs:?}: {err}");
    }
}
