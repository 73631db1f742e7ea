use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::cluster::{ServiceMode, TaskAddress};

pub(crate) fn settings() -> RoutingSettings {
    RoutingSettings {
        labels: LabelSettings {
            prefix: "traefik".into(),
            domain: None,
            exposed_by_default: true,
        },
        default_network: None,
        default_rule: crate::routing::traefik_v3::template::RuleTemplate::default(),
        constraints: None,
        failure_cooldown: std::time::Duration::from_secs(1),
        entry_points: EntryPoints::new([("web".to_owned(), true)]),
    }
}

pub(crate) struct Swarm {
    pub snapshot: ClusterSnapshot,
}

impl Swarm {
    pub fn new() -> Self {
        let network = |id: &str, name: &str, ingress| Network {
            id: id.into(),
            name: name.into(),
            ingress,
        };
        let node = |id: &str, hostname: &str, state: &str| Node {
            id: id.into(),
            hostname: hostname.into(),
            state: state.into(),
            role: "worker".into(),
        };
        Swarm {
            snapshot: ClusterSnapshot {
                networks: vec![
                    network("ingress-id", "ingress", true),
                    network("apps-id", "demo_apps", false),
                    network("other-id", "other", false),
                ],
                nodes: vec![
                    node("n1", "leader", "ready"),
                    node("n2", "worker-1", "ready"),
                    node("n3", "worker-2", "down"),
                ],
                ..ClusterSnapshot::default()
            },
        }
    }

    pub fn service(mut self, name: &str, labels: &[(&str, &str)], networks: &[&str]) -> Self {
        self.snapshot.services.push(Service {
            id: format!("{name}-id"),
            name: name.into(),
            labels: labels
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
            container_labels: BTreeMap::new(),
            networks: networks.iter().map(|id| (*id).to_owned()).collect(),
            mode: ServiceMode::Replicated { replicas: 2 },
            updating: false,
            virtual_ips: Vec::new(),
        });
        self
    }

    /// A task of `service` on node `n1`, addressed `10.0.1.<host>` on `apps-id`.
    pub fn task(self, service: &str, host: u8, desired: &str, state: &str) -> Self {
        self.task_on(service, host, desired, state, "n1")
    }

    pub fn task_on(
        mut self,
        service: &str,
        host: u8,
        desired: &str,
        state: &str,
        node: &str,
    ) -> Self {
        self.snapshot.tasks.push(Task {
            id: format!("{service}-t{host}"),
            service_id: format!("{service}-id"),
            slot: Some(u64::from(host)),
            node_id: Some(node.into()),
            desired_state: desired.into(),
            state: state.into(),
            addresses: vec![TaskAddress {
                network_id: "apps-id".into(),
                ip: IpAddr::V4(Ipv4Addr::new(10, 0, 1, host)),
            }],
        });
        self
    }

    pub fn compile(&self) -> Compiled {
        compile(&self.snapshot, &settings())
    }

    pub fn compile_with(&self, settings: &RoutingSettings) -> Compiled {
        compile(&self.snapshot, settings)
    }
}

const WEB: &[(&str, &str)] = &[
    ("traefik.port", "8080"),
    ("traefik.frontend.rule", "PathPrefixStrip: /web/"),
];

fn addresses(spec: &RoutingSpec, balancer: &str) -> Vec<String> {
    spec.balancers[balancer]
        .backends
        .iter()
        .map(|backend| backend.address.to_string())
        .collect()
}

#[test]
fn only_running_tasks_on_reachable_nodes_become_backends() {
    let mut swarm = Swarm::new().service("web", WEB, &["apps-id"]);
    let states = [
        ("running", "running"),
        ("running", "starting"),
        ("running", "preparing"),
        ("running", "pending"),
        ("running", "assigned"),
        ("running", "failed"),
        ("shutdown", "running"),
        ("shutdown", "shutdown"),
        ("shutdown", "complete"),
        ("running", "rejected"),
        ("ready", "ready"),
    ];
    for (host, (desired, state)) in states.iter().enumerate() {
        swarm = swarm.task("web", host as u8 + 1, desired, state);
    }
    swarm = swarm.task_on("web", 100, "running", "running", "n3");
    let compiled = swarm.compile();
    assert_eq!(addresses(&compiled.spec, "web"), vec!["10.0.1.1:8080"]);
    let report = &compiled.services[0];
    assert_eq!(report.tasks.len(), states.len() + 1);
    assert_eq!(report.tasks.iter().filter(|task| task.serving).count(), 1);
    assert_eq!(report.network.as_deref(), Some("demo_apps"));
}

