//! Service labels (research §3.4): the load balancer's options with Traefik's defaults.

use std::collections::BTreeMap;

use super::*;
use crate::routing::traefik_v3::labels::decode;

fn read(pairs: &[(&str, &str)]) -> (Result<ServiceLabels, SkipReason>, Vec<String>) {
    let labels: BTreeMap<String, String> = pairs
        .iter()
        .map(|(key, value)| {
            (
                format!("traefik.http.services.s.{key}"),
                (*value).to_owned(),
            )
        })
        .collect();
    let decoded = decode(&labels, "traefik");
    let read = read_service(&decoded.services[0]);
    (read, decoded.services[0].options.warnings())
}

fn load_balancer(pairs: &[(&str, &str)]) -> LoadBalancerLabels {
    match read(pairs).0 {
        Ok(ServiceLabels::LoadBalancer(lb)) => lb,
        other => panic!("{other:?}"),
    }
}

/// `ServersLoadBalancer.SetDefaults`: passHostHeader true, wrr; server weight 1.
#[test]
fn a_load_balancer_has_traefiks_defaults() {
    let lb = load_balancer(&[("loadbalancer.server.port", "8080")]);
    assert_eq!(
        lb,
        LoadBalancerLabels {
            port: Some(8080),
            weight: 1,
            pass_host_header: true,
            settings: BalancerSettings::default(),
        }
    );
}

#[test]
fn load_balancer_options_are_read() {
    let (read, warnings) = read(&[
        ("loadBalancer.server.port", "80"),
        ("loadbalancer.server.weight", "0"),
        ("loadbalancer.server.scheme", "HTTP"),
        ("loadbalancer.passHostHeader", "false"),
        ("loadbalancer.strategy", "p2c"),
        ("loadbalancer.responseForwarding.flushInterval", "-1"),
        ("loadbalancer.sticky.cookie.httpOnly", "true"),
        ("loadbalancer.healthCheck.path", "/health"),
        ("loadbalancer.passiveHealthCheck.maxFailedAttempts", "3"),
    ]);
    let Ok(ServiceLabels::LoadBalancer(lb)) = read else {
        panic!("{read:?}")
    };
    assert_eq!(lb.weight, 0);
    assert!(!lb.pass_host_header);
    assert!(
        lb.settings
            .sticky
            .as_ref()
            .is_some_and(|cookie| cookie.http_only)
    );
    assert_eq!(
        lb.settings.health_check.as_ref().map(|c| c.path.as_str()),
        Some("/health")
    );
    assert_eq!(
        warnings.len(),
        3,
        "weight 0, p2c, passive checks: {warnings:?}"
    );
}

/// Research §3.5: only `sticky.cookie` turns stickiness on.
#[test]
fn sticky_needs_a_cookie() {
    let port = ("loadbalancer.server.port", "80");
    for (key, value, on) in [
        ("loadbalancer.sticky.cookie", "true", true),
        ("loadbalancer.sticky.cookie", "", true),
        ("loadbalancer.sticky.cookie.name", "c", true),
        ("loadbalancer.sticky", "true", false),
        ("loadbalancer.sticky.cookie", "false", false),
    ] {
        let lb = load_balancer(&[port, (key, value)]);
        assert_eq!(lb.settings.sticky.is_some(), on, "{key}={value}");
    }
    let off = load_balancer(&[
        port,
        ("loadbalancer.sticky.cookie", "false"),
        ("loadbalancer.sticky.cookie.name", "ignored"),
    ]);
    assert!(
        off.settings.sticky.is_none(),
        "false switches off what is under it"
    );
}

#[test]
fn bad_service_labels_name_the_label() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("loadbalancer.server.port", "http")],
            "traefik.http.services.s.loadbalancer.server.port",
        ),
        (
            &[("loadbalancer.server.port", "0")],
            "traefik.http.services.s.loadbalancer.server.port",
        ),
        (
            &[("loadbalancer.servers[0].port", "80")],
            "traefik.http.services.s.loadbalancer.servers[0].port",
        ),
        (
            &[("loadbalancer.server.weight", "heavy")],
            "traefik.http.services.s.loadbalancer.server.weight",
        ),
        (
            &[("loadbalancer.healthcheck", "true")],
            "traefik.http.services.s.loadbalancer.healthcheck",
        ),
        (
            &[("loadbalancer.healthcheck.interval", "10 s")],
            "traefik.http.services.s.loadbalancer.healthcheck.interval",
        ),
        (
            &[
                ("loadbalancer.server.port", "80"),
                ("loadbalancer.sticky.cookie.maxAge", "abc"),
            ],
            "traefik.http.services.s.loadbalancer.sticky.cookie.maxAge",
        ),
        (
            &[("loadbalancer.responseforwarding.flushinterval", "soon")],
            "traefik.http.services.s.loadbalancer.responseforwarding.flushinterval",
        ),
        (
            &[
                ("loadbalancer.server.port", "80"),
                ("weighted.services[0].name", "a"),
            ],
            "traefik.http.services.s.weighted",
        ),
        (
            &[("weighted.services[0].weight", "2")],
            "traefik.http.services.s.weighted.services[0].name",
        ),
        (
            &[("loadbalancr.server.port", "80")],
            "traefik.http.services.s.loadbalancer.server.port",
        ),
    ];
    for (pairs, label) in cases {
        let (read, _) = read(pairs);
        let reason = read.expect_err(label).to_string();
        assert!(reason.contains(label), "{pairs:?}: {reason}");
    }
}

#[test]
fn checks_hawser_cannot_run_as_traefik_would_are_left_out_with_a_warning() {
    for (key, value) in [
        ("loadbalancer.healthcheck.mode", "grpc"),
        ("loadbalancer.healthcheck.scheme", "https"),
    ] {
        let (read, warnings) = read(&[
            ("loadbalancer.server.port", "80"),
            ("loadbalancer.healthcheck.path", "/health"),
            (key, value),
        ]);
        let Ok(ServiceLabels::LoadBalancer(lb)) = read else {
            panic!("{read:?}")
        };
        assert_eq!(lb.settings.health_check, None, "{key}");
        assert!(
            warnings
                .iter()
                .any(|warning| warning.contains(key) && warning.contains("not health-checked")),
            "{key}: {warnings:?}"
        );
    }
    let (read, _) = read(&[
        ("loadbalancer.server.port", "80"),
        ("loadbalancer.healthcheck.path", "/health"),
        ("loadbalancer.healthcheck.scheme", "h2c"),
    ]);
    let Ok(ServiceLabels::LoadBalancer(lb)) = read else {
        panic!("{read:?}")
    };
    let check = lb.settings.health_check.expect("h2c checks run");
    assert_eq!(check.scheme, Some(Scheme::H2c));
}

#[test]
fn weighted_services_are_read_in_label_order() {
    let (read, _) = read(&[
        ("weighted.services[0].name", "a"),
        ("weighted.services[0].weight", "3"),
        ("weighted.services[1].name", "b@docker"),
    ]);
    let Ok(ServiceLabels::Weighted(weighted)) = read else {
        panic!("{read:?}")
    };
    let children: Vec<(&str, u32)> = weighted
        .services
        .iter()
        .map(|child| (child.name.as_str(), child.weight))
        .collect();
    assert_eq!(children, [("a", 3), ("b@docker", 1)]);
}
