use std::collections::BTreeMap;
use std::time::Duration;

use http::{HeaderMap, Method};

use super::*;
use crate::routing::EntryPoints;
use crate::routing::spec::BalancerDef;
use crate::routing::traefik_v1::parse_rule;

fn route(name: &str, rule: &str, priority: u32) -> RouteDef {
    RouteDef {
        name: name.into(),
        service: name.into(),
        rule_text: rule.into(),
        rule: parse_rule(rule).expect("valid rule"),
        priority,
        pass_host_header: true,
        balancer: name.into(),
        middlewares: Vec::new(),
        dialect: crate::routing::dialect::Dialect::V1,
        entry_points: Vec::new(),
        tls: None,
    }
}

/// `web` and `admin`, both default unless `admin_is_default` is false.
fn web_and_admin(admin_is_default: bool) -> EntryPoints {
    EntryPoints::new([
        ("web".to_owned(), true),
        ("admin".to_owned(), admin_is_default),
    ])
}

fn table(routes: Vec<RouteDef>) -> RoutingTable {
    let balancers = routes
        .iter()
        .map(|route| (route.balancer.clone(), BalancerDef::default()))
        .collect::<BTreeMap<_, _>>();
    let spec = RoutingSpec {
        routes,
        balancers,
        entry_points: web_and_admin(true),
        ..RoutingSpec::default()
    };
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

/// The route found for a request on entry point `web`.
fn find<'t>(table: &'t RoutingTable, host: &str, path: &str) -> Option<&'t str> {
    find_on(table, 0, host, path)
}

fn find_on<'t>(
    table: &'t RoutingTable,
    entry_point: usize,
    host: &str,
    path: &str,
) -> Option<&'t str> {
    let headers = HeaderMap::new();
    let request = RequestView {
        method: &Method::GET,
        host,
        path,
        query: None,
        headers: &headers,
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
    };
    table
        .lookup(entry_point, &request)
        .map(|route| route.def.name.as_str())
}

#[test]
fn each_entry_point_finds_only_the_routes_served_on_it() {
    let on = |name: &str, rule: &str, priority: u32, entry_points: &[&str]| RouteDef {
        entry_points: entry_points.iter().map(|name| (*name).to_owned()).collect(),
        ..route(name, rule, priority)
    };
    let mut spec = RoutingSpec {
        routes: vec![
            on("admin-api", "PathPrefix: /api", 30, &["admin"]),
            on("web-api", "PathPrefix: /api", 20, &["web"]),
            on("everywhere", "PathPrefix: /", 10, &[]),
            on("unknown", "PathPrefix: /", 40, &["nowhere"]),
        ],
        entry_points: web_and_admin(false),
        ..RoutingSpec::default()
    };
    let table = RoutingTable::build(spec.clone(), 1, &StatsRegistry::default());
    assert_eq!(find_on(&table, 0, "a.test", "/api/x"), Some("web-api"));
    assert_eq!(find_on(&table, 1, "a.test", "/api/x"), Some("admin-api"));
    assert_eq!(find_on(&table, 0, "a.test", "/other"), Some("everywhere"));
    assert_eq!(
        find_on(&table, 1, "a.test", "/other"),
        None,
        "a route naming none is on the defaults only, and admin is not one"
    );
    assert_eq!(
        find_on(&table, 2, "a.test", "/api"),
        None,
        "no such entry point"
    );

    spec.entry_points = web_and_admin(true);
    let table = RoutingTable::build(spec, 2, &StatsRegistry::default());
    assert_eq!(find_on(&table, 1, "a.test", "/other"), Some("everywhere"));
}

#[test]
fn a_tls_route_is_looked_up_on_tls_entry_points_only() {
    let tls_route = RouteDef {
        tls: Some(crate::routing::tls::RouteTls::default()),
        ..route("secure", "PathPrefix: /secure", 20)
    };
    let spec = RoutingSpec {
        routes: vec![tls_route, route("plain", "PathPrefix: /", 10)],
        entry_points: web_and_admin(true).with_tls(
            "admin",
            crate::routing::entry_points::EntryPointTls::default(),
        ),
        ..RoutingSpec::default()
    };
    let table = RoutingTable::build(spec, 1, &StatsRegistry::default());
    assert_eq!(find_on(&table, 1, "a.test", "/secure"), Some("secure"));
    assert_eq!(
        find_on(&table, 0, "a.test", "/secure"),
        Some("plain"),
        "not on the plain entry point, even when the spec names it"
    );
    assert_eq!(find_on(&table, 1, "a.test", "/other"), Some("plain"));
}

