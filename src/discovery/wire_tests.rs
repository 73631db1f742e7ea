//! Decoding the real responses captured from a Docker 20.10 swarm running the seed's stack.

use super::*;
use crate::cluster::ClusterSnapshot;
use crate::routing::compile;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/docker-20.10-seed-stack/",
            $name
        ))
    };
}

fn decode<T: DeserializeOwned, M: From<T>>(body: &[u8], what: &str) -> Vec<M> {
    let (items, problems) = decode_list::<T>(body, what).expect("a JSON array");
    assert!(problems.is_empty(), "{problems:?}");
    items.into_iter().map(M::from).collect()
}

fn seed_snapshot() -> ClusterSnapshot {
    let listing = decode_listing(ListBodies {
        services: fixture!("services.json"),
        tasks: fixture!("tasks.json"),
        networks: fixture!("networks.json"),
        nodes: fixture!("nodes.json"),
    })
    .expect("four JSON arrays");
    assert!(listing.problems.is_empty(), "{:?}", listing.problems);
    listing.snapshot
}

#[test]
fn services_keep_service_labels_container_labels_networks_and_mode() {
    let snapshot = seed_snapshot();
    let by_name = |name: &str| {
        snapshot
            .services
            .iter()
            .find(|service| service.name == name)
            .expect("service present")
    };
    let hello = by_name("demo_hello");
    assert_eq!(
        hello.labels["traefik.frontend.rule"],
        "PathPrefixStrip: /hello/"
    );
    assert_eq!(hello.container_labels["traefik.port"], "8080");
    assert_eq!(hello.mode, ServiceMode::Replicated { replicas: 2 });
    assert_eq!(by_name("demo_ping").mode, ServiceMode::Global);
    let proxy = by_name("demo_traefik");
    assert!(!proxy.labels.contains_key("traefik.enable"));
    assert_eq!(proxy.container_labels["traefik.enable"], "false");
    assert_eq!(by_name("multi").networks.len(), 2);
}

#[test]
fn tasks_carry_their_overlay_addresses_and_states() {
    let snapshot = seed_snapshot();
    assert_eq!(snapshot.tasks.len(), 32);
    let serving: Vec<&Task> = snapshot.tasks.iter().filter(|t| t.is_serving()).collect();
    assert_eq!(serving.len(), 6);
    let multi = serving
        .iter()
        .find(|task| task.addresses.len() == 2)
        .expect("the multi-network task");
    let ips: Vec<String> = multi.addresses.iter().map(|a| a.ip.to_string()).collect();
    assert_eq!(ips, vec!["10.0.3.3", "10.0.2.135"]);
    assert!(snapshot.tasks.iter().any(|task| task.state == "rejected"));
    assert!(
        snapshot
            .tasks
            .iter()
            .any(|task| task.desired_state == "ready" && task.state == "pending")
    );
}

#[test]
fn networks_and_nodes() {
    let snapshot = seed_snapshot();
    let ingress: Vec<&str> = snapshot
        .networks
        .iter()
        .filter(|network| network.ingress)
        .map(|network| network.name.as_str())
        .collect();
    assert_eq!(ingress, vec!["ingress"]);
    assert_eq!(snapshot.nodes.len(), 3);
    assert!(snapshot.nodes.iter().all(|node| node.state == "ready"));
    assert_eq!(
        snapshot
            .nodes
            .iter()
            .filter(|node| node.role == "manager")
            .count(),
        1
    );
}

#[test]
fn the_seed_stack_compiles_to_the_blog_posts_routes() {
    let compiled = compile(
        &seed_snapshot(),
        &crate::routing::compile::tests::settings(),
    );
    let spec = &compiled.spec;
    let routes: Vec<(&str, &str)> = spec
        .routes
        .iter()
        .map(|route| (route.name.as_str(), route.rule_text.as_str()))
        .collect();
    assert_eq!(
        routes,
        vec![
            ("multi", "Host:multi.local;PathPrefix:/api,/v2"),
            ("demo_hello", "PathPrefixStrip: /hello/"),
            ("demo_ping", "PathPrefixStrip: /ping"),
        ]
    );
    let addresses = |balancer: &str| -> Vec<String> {
        let mut addresses: Vec<String> = spec.balancers[balancer]
            .backends
            .iter()
            .map(|backend| backend.address.to_string())
            .collect();
        addresses.sort();
        addresses
    };
    assert_eq!(
        addresses("demo_hello"),
        vec!["10.0.2.106:8080", "10.0.2.109:8080"]
    );
    assert_eq!(
        addresses("demo_ping"),
        vec!["10.0.2.107:8080", "10.0.2.112:8080", "10.0.2.118:8080"]
    );
    assert_eq!(addresses("multi"), vec!["10.0.2.135:8080"]);
    let [skipped] = spec.skipped.as_slice() else {
        panic!("only the proxy is skipped: {:?}", spec.skipped)
    };
    assert_eq!(skipped.service, "demo_traefik");
    assert!(
        skipped.reason.contains("traefik.port"),
        "{}",
        skipped.reason
    );
    assert!(
        skipped.reason.contains("deploy.labels"),
        "{}",
        skipped.reason
    );
}

