use std::collections::BTreeMap;

use super::{LabelOutcome, LabelSettings, parse_service_labels};
use crate::routing::SkipReason;
use crate::routing::entry_points::EntryPoints;

pub(super) fn settings() -> LabelSettings {
    LabelSettings {
        prefix: "traefik".into(),
        domain: None,
        exposed_by_default: true,
    }
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

pub(super) fn parse(pairs: &[(&str, &str)]) -> LabelOutcome {
    parse_service_labels(
        "demo_hello",
        &labels(pairs),
        &BTreeMap::new(),
        &settings(),
        &EntryPoints::default(),
    )
}

pub(super) fn skipped(pairs: &[(&str, &str)]) -> SkipReason {
    parse(pairs).result.expect_err("service should be skipped")
}

#[test]
fn the_seed_hello_labels() {
    let outcome = parse(&[
        ("traefik.port", "8080"),
        ("traefik.docker.network", "demo_apps"),
        ("traefik.frontend.rule", "PathPrefixStrip: /hello/"),
    ]);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let service = outcome.result.expect("routed");
    assert_eq!(service.network.as_deref(), Some("demo_apps"));
    let [route] = service.routes.as_slice() else {
        panic!("one route expected")
    };
    assert_eq!(route.port, 8080);
    assert_eq!(route.rule_text, "PathPrefixStrip: /hello/");
    assert_eq!(route.priority, "PathPrefixStrip: /hello/".len() as u32);
    assert_eq!(route.backend, "demo_hello");
    assert_eq!(route.weight, 1);
    assert!(route.pass_host_header);
    assert_eq!(route.segment, None);
}

#[test]
fn explicit_priority_weight_backend_and_pass_host() {
    let service = parse(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Host: a.test"),
        ("traefik.frontend.priority", "100"),
        ("traefik.frontend.passHostHeader", "false"),
        ("traefik.weight", "3"),
        ("traefik.backend", "shared"),
    ])
    .result
    .expect("routed");
    let route = &service.routes[0];
    assert_eq!(route.priority, 100);
    assert!(!route.pass_host_header);
    assert_eq!(route.weight, 3);
    assert_eq!(route.backend, "shared");
}

#[test]
fn priority_zero_means_the_rule_length_as_written() {
    let service = parse(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", " Path: /x "),
        ("traefik.frontend.priority", "0"),
    ])
    .result
    .expect("routed");
    assert_eq!(service.routes[0].priority, 10);
    assert_eq!(service.routes[0].rule_text, "Path: /x");
}

#[test]
fn enable_follows_the_default_and_the_label() {
    let disabled = skipped(&[("traefik.enable", "false"), ("traefik.port", "80")]);
    assert!(matches!(disabled, SkipReason::Disabled { .. }));
    let not_exposed = parse_service_labels(
        "svc",
        &labels(&[("traefik.port", "80"), ("traefik.frontend.rule", "Path: /")]),
        &BTreeMap::new(),
        &LabelSettings {
            exposed_by_default: false,
            ..settings()
        },
        &EntryPoints::default(),
    );
    assert!(matches!(
        not_exposed.result,
        Err(SkipReason::NotEnabled { .. })
    ));
    let opted_in = parse_service_labels(
        "svc",
        &labels(&[
            ("traefik.enable", "TRUE"),
            ("traefik.port", "80"),
            ("traefik.frontend.rule", "Path: /"),
        ]),
        &BTreeMap::new(),
        &LabelSettings {
            exposed_by_default: false,
            ..settings()
        },
        &EntryPoints::default(),
    );
    assert!(opted_in.result.is_ok());
}

#[test]
fn bad_values_skip_the_service_with_the_label_named() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("traefik.port", "http")], "traefik.port"),
        (&[("traefik.port", "0")], "traefik.port"),
        (&[("traefik.port", "70000")], "traefik.port"),
        (
            &[("traefik.port", "80"), ("traefik.frontend.rule", "Hots: x")],
            "traefik.frontend.rule",
        ),
        (
            &[("traefik.port", "80"), ("traefik.enable", "yes")],
            "traefik.enable",
        ),
        (
            &[
                ("traefik.port", "80"),
                ("traefik.frontend.rule", "Path: /"),
                ("traefik.weight", "-1"),
            ],
            "traefik.weight",
        ),
    ];
    for (pairs, label) in cases {
        let reason = skipped(pairs).to_string();
        assert!(reason.contains(label), "{pairs:?}: {reason}");
    }
}

