//! Provider semantics, case by case: the rows of research §2.6's table (service
//! `mystack_web`) and the Swarm label examples of the Traefik docs (§4.3, S1-S16).

use crate::routing::EntryPoints;
use crate::routing::compile::tests::Swarm;
use crate::routing::load_balancer::Scheme;
use crate::routing::traefik_v3::test_support::{
    Settings, addresses, compile, compile_with, route, route_names, skipped, warnings,
};

const WEB: &str = "mystack_web";

/// `mystack_web` on `demo_apps` with two running tasks (10.0.1.5 and 10.0.1.6) and one
/// that is not running.
fn web(labels: &[(&str, &str)]) -> Swarm {
    Swarm::new()
        .service(WEB, labels, &["apps-id"])
        .task(WEB, 5, "running", "running")
        .task(WEB, 6, "running", "running")
        .task(WEB, 7, "running", "starting")
}

fn reason(compiled: &crate::routing::spec::Compiled, router: Option<&str>) -> String {
    skipped(compiled, WEB, router).reason.clone()
}

/// §2.6 row 1: no routing labels: router `mystack-web` with the default rule on service
/// `mystack-web`, which has no port. Traefik drops the whole service; hawser skips the router
/// (the only one), naming the label that is missing. (A service with no label at all is read
/// as v1, hawser's dialect before v3, which needs `traefik.port` as much.)
#[test]
fn no_labels_gives_the_default_router_which_needs_a_port() {
    let compiled = compile(&web(&[("traefik.swarm.network", "demo_apps")]));
    assert!(compiled.spec.routes.is_empty());
    let reason = reason(&compiled, Some("mystack-web@swarm"));
    assert!(
        reason.contains("traefik.http.services.mystack-web.loadbalancer.server.port"),
        "{reason}"
    );
    assert!(reason.contains("port is missing"), "{reason}");
    let report = &compiled.services[0];
    assert_eq!(report.status.status, "skipped");
    assert!(
        report
            .status
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("no router is exposed")
    );
}

/// §2.6 row 2: a service with a port and no router: the default router, named after the
/// Swarm service, with the default rule, on that service; servers are the running tasks.
#[test]
fn a_service_alone_gets_the_default_router_and_rule() {
    let compiled = compile(&web(&[(
        "traefik.http.services.web.loadbalancer.server.port",
        "8080",
    )]));
    let route = route(&compiled, "mystack-web@swarm");
    assert_eq!(route.rule_text, "Host(`mystack-web`)");
    assert_eq!(route.priority, "Host(`mystack-web`)".len() as u32);
    assert_eq!(route.balancer, "web@swarm");
    assert_eq!(route.service, WEB);
    assert_eq!(
        addresses(&compiled, "web@swarm"),
        ["10.0.1.5:8080", "10.0.1.6:8080"]
    );
    assert_eq!(compiled.services[0].routes, ["mystack-web@swarm"]);
    assert_eq!(compiled.services[0].network.as_deref(), Some("demo_apps"));
}

/// §2.6 rows 3, 7 and S1/S4: a router without `service` goes to the only service; with
/// `service`, to the one named.
#[test]
fn routers_link_to_the_only_service_or_the_named_one() {
    // S1 (v3.0 swarm docs).
    let compiled = compile(&web(&[
        (
            "traefik.http.routers.my-container.rule",
            "Host(`example.com`)",
        ),
        (
            "traefik.http.services.my-container-service.loadbalancer.server.port",
            "8080",
        ),
    ]));
    assert_eq!(
        route(&compiled, "my-container@swarm").balancer,
        "my-container-service@swarm"
    );
    assert_eq!(
        addresses(&compiled, "my-container-service@swarm"),
        ["10.0.1.5:8080", "10.0.1.6:8080"]
    );
    // §2.6 row 7.
    let compiled = compile(&web(&[
        ("traefik.http.routers.r.rule", "Host(`a`)"),
        ("traefik.http.routers.r.service", "s2"),
        ("traefik.http.services.s1.loadbalancer.server.port", "80"),
        ("traefik.http.services.s2.loadbalancer.server.port", "81"),
    ]));
    assert_eq!(route_names(&compiled), ["r@swarm"]);
    assert_eq!(route(&compiled, "r@swarm").balancer, "s2@swarm");
    assert!(
        compiled.spec.skipped.is_empty(),
        "{:?}",
        compiled.spec.skipped
    );
}

