use super::*;
use crate::routing::middleware::Middleware;

fn labels(pairs: &'static [(&'static str, &'static str)]) -> Vec<FrontendLabel<'static>> {
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
    let built = frontend_middlewares("web", &labels(pairs), &mut warnings).expect("valid");
    (built, warnings)
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
        &mut warnings,
    )
    .expect_err("a bad range");
    // provider/docker TestBuildIPWhiteLister: a bad entry skips the frontend, never opens it.
    assert!(err.to_string().contains("whiteList.sourceRange"), "{err}");
    let err = frontend_middlewares("web", &labels(&[("redirect.regex", "^/a")]), &mut warnings)
        .expect_err("a regex alone");
    assert!(err.to_string().contains("replacement"), "{err}");
    let err = frontend_middlewares(
        "web",
        &labels(&[
            ("rateLimit.extractorFunc", "client.port"),
            ("rateLimit.rateSet.a.average", "1"),
        ]),
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