#[test]
fn the_highest_priority_match_wins_across_host_and_any_host_buckets() {
    let table = table(vec![
        route("api-host", "Host: api.test; PathPrefix: /v1", 100),
        route("catch-all", "PathPrefix: /", 90),
        route("host-only", "Host: api.test", 50),
        route("v1-anywhere", "PathPrefix: /v1", 10),
    ]);
    assert_eq!(find(&table, "api.test", "/v1/x"), Some("api-host"));
    assert_eq!(find(&table, "api.test", "/v2"), Some("catch-all"));
    assert_eq!(find(&table, "other.test", "/v1"), Some("catch-all"));
}

#[test]
fn lower_priority_routes_are_found_when_better_ones_do_not_match() {
    let table = table(vec![
        route("post-only", "PathPrefix: /api; Method: POST", 100),
        route("api", "PathPrefix: /api", 10),
        route("host", "Host: a.test", 5),
    ]);
    assert_eq!(find(&table, "a.test", "/api/x"), Some("api"));
    assert_eq!(find(&table, "a.test", "/other"), Some("host"));
    assert_eq!(find(&table, "b.test", "/other"), None);
}

#[test]
fn templates_and_alternatives_are_indexed_correctly() {
    let table = table(vec![
        route("tenant", "PathPrefix: /t/{tenant:[a-z]+}/api", 30),
        route("either", "Host: a.test, b.test; Path: /x, /y", 20),
        route("regexp", "HostRegexp: {sub:[a-z]+}.example.com", 10),
        route("not-indexed", "Method: GET", 1),
    ]);
    assert_eq!(find(&table, "z", "/t/acme/api/v1"), Some("tenant"));
    assert_eq!(find(&table, "z", "/t/ACME/api"), Some("not-indexed"));
    assert_eq!(find(&table, "b.test", "/y"), Some("either"));
    assert_eq!(find(&table, "c.test", "/y"), Some("not-indexed"));
    assert_eq!(find(&table, "www.example.com", "/"), Some("regexp"));
}

#[test]
fn the_last_of_ten_thousand_routes_is_found() {
    let routes = (0..10_000)
        .map(|n| {
            route(
                &format!("svc{n:05}"),
                &format!("PathPrefixStrip: /svc{n}/"),
                20,
            )
        })
        .collect();
    let table = table(routes);
    assert_eq!(find(&table, "h", "/svc9999/x"), Some("svc09999"));
    assert_eq!(find(&table, "h", "/svc42/"), Some("svc00042"));
    assert_eq!(find(&table, "h", "/svc10000/"), None);
}

#[test]
fn a_route_without_backends_has_an_empty_balancer() {
    let table = table(vec![route("lonely", "Path: /", 1)]);
    let found = &table.routes()[0];
    assert!(found.balancer.is_empty());
    assert!(found.balancer.pick().is_none());
}