#[test]
fn unparsable_numbers_and_booleans_fall_back_to_traefiks_defaults_with_a_warning() {
    // provider/label/label.go GetIntValue, GetBoolValue: the error is logged, the default used;
    // server_configuration.go: a priority that is not above 0 means the rule's length.
    let outcome = parse(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Path: /"),
        ("traefik.frontend.priority", "high"),
        ("traefik.frontend.passHostHeader", "maybe"),
        ("traefik.weight", "heavy"),
    ]);
    let route = &outcome.result.expect("routed").routes[0];
    assert_eq!(route.priority, "Path: /".len() as u32);
    assert!(route.pass_host_header);
    assert_eq!(route.weight, 1);
    let warnings = outcome.warnings.join("\n");
    for label in [
        "traefik.frontend.priority",
        "traefik.frontend.passHostHeader",
        "traefik.weight",
    ] {
        assert!(warnings.contains(label), "{label} missing from {warnings}");
    }
    let negative = parse(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Path: /"),
        ("traefik.frontend.priority", "-5"),
    ]);
    assert!(negative.warnings.is_empty(), "{:?}", negative.warnings);
    assert_eq!(negative.result.expect("routed").routes[0].priority, 7);
}

#[test]
fn a_missing_port_is_reported_with_the_label_to_set() {
    let reason = skipped(&[("traefik.frontend.rule", "Path: /")]);
    assert!(matches!(reason, SkipReason::MissingPort { .. }));
    assert!(reason.to_string().contains("traefik.port"));
}

#[test]
fn container_labels_are_not_read_and_the_reason_says_where_to_move_them() {
    let container = labels(&[("traefik.enable", "false")]);
    let outcome = parse_service_labels(
        "demo_traefik",
        &BTreeMap::new(),
        &container,
        &settings(),
        &EntryPoints::default(),
    );
    let reason = outcome.result.expect_err("no port label").to_string();
    assert!(reason.contains("traefik.enable"), "{reason}");
    assert!(reason.contains("deploy.labels"), "{reason}");

    // Routed services get the same advice as a warning.
    let service = labels(&[("traefik.port", "80"), ("traefik.frontend.rule", "Path: /")]);
    let container = labels(&[("traefik.frontend.priority", "5")]);
    let outcome = parse_service_labels(
        "svc",
        &service,
        &container,
        &settings(),
        &EntryPoints::default(),
    );
    assert!(outcome.result.is_ok());
    assert!(outcome.warnings.iter().any(|w| w.contains("deploy.labels")));

    // Labels present in both places (the seed's hello service) need no warning.
    let both = labels(&[("traefik.port", "80"), ("traefik.frontend.rule", "Path: /")]);
    let outcome = parse_service_labels("svc", &both, &both, &settings(), &EntryPoints::default());
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn domain_gives_a_default_host_rule() {
    let outcome = parse_service_labels(
        "demo_web/app",
        &labels(&[("traefik.port", "80")]),
        &BTreeMap::new(),
        &LabelSettings {
            domain: Some("docker.localhost".into()),
            ..settings()
        },
        &EntryPoints::default(),
    );
    let service = outcome.result.expect("routed");
    assert_eq!(
        service.routes[0].rule_text,
        "Host:demo-web-app.docker.localhost"
    );
    let without_domain = skipped(&[("traefik.port", "80")]);
    assert!(matches!(without_domain, SkipReason::NoRule { .. }));
}

#[test]
fn segments_make_one_route_each_and_inherit_unsegmented_labels() {
    let service = parse(&[
        ("traefik.port", "8080"),
        ("traefik.frontend.passHostHeader", "false"),
        ("traefik.api.frontend.rule", "PathPrefix: /api"),
        ("traefik.admin.frontend.rule", "PathPrefix: /admin"),
        ("traefik.admin.port", "9090"),
        ("traefik.admin.backend", "ops"),
    ])
    .result
    .expect("routed");
    assert_eq!(
        service.routes.len(),
        2,
        "the unsegmented route is not added"
    );
    let admin = &service.routes[0];
    assert_eq!(admin.segment.as_deref(), Some("admin"));
    assert_eq!(admin.port, 9090);
    assert_eq!(admin.backend, "demo_hello-ops");
    assert!(!admin.pass_host_header);
    let api = &service.routes[1];
    assert_eq!(api.port, 8080);
    assert_eq!(api.backend, "demo_hello-api");
}

#[test]
fn access_control_labels_protect_the_route_or_skip_the_service() {
    for label in [
        "traefik.frontend.auth.basic.users",
        "traefik.frontend.whiteList.sourceRange",
        "traefik.frontend.whitelistSourceRange",
    ] {
        // A value that does not parse never exposes the service without its protection.
        let reason = skipped(&[
            ("traefik.port", "80"),
            ("traefik.frontend.rule", "Path: /"),
            (label, "x"),
        ]);
        assert!(
            matches!(&reason, SkipReason::BadOption { label: named, .. } if named == label),
            "{label}: {reason}"
        );
    }
    let segment = skipped(&[
        ("traefik.port", "80"),
        ("traefik.web.frontend.rule", "Path: /"),
        ("traefik.web.frontend.auth.basic.users", "x"),
    ]);
    assert!(matches!(segment, SkipReason::BadOption { .. }), "{segment}");
    let unsupported = skipped(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Path: /"),
        (
            "traefik.frontend.auth.digest.users",
            "test:traefik:a2688e031edb4be6a3797f3882655c05",
        ),
    ]);
    assert!(
        matches!(unsupported, SkipReason::Unsupported { .. }),
        "{unsupported}"
    );
}

