//! The Swarm provider's own labels through the whole reader: `enable` over
//! `--exposed-by-default`, the network labels of v2 and v3, `lbswarm` (research §2.3, §2.4;
//! docs examples S10-S12).

use std::net::{IpAddr, Ipv4Addr};

use crate::cluster::{TaskAddress, VirtualIp};
use crate::routing::compile::tests::Swarm;
use crate::routing::spec::Compiled;
use crate::routing::traefik_v3::test_support::{
    Settings, addresses, compile, compile_with, skipped,
};

const WEB: &str = "mystack_web";

fn web(labels: &[(&str, &str)]) -> Swarm {
    Swarm::new()
        .service(WEB, labels, &["apps-id"])
        .task(WEB, 5, "running", "running")
        .task(WEB, 6, "running", "running")
}

fn reason(compiled: &Compiled, router: Option<&str>) -> String {
    skipped(compiled, WEB, router).reason.clone()
}

/// S10 and §2.6's enable row: `traefik.enable` over `--exposed-by-default`.
#[test]
fn enable_overrides_exposed_by_default() {
    let port = ("traefik.http.services.s.loadbalancer.server.port", "80");
    for (exposed, enable, routed) in [
        (true, None, true),
        (true, Some("false"), false),
        (false, None, false),
        (false, Some("true"), true),
        (false, Some("TRUE"), true),
    ] {
        let mut labels = vec![port];
        if let Some(value) = enable {
            labels.push(("traefik.enable", value));
        }
        let settings = Settings {
            exposed_by_default: exposed,
            ..Settings::default()
        };
        let compiled = compile_with(&web(&labels).snapshot, &settings);
        assert_eq!(
            !compiled.spec.routes.is_empty(),
            routed,
            "{exposed} {enable:?}"
        );
        if !routed {
            assert!(skipped(&compiled, WEB, None).intentional);
            assert_eq!(compiled.services[0].status.status, "disabled");
        }
    }
    let compiled = compile(&web(&[port, ("traefik.enable", "yes")]));
    assert!(reason(&compiled, None).contains("traefik.enable"));
}

/// S11 and §2.6's network row: the v3 and v2 network labels, never both.
#[test]
fn the_network_labels_of_both_versions_choose_the_network() {
    let port = ("traefik.http.services.s.loadbalancer.server.port", "80");
    for label in ["traefik.swarm.network", "traefik.docker.network"] {
        let swarm = Swarm::new()
            .service(WEB, &[port, (label, "other")], &["apps-id", "other-id"])
            .task(WEB, 5, "running", "running");
        let mut swarm = swarm;
        swarm.snapshot.tasks[0].addresses.push(TaskAddress {
            network_id: "other-id".into(),
            ip: IpAddr::V4(Ipv4Addr::new(10, 9, 0, 5)),
        });
        let compiled = compile(&swarm);
        assert_eq!(addresses(&compiled, "s@swarm"), ["10.9.0.5:80"], "{label}");
        assert_eq!(compiled.services[0].network.as_deref(), Some("other"));
    }
    let compiled = compile(&web(&[
        port,
        ("traefik.swarm.network", "demo_apps"),
        ("traefik.docker.network", "x"),
    ]));
    assert!(matches!(
        skipped(&compiled, WEB, None).reason.as_str(),
        r if r.contains("both traefik.swarm.network and traefik.docker.network")
    ));
    // hawser never guesses: a missing network is an error, not a random pick.
    let compiled = compile(&web(&[port, ("traefik.swarm.network", "apps")]));
    assert!(reason(&compiled, None).contains("did you mean demo_apps"));
    let two = Swarm::new().service(WEB, &[port], &["apps-id", "other-id"]);
    let reason = skipped(&compile(&two), WEB, None).reason.clone();
    assert!(reason.contains("set traefik.swarm.network"), "{reason}");
}

/// S12: lbswarm routes to the service's virtual IP on the chosen network.
#[test]
fn lbswarm_routes_to_the_virtual_ip() {
    let port = ("traefik.http.services.s.loadbalancer.server.port", "80");
    for label in ["traefik.swarm.lbswarm", "traefik.docker.lbswarm"] {
        let mut swarm = web(&[port, (label, "true")]);
        swarm.snapshot.services[0].virtual_ips = vec![VirtualIp {
            network_id: "apps-id".into(),
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, 1, 2)),
        }];
        let compiled = compile(&swarm);
        assert_eq!(addresses(&compiled, "s@swarm"), ["10.0.1.2:80"], "{label}");
        assert_eq!(compiled.spec.balancers["s@swarm"].backends[0].task_id, None);
    }
    let compiled = compile(&web(&[port, ("traefik.swarm.lbswarm", "true")]));
    let reason = reason(&compiled, Some("mystack-web@swarm"));
    assert!(reason.contains("dnsrr"), "{reason}");
    let compiled = compile(&web(&[port, ("traefik.swarm.lbswarm", "false")]));
    assert_eq!(
        addresses(&compiled, "s@swarm"),
        ["10.0.1.5:80", "10.0.1.6:80"]
    );
}