/// §2.6 row 4 and S5: a router but no service label: the implicit service has no port.
#[test]
fn a_router_alone_uses_the_implicit_service_which_has_no_port() {
    let compiled = compile(&web(&[(
        "traefik.http.routers.myproxy.rule",
        "Host(`example.net`)",
    )]));
    assert!(compiled.spec.routes.is_empty());
    let reason = reason(&compiled, Some("myproxy@swarm"));
    assert!(reason.contains("service mystack-web@swarm"), "{reason}");
    assert!(reason.contains("loadbalancer.server.port"), "{reason}");
}

/// §2.6 rows 5 and 6: several services: no default router, and a router without `service`
/// cannot be linked.
#[test]
fn several_services_and_no_service_label() {
    let two = [
        ("traefik.http.services.s1.loadbalancer.server.port", "80"),
        ("traefik.http.services.s2.loadbalancer.server.port", "81"),
    ];
    let compiled = compile(&web(&two));
    assert!(compiled.spec.routes.is_empty());
    assert!(compiled.spec.skipped.is_empty());
    let messages = warnings(&compiled, WEB);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("several services (s1, s2)")),
        "{messages:?}"
    );

    let mut labels = two.to_vec();
    labels.push(("traefik.http.routers.r.rule", "Host(`a`)"));
    let compiled = compile(&web(&labels));
    let reason = reason(&compiled, Some("r@swarm"));
    assert!(reason.contains("several (s1, s2)"), "{reason}");
    assert!(
        reason.contains("traefik.http.routers.r.service"),
        "{reason}"
    );
}

/// §2.6 row 11: a router without a rule gets the default rule.
#[test]
fn a_router_without_a_rule_gets_the_default_rule_and_keeps_its_entry_points() {
    let settings = Settings {
        entry_points: EntryPoints::new([("web".to_owned(), true), ("websecure".to_owned(), false)]),
        ..Settings::default()
    };
    let swarm = web(&[
        ("traefik.http.routers.r.entrypoints", "web, websecure"),
        ("traefik.http.services.s.loadbalancer.server.port", "80"),
    ]);
    let compiled = compile_with(&swarm.snapshot, &settings);
    let route = route(&compiled, "r@swarm");
    assert_eq!(route.rule_text, "Host(`mystack-web`)");
    assert_eq!(route.entry_points, ["web", "websecure"]);
}

/// S14, through the provider: the default rule template reads the service's labels.
#[test]
fn the_default_rule_template_reads_labels() {
    let swarm = web(&[
        ("customLabel", "example.org"),
        ("traefik.http.services.s.loadbalancer.server.port", "80"),
    ]);
    let settings = Settings {
        default_rule: super::super::template::RuleTemplate::parse(
            "Host(`{{ .Name }}.{{ index .Labels \"customLabel\"}}`)",
        )
        .expect("valid"),
        ..Settings::default()
    };
    let compiled = compile_with(&swarm.snapshot, &settings);
    assert_eq!(
        route(&compiled, "mystack-web@swarm").rule_text,
        "Host(`mystack-web.example.org`)"
    );
    let empty = Settings {
        default_rule: super::super::template::RuleTemplate::parse("{{ index .Labels \"x\" }}")
            .expect("valid"),
        ..Settings::default()
    };
    let compiled = compile_with(&swarm.snapshot, &empty);
    assert!(reason(&compiled, Some("mystack-web@swarm")).contains("gives an empty one"));
}

/// S2: the docs' stray quote makes the service name one that does not exist.
#[test]
fn a_router_naming_a_missing_service_is_skipped() {
    let compiled = compile(&web(&[
        (
            "traefik.http.routers.my-container.rule",
            "Host(`example.com`)",
        ),
        ("traefik.http.routers.my-container.service", "my-service\""),
        (
            "traefik.http.services.my-service.loadbalancer.server.port",
            "12345",
        ),
    ]));
    let reason = reason(&compiled, Some("my-container@swarm"));
    assert!(reason.contains("service my-service\"@swarm"), "{reason}");
    assert!(reason.contains("does not exist"), "{reason}");
}