#[test]
fn a_bad_service_is_skipped_and_the_others_keep_their_routes() {
    let compiled = Swarm::new()
        .service("web", WEB, &["apps-id"])
        .service("broken", &[("traefik.port", "eighty")], &["apps-id"])
        .service("ambiguous", WEB, &["apps-id", "other-id"])
        .task("web", 2, "running", "running")
        .task("broken", 3, "running", "running")
        .compile();
    let routes: Vec<&str> = compiled
        .spec
        .routes
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(routes, vec!["web"]);
    let skipped: Vec<(&str, bool)> = compiled
        .spec
        .skipped
        .iter()
        .map(|s| (s.service.as_str(), s.intentional))
        .collect();
    assert_eq!(skipped, vec![("ambiguous", false), ("broken", false)]);
    assert!(compiled.spec.skipped[1].reason.contains("traefik.port"));
    assert_eq!(compiled.services.len(), 3);
    assert_eq!(compiled.services[1].status.status, "skipped");
}

#[test]
fn disabled_services_are_listed_as_intentional() {
    let compiled = Swarm::new()
        .service("proxy", &[("traefik.enable", "false")], &["apps-id"])
        .compile();
    assert!(compiled.spec.routes.is_empty());
    assert!(compiled.spec.skipped[0].intentional);
    assert_eq!(compiled.services[0].status.status, "disabled");
}

#[test]
fn services_naming_the_same_backend_share_one_weighted_pool() {
    let blue = [
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "Host: app.test"),
        ("traefik.backend", "app"),
        ("traefik.weight", "3"),
    ];
    let green = [
        ("traefik.port", "81"),
        ("traefik.frontend.rule", "Host: app.test"),
        ("traefik.backend", "app"),
    ];
    let compiled = Swarm::new()
        .service("blue", &blue, &["apps-id"])
        .service("green", &green, &["apps-id"])
        .task("blue", 1, "running", "running")
        .task("green", 2, "running", "running")
        .compile();
    assert_eq!(
        addresses(&compiled.spec, "app"),
        vec!["10.0.1.1:80", "10.0.1.2:81"]
    );
    let weights: Vec<u32> = compiled.spec.balancers["app"]
        .backends
        .iter()
        .map(|b| b.weight)
        .collect();
    assert_eq!(weights, vec![3, 1]);
    assert!(
        compiled
            .spec
            .routes
            .iter()
            .all(|route| route.balancer == "app")
    );
    assert!(
        compiled
            .spec
            .warnings
            .iter()
            .any(|w| w.message.contains("same rule")),
        "identical rules are flagged: {:?}",
        compiled.spec.warnings
    );
}

#[test]
fn routes_are_ordered_by_priority_then_name() {
    let rule = |text: &'static str| [("traefik.port", "80"), ("traefik.frontend.rule", text)];
    let explicit = [
        ("traefik.port", "80"),
        ("traefik.frontend.rule", "PathPrefix: /"),
        ("traefik.frontend.priority", "500"),
    ];
    let compiled = Swarm::new()
        .service("b-short", &rule("Path: /a"), &["apps-id"])
        .service("a-short", &rule("Path: /b"), &["apps-id"])
        .service("long", &rule("PathPrefix: /very/long/prefix"), &["apps-id"])
        .service("explicit", &explicit, &["apps-id"])
        .compile();
    let order: Vec<&str> = compiled
        .spec
        .routes
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(order, vec!["explicit", "long", "a-short", "b-short"]);
}

#[test]
fn static_services_route_to_fixed_addresses() {
    let mut swarm = Swarm::new();
    swarm.snapshot.static_services.push(StaticService {
        name: "bench".into(),
        rule: "PathPrefixStrip: /bench".into(),
        priority: None,
        pass_host_header: Some(false),
        weight: None,
        backends: vec!["127.0.0.1:9000".parse().expect("addr")],
        middlewares: Vec::new(),
    });
    swarm.snapshot.static_services.push(StaticService {
        name: "typo".into(),
        rule: "Pth: /x".into(),
        priority: None,
        pass_host_header: None,
        weight: None,
        backends: vec![],
        middlewares: Vec::new(),
    });
    let compiled = swarm.compile();
    assert_eq!(compiled.spec.routes.len(), 1);
    let route = &compiled.spec.routes[0];
    assert_eq!(route.name, "bench@file");
    assert!(!route.pass_host_header);
    assert_eq!(
        addresses(&compiled.spec, "bench@file"),
        vec!["127.0.0.1:9000"]
    );
    assert_eq!(compiled.spec.skipped[0].service, "typo@file");
}