#[test]
fn non_http_backends_are_refused() {
    let reason = skipped(&[
        ("traefik.port", "443"),
        ("traefik.frontend.rule", "Path: /"),
        ("traefik.protocol", "https"),
    ]);
    assert!(matches!(reason, SkipReason::Unsupported { .. }));
    let http = parse(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Path: /"),
        ("traefik.protocol", "http"),
    ]);
    assert!(http.result.is_ok());
    let h2c = parse(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Path: /"),
        ("traefik.protocol", "H2C"),
    ]);
    let routes = h2c.result.expect("h2c is served").routes;
    assert_eq!(
        routes[0].balancer.scheme,
        crate::routing::load_balancer::Scheme::H2c
    );
}

#[test]
fn ignored_and_unknown_labels_are_warnings_only() {
    let outcome = parse(&[
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Path: /"),
        ("traefik.tags", "public"),
        ("traefik.backend.loadbalancer.method", "drr"),
        ("traefik.frontend.headers.SSLRedirect", "true"),
        ("traefik.frontend.rulle", "Path: /typo"),
        ("other.label", "not ours"),
    ]);
    assert!(outcome.result.is_ok());
    let warnings = outcome.warnings.join("\n");
    for label in [
        "traefik.tags",
        "traefik.backend.loadbalancer.method",
        "traefik.frontend.headers.SSLRedirect",
        "traefik.frontend.rulle",
    ] {
        assert!(warnings.contains(label), "{label} missing from {warnings}");
    }
    assert!(!warnings.contains("other.label"));
    assert_eq!(outcome.warnings.len(), 4);
}

/// Traefik 1.7 `provider/label/label.go` `GetSliceStringValue` (split on commas, trimmed,
/// empty items dropped) read through `SegmentLabels`: a segment's own value, else the
/// service's; no label means the default entry points.
#[test]
fn entry_points_are_a_comma_list_a_segment_may_set() {
    let entry_points = |pairs: &[(&str, &str)]| -> Vec<(Option<String>, Vec<String>)> {
        let service = parse(pairs).result.expect("routed");
        let routes = service.routes.into_iter();
        routes
            .map(|route| (route.segment, route.entry_points))
            .collect()
    };
    let names = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
    let base = [("traefik.port", "80"), ("traefik.frontend.rule", "Path: /")];
    assert_eq!(entry_points(&base), vec![(None, vec![])]);
    let listed = [
        &base[..],
        &[("traefik.frontend.entryPoints", " http, ,https ")],
    ]
    .concat();
    assert_eq!(
        entry_points(&listed),
        vec![(None, names(&["http", "https"]))]
    );
    let outcome = parse(&listed);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let empty = [&base[..], &[("traefik.frontend.entryPoints", "")]].concat();
    assert_eq!(entry_points(&empty), vec![(None, vec![])]);

    let segments = [
        ("traefik.frontend.entryPoints", "http"),
        ("traefik.a.port", "80"),
        ("traefik.a.frontend.rule", "Path: /a"),
        ("traefik.a.frontend.entryPoints", "admin"),
        ("traefik.b.port", "81"),
        ("traefik.b.frontend.rule", "Path: /b"),
    ];
    assert_eq!(
        entry_points(&segments),
        vec![
            (Some("a".to_owned()), names(&["admin"])),
            (Some("b".to_owned()), names(&["http"])),
        ]
    );
}

#[test]
fn another_prefix_reads_other_labels() {
    let outcome = parse_service_labels(
        "svc",
        &labels(&[
            ("hawser.port", "80"),
            ("hawser.frontend.rule", "Path: /"),
            ("traefik.port", "nonsense"),
        ]),
        &BTreeMap::new(),
        &LabelSettings {
            prefix: "hawser".into(),
            ..settings()
        },
        &EntryPoints::default(),
    );
    assert_eq!(outcome.result.expect("routed").routes[0].port, 80);
}
