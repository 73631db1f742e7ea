//! Routers into routes: middleware references (research middlewares §1, §19), weighted
//! services, priorities.

use std::collections::BTreeMap;

use crate::cluster::StaticService;
use crate::routing::compile::tests::Swarm;
use crate::routing::spec::Compiled;
use crate::routing::traefik_v3::test_support::{compile, route, route_names, skipped, warnings};

const APP: &str = "app";

fn app(labels: &[(&str, &str)]) -> Compiled {
    let mut all = vec![("traefik.http.services.s.loadbalancer.server.port", "80")];
    all.extend_from_slice(labels);
    let swarm = Swarm::new()
        .service(APP, &all, &["apps-id"])
        .task(APP, 1, "running", "running");
    compile(&swarm)
}

fn middleware_names(compiled: &Compiled, router: &str) -> Vec<String> {
    route(compiled, router)
        .middlewares
        .iter()
        .map(|middleware| middleware.name.clone())
        .collect()
}

fn reason(compiled: &Compiled, router: &str) -> String {
    skipped(compiled, APP, Some(router)).reason.clone()
}

const STRIP_A: (&str, &str) = ("traefik.http.middlewares.a.stripprefix.prefixes", "/a");
const STRIP_B: (&str, &str) = ("traefik.http.middlewares.b.stripprefix.prefixes", "/b");

/// Middlewares run in the listed order; chains are flattened in place, qualified with the
/// chain's provider (the docs' chain example).
#[test]
fn middlewares_in_order_with_chains_flattened() {
    let compiled = app(&[
        STRIP_A,
        STRIP_B,
        (
            "traefik.http.middlewares.both.chain.middlewares",
            "b, a@docker",
        ),
        ("traefik.http.routers.r.rule", "Host(`x`)"),
        ("traefik.http.routers.r.middlewares", "a, both, b@swarm"),
    ]);
    assert_eq!(
        middleware_names(&compiled, "r@swarm"),
        ["a@swarm", "b@swarm", "a@swarm", "b@swarm"]
    );
}

/// `recursion detected in middleware:m1->middleware:m2->middleware:m1` (Traefik's
/// `middlewares_test.go`): the router fails.
#[test]
fn chain_recursion_is_refused() {
    let compiled = app(&[
        ("traefik.http.middlewares.m1.chain.middlewares", "m2"),
        ("traefik.http.middlewares.m2.chain.middlewares", "a, m1"),
        STRIP_A,
        ("traefik.http.routers.r.rule", "Host(`x`)"),
        ("traefik.http.routers.r.middlewares", "m1"),
    ]);
    assert_eq!(
        reason(&compiled, "r@swarm"),
        "recursion detected in middlewares: m1@swarm -> m2@swarm -> m1@swarm"
    );
}

/// A missing middleware skips the router: never exposed without it. The file provider has
/// no middlewares, so `@file` ones are missing too.
#[test]
fn a_missing_middleware_skips_the_router() {
    for (reference, missing) in [
        ("nope", "nope@swarm"),
        ("auth@file", "auth@file"),
        ("a, gone", "gone@swarm"),
        ("chained", "ghost@swarm"),
    ] {
        let compiled = app(&[
            STRIP_A,
            (
                "traefik.http.middlewares.chained.chain.middlewares",
                "ghost",
            ),
            ("traefik.http.routers.r.rule", "Host(`x`)"),
            ("traefik.http.routers.r.middlewares", reference),
            ("traefik.http.routers.ok.rule", "Host(`y`)"),
        ]);
        assert_eq!(route_names(&compiled), ["ok@swarm"], "{reference}");
        let reason = reason(&compiled, "r@swarm");
        assert!(
            reason.starts_with(&format!("middleware {missing} (from ")),
            "{reason}"
        );
        assert!(
            reason.contains("not exposed rather than exposed without it"),
            "{reason}"
        );
    }
}

/// A middleware whose labels are wrong costs its routers, with its label named.
#[test]
fn a_broken_middleware_skips_its_routers_and_says_why() {
    let compiled = app(&[
        ("traefik.http.middlewares.m.stripprefix.prefixs", "/a"),
        ("traefik.http.routers.r.rule", "Host(`x`)"),
        ("traefik.http.routers.r.middlewares", "m"),
    ]);
    assert_eq!(
        reason(&compiled, "r@swarm"),
        "middleware m@swarm: label traefik.http.middlewares.m.stripprefix.prefixs: unknown \
         option \"prefixs\""
    );
}

