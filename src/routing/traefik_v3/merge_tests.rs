//! Objects defined by several services (research §2.8; the cases of Traefik's
//! `pkg/provider/docker/config_test.go` named below).

use crate::routing::compile::tests::Swarm;
use crate::routing::traefik_v3::test_support::{addresses, compile, route, route_names, skipped};

fn two(a: &[(&str, &str)], b: &[(&str, &str)]) -> Swarm {
    Swarm::new()
        .service("a", a, &["apps-id"])
        .service("b", b, &["apps-id"])
        .task("a", 1, "running", "running")
        .task("b", 2, "running", "running")
}

/// "two containers with two identical router rules and different service names": the
/// routers differ (each links its own implicit service), so router `web` is dropped, and
/// both services list it as skipped with the reason.
#[test]
fn a_router_defined_differently_by_two_services_is_dropped_for_both() {
    let a = [
        ("traefik.http.routers.web.rule", "Host(`a`)"),
        ("traefik.http.services.a.loadbalancer.server.port", "80"),
    ];
    let b = [
        ("traefik.http.routers.web.rule", "Host(`a`)"),
        ("traefik.http.services.b.loadbalancer.server.port", "80"),
    ];
    let compiled = compile(&two(&a, &b));
    assert!(compiled.spec.routes.is_empty());
    for service in ["a", "b"] {
        let skipped = skipped(&compiled, service, Some("web@swarm"));
        assert_eq!(
            skipped.reason,
            "router web@swarm is defined differently by services a, b; as in Traefik, a name \
             defined twice with different settings is dropped everywhere"
        );
    }
}

/// The same router on two services, identical down to its service: one route, listed by
/// both services; their servers pool in the shared service.
#[test]
fn identical_definitions_are_one_object_and_services_pool_their_servers() {
    let labels = [
        ("traefik.http.routers.web.rule", "Host(`a`)"),
        ("traefik.http.routers.web.service", "shared"),
        (
            "traefik.http.services.shared.loadbalancer.server.port",
            "80",
        ),
    ];
    let compiled = compile(&two(&labels, &labels));
    assert_eq!(route_names(&compiled), ["web@swarm"]);
    assert_eq!(
        route(&compiled, "web@swarm").service,
        "a",
        "the first service by name"
    );
    assert_eq!(
        addresses(&compiled, "shared@swarm"),
        ["10.0.1.1:80", "10.0.1.2:80"]
    );
    assert_eq!(compiled.services[0].routes, ["web@swarm"]);
    assert_eq!(compiled.services[1].routes, ["web@swarm"]);
}

/// Ports and weights are per server, so a shared service may have different ones per
/// Swarm service (Traefik merges everything but the servers).
#[test]
fn a_shared_service_may_have_different_ports() {
    let a = [(
        "traefik.http.services.shared.loadbalancer.server.port",
        "80",
    )];
    let b = [
        (
            "traefik.http.services.shared.loadbalancer.server.port",
            "81",
        ),
        ("traefik.http.routers.web.rule", "Host(`a`)"),
        ("traefik.http.routers.web.service", "shared"),
    ];
    let compiled = compile(&two(&a, &b));
    assert_eq!(
        addresses(&compiled, "shared@swarm"),
        ["10.0.1.1:80", "10.0.1.2:81"]
    );
}

/// "two containers with same service name and different passhostheader": the service is
/// dropped, so the router using it is skipped.
#[test]
fn a_service_defined_differently_is_dropped() {
    let a = [
        (
            "traefik.http.services.shared.loadbalancer.server.port",
            "80",
        ),
        (
            "traefik.http.services.shared.loadbalancer.passhostheader",
            "false",
        ),
    ];
    let b = [
        (
            "traefik.http.services.shared.loadbalancer.server.port",
            "80",
        ),
        ("traefik.http.routers.web.rule", "Host(`a`)"),
        ("traefik.http.routers.web.service", "shared"),
    ];
    let compiled = compile(&two(&a, &b));
    assert!(compiled.spec.routes.is_empty());
    let reason = &skipped(&compiled, "b", Some("web@swarm")).reason;
    assert!(
        reason.starts_with(
            "service shared@swarm: service shared@swarm is defined differently by services a, b"
        ),
        "{reason}"
    );
}

/// S7: two services declare one middleware name with different options: it is dropped, and
/// the routers using it are skipped (never exposed without it).
#[test]
fn a_middleware_defined_differently_is_dropped_with_its_routers() {
    let a = [
        ("traefik.http.middlewares.strip.stripprefix.prefixes", "/a"),
        ("traefik.http.services.a.loadbalancer.server.port", "80"),
        ("traefik.http.routers.ra.rule", "Host(`a`)"),
        ("traefik.http.routers.ra.middlewares", "strip"),
    ];
    let b = [
        ("traefik.http.middlewares.strip.stripprefix.prefixes", "/b"),
        ("traefik.http.services.b.loadbalancer.server.port", "80"),
        ("traefik.http.routers.rb.rule", "Host(`b`)"),
    ];
    let compiled = compile(&two(&a, &b));
    assert_eq!(route_names(&compiled), ["rb@swarm"]);
    let reason = &skipped(&compiled, "a", Some("ra@swarm")).reason;
    assert!(
        reason.contains("middleware strip@swarm is defined differently by services a, b"),
        "{reason}"
    );
}

/// Services sharing nothing stay apart; names are case-sensitive across services.
#[test]
fn services_sharing_nothing_stay_apart() {
    let a = [
        ("traefik.http.routers.Web.rule", "Host(`a`)"),
        ("traefik.http.services.a.loadbalancer.server.port", "80"),
    ];
    let b = [
        ("traefik.http.routers.web.rule", "Host(`b`)"),
        ("traefik.http.services.b.loadbalancer.server.port", "81"),
    ];
    let compiled = compile(&two(&a, &b));
    assert_eq!(route_names(&compiled), ["Web@swarm", "web@swarm"]);
    assert_eq!(addresses(&compiled, "a@swarm"), ["10.0.1.1:80"]);
    assert_eq!(addresses(&compiled, "b@swarm"), ["10.0.1.2:81"]);
}

/// Cross-service references: a router on one service may use another's service and
/// middleware (research §2.9).
#[test]
fn a_router_may_use_another_services_objects() {
    let a = [
        ("traefik.http.services.api.loadbalancer.server.port", "80"),
        (
            "traefik.http.middlewares.strip.stripprefix.prefixes",
            "/api",
        ),
    ];
    let b = [
        ("traefik.http.routers.api.rule", "PathPrefix(`/api`)"),
        ("traefik.http.routers.api.service", "api@swarm"),
        ("traefik.http.routers.api.middlewares", "strip@docker"),
    ];
    let compiled = compile(&two(&a, &b));
    let route = route(&compiled, "api@swarm");
    assert_eq!(route.service, "b");
    assert_eq!(route.balancer, "api@swarm");
    assert_eq!(route.middlewares[0].name, "strip@swarm");
    assert_eq!(addresses(&compiled, "api@swarm"), ["10.0.1.1:80"]);
}
