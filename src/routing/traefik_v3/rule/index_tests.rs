//! What v2/v3 rules tell the route index ([`crate::routing::index`]): the hosts and literal
//! path prefixes a matching request must have. A matcher that does not pin the host (or path)
//! must say so, or the index would hide the route from requests it matches.

use std::collections::BTreeMap;

use super::test_support::{Request, get, v2, v3};
use crate::routing::compile::{RouteDef, RoutingSpec};
use crate::routing::table::RoutingTable;
use crate::routing::traefik_v3::default_priority;
use crate::stats::StatsRegistry;

fn hosts(rule: &str) -> Option<Vec<String>> {
    let rule = v3(rule);
    rule.expr
        .required_hosts()
        .map(|hosts| hosts.into_iter().map(str::to_owned).collect())
}

fn prefixes(rule: &crate::routing::rule::Rule) -> Option<Vec<&str>> {
    rule.expr.required_path_prefixes()
}

#[test]
fn hosts_a_v3_rule_requires() {
    let some = |hosts: &[&str]| Some(hosts.iter().map(|host| (*host).to_owned()).collect());
    let cases = [
        ("Host(`a.test`)", some(&["a.test"])),
        ("Host(`A.Test.`)", some(&["a.test"])),
        ("Host(`::1`)", some(&["[::1]"])),
        (
            "Host(`a.test`) || Host(`b.test`)",
            some(&["a.test", "b.test"]),
        ),
        (
            "Host(`a.test`) && ClientIP(`10.0.0.0/8`)",
            some(&["a.test"]),
        ),
        ("!!Host(`a.test`)", some(&["a.test"])),
        ("!(!Host(`a.test`) || !Path(`/`))", some(&["a.test"])),
        ("Host(`*.example.com`)", None),
        ("Host(`*`)", None),
        (r"HostRegexp(`^a\.test$`)", None),
        ("HostRegexp(`.*`)", None),
        ("Host(`a.test`) || Path(`/`)", None),
        ("!Host(`a.test`)", None),
        ("Header(`Host`, `a.test`)", None),
        ("ClientIP(`10.0.0.1`)", None),
        ("Query(`host`, `a.test`)", None),
    ];
    for (rule, expected) in cases {
        assert_eq!(hosts(rule), expected, "{rule}");
    }
}

#[test]
fn hosts_a_v2_rule_requires() {
    let cases = [
        ("Host(`a.test`, `B.test`)", Some(vec!["a.test", "b.test"])),
        ("HostHeader(`a.test`)", Some(vec!["a.test"])),
        // A template without variables is a literal host; with one, it pins nothing.
        ("HostRegexp(`Example.COM`)", Some(vec!["example.com"])),
        ("HostRegexp(`{x}.example.com`)", None),
        // v2 has no wildcard: this is a literal host (which no request has).
        ("Host(`*.example.com`)", Some(vec!["*.example.com"])),
    ];
    for (rule, expected) in cases {
        assert_eq!(v2(rule).expr.required_hosts(), expected, "{rule}");
    }
}

#[test]
fn path_prefixes_a_rule_requires() {
    assert_eq!(prefixes(&v3("Path(`/api`)")), Some(vec!["/api"]));
    assert_eq!(
        prefixes(&v3("PathPrefix(`/api/{x}`)")),
        Some(vec!["/api/{x}"])
    );
    assert_eq!(prefixes(&v3("PathRegexp(`^/api`)")), None);
    assert_eq!(prefixes(&v3("Host(`a`) && PathRegexp(`^/api`)")), None);
    assert_eq!(
        prefixes(&v3("PathPrefix(`/a`) || Path(`/b`)")),
        Some(vec!["/a", "/b"])
    );
    assert_eq!(
        prefixes(&v2("PathPrefix(`/api/{v}/x`)")),
        Some(vec!["/api/"])
    );
    assert_eq!(prefixes(&v2("Path(`/{x}`)")), Some(vec!["/"]));
}

/// Routes as the labels helper will build them: default priorities, sorted highest first.
fn table(rules: &[(&str, &str)]) -> RoutingTable {
    let mut routes: Vec<RouteDef> = rules
        .iter()
        .map(|(name, text)| RouteDef {
            name: (*name).to_owned(),
            service: (*name).to_owned(),
            rule_text: (*text).to_owned(),
            rule: v3(text),
            priority: default_priority(text),
            pass_host_header: true,
            balancer: (*name).to_owned(),
            middlewares: Vec::new(),
            dialect: crate::routing::dialect::Dialect::V3,
            entry_points: vec!["web".to_owned()],
            tls: None,
        })
        .collect();
    routes.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.name.cmp(&b.name)));
    let balancers = routes
        .iter()
        .map(|route| (route.balancer.clone(), Default::default()))
        .collect::<BTreeMap<_, _>>();
    let spec = RoutingSpec {
        routes,
        balancers,
        entry_points: crate::routing::EntryPoints::new([("web".to_owned(), true)]),
        ..RoutingSpec::default()
    };
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

fn find<'t>(table: &'t RoutingTable, request: &Request) -> Option<&'t str> {
    table
        .lookup(0, &request.view())
        .map(|route| route.def.name.as_str())
}

#[test]
fn the_index_finds_routes_whose_host_is_not_a_literal() {
    let table = table(&[
        ("wildcard", "Host(`*.example.com`)"),
        ("regexp", r"HostRegexp(`^api\.`) && PathPrefix(`/v1`)"),
        ("literal", "Host(`www.example.com`) && PathPrefix(`/`)"),
        ("anything", "Host(`*`) && Path(`/health`)"),
        (
            "office",
            "ClientIP(`192.168.0.0/16`) && PathPrefix(`/admin`)",
        ),
    ]);
    let url = |url: &str| get(url);
    assert_eq!(
        find(&table, &url("http://a.example.com/")),
        Some("wildcard")
    );
    assert_eq!(
        find(&table, &url("http://www.example.com/")),
        Some("literal")
    );
    assert_eq!(
        find(&table, &url("http://api.other.test/v1/x")),
        Some("regexp")
    );
    assert_eq!(find(&table, &url("http://api.other.test/v2")), None);
    assert_eq!(find(&table, &url("http://x.test/health")), Some("anything"));
    assert_eq!(find(&table, &url("http://x.test/admin")), None);
    let from_office = url("http://x.test/admin/users").from("192.168.4.4:5000");
    assert_eq!(find(&table, &from_office), Some("office"));
}

#[test]
fn longer_rules_win_when_both_match() {
    // D22: the regex rule (34 bytes) outranks the host rule (26 bytes).
    let table = table(&[
        ("router-1", r"HostRegexp(`[a-z]+\.traefik\.com`)"),
        ("router-2", "Host(`foobar.traefik.com`)"),
    ]);
    let request = get("http://foobar.traefik.com/");
    assert_eq!(find(&table, &request), Some("router-1"));
}