#[test]
fn compiling_is_deterministic_whatever_the_api_order() {
    let forward = Swarm::new()
        .service("a", WEB, &["apps-id"])
        .service("b", WEB, &["apps-id"])
        .task("a", 1, "running", "running")
        .task("a", 2, "running", "running");
    let mut reversed = Swarm::new();
    reversed.snapshot.services = forward.snapshot.services.iter().rev().cloned().collect();
    reversed.snapshot.tasks = forward.snapshot.tasks.iter().rev().cloned().collect();
    assert_eq!(forward.compile().spec, reversed.compile().spec);
}

#[test]
fn static_services_carry_their_middlewares_or_are_skipped_for_a_bad_one() {
    let service = |name: &str, middlewares: Vec<crate::cluster::StaticMiddleware>| StaticService {
        name: name.into(),
        rule: "PathPrefix: /".into(),
        priority: None,
        pass_host_header: None,
        weight: None,
        backends: vec!["127.0.0.1:9000".parse().expect("addr")],
        middlewares,
    };
    let middleware =
        |name: &str, kind: &str, options: &[(&str, &str)]| crate::cluster::StaticMiddleware {
            name: name.into(),
            kind: kind.into(),
            options: options
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
    let mut swarm = Swarm::new();
    swarm.snapshot.static_services.push(service(
        "good",
        vec![
            middleware("strip", "stripPrefixRegex", &[("regex", "^/v[0-9]+")]),
            middleware("old", "ipWhiteList", &[("sourceRange", "127.0.0.1")]),
        ],
    ));
    swarm.snapshot.static_services.push(service(
        "bad",
        vec![middleware("auth", "basicAuth", &[("users", "nohash")])],
    ));
    let compiled = swarm.compile();
    let route = &compiled.spec.routes[0];
    assert_eq!(route.name, "good@file");
    let names: Vec<(&str, &str)> = route
        .middlewares
        .iter()
        .map(|def| (def.name.as_str(), def.middleware.kind()))
        .collect();
    assert_eq!(
        names,
        [
            ("strip@file", "stripPrefixRegex"),
            ("old@file", "ipWhiteList")
        ]
    );
    assert!(
        compiled
            .spec
            .warnings
            .iter()
            .any(|warning| warning.service == "good@file"
                && warning.message.contains("ipWhiteList is deprecated")),
        "{:?}",
        compiled.spec.warnings
    );
    let skipped = &compiled.spec.skipped[0];
    assert_eq!(skipped.service, "bad@file");
    assert!(
        skipped
            .reason
            .contains("services.bad.middlewares.auth.options.users"),
        "{}",
        skipped.reason
    );
}

#[test]
fn a_static_errors_page_names_a_file_service_or_its_route_is_skipped() {
    let service = |name: &str, page: &str| StaticService {
        name: name.into(),
        rule: format!("PathPrefix: /{name}"),
        priority: None,
        pass_host_header: None,
        weight: None,
        backends: vec!["127.0.0.1:9000".parse().expect("addr")],
        middlewares: vec![crate::cluster::StaticMiddleware {
            name: "oops".into(),
            kind: "errors".into(),
            options: [("status", "500-599"), ("service", page)]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }],
    };
    let mut swarm = Swarm::new();
    swarm.snapshot.static_services.push(service("app", "app"));
    swarm
        .snapshot
        .static_services
        .push(service("lost", "nowhere"));
    let compiled = swarm.compile();
    let names: Vec<&str> = compiled
        .spec
        .routes
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["app@file"]);
    assert_eq!(
        compiled.spec.routes[0].middlewares[0].middleware.services(),
        ["app@file"]
    );
    let skipped = &compiled.spec.skipped[0];
    assert_eq!(skipped.router.as_deref(), Some("lost@file"));
    assert!(
        skipped.reason.contains("nowhere@file"),
        "{}",
        skipped.reason
    );
}

