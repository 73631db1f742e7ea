//! Cases from Traefik's `pkg/config/runtime/runtime_http.go` `GetRoutersByEntryPoints` (an
//! unknown name is logged and dropped; no valid one left disables the router) and
//! `cmd/traefik/traefik.go` `getDefaultsEntrypoints` (a router naming none gets the default
//! entry points: the `asDefault` ones, else all); see traefik-v3-routing.md §3.2.

use super::*;
use crate::routing::RoutingSettings;
use crate::routing::compile::tests::{Swarm, settings};

fn entry_points(entries: &[(&str, bool)]) -> EntryPoints {
    EntryPoints::new(
        entries
            .iter()
            .map(|(name, is_default)| ((*name).to_owned(), *is_default)),
    )
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn with(entries: &[(&str, bool)]) -> RoutingSettings {
    RoutingSettings {
        entry_points: entry_points(entries),
        ..settings()
    }
}

fn on(rule: &'static str, entry_points: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut labels = vec![("traefik.port", "80"), ("traefik.frontend.rule", rule)];
    if !entry_points.is_empty() {
        labels.push(("traefik.frontend.entryPoints", entry_points));
    }
    labels
}

#[test]
fn a_route_naming_none_gets_the_default_entry_points() {
    let all = entry_points(&[("web", true), ("admin", true)]);
    assert_eq!(all.resolve(&[]).known, vec![0, 1]);
    let only_web = entry_points(&[("web", true), ("admin", false)]);
    assert_eq!(
        only_web.resolve(&[]),
        Resolved {
            known: vec![0],
            unknown: vec![]
        }
    );
}

#[test]
fn named_entry_points_resolve_in_configured_order_case_sensitively() {
    let configured = entry_points(&[("web", true), ("admin", false), ("Web", false)]);
    let named = names(&["admin", "web", "admin", "WEB", "x", "WEB"]);
    assert_eq!(
        configured.resolve(&named),
        Resolved {
            known: vec![0, 1],
            unknown: vec!["WEB", "x"]
        },
        "a name that is not the default still counts when named"
    );
    assert_eq!(configured.position("Web"), Some(2));
    assert_eq!(configured.name(1), Some("admin"));
    assert_eq!(configured.name(3), None);
    assert!(!configured.is_default(3));
}

#[test]
fn compiled_routes_carry_the_entry_points_they_are_served_on() {
    let compiled = Swarm::new()
        .service("both", &on("Path: /both", ""), &["apps-id"])
        .service("admin", &on("Path: /admin", "admin"), &["apps-id"])
        .service("listed", &on("Path: /listed", "admin, web"), &["apps-id"])
        .compile_with(&with(&[("web", true), ("admin", false)]));
    let served: Vec<(&str, Vec<String>)> = compiled
        .spec
        .routes
        .iter()
        .map(|route| (route.name.as_str(), route.entry_points.clone()))
        .collect();
    assert_eq!(
        served,
        vec![
            ("listed", names(&["web", "admin"])),
            ("admin", names(&["admin"])),
            ("both", names(&["web"])),
        ]
    );
    assert!(
        compiled.spec.warnings.is_empty(),
        "{:?}",
        compiled.spec.warnings
    );
    assert!(compiled.spec.skipped.is_empty());
}

#[test]
fn a_route_on_unknown_entry_points_only_is_skipped_with_its_names() {
    let compiled = Swarm::new()
        .service("lost", &on("Path: /lost", "https,internal"), &["apps-id"])
        .task("lost", 1, "running", "running")
        .service("kept", &on("Path: /kept", ""), &["apps-id"])
        .compile_with(&with(&[("web", true), ("admin", true)]));
    let routes: Vec<&str> = compiled
        .spec
        .routes
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(routes, vec!["kept"]);
    let [skipped] = compiled.spec.skipped.as_slice() else {
        panic!("one skipped: {:?}", compiled.spec.skipped)
    };
    assert_eq!(skipped.service, "lost");
    assert!(!skipped.intentional);
    assert_eq!(
        skipped.reason,
        "route lost: entry points \"https\", \"internal\" are not configured \
         (configured: web, admin), so the route is not served; --entrypoint NAME=ADDRESS \
         adds an entry point"
    );
    assert!(
        !compiled.spec.balancers.contains_key("lost"),
        "no route sends to it any more"
    );
    let report = compiled
        .services
        .iter()
        .find(|report| report.name == "lost")
        .expect("reported");
    assert_eq!(report.status.status, "skipped");
    assert_eq!(report.status.reason.as_ref(), Some(&skipped.reason));
    assert!(report.routes.is_empty());
}

#[test]
fn a_segment_on_unknown_entry_points_leaves_the_others_served() {
    let labels = [
        ("traefik.a.port", "80"),
        ("traefik.a.frontend.rule", "Path: /a"),
        ("traefik.a.frontend.entryPoints", "nowhere"),
        ("traefik.b.port", "80"),
        ("traefik.b.frontend.rule", "Path: /b"),
    ];
    let compiled = Swarm::new()
        .service("svc", &labels, &["apps-id"])
        .compile_with(&with(&[("web", true)]));
    let routes: Vec<&str> = compiled
        .spec
        .routes
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(routes, vec!["svc/b"]);
    assert!(
        compiled.spec.skipped[0]
            .reason
            .starts_with("route svc/a: entry point \"nowhere\"")
    );
    let report = &compiled.services[0];
    assert_eq!(report.status.status, "routed");
    assert_eq!(report.routes, vec!["svc/b"]);
}

#[test]
fn some_unknown_entry_points_are_a_warning_and_the_known_ones_serve() {
    let compiled = Swarm::new()
        .service("svc", &on("Path: /", "web,https"), &["apps-id"])
        .compile_with(&with(&[("web", true), ("admin", true)]));
    assert_eq!(compiled.spec.routes[0].entry_points, names(&["web"]));
    assert!(compiled.spec.skipped.is_empty());
    let message = "route svc: entry point \"https\" is not configured (configured: web, admin); \
                   it is served on web";
    assert_eq!(compiled.spec.warnings[0].message, message);
    assert!(compiled.services[0].warnings.iter().any(|w| w == message));
}

#[test]
fn static_routes_are_served_on_the_default_entry_points() {
    let mut swarm = Swarm::new();
    swarm
        .snapshot
        .static_services
        .push(crate::cluster::StaticService {
            name: "legacy".into(),
            rule: "Path: /legacy".into(),
            priority: None,
            pass_host_header: None,
            weight: None,
            backends: vec!["192.0.2.1:80".parse().expect("address")],
            middlewares: Vec::new(),
        });
    let compiled = swarm.compile_with(&with(&[("web", false), ("admin", true)]));
    assert_eq!(compiled.spec.routes[0].entry_points, names(&["admin"]));
}

#[test]
fn without_any_default_entry_point_a_route_naming_none_is_not_served() {
    let compiled = Swarm::new()
        .service("svc", &on("Path: /", ""), &["apps-id"])
        .compile_with(&with(&[("web", false)]));
    assert!(compiled.spec.routes.is_empty());
    assert!(
        compiled.spec.skipped[0]
            .reason
            .contains("it names no entry point and none is a default one"),
        "{:?}",
        compiled.spec.skipped
    );
}

#[test]
fn identical_rules_on_different_entry_points_do_not_shadow_each_other() {
    let shadow_warnings = |first: &'static str, second: &'static str| {
        let compiled = Swarm::new()
            .service("a", &on("Path: /", first), &["apps-id"])
            .service("b", &on("Path: /", second), &["apps-id"])
            .compile_with(&with(&[("web", true), ("admin", true)]));
        let warnings = compiled.spec.warnings.iter();
        warnings.filter(|w| w.message.contains("same rule")).count()
    };
    assert_eq!(shadow_warnings("web", "admin"), 0);
    assert_eq!(shadow_warnings("web", "admin,web"), 1);
    assert_eq!(
        shadow_warnings("", "admin"),
        1,
        "the defaults include admin"
    );
}

#[test]
fn with_only_the_built_in_entry_point_a_route_naming_others_is_served_there_with_a_warning() {
    // A Traefik v1 stack's `frontend.entryPoints=http,https` on a hawser started without
    // --entrypoint: served on `web`, as before hawser had entry points.
    let entry_points = EntryPoints::built_in([("web".to_owned(), true)]);
    let mut settings = crate::routing::compile::tests::settings();
    settings.entry_points = entry_points;
    let compiled = Swarm::new()
        .service("svc", &on("Path: /", "http,https"), &["apps-id"])
        .compile_with(&settings);
    assert_eq!(compiled.spec.routes[0].entry_points, names(&["web"]));
    assert!(compiled.spec.skipped.is_empty());
    let warning = &compiled.spec.warnings[0].message;
    assert!(
        warning.contains("\"http\", \"https\" are not configured"),
        "{warning}"
    );
}

/// `web` (plain) and `websecure` (TLS), both defaults.
fn web_and_websecure() -> RoutingSettings {
    RoutingSettings {
        entry_points: entry_points(&[("web", true), ("websecure", true)])
            .with_tls("websecure", EntryPointTls::default()),
        ..settings()
    }
}

/// A v3 router `name` with `tls=true` on `entry_points` (none: the defaults).
fn tls_router(name: &'static str, entry_points: &'static str) -> Vec<(String, String)> {
    let mut labels = vec![
        (
            format!("traefik.http.routers.{name}.rule"),
            format!("Host(`{name}.example.com`)"),
        ),
        (format!("traefik.http.routers.{name}.tls"), "true".into()),
        (
            format!("traefik.http.services.{name}.loadbalancer.server.port"),
            "80".into(),
        ),
    ];
    if !entry_points.is_empty() {
        labels.push((
            format!("traefik.http.routers.{name}.entrypoints"),
            entry_points.into(),
        ));
    }
    labels
}

fn borrowed(labels: &[(String, String)]) -> Vec<(&str, &str)> {
    labels
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

/// A route with `tls` is served on TLS entry points only; one without on all it is given, TLS
/// ones included (Traefik's entry-point `http.tls`: every router there is served over TLS).
#[test]
fn tls_routes_go_to_tls_entry_points_only_and_the_others_everywhere() {
    let defaults = tls_router("defaults", "");
    let named = tls_router("named", "web,websecure");
    let compiled = Swarm::new()
        .service("v1", &on("Path: /v1", ""), &["apps-id"])
        .service("defaults", &borrowed(&defaults), &["apps-id"])
        .service("named", &borrowed(&named), &["apps-id"])
        .compile_with(&web_and_websecure());
    let served: Vec<(&str, Vec<String>)> = compiled
        .spec
        .routes
        .iter()
        .map(|route| (route.name.as_str(), route.entry_points.clone()))
        .collect();
    assert!(
        served.contains(&("v1", names(&["web", "websecure"]))),
        "{served:?}"
    );
    assert!(
        served.contains(&("defaults@swarm", names(&["websecure"]))),
        "{served:?}"
    );
    assert!(
        served.contains(&("named@swarm", names(&["websecure"]))),
        "{served:?}"
    );
    let warnings: Vec<&str> = compiled
        .spec
        .warnings
        .iter()
        .map(|warning| warning.message.as_str())
        .collect();
    assert_eq!(
        warnings,
        ["route named@swarm: it has tls, so it is not served on the plain entry point web"],
        "leaving out plain defaults is silent; leaving out a named one is not"
    );
    assert!(
        compiled.spec.skipped.is_empty(),
        "{:?}",
        compiled.spec.skipped
    );
}

#[test]
fn a_tls_route_with_only_plain_entry_points_is_skipped_saying_why() {
    let named = tls_router("plain", "web");
    let compiled = Swarm::new()
        .service("plain", &borrowed(&named), &["apps-id"])
        .compile_with(&web_and_websecure());
    assert!(compiled.spec.routes.is_empty());
    assert_eq!(
        compiled.spec.skipped[0].reason,
        "route plain@swarm: it has tls, so it is served on TLS entry points only, and web \
         (where it would be served) is plain (TLS entry points: websecure); add ;tls to an \
         --entrypoint or name a TLS one"
    );
    // The defaults only, all plain: the built-in entry point (no --entrypoint), say.
    let defaults = tls_router("defaults", "");
    let mut built_in = settings();
    built_in.entry_points = EntryPoints::built_in([("web".to_owned(), true)]);
    let compiled = Swarm::new()
        .service("defaults", &borrowed(&defaults), &["apps-id"])
        .compile_with(&built_in);
    assert!(compiled.spec.routes.is_empty());
    let reason = &compiled.spec.skipped[0].reason;
    assert!(
        reason.contains("web (where it would be served) is plain (TLS entry points: none)"),
        "{reason}"
    );
}