/// S3: two routers, two services; each task is a server of both.
#[test]
fn two_routers_two_services() {
    let compiled = compile(&web(&[
        (
            "traefik.http.routers.www-router.rule",
            "Host(`example-a.com`)",
        ),
        ("traefik.http.routers.www-router.service", "www-service"),
        (
            "traefik.http.services.www-service.loadbalancer.server.port",
            "8000",
        ),
        (
            "traefik.http.routers.admin-router.rule",
            "Host(`example-b.com`)",
        ),
        ("traefik.http.routers.admin-router.service", "admin-service"),
        (
            "traefik.http.services.admin-service.loadbalancer.server.port",
            "9000",
        ),
    ]));
    assert_eq!(
        route_names(&compiled),
        ["admin-router@swarm", "www-router@swarm"]
    );
    assert_eq!(
        addresses(&compiled, "www-service@swarm"),
        ["10.0.1.5:8000", "10.0.1.6:8000"]
    );
    assert_eq!(
        addresses(&compiled, "admin-service@swarm"),
        ["10.0.1.5:9000", "10.0.1.6:9000"]
    );
}

/// S8, S9 and §2.6's TCP row: TCP/UDP labels alone make no HTTP router; beside HTTP labels
/// they are ignored with a warning.
#[test]
fn tcp_and_udp_labels_alone_make_no_http_router() {
    for labels in [
        &[
            (
                "traefik.tcp.routers.my-router.rule",
                "HostSNI(`example.com`)",
            ),
            ("traefik.tcp.routers.my-router.tls", "true"),
            (
                "traefik.tcp.services.my-service.loadbalancer.server.port",
                "4123",
            ),
        ][..],
        &[
            ("traefik.udp.routers.my-router.entrypoints", "udp"),
            (
                "traefik.udp.services.my-service.loadbalancer.server.port",
                "4123",
            ),
        ][..],
    ] {
        let compiled = compile(&web(labels));
        assert!(compiled.spec.routes.is_empty());
        assert!(matches!(reason(&compiled, None), r if r.contains("only TCP/UDP labels")));
    }
    let compiled = compile(&web(&[
        ("traefik.tcp.routers.t.rule", "HostSNI(`*`)"),
        ("traefik.http.services.s.loadbalancer.server.port", "80"),
    ]));
    assert_eq!(route_names(&compiled), ["mystack-web@swarm"]);
    assert!(
        warnings(&compiled, WEB)
            .iter()
            .any(|m| m.contains("traefik.tcp.routers.t.rule"))
    );
}

/// S15: keys from the docs' label reference (`docker-labels.yml`), read into the spec.
#[test]
fn the_label_reference_keys_are_read() {
    // `web` is a TLS entry point here: a router with tls is served on TLS ones only.
    let tls_web = Settings {
        entry_points: EntryPoints::new([("web".to_owned(), true)]).with_tls(
            "web",
            crate::routing::entry_points::EntryPointTls::default(),
        ),
        ..Settings::default()
    };
    let swarm = web(&[
        ("traefik.http.routers.router0.entrypoints", "web, web"),
        ("traefik.http.routers.router0.rule", "Host(`example.com`)"),
        ("traefik.http.routers.router0.priority", "42"),
        ("traefik.http.routers.router0.tls", "true"),
        ("traefik.http.routers.router0.tls.certresolver", "foobar"),
        ("traefik.http.routers.router0.tls.domains[0].main", "foobar"),
        (
            "traefik.http.routers.router0.tls.domains[0].sans",
            "foobar, foobar",
        ),
        ("traefik.http.routers.router0.tls.options", "foobar"),
        (
            "traefik.http.services.service0.loadbalancer.server.port",
            "8080",
        ),
        (
            "traefik.http.services.service0.loadbalancer.server.scheme",
            "http",
        ),
        (
            "traefik.http.services.service0.loadbalancer.server.weight",
            "42",
        ),
        (
            "traefik.http.services.service0.loadbalancer.passhostheader",
            "false",
        ),
        (
            "traefik.http.services.service0.loadbalancer.responseforwarding.flushinterval",
            "42s",
        ),
        (
            "traefik.http.services.service0.loadbalancer.sticky.cookie",
            "true",
        ),
        (
            "traefik.http.services.service0.loadbalancer.healthcheck.interval",
            "42s",
        ),
        (
            "traefik.http.services.service0.loadbalancer.healthcheck.path",
            "/health",
        ),
    ]);
    let compiled = compile_with(&swarm.snapshot, &tls_web);
    let route = route(&compiled, "router0@swarm");
    assert_eq!(route.entry_points, ["web"]);
    assert_eq!(route.priority, 42);
    assert!(!route.pass_host_header);
    let tls = route.tls.as_ref().expect("tls");
    assert_eq!(tls.cert_resolver.as_deref(), Some("foobar"));
    assert_eq!(tls.options.as_deref(), Some("foobar@swarm"));
    assert_eq!(tls.domains[0].sans, ["foobar", "foobar"]);
    let balancer = &compiled.spec.balancers["service0@swarm"];
    assert!(balancer.backends.iter().all(|backend| backend.weight == 42));
    assert!(balancer.settings.sticky.is_some());
    let check = balancer
        .settings
        .health_check
        .as_ref()
        .expect("health check");
    assert_eq!(check.interval, std::time::Duration::from_secs(42));
    assert!(
        compiled.spec.skipped.is_empty(),
        "{:?}",
        compiled.spec.skipped
    );
}

