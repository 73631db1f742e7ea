//! Cases from Traefik's ACME provider (`pkg/provider/acme/provider.go`, `watchNewDomains`):
//! a router with `tls.certresolver` wants one certificate per `tls.domains` entry, or else
//! one for the hosts `ParseDomains` reads from its rule; and from `pkg/server/aggregator.go`
//! (`applyModel`): an entry point's `http.tls.certResolver` applies to its routers.

use super::*;
use crate::routing::compile::tests::{Swarm, settings};
use crate::routing::entry_points::EntryPointTls;
use crate::routing::{EntryPoints, RoutingSettings, compile};

const RESOLVERS: [&str; 2] = ["ep", "le"];

/// `web` (plain) and `websecure` (TLS, resolver `ep`), both defaults.
fn routing() -> RoutingSettings {
    RoutingSettings {
        entry_points: EntryPoints::new([("web".to_owned(), true), ("websecure".to_owned(), true)])
            .with_tls(
                "websecure",
                EntryPointTls {
                    cert_resolver: Some("ep".into()),
                },
            ),
        ..settings()
    }
}

/// A v3 router `name` (service of the same name, port 80) with these router labels.
fn router(name: &str, labels: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = vec![(
        format!("traefik.http.services.{name}.loadbalancer.server.port"),
        "80".to_owned(),
    )];
    all.extend(labels.iter().map(|(key, value)| {
        (
            format!("traefik.http.routers.{name}.{key}"),
            (*value).to_owned(),
        )
    }));
    all
}

fn wanted_of(services: &[(&str, Vec<(String, String)>)]) -> Wanted {
    let mut swarm = Swarm::new();
    for (name, labels) in services {
        let labels: Vec<(&str, &str)> = labels
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        swarm = swarm.service(name, &labels, &["apps-id"]);
    }
    let compiled = compile(&swarm.snapshot, &routing());
    let resolvers: Vec<String> = RESOLVERS.iter().map(|name| (*name).to_owned()).collect();
    wanted(&compiled.spec, &resolvers)
}

fn names(wanted: &Wanted, resolver: &str) -> Vec<Vec<String>> {
    wanted.by_resolver[resolver]
        .iter()
        .map(DomainSet::names)
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[test]
fn a_router_with_a_resolver_wants_its_hosts_as_one_certificate() {
    let rule = "Host(`a.example.com`) || (Host(`B.example.com`) && PathPrefix(`/b`))";
    let wanted = wanted_of(&[(
        "app",
        router(
            "app",
            &[("rule", rule), ("tls.certresolver", "le"), ("tls", "true")],
        ),
    )]);
    assert_eq!(
        names(&wanted, "le"),
        [strings(&["a.example.com", "b.example.com"])]
    );
    assert!(
        names(&wanted, "ep").is_empty(),
        "its own resolver, not the entry point's"
    );
    assert!(wanted.problems.is_empty(), "{:?}", wanted.problems);
}

#[test]
fn tls_domains_are_one_certificate_each_and_repeats_are_ordered_once() {
    let labels = [
        ("rule", "Host(`ignored.example.com`)"),
        ("tls.certresolver", "le"),
        ("tls.domains[0].main", "example.org"),
        ("tls.domains[0].sans", "www.example.org"),
        ("tls.domains[1].main", "example.net"),
    ];
    let same = [("rule", "Host(`example.net`)"), ("tls.certresolver", "le")];
    let wanted = wanted_of(&[
        ("domains", router("domains", &labels)),
        ("same", router("same", &same)),
    ]);
    assert_eq!(
        names(&wanted, "le"),
        [
            strings(&["example.org", "www.example.org"]),
            strings(&["example.net"])
        ]
    );
}

/// Routes without tls, and TLS routes naming no resolver, get the resolver of the TLS entry
/// points they are served on; a route served only on plain ones gets none.
#[test]
fn the_tls_entry_points_resolver_covers_the_routes_served_there() {
    let v1 = vec![
        ("traefik.port".to_owned(), "80".to_owned()),
        (
            "traefik.frontend.rule".to_owned(),
            "Host:v1.example.com".to_owned(),
        ),
    ];
    let mut plain_only = v1.clone();
    plain_only[1].1 = "Host:plain.example.com".into();
    plain_only.push(("traefik.frontend.entryPoints".into(), "web".into()));
    let tls = router(
        "secure",
        &[("rule", "Host(`tls.example.com`)"), ("tls", "true")],
    );
    let catch_all = vec![
        ("traefik.port".to_owned(), "80".to_owned()),
        (
            "traefik.frontend.rule".to_owned(),
            "PathPrefix:/".to_owned(),
        ),
    ];
    let wanted = wanted_of(&[
        ("v1", v1),
        ("plainonly", plain_only),
        ("secure", tls),
        ("catchall", catch_all),
    ]);
    let mut ordered = names(&wanted, "ep");
    ordered.sort();
    assert_eq!(
        ordered,
        [strings(&["tls.example.com"]), strings(&["v1.example.com"])]
    );
    assert!(names(&wanted, "le").is_empty());
    assert!(
        wanted.problems.is_empty(),
        "a catch-all given a resolver by its entry point is no problem: {:?}",
        wanted.problems
    );
}

#[test]
fn what_cannot_be_ordered_is_a_problem_naming_the_route() {
    let unknown = router(
        "unknown",
        &[
            ("rule", "Host(`u.example.com`)"),
            ("tls.certresolver", "nope"),
        ],
    );
    let hostless = router(
        "hostless",
        &[("rule", "PathPrefix(`/`)"), ("tls.certresolver", "le")],
    );
    let bad = router(
        "bad",
        &[
            ("rule", "Host(`ok.example.com`)"),
            ("tls.certresolver", "le"),
            ("tls.domains[0].main", "not_a.name"),
        ],
    );
    let wildcard = router(
        "wildcard",
        &[
            ("rule", "Host(`*.wild.example.com`)"),
            ("tls.certresolver", "le"),
        ],
    );
    let wanted = wanted_of(&[
        ("unknown", unknown),
        ("hostless", hostless),
        ("bad", bad),
        ("wildcard", wildcard),
    ]);
    let problems = wanted.problems.join("\n");
    for expected in [
        "route unknown@swarm: certificate resolver \"nope\" is not configured",
        "route hostless@swarm: no certificate to order: its rule has no Host",
        "route bad@swarm: domain \"not_a.name\": not a DNS name",
    ] {
        assert!(problems.contains(expected), "{expected}: {problems}");
    }
    // A wildcard is wanted: the resolver reports it failed, needing DNS-01.
    let sets = &wanted.by_resolver["le"];
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert_eq!(sets[0].wildcard(), Some("*.wild.example.com"));
}
