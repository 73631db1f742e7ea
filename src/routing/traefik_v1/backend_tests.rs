use crate::routing::entry_points::EntryPoints;
use std::collections::BTreeMap;
use std::time::Duration;

use super::super::labels::{LabelSettings, parse_service_labels};
use super::*;

/// The balancer settings of the only route of a service with these labels, and the warnings.
fn settings(labels: &[(&str, &str)]) -> (BalancerSettings, Vec<String>) {
    let mut all: BTreeMap<String, String> = labels
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    all.insert("traefik.port".into(), "80".into());
    all.insert(
        "traefik.frontend.rule".into(),
        "Host:app.example.com".into(),
    );
    let outcome = parse_service_labels(
        "app",
        &all,
        &BTreeMap::new(),
        &LabelSettings {
            prefix: "traefik".into(),
            domain: None,
            exposed_by_default: true,
        },
        &EntryPoints::default(),
    );
    let labels = outcome.result.expect("routed");
    (labels.routes[0].balancer.clone(), outcome.warnings)
}

#[test]
fn no_backend_labels_mean_default_settings() {
    let (settings, warnings) = settings(&[]);
    assert_eq!(settings, BalancerSettings::default());
    assert!(warnings.is_empty());
}

#[test]
fn stickiness_turns_on_a_cookie_named_as_configured_and_sanitised() {
    let (on, warnings) = settings(&[
        ("traefik.backend.loadbalancer.stickiness", "true"),
        (
            "traefik.backend.loadbalancer.stickiness.cookieName",
            "my cookie",
        ),
    ]);
    let cookie = on.sticky.expect("sticky");
    assert_eq!(cookie.name.as_deref(), Some("my_cookie"));
    assert_eq!(cookie.path, "/");
    assert!(!cookie.secure && !cookie.http_only);
    assert!(warnings.is_empty(), "{warnings:?}");

    let (default_name, _) = settings(&[("traefik.backend.loadbalancer.stickiness", "1")]);
    assert_eq!(default_name.sticky.expect("sticky").name, None);

    let (off, _) = settings(&[
        ("traefik.backend.loadbalancer.stickiness", "false"),
        ("traefik.backend.loadbalancer.stickiness.cookieName", "c"),
    ]);
    assert_eq!(off.sticky, None);
}

#[test]
fn the_deprecated_sticky_label_works_with_a_warning_and_bad_booleans_fall_back() {
    let (old, warnings) = settings(&[("traefik.backend.loadbalancer.sticky", "true")]);
    assert!(old.sticky.is_some());
    assert!(warnings[0].contains("deprecated"), "{warnings:?}");

    let (bad, warnings) = settings(&[("traefik.backend.loadbalancer.stickiness", "yes")]);
    assert_eq!(bad.sticky, None, "Traefik 1.7 reads it as false");
    assert!(warnings[0].contains("is not a boolean"), "{warnings:?}");
}

#[test]
fn a_health_check_needs_a_path_and_reads_every_option() {
    let (checked, warnings) = settings(&[
        ("traefik.backend.healthcheck.path", "/health"),
        ("traefik.backend.healthcheck.interval", "5s"),
        ("traefik.backend.healthcheck.timeout", "2"),
        ("traefik.backend.healthcheck.port", "8080"),
        ("traefik.backend.healthcheck.hostname", "app.local"),
        (
            "traefik.backend.healthcheck.headers",
            "X-Check:yes||X-Other: two",
        ),
        ("traefik.backend.healthcheck.scheme", "http"),
    ]);
    assert!(warnings.is_empty(), "{warnings:?}");
    let check = checked.health_check.expect("health check");
    assert_eq!(check.path, "/health");
    assert_eq!(check.interval, Duration::from_secs(5));
    assert_eq!(check.unhealthy_interval, Duration::from_secs(5));
    assert_eq!(check.timeout, Duration::from_secs(2));
    assert_eq!(check.port, Some(8080));
    assert_eq!(check.hostname.as_deref(), Some("app.local"));
    assert_eq!(check.method, "GET");
    assert_eq!(check.status, None);
    assert_eq!(
        check.headers.into_iter().collect::<Vec<_>>(),
        vec![
            ("X-Check".to_owned(), "yes".to_owned()),
            ("X-Other".to_owned(), "two".to_owned())
        ]
    );

    let (defaults, _) = settings(&[("traefik.backend.healthcheck.path", "/")]);
    let check = defaults.health_check.expect("health check");
    assert_eq!(check.interval, HEALTH_CHECK_INTERVAL);
    assert_eq!(check.timeout, HEALTH_CHECK_TIMEOUT);
    assert_eq!(check.port, None);

    let (pathless, warnings) = settings(&[("traefik.backend.healthcheck.interval", "5s")]);
    assert_eq!(pathless.health_check, None);
    assert!(
        warnings[0].contains("without healthcheck.path"),
        "{warnings:?}"
    );
}

#[test]
fn bad_health_check_values_warn_and_use_the_defaults() {
    let (checked, warnings) = settings(&[
        ("traefik.backend.healthcheck.path", "/health"),
        ("traefik.backend.healthcheck.interval", "often"),
        ("traefik.backend.healthcheck.port", "eighty"),
        ("traefik.backend.healthcheck.scheme", "https"),
    ]);
    let check = checked.health_check.expect("still checked");
    assert_eq!(check.interval, HEALTH_CHECK_INTERVAL);
    assert_eq!(check.port, None);
    assert_eq!(check.scheme, None);
    let warnings = warnings.join("\n");
    for label in [
        "healthcheck.interval",
        "healthcheck.port",
        "healthcheck.scheme",
    ] {
        assert!(warnings.contains(label), "{label} missing from {warnings}");
    }
}

#[test]
fn a_segment_inherits_the_services_backend_labels() {
    let labels: BTreeMap<String, String> = [
        ("traefik.a.port", "80"),
        ("traefik.a.frontend.rule", "Host:a.example.com"),
        ("traefik.b.port", "81"),
        ("traefik.b.frontend.rule", "Host:b.example.com"),
        ("traefik.b.backend.loadbalancer.stickiness", "true"),
        ("traefik.backend.healthcheck.path", "/up"),
    ]
    .iter()
    .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
    .collect();
    let outcome = parse_service_labels(
        "app",
        &labels,
        &BTreeMap::new(),
        &LabelSettings {
            prefix: "traefik".into(),
            domain: None,
            exposed_by_default: true,
        },
        &EntryPoints::default(),
    );
    let routes = outcome.result.expect("routed").routes;
    assert_eq!(routes[0].balancer.sticky, None);
    assert!(routes[1].balancer.sticky.is_some());
    assert!(
        routes
            .iter()
            .all(|route| route.balancer.health_check.is_some())
    );
}