#[test]
fn an_h2c_service_is_routed_with_its_scheme() {
    let compiled = compile(&web(&[
        (
            "traefik.http.services.grpc.loadbalancer.server.port",
            "50051",
        ),
        (
            "traefik.http.services.grpc.loadbalancer.server.scheme",
            "h2c",
        ),
        ("traefik.http.routers.g.rule", "Host(`g`)"),
    ]));
    assert_eq!(route_names(&compiled), ["g@swarm"]);
    let balancer = &compiled.spec.balancers["grpc@swarm"];
    assert_eq!(balancer.settings.scheme, Scheme::H2c);
}

/// S15's keys hawser refuses rather than misroute: `server.url` (a fixed server instead of
/// the tasks), a strategy that does not exist.
#[test]
fn what_hawser_does_not_do_skips_that_service_and_its_routers() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "loadbalancer.server.url",
            "http://foobar",
            "a fixed server URL",
        ),
        ("loadbalancer.strategy", "foobar", "is not wrr"),
        ("loadbalancer.server.scheme", "https", "TLS to backends"),
        (
            "loadbalancer.serverstransport",
            "t@file",
            "servers transport",
        ),
        ("mirroring.service", "a", "mirroring"),
    ];
    for (key, value, expected) in cases {
        let label = format!("traefik.http.services.bad.{key}");
        let compiled = compile(&web(&[
            (&label, value),
            ("traefik.http.services.bad.loadbalancer.server.port", "80"),
            ("traefik.http.services.good.loadbalancer.server.port", "81"),
            ("traefik.http.routers.b.rule", "Host(`b`)"),
            ("traefik.http.routers.b.service", "bad"),
            ("traefik.http.routers.g.rule", "Host(`g`)"),
            ("traefik.http.routers.g.service", "good"),
        ]));
        assert_eq!(route_names(&compiled), ["g@swarm"], "{key}");
        let reason = reason(&compiled, Some("b@swarm"));
        assert!(reason.contains(expected), "{key}: {reason}");
        assert!(
            reason.contains("traefik.http.services.bad."),
            "{key}: {reason}"
        );
    }
}

