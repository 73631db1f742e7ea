use std::collections::BTreeMap;

use http::{HeaderMap, Method};

use super::*;
use crate::routing::traefik_v1::parse_rule;

fn route(name: &str, rule: &str, priority: u32) -> RouteDef {
    RouteDef {
        name: name.into(),
        service: name.into(),
        rule_text: rule.into(),
        rule: parse_rule(rule).expect("valid rule"),
        priority,
        pass_host_header: true,
        pool: name.into(),
    }
}

fn table(routes: Vec<RouteDef>) -> RoutingTable {
    let pools = routes
        .iter()
        .map(|route| (route.pool.clone(), Vec::new()))
        .collect::<BTreeMap<_, _>>();
    let spec = RoutingSpec {
        routes,
        pools,
        ..RoutingSpec::default()
    };
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

fn find<'t>(table: &'t RoutingTable, host: &str, path: &str) -> Option<&'t str> {
    let headers = HeaderMap::new();
    let request = RequestView {
        method: &Method::GET,
        host,
        path,
        query: None,
        headers: &headers,
    };
    table.lookup(&request).map(|route| route.def.name.as_str())
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
fn a_route_without_backends_has_an_empty_pool() {
    let table = table(vec![route("lonely", "Path: /", 1)]);
    let found = &table.routes()[0];
    assert!(found.pool.is_empty());
    assert!(found.pool.pick().is_none());
}

#[test]
fn picks_rotate_over_the_pool_and_retries_avoid_tried_backends() {
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
        ..RoutingSpec::default()
    };
    spec.pools
        .insert("web".into(), vec![backend(1), backend(2), backend(3)]);
    let table = RoutingTable::build(spec, 1, &StatsRegistry::default());
    let pool = &table.routes()[0].pool;
    let picked: Vec<String> = (0..6)
        .filter_map(|_| pool.pick())
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
    let (position, _) = pool.pick_untried(&[0, 1]).expect("one left");
    assert_eq!(position, 2);
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