/// Each service is read in its dialect; one in both is skipped, naming a label of each, and
/// the others are not affected.
#[test]
fn services_are_read_in_their_dialect_and_mixing_them_is_refused() {
    let swarm = Swarm::new()
        .service("web", WEB, &["apps-id"])
        .service(
            "api",
            &[
                ("traefik.http.routers.api.rule", "PathPrefix(`/api`)"),
                ("traefik.http.services.api.loadbalancer.server.port", "80"),
            ],
            &["apps-id"],
        )
        .service(
            "both",
            &[
                ("traefik.port", "80"),
                ("traefik.http.routers.both.rule", "PathPrefix(`/both`)"),
            ],
            &["apps-id"],
        )
        .task("web", 1, "running", "running")
        .task("api", 2, "running", "running")
        .task("both", 3, "running", "running");
    let compiled = swarm.compile();
    let mut routes: Vec<(&str, Dialect)> = compiled
        .spec
        .routes
        .iter()
        .map(|route| (route.name.as_str(), route.dialect))
        .collect();
    routes.sort_unstable_by_key(|(name, _)| *name);
    assert_eq!(routes, [("api@swarm", Dialect::V3), ("web", Dialect::V1)]);
    let [skipped] = compiled.spec.skipped.as_slice() else {
        panic!("{:?}", compiled.spec.skipped)
    };
    assert_eq!(skipped.service, "both");
    assert!(
        skipped.reason.contains("traefik.port (v1)"),
        "{}",
        skipped.reason
    );
    assert!(
        skipped
            .reason
            .contains("traefik.http.routers.both.rule (v2/v3)"),
        "{}",
        skipped.reason
    );
    let dialects: Vec<(&str, Option<Dialect>)> = compiled
        .services
        .iter()
        .map(|report| (report.name.as_str(), report.dialect))
        .collect();
    assert_eq!(
        dialects,
        [
            ("api", Some(Dialect::V3)),
            ("both", None),
            ("web", Some(Dialect::V1))
        ]
    );
}

/// S13, the docs' constraints examples (`master:…/install-configuration/providers/swarm.md`):
/// only services whose labels satisfy the expression are routed, whatever their dialect; the
/// others are left out on purpose, with the expression named.
#[test]
fn constraints_choose_the_services_that_are_routed() {
    use crate::routing::constraints::parse_constraints;
    let v3_port = ("traefik.http.services.s.loadbalancer.server.port", "80");
    let swarm = Swarm::new()
        .service("foo", &[v3_port, ("a.label.name", "foo")], &["apps-id"])
        .service(
            "abc",
            &[v3_port, ("a.label.name", "abc"), ("a", "valueA")],
            &["apps-id"],
        )
        .service(
            "both",
            &[v3_port, ("a", "valueA"), ("b", "valueB")],
            &["apps-id"],
        )
        .service(
            "c",
            &[v3_port, ("a", "valueA"), ("c", "valueC")],
            &["apps-id"],
        )
        .service(
            "web",
            &[WEB[0], WEB[1], ("a.label.name", "foo")],
            &["apps-id"],
        );
    let routed = |expression: &str| -> Vec<String> {
        let mut settings = settings();
        settings.constraints = Some(ProviderConstraints {
            text: expression.to_owned(),
            constraints: parse_constraints(expression).expect("valid"),
        });
        let compiled = compile(&swarm.snapshot, &settings);
        let mut names: Vec<String> = compiled
            .spec
            .routes
            .iter()
            .map(|route| route.service.clone())
            .collect();
        names.sort();
        for skipped in &compiled.spec.skipped {
            assert!(skipped.intentional, "{skipped:?}");
            assert!(skipped.reason.contains(expression), "{skipped:?}");
        }
        names
    };
    assert_eq!(routed("Label(`a.label.name`, `foo`)"), ["foo", "web"]);
    assert_eq!(
        routed("!Label(`a.label.name`, `foo`)"),
        ["abc", "both", "c"]
    );
    assert_eq!(
        routed("Label(`a`, `valueA`) && Label(`b`, `valueB`)"),
        ["both"]
    );
    assert_eq!(
        routed("Label(`a`, `valueA`) && (Label(`b`, `valueB`) || Label(`c`, `valueC`))"),
        ["both", "c"]
    );
    assert_eq!(routed("LabelRegex(`a.label.name`, `a.+`)"), ["abc"]);
    let compiled = compile(&swarm.snapshot, &{
        let mut settings = settings();
        settings.constraints = Some(ProviderConstraints {
            text: "Label(`a`, `nope`)".into(),
            constraints: parse_constraints("Label(`a`, `nope`)").expect("valid"),
        });
        settings
    });
    let report = compiled
        .services
        .iter()
        .find(|report| report.name == "foo")
        .expect("reported");
    assert_eq!(report.status.status, "disabled");
}