fn three_backends(failure_cooldown: Duration) -> RoutingTable {
    let backend = |host: u8| BackendDef {
        task_id: Some(format!("t{host}")),
        service: "web".into(),
        slot: Some(u64::from(host)),
        node_id: None,
        node: None,
        address: format!("10.0.0.{host}:80").parse().expect("addr"),
        weight: 1,
    };
    let mut spec = RoutingSpec {
        routes: vec![route("web", "Path: /", 1)],
        failure_cooldown,
        entry_points: web_and_admin(true),
        ..RoutingSpec::default()
    };
    spec.balancers.insert(
        "web".into(),
        BalancerDef::plain(vec![backend(1), backend(2), backend(3)]),
    );
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

#[test]
fn picks_rotate_over_the_balancer_and_retries_avoid_tried_backends() {
    let table = three_backends(Duration::from_secs(3600));
    let balancer = &table.routes()[0].balancer;
    let picked: Vec<String> = (0..6)
        .filter_map(|_| balancer.pick())
        .map(|(_, backend)| backend.authority.to_string())
        .collect();
    assert_eq!(
        picked,
        vec![
            "10.0.0.1:80",
            "10.0.0.2:80",
            "10.0.0.3:80",
            "10.0.0.1:80",
            "10.0.0.2:80",
            "10.0.0.3:80"
        ]
    );
    let (position, _) = balancer.pick_untried(&[0, 1]).expect("one left");
    assert_eq!(position, 2);
    assert!(balancer.pick_untried(&[0, 1, 2]).is_none());
}

#[test]
fn a_backend_that_just_failed_is_passed_over_but_never_all_of_them() {
    let table = three_backends(Duration::from_secs(3600));
    let balancer = &table.routes()[0].balancer;
    let name = |pick: Option<(usize, &Backend)>| pick.map(|(position, _)| position);
    balancer.backends[1].stats.record_failure(true);
    let picked: Vec<_> = (0..4).map(|_| name(balancer.pick())).collect();
    assert_eq!(picked, vec![Some(0), Some(2), Some(0), Some(2)]);
    assert_eq!(
        name(balancer.pick_untried(&[0, 2])),
        Some(1),
        "a retry still takes a resting backend when it is the only one left"
    );
    balancer.backends[0].stats.record_failure(true);
    balancer.backends[2].stats.record_failure(true);
    assert!(
        balancer.pick().is_some(),
        "when every backend rests, round-robin goes on over all of them"
    );
    balancer.backends[1]
        .stats
        .record_response(200, Duration::from_millis(1));
    let picked: Vec<_> = (0..2).map(|_| name(balancer.pick())).collect();
    assert_eq!(
        picked,
        vec![Some(1), Some(1)],
        "the one that answered again"
    );
}

#[test]
fn a_zero_cooldown_turns_passive_health_off() {
    let table = three_backends(Duration::ZERO);
    let balancer = &table.routes()[0].balancer;
    balancer.backends[0].stats.record_failure(true);
    assert!(!balancer.is_resting(0));
    assert_eq!(balancer.pick().map(|(position, _)| position), Some(0));
}

#[test]
fn stats_survive_a_rebuild() {
    let registry = StatsRegistry::default();
    let spec = RoutingSpec {
        routes: vec![route("web", "Path: /", 1)],
        ..RoutingSpec::default()
    };
    let first = RoutingTable::build(spec.clone(), 1, &registry);
    first.routes()[0]
        .stats
        .record(200, std::time::Duration::from_millis(1));
    let second = RoutingTable::build(spec, 2, &registry);
    assert_eq!(second.routes()[0].stats.total(), 1);
}

/// [`three_backends`] with an active health check on the balancer.
fn three_checked_backends() -> RoutingTable {
    let mut spec = three_backends(Duration::from_secs(3600)).spec.clone();
    let check = crate::routing::load_balancer::HealthCheck {
        path: "/health".into(),
        scheme: None,
        mode: crate::routing::load_balancer::HealthCheckMode::Http,
        method: "GET".into(),
        status: None,
        port: None,
        interval: Duration::from_secs(1),
        unhealthy_interval: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        hostname: None,
        follow_redirects: true,
        headers: BTreeMap::new(),
    };
    if let Some(balancer) = spec.balancers.get_mut("web") {
        balancer.settings.health_check = Some(check);
    }
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

#[test]
fn a_backend_failing_its_health_check_leaves_rotation_until_it_passes() {
    let table = three_checked_backends();
    let balancer = &table.routes()[0].balancer;
    let position = |pick: Option<(usize, &Backend)>| pick.map(|(position, _)| position);
    balancer.backends[1]
        .stats
        .health
        .record(Err("status 500".into()));
    assert!(balancer.is_unhealthy(1));
    let picked: Vec<_> = (0..4).map(|_| position(balancer.pick())).collect();
    assert_eq!(picked, vec![Some(0), Some(2), Some(0), Some(2)]);
    assert_eq!(
        position(balancer.pick_untried(&[0, 2])),
        None,
        "a retry never goes to an unhealthy backend"
    );
    // Resting and unhealthy: a resting healthy backend is still better than none.
    balancer.backends[0].stats.record_failure(true);
    let picked: Vec<_> = (0..2).map(|_| position(balancer.pick())).collect();
    assert_eq!(picked, vec![Some(2), Some(2)]);
    balancer.backends[2].stats.record_failure(true);
    assert!(matches!(position(balancer.pick()), Some(0 | 2)));
    balancer.backends[0]
        .stats
        .health
        .record(Err("timed out".into()));
    balancer.backends[2]
        .stats
        .health
        .record(Err("timed out".into()));
    assert_eq!(
        position(balancer.pick()),
        None,
        "none healthy: no backend (503)"
    );
    balancer.backends[1].stats.health.record(Ok(()));
    assert_eq!(position(balancer.pick()), Some(1), "back once it passes");
}

#[test]
fn health_state_counts_only_where_a_balancer_checks() {
    let table = three_backends(Duration::from_secs(3600));
    let balancer = &table.routes()[0].balancer;
    balancer.backends[0]
        .stats
        .health
        .record(Err("stale".into()));
    assert!(
        !balancer.is_unhealthy(0),
        "no health check: never unhealthy"
    );
    assert_eq!(balancer.pick().map(|(position, _)| position), Some(0));
}
