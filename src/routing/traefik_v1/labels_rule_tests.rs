//! How the rule label is read: as the TOML string Traefik 1.7 decodes, with Traefik's
//! default rule when it is empty.

use crate::routing::entry_points::EntryPoints;
use std::collections::BTreeMap;

use super::tests::{labels, parse, settings, skipped};
use super::{LabelSettings, parse_service_labels};
use crate::routing::SkipReason;

#[test]
fn rule_values_are_read_as_toml_strings_like_traefik_does() {
    // templates/docker.tmpl pastes the label into a TOML string; harness D55: Traefik matched
    // /a.txt, not /axtxt, with priority 24 (the decoded length).
    let written = r"Path:/{file:[a-z]+\\.txt}";
    let service = parse(&[("traefik.port", "80"), ("traefik.frontend.rule", written)])
        .result
        .expect("routed");
    let route = &service.routes[0];
    assert_eq!(route.rule_text, r"Path:/{file:[a-z]+\.txt}");
    assert_eq!(route.priority, 24);
    let matches = |path| {
        route.rule.matches(&crate::routing::RequestView {
            method: &http::Method::GET,
            host: "h",
            path,
            query: None,
            headers: &http::HeaderMap::new(),
            client_ip: std::net::Ipv4Addr::LOCALHOST.into(),
        })
    };
    assert!(matches("/a.txt"));
    assert!(!matches("/axtxt"));
    // An escape TOML refuses made Traefik drop the provider's whole configuration; hawser
    // skips this service and names the label.
    let reason = skipped(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", r"Path:/{file:[a-z]+\.txt}"),
    ]);
    assert!(matches!(reason, SkipReason::BadEscape { .. }), "{reason}");
    let reason = reason.to_string();
    assert!(
        reason.contains("traefik.frontend.rule") && reason.contains(r"\."),
        "{reason}"
    );
}

#[test]
fn an_empty_rule_is_no_rule() {
    // provider/docker/config.go getFrontendRule with label.go GetStringValue: empty means
    // unset, so the default rule applies, or the container is filtered out without a domain.
    let with_domain = parse_service_labels(
        "demo_web",
        &labels(&[("traefik.port", "80"), ("traefik.frontend.rule", "")]),
        &BTreeMap::new(),
        &LabelSettings {
            domain: Some("docker.localhost".into()),
            ..settings()
        },
        &EntryPoints::default(),
    );
    let route = &with_domain.result.expect("routed").routes[0];
    assert_eq!(route.rule_text, "Host:demo-web.docker.localhost");
    assert_eq!(
        route.priority,
        "Host:demo-web.docker.localhost".len() as u32
    );
    let without = skipped(&[("traefik.port", "80"), ("traefik.frontend.rule", "")]);
    assert!(matches!(without, SkipReason::NoRule { .. }), "{without}");
    // segment.go mergeDefault: a segment's own empty rule is not replaced by the root's.
    let segment = parse_service_labels(
        "demo_web",
        &labels(&[
            ("traefik.port", "80"),
            ("traefik.frontend.rule", "Path: /root"),
            ("traefik.api.frontend.rule", ""),
        ]),
        &BTreeMap::new(),
        &LabelSettings {
            domain: Some("example.org".into()),
            ..settings()
        },
        &EntryPoints::default(),
    );
    let route = &segment.result.expect("routed").routes[0];
    assert_eq!(route.rule_text, "Host:demo-web.example.org");
}

#[test]
fn the_domain_label_sets_the_default_rules_domain() {
    // provider/docker/config.go getFrontendRule: traefik.domain, else the provider's domain.
    let service = parse(&[("traefik.port", "80"), ("traefik.domain", "example.org")])
        .result
        .expect("routed");
    assert_eq!(service.routes[0].rule_text, "Host:demo-hello.example.org");
    let outcome = parse_service_labels(
        "demo_hello",
        &labels(&[("traefik.port", "80"), ("traefik.domain", "")]),
        &BTreeMap::new(),
        &LabelSettings {
            domain: Some("fallback.test".into()),
            ..settings()
        },
        &EntryPoints::default(),
    );
    let service = outcome.result.expect("routed");
    assert_eq!(service.routes[0].rule_text, "Host:demo-hello.fallback.test");
}