/// Broken objects no router uses are still reported, as warnings.
#[test]
fn a_broken_object_nobody_uses_is_a_warning() {
    let compiled = app(&[
        ("traefik.http.middlewares.m.nosuch.x", "1"),
        ("traefik.http.routers.r.rule", "Host(`x`)"),
        ("traefik.http.routers.r.service", "s"),
        ("traefik.http.services.t.loadbalancer.server.port", "x"),
    ]);
    assert_eq!(route_names(&compiled), ["r@swarm"]);
    let messages = warnings(&compiled, APP);
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("middleware m@swarm is not usable")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("service t@swarm is not usable")),
        "{messages:?}"
    );
}

/// Traefik's default priority is the rule's length in bytes; a priority label wins (D22/D24).
#[test]
fn priority_defaults_to_the_rule_length() {
    let compiled = app(&[
        (
            "traefik.http.routers.Router-1.rule",
            "Host(`foobar.traefik.com`)",
        ),
        ("traefik.http.routers.Router-2.rule", "PathPrefix(`/`)"),
        ("traefik.http.routers.Router-2.priority", "100"),
    ]);
    assert_eq!(route(&compiled, "Router-1@swarm").priority, 26);
    assert_eq!(route(&compiled, "Router-2@swarm").priority, 100);
    let compiled = app(&[
        ("traefik.http.routers.r.rule", "Host(`a`)"),
        ("traefik.http.routers.r.priority", "-1"),
    ]);
    assert!(reason(&compiled, "r@swarm").contains("out of range"));
}

/// Weighted services from labels (Traefik ignores them and fails the service; hawser
/// balances over the named services' backends with those weights).
#[test]
fn weighted_services_balance_over_their_services() {
    let swarm = Swarm::new()
        .service(
            "blue",
            &[("traefik.http.services.blue.loadbalancer.server.port", "80")],
            &["apps-id"],
        )
        .task("blue", 1, "running", "running")
        .task("blue", 2, "running", "running")
        .service(
            "green",
            &[
                ("traefik.http.services.green.loadbalancer.server.port", "81"),
                (
                    "traefik.http.services.canary.weighted.services[0].name",
                    "blue",
                ),
                (
                    "traefik.http.services.canary.weighted.services[0].weight",
                    "3",
                ),
                (
                    "traefik.http.services.canary.weighted.services[1].name",
                    "green@docker",
                ),
                (
                    "traefik.http.services.canary.weighted.services[1].weight",
                    "1",
                ),
                (
                    "traefik.http.services.canary.weighted.sticky.cookie.name",
                    "lane",
                ),
                ("traefik.http.routers.app.rule", "Host(`app`)"),
                ("traefik.http.routers.app.service", "canary"),
            ],
            &["apps-id"],
        )
        .task("green", 3, "running", "running");
    let compiled = compile(&swarm);
    let route = route(&compiled, "app@swarm");
    assert_eq!(route.balancer, "canary@swarm");
    let balancer = &compiled.spec.balancers["canary@swarm"];
    let weights: BTreeMap<String, u32> = balancer
        .backends
        .iter()
        .map(|backend| (backend.address.to_string(), backend.weight))
        .collect();
    // blue gets 3/4 over two tasks (3/8 each), green 1/4 on one task (2/8).
    assert_eq!(
        weights,
        BTreeMap::from([
            ("10.0.1.1:80".to_owned(), 3),
            ("10.0.1.2:80".to_owned(), 3),
            ("10.0.1.3:81".to_owned(), 2),
        ])
    );
    assert_eq!(
        balancer
            .settings
            .sticky
            .as_ref()
            .and_then(|c| c.name.as_deref()),
        Some("lane")
    );
}