/// The seed's services are in VIP mode: one virtual IP per network, CIDR reduced to the IP.
#[test]
fn services_keep_their_virtual_ips() {
    let snapshot = seed_snapshot();
    let multi = snapshot
        .services
        .iter()
        .find(|service| service.name == "multi")
        .expect("multi");
    let vips: Vec<(String, String)> = multi
        .virtual_ips
        .iter()
        .map(|vip| (vip.network_id.clone(), vip.ip.to_string()))
        .collect();
    assert_eq!(
        vips,
        [
            (
                "kq38gv1x7skrg0x2rptj5c2pl".to_owned(),
                "10.0.3.2".to_owned()
            ),
            (
                "x20zbs1fup4tx121cx2sm7qg1".to_owned(),
                "10.0.2.134".to_owned()
            ),
        ]
    );
}

/// The Engine API's documented shapes: VIP mode lists `Endpoint.VirtualIPs`; dnsrr mode has
/// none, which lbswarm routing must refuse.
#[test]
fn dnsrr_services_have_no_virtual_ip() {
    let body = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/engine-api-docs/services-vip-and-dnsrr.json"
    ));
    let services: Vec<Service> = decode::<ServiceJson, _>(body, "service");
    let [web, db] = services.as_slice() else {
        panic!("two services: {services:?}")
    };
    assert_eq!(web.name, "shop_web");
    let web_vips: Vec<String> = web
        .virtual_ips
        .iter()
        .map(|vip| vip.ip.to_string())
        .collect();
    assert_eq!(web_vips, ["10.0.9.2", "10.0.10.2"]);
    assert_eq!(web.virtual_ips[1].network_id, "net-back");
    assert_eq!(db.name, "shop_db");
    assert!(db.virtual_ips.is_empty());
}

#[test]
fn a_healthchecked_task_gets_traffic_only_once_healthy() {
    let service: Vec<Service> = decode::<ServiceJson, _>(
        &[b"[", &fixture!("service-multi-network.json")[..], b"]"].concat(),
        "service",
    );
    assert_eq!(service[0].labels["traefik.docker.network"], "demo_apps");
    let starting: Vec<Task> = decode::<TaskJson, _>(
        fixture!("tasks-multi-network-healthcheck-starting.json"),
        "task",
    );
    let running: Vec<Task> = decode::<TaskJson, _>(
        fixture!("tasks-multi-network-healthcheck-running.json"),
        "task",
    );
    assert!(
        starting
            .iter()
            .all(|task| !task.is_serving() && task.is_converging())
    );
    assert!(running.iter().any(Task::is_serving));
}

#[test]
fn a_task_being_stopped_gets_no_traffic_even_while_still_running() {
    let tasks: Vec<Task> = decode::<TaskJson, _>(
        fixture!("tasks-rolling-update-old-task-stopping.json"),
        "task",
    );
    let old = tasks
        .iter()
        .find(|task| task.desired_state == "shutdown")
        .expect("the old task");
    assert_eq!(old.state, "running");
    assert!(!old.is_serving());
    assert!(old.is_converging(), "a stopping task keeps polling fast");
    assert!(tasks.iter().all(|task| !task.is_serving()));
}

#[test]
fn one_undecodable_element_is_left_out_and_reported() {
    let body = br#"[{"ID":"ok","Name":"net","Id":"n1"},{"Id":"n2","Name":17}]"#;
    let (networks, problems) = decode_list::<NetworkJson>(body, "network").expect("array");
    assert_eq!(networks.len(), 1);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("n2"), "{}", problems[0]);
    assert!(decode_list::<NetworkJson>(b"{}", "network").is_err());
}

#[test]
fn a_listing_fails_only_on_a_body_that_is_no_array_and_names_its_list() {
    let bodies = ListBodies {
        services: b"[]",
        tasks: b"[]",
        networks: br#"[{"Id": "n1", "Name": "ingress"}, {"Id": 7}]"#,
        nodes: b"[]",
    };
    let listing = decode_listing(bodies).expect("arrays");
    assert_eq!(listing.snapshot.networks.len(), 1);
    assert!(listing.snapshot.synced);
    assert_eq!(listing.problems.len(), 1, "{:?}", listing.problems);
    assert!(
        listing.problems[0].starts_with("network #1"),
        "{:?}",
        listing.problems
    );

    let err = decode_listing(ListBodies {
        tasks: br#"{"message": "not a list"}"#,
        ..bodies
    })
    .expect_err("an object");
    assert!(
        matches!(&err, DiscoveryError::Decode { what, .. } if what == "task list"),
        "{err:?}"
    );
}
