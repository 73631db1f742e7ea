//! A small swarm for the label and wire targets: two nodes, an app network and the ingress,
//! two running tasks per service; and the checks every compiled snapshot must pass.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use hawser::cluster::{ClusterSnapshot, Network, Node, Service, ServiceMode, Task, TaskAddress};
use hawser::routing::table::RoutingTable;
use hawser::routing::traefik_v1::LabelSettings;
use hawser::routing::traefik_v3::template::RuleTemplate;
use hawser::routing::{Compiled, EntryPoints, RoutingSettings, compile};
use hawser::stats::StatsRegistry;

use crate::{RequestParts, candidates};

pub fn settings() -> RoutingSettings {
    RoutingSettings {
        labels: LabelSettings {
            prefix: "traefik".into(),
            domain: Some("example.test".into()),
            exposed_by_default: true,
        },
        default_network: None,
        default_rule: RuleTemplate::default(),
        constraints: None,
        failure_cooldown: Duration::from_secs(1),
        entry_points: EntryPoints::new([("web".to_owned(), true), ("admin".to_owned(), false)]),
    }
}

/// A snapshot with these services (name, labels), each on `apps` with two running tasks.
pub fn snapshot(services: Vec<(String, BTreeMap<String, String>)>) -> ClusterSnapshot {
    let mut snapshot = ClusterSnapshot {
        networks: vec![
            Network {
                id: "ingress-id".into(),
                name: "ingress".into(),
                ingress: true,
            },
            Network {
                id: "apps-id".into(),
                name: "apps".into(),
                ingress: false,
            },
        ],
        nodes: vec![
            Node {
                id: "n1".into(),
                hostname: "leader".into(),
                state: "ready".into(),
                role: "manager".into(),
            },
            Node {
                id: "n2".into(),
                hostname: "worker-1".into(),
                state: "down".into(),
                role: "worker".into(),
            },
        ],
        synced: true,
        ..ClusterSnapshot::default()
    };
    for (number, (name, labels)) in services.into_iter().enumerate() {
        let id = format!("s{number}");
        for slot in 1..=2u8 {
            let octet = u8::try_from(number % 200).unwrap_or(0);
            snapshot.tasks.push(Task {
                id: format!("{id}-t{slot}"),
                service_id: id.clone(),
                slot: Some(u64::from(slot)),
                node_id: Some(if slot == 1 { "n1" } else { "n2" }.into()),
                desired_state: "running".into(),
                state: "running".into(),
                addresses: vec![TaskAddress {
                    network_id: "apps-id".into(),
                    ip: IpAddr::V4(Ipv4Addr::new(10, 0, octet, slot)),
                }],
            });
        }
        snapshot.services.push(Service {
            id,
            name,
            labels,
            container_labels: BTreeMap::new(),
            networks: vec!["apps-id".into(), "ingress-id".into()],
            mode: ServiceMode::Replicated { replicas: 2 },
            updating: false,
            virtual_ips: Vec::new(),
        });
    }
    snapshot
}

/// Compiles the snapshot and checks what every compiled snapshot must satisfy; returns it.
///
/// - the same snapshot compiles to the same spec (the publisher compares specs to decide
///   whether anything changed), whatever order the services and tasks are listed in;
/// - routes come highest priority first, with unique names, each on at least one configured
///   entry point, and every service has one report;
/// - the table's indexed lookup finds, for requests made from each route's rule, exactly the
///   route a scan of all routes in priority order finds.
pub fn compile_and_check(snapshot: &ClusterSnapshot, parts: &RequestParts) -> Compiled {
    let settings = settings();
    let compiled = compile(snapshot, &settings);
    let again = compile(snapshot, &settings);
    assert_eq!(compiled.spec, again.spec, "compiling twice differs");
    // Swarm never lists two objects with one ID, nor two services with one name.
    let unique = distinct(snapshot.services.iter().map(|service| &service.id))
        && distinct(snapshot.services.iter().map(|service| &service.name))
        && distinct(snapshot.tasks.iter().map(|task| &task.id));
    if unique {
        let mut reordered = snapshot.clone();
        reordered.services.reverse();
        reordered.tasks.reverse();
        assert_eq!(
            compile(&reordered, &settings).spec,
            compiled.spec,
            "the order services and tasks are listed in changed the spec"
        );
    }

    let spec = &compiled.spec;
    for pair in spec.routes.windows(2) {
        assert!(pair[0].priority >= pair[1].priority, "routes out of order");
    }
    let mut names: Vec<&str> = spec
        .routes
        .iter()
        .map(|route| route.name.as_str())
        .collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    // v1 routes are named after their service: only unique services give unique names.
    assert!(!unique || names.len() == count, "two routes with one name");
    for route in &spec.routes {
        assert!(
            !route.entry_points.is_empty(),
            "{} on no entry point",
            route.name
        );
    }
    for service in snapshot.services.iter().filter(|_| unique) {
        let reports = compiled
            .services
            .iter()
            .filter(|report| report.name == service.name)
            .count();
        assert_eq!(
            reports, 1,
            "service {:?} has {reports} reports",
            service.name
        );
    }

    let table = RoutingTable::build(spec.clone(), 1, &StatsRegistry::default());
    let mut requests = Vec::new();
    for route in table.routes().iter().take(8) {
        requests.extend(candidates(&route.def.rule.expr, parts).into_iter().take(12));
    }
    for request in &requests {
        let view = request.view();
        for entry_point in 0..spec.entry_points.len() {
            let indexed = table
                .lookup(entry_point, &view)
                .map(|route| route.def.name.as_str());
            let scanned = table
                .routes()
                .iter()
                .find(|route| {
                    spec.entry_points
                        .resolve(&route.def.entry_points)
                        .known
                        .contains(&entry_point)
                        && (route.def.tls.is_none() || spec.entry_points.is_tls(entry_point))
                        && route.def.rule.matches(&view)
                })
                .map(|route| route.def.name.as_str());
            assert_eq!(indexed, scanned, "entry point {entry_point}, {request:?}");
        }
    }
    compiled
}

fn distinct<'a>(values: impl Iterator<Item = &'a String>) -> bool {
    let mut seen = std::collections::HashSet::new();
    values.into_iter().all(|value| seen.insert(value))
}