#[test]
fn weighted_services_refuse_what_one_balancer_cannot_be() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("traefik.http.services.w.weighted.services[0].name", "w2"),
                ("traefik.http.services.w2.weighted.services[0].name", "w"),
            ],
            "recursion detected in weighted services: w@swarm -> w2@swarm -> w@swarm",
        ),
        (
            &[("traefik.http.services.w.weighted.services[0].name", "nope")],
            "service nope@swarm (from traefik.http.services.w.weighted.services[0].name) does not exist",
        ),
        (
            &[
                ("traefik.http.services.w.weighted.services[0].name", "s"),
                ("traefik.http.services.w.weighted.services[1].name", "h"),
                ("traefik.http.services.h.loadbalancer.server.port", "81"),
                (
                    "traefik.http.services.h.loadbalancer.passhostheader",
                    "false",
                ),
            ],
            "service w@swarm: its services s and h differ in passhostheader",
        ),
        (
            &[(
                "traefik.http.services.w.weighted.services[0].name",
                "x@file",
            )],
            "a weighted service over another provider's service",
        ),
    ];
    for (labels, expected) in cases {
        let mut all = labels.to_vec();
        all.push(("traefik.http.routers.r.rule", "Host(`x`)"));
        all.push(("traefik.http.routers.r.service", "w"));
        let compiled = app(&all);
        let reason = reason(&compiled, "r@swarm");
        assert!(reason.contains(expected), "{reason}");
    }
}

/// A router may use a file provider service (`name@file`): its balancer exists already and
/// says whether the Host header is passed on.
#[test]
fn a_file_service_is_used_as_it_is() {
    let mut swarm = Swarm::new()
        .service(
            APP,
            &[
                ("traefik.http.routers.r.rule", "Host(`x`)"),
                ("traefik.http.routers.r.service", "legacy@file"),
                ("traefik.http.routers.gone.rule", "Host(`y`)"),
                ("traefik.http.routers.gone.service", "gone@file"),
            ],
            &["apps-id"],
        )
        .task(APP, 1, "running", "running");
    swarm.snapshot.static_services.push(StaticService {
        name: "legacy".into(),
        rule: "Host: legacy.example".into(),
        priority: None,
        pass_host_header: Some(false),
        weight: None,
        backends: vec!["192.0.2.1:80".parse().expect("address")],
        middlewares: Vec::new(),
    });
    let compiled = compile(&swarm);
    let route = route(&compiled, "r@swarm");
    assert_eq!(route.balancer, "legacy@file");
    assert!(!route.pass_host_header);
    assert_eq!(
        compiled.spec.balancers["legacy@file"].backends.len(),
        1,
        "the file provider's balancer, not redefined"
    );
    assert!(reason(&compiled, "gone@swarm").contains("service gone@file"));
}

/// An errors middleware's `service` is qualified with its provider and becomes a balancer of
/// the table even when no router uses it; a missing one skips the router (research
/// middlewares §18: `errors.service` is built like a router's service).
#[test]
fn an_errors_page_service_is_resolved_or_the_router_is_skipped() {
    let two_services = [
        (
            "traefik.http.services.pages.loadbalancer.server.port",
            "8080",
        ),
        ("traefik.http.middlewares.oops.errors.status", "500-599"),
        ("traefik.http.middlewares.oops.errors.service", "pages"),
        (
            "traefik.http.middlewares.oops.errors.query",
            "/{status}.html",
        ),
        ("traefik.http.middlewares.gone.errors.status", "404"),
        ("traefik.http.middlewares.gone.errors.service", "nopages"),
        ("traefik.http.routers.r.rule", "Host(`x`)"),
        ("traefik.http.routers.r.service", "s"),
        ("traefik.http.routers.r.middlewares", "oops"),
        ("traefik.http.routers.bad.rule", "Host(`y`)"),
        ("traefik.http.routers.bad.service", "s"),
        ("traefik.http.routers.bad.middlewares", "gone"),
    ];
    let compiled = app(&two_services);
    let route = route(&compiled, "r@swarm");
    assert_eq!(
        route.middlewares[0].middleware.services(),
        ["pages@swarm"],
        "qualified with the middleware's provider"
    );
    assert!(
        compiled.spec.balancers.contains_key("pages@swarm"),
        "{:?}",
        compiled.spec.balancers.keys().collect::<Vec<_>>()
    );
    let why = reason(&compiled, "bad@swarm");
    assert!(why.contains("nopages@swarm"), "{why}");
    assert_eq!(route_names(&compiled), ["r@swarm"]);
}