/// The issue: a bad router beside a good one: that router alone is skipped, with a reason
/// naming the label; the service and its other router stay routed.
#[test]
fn a_bad_label_costs_only_its_router() {
    let compiled = compile(&web(&[
        ("traefik.http.routers.good.rule", "PathPrefix(`/good`)"),
        ("traefik.http.routers.bad.rule", "PathPrefix(`/bad`)"),
        ("traefik.http.routers.bad.priorty", "10"),
        ("traefik.http.routers.ugly.rule", "Nonsense(`x`)"),
        ("traefik.http.services.s.loadbalancer.server.port", "80"),
    ]));
    assert_eq!(route_names(&compiled), ["good@swarm"]);
    let bad = skipped(&compiled, WEB, Some("bad@swarm"));
    assert_eq!(
        bad.reason,
        "label traefik.http.routers.bad.priorty: unknown option \"priorty\""
    );
    let ugly = reason(&compiled, Some("ugly@swarm"));
    assert!(
        ugly.starts_with(
            "label traefik.http.routers.ugly.rule: unknown matcher 'Nonsense' at column 1"
        ),
        "the rule error says where: {ugly}"
    );
    let report = &compiled.services[0];
    assert_eq!(report.status.status, "routed");
    assert_eq!(report.skipped_routers.len(), 2);
}

/// A label that belongs to no object skips the service (it could have changed anything).
#[test]
fn a_label_outside_any_object_skips_the_service() {
    let compiled = compile(&web(&[
        ("traefik.http.rotuers.r.rule", "Host(`a`)"),
        ("traefik.http.services.s.loadbalancer.server.port", "80"),
    ]));
    assert!(compiled.spec.routes.is_empty());
    assert!(matches!(
        reason(&compiled, None).as_str(),
        "label traefik.http.rotuers.r.rule: unknown option \"rotuers\" (known: routers, services, middlewares)"
    ));
}

/// Compose's project and service labels name the implicit service and router, as in
/// Traefik's `getServiceName` (`service_project`, normalized).
#[test]
fn compose_labels_name_the_implicit_objects() {
    let compiled = compile(&web(&[
        ("com.docker.compose.project", "shop"),
        ("com.docker.compose.service", "cart"),
        ("traefik.http.services.s.loadbalancer.server.port", "80"),
    ]));
    assert_eq!(route_names(&compiled), ["cart-shop@swarm"]);
}

/// Only hawser's providers exist: `@internal` services (Traefik's API, dashboard) do not.
#[test]
fn a_service_of_another_provider_is_not_supported() {
    let compiled = compile(&web(&[
        ("traefik.http.routers.r.rule", "Host(`a`)"),
        ("traefik.http.routers.r.service", "api@internal"),
    ]));
    assert!(matches!(
        skipped(&compiled, WEB, Some("r@swarm")).reason.as_str(),
        r if r.contains("a service of provider @internal is not supported")
    ));
}

/// Traefik reads only the service's labels; the usual mistake, labels under the stack's
/// `labels:` (the container spec), is pointed out.
#[test]
fn labels_on_the_container_spec_are_pointed_out() {
    let mut swarm = web(&[("traefik.http.services.s.loadbalancer.server.port", "80")]);
    swarm.snapshot.services[0].container_labels = [(
        "traefik.http.routers.r.rule".to_owned(),
        "Host(`a`)".to_owned(),
    )]
    .into();
    let compiled = compile(&swarm);
    let messages = warnings(&compiled, WEB);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("traefik.http.routers.r.rule") && m.contains("deploy.labels")),
        "{messages:?}"
    );
}

/// S16: Traefik v2's Swarm labels (`providers.docker.swarmMode`): `traefik.docker.network`
/// and references with `@docker` read as the same objects as v3's `@swarm`.
#[test]
fn v2_labels_and_docker_references_are_the_same_provider() {
    let compiled = compile(&web(&[
        ("traefik.docker.network", "demo_apps"),
        (
            "traefik.http.routers.my-container.rule",
            "Host(`example.com`)",
        ),
        (
            "traefik.http.routers.my-container.service",
            "my-service@docker",
        ),
        (
            "traefik.http.routers.my-container.middlewares",
            "strip@docker",
        ),
        ("traefik.http.middlewares.strip.stripprefix.prefixes", "/x"),
        (
            "traefik.http.services.my-service.loadbalancer.server.port",
            "12345",
        ),
    ]));
    let route = route(&compiled, "my-container@swarm");
    assert_eq!(route.balancer, "my-service@swarm");
    assert_eq!(route.middlewares[0].name, "strip@swarm");
    assert_eq!(
        addresses(&compiled, "my-service@swarm"),
        ["10.0.1.5:12345", "10.0.1.6:12345"]
    );
}
