use http::StatusCode;

use super::*;
use crate::routing::middleware::test_support::{context, request, run};
use crate::routing::middleware::{EntryPointRedirect, Middleware, RequestContext};

fn labels<'a>(pairs: &'a [(&'a str, &'a str)]) -> Vec<FrontendLabel<'a>> {
    pairs
        .iter()
        .map(|(key, value)| FrontendLabel {
            key,
            label: key,
            value,
        })
        .collect()
}

fn build(pairs: &'static [(&'static str, &'static str)]) -> (Vec<MiddlewareDef>, Vec<String>) {
    let mut warnings = Vec::new();
    let built = frontend_middlewares("web", &labels(pairs), &no_entry_points(), &mut warnings)
        .expect("valid");
    (built, warnings)
}

fn no_entry_points() -> EntryPoints {
    EntryPoints::default()
}

/// `web` on 80 and `alt` on 8080 (plain), `websecure` on 443 and `alt-secure` on 8443 (TLS).
fn lab_entry_points() -> EntryPoints {
    let names = ["web", "alt", "websecure", "alt-secure"];
    let mut entry_points = EntryPoints::new(names.map(|name| (name.to_owned(), true)));
    for (position, port) in [80, 8080, 443, 8443].into_iter().enumerate() {
        entry_points.set_port(position, port);
    }
    for name in ["websecure", "alt-secure"] {
        entry_points = entry_points.with_tls(name, Default::default());
    }
    entry_points
}

fn redirect_with(pairs: &[(&str, &str)]) -> (Vec<MiddlewareDef>, Vec<String>) {
    let mut warnings = Vec::new();
    let built = frontend_middlewares("web", &labels(pairs), &lab_entry_points(), &mut warnings)
        .expect("valid");
    (built, warnings)
}

/// The one entry point redirect built.
fn step(built: &[MiddlewareDef]) -> &EntryPointRedirect {
    match built {
        [
            MiddlewareDef {
                middleware: Middleware::EntryPointRedirect(step),
                ..
            },
        ] => step,
        other => panic!("one entryPointRedirect, got {other:?}"),
    }
}

fn kinds(built: &[MiddlewareDef]) -> Vec<&'static str> {
    built.iter().map(|def| def.middleware.kind()).collect()
}

#[test]
fn every_frontend_feature_becomes_a_middleware_in_traefiks_order() {
    // server/server_middlewares.go (v1.7): rate limit, whitelist, redirect, headers, basic auth.
    let (built, warnings) = build(&[
        (
            "auth.basic.users",
            "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/",
        ),
        (
            "headers.customRequestHeaders",
            "X-Script-Name:test||X-Gone:",
        ),
        ("redirect.regex", "^http://localhost/(.*)"),
        ("redirect.replacement", "http://mydomain/$1"),
        ("whiteList.sourceRange", "10.0.0.0/8, 192.168.1.7"),
        ("rateLimit.extractorFunc", "client.ip"),
        ("rateLimit.rateSet.a.period", "10s"),
        ("rateLimit.rateSet.a.average", "100"),
        ("rateLimit.rateSet.a.burst", "200"),
    ]);
    assert_eq!(
        kinds(&built),
        [
            "rateLimit",
            "ipAllowList",
            "redirectRegex",
            "headers",
            "basicAuth"
        ]
    );
    let names: Vec<&str> = built.iter().map(|def| def.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "web-ratelimit-a",
            "web-whitelist",
            "web-redirect",
            "web-headers",
            "web-auth"
        ]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn v1_header_maps_become_one_option_per_header() {
    // provider/label/label.go ParseMapValue: `K:v||K2:v2`, an empty value removes the header.
    let (built, _) = build(&[
        (
            "headers.customResponseHeaders",
            "X-Served-By:hawser || X-Powered-By:",
        ),
        ("headers.frameDeny", "true"),
        ("headers.STSSeconds", "315360000"),
    ]);
    let Middleware::Headers(headers) = &built[0].middleware else {
        panic!("headers, got {:?}", built[0].middleware);
    };
    let debug = format!("{headers:?}");
    assert!(debug.contains("x-served-by"), "{debug}");
    assert!(debug.contains("315360000"), "{debug}");
}

#[test]
fn what_the_middlewares_lack_is_warned_about_and_bad_values_skip_the_service() {
    let (_, warnings) = build(&[
        ("headers.publicKey", "pin-sha256=..."),
        ("headers.SSLHost", "x"),
    ]);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("headers.publicKey"), "{warnings:?}");
    let mut warnings = Vec::new();
    let err = frontend_middlewares(
        "web",
        &labels(&[("whiteList.sourceRange", "10.0.0.0/8, not-an-ip")]),
        &no_entry_points(),
        &mut warnings,
    )
    .expect_err("a bad range");
    // provider/docker TestBuildIPWhiteLister: a bad entry skips the frontend, never opens it.
    assert!(err.to_string().contains("whiteList.sourceRange"), "{err}");
    let err = frontend_middlewares(
        "web",
        &labels(&[("redirect.regex", "^/a")]),
        &no_entry_points(),
        &mut warnings,
    )
    .expect_err("a regex alone");
    assert!(err.to_string().contains("replacement"), "{err}");
    let err = frontend_middlewares(
        "web",
        &labels(&[
            ("rateLimit.extractorFunc", "client.port"),
            ("rateLimit.rateSet.a.average", "1"),
        ]),
        &no_entry_points(),
        &mut warnings,
    )
    .expect_err("an unknown extractor");
    assert!(err.to_string().contains("client.port"), "{err}");
}

