use std::collections::BTreeMap;

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

fn names(sections: &[Section<'_>]) -> Vec<String> {
    sections.iter().map(|s| s.name.to_owned()).collect()
}

#[test]
fn labels_are_sorted_into_their_objects() {
    let labels = labels(&[
        ("traefik.http.routers.ping.rule", "PathPrefix(`/ping`)"),
        ("traefik.http.routers.ping.middlewares", "strip"),
        (
            "traefik.http.services.ping.loadbalancer.server.port",
            "8080",
        ),
        (
            "traefik.http.middlewares.strip.stripprefix.prefixes",
            "/ping",
        ),
        ("traefik.enable", "true"),
        ("traefik.swarm.network", "demo_apps"),
        ("com.docker.stack.namespace", "demo"),
    ]);
    let decoded = decode(&labels, "traefik");
    assert!(decoded.error.is_none(), "{:?}", decoded.error);
    assert_eq!(names(&decoded.routers), ["ping"]);
    assert_eq!(names(&decoded.services), ["ping"]);
    assert_eq!(names(&decoded.middlewares), ["strip"]);
    assert_eq!(decoded.enable.map(|l| l.value), Some("true"));
    assert_eq!(decoded.swarm_network.map(|l| l.value), Some("demo_apps"));
    let router = &decoded.routers[0];
    assert_eq!(router.options.string("rule"), Some("PathPrefix(`/ping`)"));
    assert_eq!(router.options.list("middlewares"), Some(vec!["strip"]));
    assert_eq!(
        decoded.services[0]
            .options
            .label_of("loadbalancer.server.port"),
        "traefik.http.services.ping.loadbalancer.server.port"
    );
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
}

/// paerser merges sibling names case-insensitively, the first sorted spelling winning
/// (`routers.Foo.rule` + `routers.foo.entrypoints` make one router `Foo`, research §2.5);
/// kinds and options are case-insensitive too.
#[test]
fn names_merge_case_insensitively_and_the_first_sorted_spelling_wins() {
    let labels = labels(&[
        ("traefik.http.routers.foo.entrypoints", "web"),
        ("traefik.http.routers.Foo.rule", "Host(`a`)"),
        ("traefik.HTTP.Routers.FOO.priority", "5"),
    ]);
    let decoded = decode(&labels, "traefik");
    assert_eq!(names(&decoded.routers), ["FOO"]);
    let options = &decoded.routers[0].options;
    assert_eq!(options.string("RULE"), Some("Host(`a`)"));
    assert_eq!(options.string("entryPoints"), Some("web"));
    assert_eq!(options.string("priority"), Some("5"));
    assert_eq!(
        options.label_of("service"),
        "traefik.HTTP.Routers.FOO.service",
        "errors about missing options name the object as first written"
    );
}

#[test]
fn provider_labels_of_both_versions_are_kept_apart() {
    let labels = labels(&[
        ("traefik.docker.network", "a"),
        ("traefik.Swarm.Network", "b"),
        ("traefik.docker.LBSwarm", "true"),
        ("traefik.swarm.lbswarm", "false"),
    ]);
    let decoded = decode(&labels, "traefik");
    assert_eq!(decoded.docker_network.map(|l| l.value), Some("a"));
    assert_eq!(decoded.swarm_network.map(|l| l.value), Some("b"));
    assert_eq!(decoded.docker_lbswarm.map(|l| l.value), Some("true"));
    assert_eq!(decoded.swarm_lbswarm.map(|l| l.value), Some("false"));
}

/// A bare map entry creates the object (research §2.5: `traefik.http.routers.a=x`).
#[test]
fn a_bare_entry_creates_an_empty_object() {
    let labels = labels(&[("traefik.http.routers.a", "x")]);
    let decoded = decode(&labels, "traefik");
    assert_eq!(names(&decoded.routers), ["a"]);
    assert!(decoded.routers[0].options.is_empty());
}

#[test]
fn a_malformed_key_is_the_error_of_its_object_only() {
    let labels = labels(&[
        ("traefik.http.routers.bad..rule", "Host(`a`)"),
        ("traefik.http.routers.bad.tls.[0]", "x"),
        ("traefik.http.routers.good.rule", "Host(`b`)"),
        ("traefik.http.routers.at@file.rule", "Host(`c`)"),
    ]);
    let decoded = decode(&labels, "traefik");
    assert!(decoded.error.is_none());
    let by_name = |name: &str| {
        decoded
            .routers
            .iter()
            .find(|section| section.name == name)
            .expect("present")
    };
    let bad = by_name("bad").error.as_ref().expect("an error");
    assert_eq!(bad.label, "traefik.http.routers.bad..rule");
    assert!(bad.reason.contains("empty element"), "{bad}");
    assert!(by_name("good").error.is_none());
    let at = by_name("at@file").error.as_ref().expect("an error");
    assert!(at.reason.contains("cannot contain @"), "{at}");
}

#[test]
fn a_label_that_belongs_to_no_object_is_the_services_error() {
    for (label, reason) in [
        ("traefik.http.rotuers.a.rule", "unknown option \"rotuers\""),
        (
            "traefik.http.routers",
            "routers cannot be a standalone element",
        ),
        ("traefik.http.routers..rule", "empty element"),
        ("traefik.http", "empty element"),
        ("traefik.swarm.netwrok", "unknown option \"netwrok\""),
        ("traefik.docker.lbswarms", "unknown option"),
    ] {
        let labels = labels(&[(label, "x"), ("traefik.http.routers.ok.rule", "Host(`a`)")]);
        let err = decode(&labels, "traefik").error.expect(label);
        assert_eq!(err.label, label);
        assert!(err.reason.contains(reason), "{label}: {err}");
    }
}

#[test]
fn what_hawser_does_not_route_is_set_aside_with_a_warning() {
    let labels = labels(&[
        ("traefik.tcp.routers.t.rule", "HostSNI(`*`)"),
        ("traefik.udp.services.u.loadbalancer.server.port", "53"),
        (
            "traefik.http.serverstransports.t.insecureskipverify",
            "true",
        ),
        (
            "traefik.tls.stores.default.defaultcertificate.certfile",
            "/c",
        ),
        ("traefik.nonsense", "1"),
        ("Traefik.http.routers.r.rule", "Host(`a`)"),
    ]);
    let decoded = decode(&labels, "traefik");
    assert!(decoded.error.is_none());
    assert_eq!(
        decoded.tcp_udp,
        [
            "traefik.tcp.routers.t.rule",
            "traefik.udp.services.u.loadbalancer.server.port"
        ]
    );
    assert!(decoded.routers.is_empty(), "the root is case-sensitive");
    assert_eq!(decoded.warnings.len(), 4, "{:?}", decoded.warnings);
    assert!(decoded.warnings[0].contains("Traefik.http.routers.r.rule"));
}

#[test]
fn another_prefix_is_read_the_same_way() {
    let labels = labels(&[
        ("hawser.http.routers.r.rule", "Host(`a`)"),
        ("traefik.http.routers.other.rule", "Host(`b`)"),
    ]);
    let decoded = decode(&labels, "hawser");
    assert_eq!(names(&decoded.routers), ["r"]);
    assert_eq!(
        decoded.routers[0].options.label_of("rule"),
        "hawser.http.routers.r.rule"
    );
}

#[test]
fn a_label_with_a_multi_byte_character_where_the_prefix_ends_is_ignored_quietly() {
    // Found by the `labels` fuzz target: `Җ` (two bytes) straddles the end of `traefik.`,
    // and comparing the label's first eight bytes with the prefix panicked (in a release
    // build, an abort of the whole proxy on one service's label).
    let labels = labels(&[
        ("traefik\u{496}ttp.routers.r.rule", "Host(`r.test`)"),
        ("traefik\u{e9}.http.routers.s.rule", "Host(`s.test`)"),
        ("traefik.http.routers.t.rule", "Host(`t.test`)"),
    ]);
    let decoded = decode(&labels, "traefik");
    assert_eq!(names(&decoded.routers), ["t"]);
    assert!(decoded.warnings.is_empty(), "{:?}", decoded.warnings);
}
