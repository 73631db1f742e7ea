use std::time::Duration;

use super::*;

fn options<'a>(prefix: &str, pairs: &'a [(&'a str, &'a str)]) -> Options<'a> {
    let mut options = Options::new(prefix);
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    options
}

const COOKIE: &str = "traefik.http.services.s.loadbalancer.sticky.cookie";
const CHECK: &str = "traefik.http.services.s.loadbalancer.healthcheck";

/// `sticky.cookie=true` alone: Traefik's `Cookie.SetDefaults` (path `/`), everything else off
/// (research §3.5).
#[test]
fn a_bare_sticky_cookie_has_traefiks_defaults() {
    let cookie = StickyCookie::from_options(&options(COOKIE, &[])).expect("valid");
    assert_eq!(
        cookie,
        StickyCookie {
            name: None,
            secure: false,
            http_only: false,
            same_site: None,
            max_age: 0,
            path: "/".into(),
            domain: None,
        }
    );
}

/// The docs' label reference (`docker-labels.yml`) sets each cookie option.
#[test]
fn every_cookie_option_is_read() {
    let pairs = [
        ("name", "my cookie;v1"),
        ("secure", "true"),
        ("httpOnly", "TRUE"),
        ("sameSite", "Lax"),
        ("maxAge", "-1"),
        ("path", "/app"),
        ("domain", "example.com"),
    ];
    let cookie = StickyCookie::from_options(&options(COOKIE, &pairs)).expect("valid");
    assert_eq!(cookie.name.as_deref(), Some("my_cookie_v1"));
    assert!(cookie.secure && cookie.http_only);
    assert_eq!(cookie.same_site, Some(SameSite::Lax));
    assert_eq!(cookie.max_age, -1);
    assert_eq!(cookie.path, "/app");
    assert_eq!(cookie.domain.as_deref(), Some("example.com"));
}

#[test]
fn bad_cookie_options_name_their_label() {
    let cases: &[(&str, &str)] = &[
        ("samesite", "sometimes"),
        ("secure", "yes"),
        ("maxage", "forever"),
        ("nmae", "x"),
    ];
    for (key, value) in cases {
        let pairs = [(*key, *value)];
        let err = StickyCookie::from_options(&options(COOKIE, &pairs)).expect_err(key);
        assert_eq!(err.label, *key, "{err}");
    }
}

/// `ServerHealthCheck.SetDefaults`: mode http, 30s, 5s, redirects followed; the unhealthy
/// interval defaults to the interval (v3.5+).
#[test]
fn health_check_defaults_follow_traefik() {
    let pairs = [("path", "/health")];
    let options = options(CHECK, &pairs);
    let check = HealthCheck::from_options(&options).expect("valid");
    assert_eq!(check.path, "/health");
    assert_eq!(check.mode, HealthCheckMode::Http);
    assert_eq!(check.method, "GET");
    assert_eq!(check.interval, Duration::from_secs(30));
    assert_eq!(check.unhealthy_interval, Duration::from_secs(30));
    assert_eq!(check.timeout, Duration::from_secs(5));
    assert!(check.follow_redirects);
    assert_eq!((check.status, check.port, check.scheme), (None, None, None));
    assert!(options.warnings().is_empty());
}

#[test]
fn every_health_check_option_is_read() {
    let pairs = [
        ("path", "/ready?full=1"),
        ("interval", "10"),
        ("unhealthyInterval", "2s"),
        ("timeout", "1500ms"),
        ("scheme", "https"),
        ("mode", "grpc"),
        ("hostname", "internal.example"),
        ("headers.X-Check", "hawser"),
        ("followRedirects", "false"),
        ("method", "HEAD"),
        ("status", "204"),
        ("port", "8081"),
    ];
    let check = HealthCheck::from_options(&options(CHECK, &pairs)).expect("valid");
    assert_eq!(
        check.interval,
        Duration::from_secs(10),
        "a bare number is seconds"
    );
    assert_eq!(check.unhealthy_interval, Duration::from_secs(2));
    assert_eq!(check.timeout, Duration::from_millis(1500));
    assert_eq!(check.scheme, Some(Scheme::Https));
    assert_eq!(check.mode, HealthCheckMode::Grpc);
    assert_eq!(check.hostname.as_deref(), Some("internal.example"));
    assert_eq!(
        check.headers,
        [("X-Check".to_owned(), "hawser".to_owned())].into()
    );
    assert!(!check.follow_redirects);
    assert_eq!(check.method, "HEAD");
    assert_eq!(check.status, Some(204));
    assert_eq!(check.port, Some(8081));
}

/// Traefik logs an error and uses its default for an interval or timeout that is not positive
/// (`pkg/healthcheck/healthcheck.go` `NewServiceHealthChecker`).
#[test]
fn a_zero_interval_is_replaced_by_the_default_with_a_warning() {
    let pairs = [("interval", "0"), ("timeout", "0s")];
    let options = options(CHECK, &pairs);
    let check = HealthCheck::from_options(&options).expect("valid");
    let warnings = options.warnings();
    assert_eq!(check.interval, HEALTH_CHECK_INTERVAL);
    assert_eq!(check.timeout, HEALTH_CHECK_TIMEOUT);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("label interval: "), "{warnings:?}");
}

#[test]
fn bad_health_check_options_name_their_label() {
    let cases: &[(&str, &str)] = &[
        ("interval", "10 s"),
        ("mode", "grcp"),
        ("scheme", "ftp"),
        ("method", "GE T"),
        ("status", "700"),
        ("port", "70000"),
        ("followredirects", "maybe"),
        ("pth", "/health"),
        ("headers.Bad Name", "x"),
    ];
    for (key, value) in cases {
        let pairs = [(*key, *value)];
        let err = HealthCheck::from_options(&options(CHECK, &pairs)).expect_err(key);
        assert_eq!(err.label, *key, "{err}");
    }
}

#[test]
fn schemes_are_traefiks_three() {
    for (value, scheme) in [
        ("http", Scheme::Http),
        ("HTTP", Scheme::Http),
        ("h2c", Scheme::H2c),
        ("https", Scheme::Https),
    ] {
        let pairs = [("scheme", value)];
        assert_eq!(
            Scheme::from_options(&options("p", &pairs), "scheme"),
            Ok(scheme)
        );
    }
    let pairs = [("scheme", "ws")];
    assert!(Scheme::from_options(&options("p", &pairs), "scheme").is_err());
}