#[test]
fn the_deprecated_spellings_still_work() {
    // v1.7 labels: `frontend.auth.basic` and `frontend.whitelistSourceRange` (older names).
    let (built, _) = build(&[
        ("auth.basic", "test:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="),
        ("whitelistSourceRange", "10.0.0.0/8"),
        ("whiteList.useXForwardedFor", "true"),
    ]);
    assert_eq!(kinds(&built), ["ipAllowList", "basicAuth"]);
}

/// Labels, method, URL, the `Location` sent, the status.
type RedirectCase<'a> = (
    &'a [(&'a str, &'a str)],
    &'a str,
    &'a str,
    &'a str,
    StatusCode,
);

#[test]
fn an_entry_point_redirect_sends_clients_to_that_entry_points_scheme_and_port() {
    // v1 `redirect.NewEntryPointHandler`: https when the target has TLS, its port; 302/307
    // unless `redirect.permanent`.
    let cases: [RedirectCase; 5] = [
        (
            &[("redirect.entryPoint", "websecure")],
            "GET",
            "http://app.example.com/hello/a?b=1",
            "https://app.example.com/hello/a?b=1",
            StatusCode::FOUND,
        ),
        (
            &[("redirect.entryPoint", "websecure")],
            "POST",
            "http://app.example.com:80/x",
            "https://app.example.com/x",
            StatusCode::TEMPORARY_REDIRECT,
        ),
        (
            &[
                ("redirect.entryPoint", "alt-secure"),
                ("redirect.permanent", "true"),
            ],
            "GET",
            "http://app.example.com/",
            "https://app.example.com:8443/",
            StatusCode::MOVED_PERMANENTLY,
        ),
        (
            &[("redirect.entryPoint", " alt ")],
            "GET",
            "http://app.example.com/x",
            "http://app.example.com:8080/x",
            StatusCode::FOUND,
        ),
        (
            // v1 takes the entry point when both kinds of redirect are given.
            &[
                ("redirect.entryPoint", "websecure"),
                ("redirect.regex", "^http://(.*)"),
                ("redirect.replacement", "http://elsewhere/$1"),
            ],
            "GET",
            "http://app.example.com/x",
            "https://app.example.com/x",
            StatusCode::FOUND,
        ),
    ];
    for (pairs, method, url, location, status) in cases {
        let (built, warnings) = redirect_with(pairs);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(kinds(&built), ["entryPointRedirect"], "{pairs:?}");
        assert_eq!(built[0].name, "web-redirect");
        let outcome = run(step(&built), request(method, url, &[]), &context());
        assert_eq!(outcome.status(), status, "{pairs:?} {method} {url}");
        assert_eq!(
            outcome.answer().headers["location"],
            location,
            "{pairs:?} {url}"
        );
    }
}

#[test]
fn a_request_on_the_target_entry_point_or_already_at_its_url_goes_on() {
    // On `websecure` (position 2) itself, whatever port `Host` names (a published port may
    // differ from the one hawser binds).
    let (built, _) = redirect_with(&[("redirect.entryPoint", "websecure")]);
    assert_eq!(step(&built).target, 2);
    let on_websecure = RequestContext {
        tls: true,
        entry_point: 2,
        ..context()
    };
    for url in ["http://app.example.com/x", "http://app.example.com:30443/x"] {
        let outcome = run(step(&built), request("GET", url, &[]), &on_websecure);
        assert_eq!(outcome.status(), StatusCode::OK, "{url}");
    }
    // On another entry point, a request already at the target's scheme and port goes on too.
    let (built, _) = redirect_with(&[("redirect.entryPoint", "alt")]);
    let outcome = run(
        step(&built),
        request("GET", "http://app.example.com:8080/x", &[]),
        &context(),
    );
    assert_eq!(outcome.status(), StatusCode::OK);
}

#[test]
fn a_redirect_to_an_entry_point_hawser_lacks_is_warned_about_and_left_out() {
    let (built, warnings) = redirect_with(&[
        ("redirect.entryPoint", "https"),
        ("headers.frameDeny", "true"),
    ]);
    assert_eq!(kinds(&built), ["headers"]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("redirect.entryPoint") && warnings[0].contains("\"https\""),
        "{warnings:?}"
    );
    assert!(
        warnings[0].contains("web, alt, websecure, alt-secure"),
        "{warnings:?}"
    );
    let mut warnings = Vec::new();
    let built = frontend_middlewares(
        "web",
        &labels(&[("redirect.entryPoint", "websecure")]),
        &no_entry_points(),
        &mut warnings,
    )
    .expect("valid");
    assert!(built.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}
