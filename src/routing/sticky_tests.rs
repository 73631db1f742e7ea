use std::collections::BTreeMap;

use http::{HeaderMap, HeaderValue};

use super::*;
use crate::routing::RoutingTable;
use crate::routing::load_balancer::BalancerSettings;
use crate::routing::spec::{BackendDef, BalancerDef, RoutingSpec};
use crate::stats::StatsRegistry;

fn cookie(name: Option<&str>) -> StickyCookie {
    StickyCookie {
        name: name.map(str::to_owned),
        secure: false,
        http_only: false,
        same_site: None,
        max_age: 0,
        path: "/".into(),
        domain: None,
    }
}

fn addresses() -> Vec<SocketAddr> {
    ["10.0.1.5:80", "10.0.1.6:80", "10.0.1.7:80"]
        .iter()
        .map(|address| address.parse().expect("address"))
        .collect()
}

fn with_cookie(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(value).expect("header"));
    headers
}

#[test]
fn default_name_is_traefiks_sha1_abbreviation_of_the_service() {
    // `_` + sha1("_TRAEFIK_BACKEND_whoami@swarm")[..5], computed independently.
    assert_eq!(default_cookie_name("whoami@swarm"), "_a19eb");
    let sticky = Sticky::new(&cookie(None), "whoami@swarm", Scheme::Http, &addresses());
    assert_eq!(sticky.name, "_a19eb");
    let named = Sticky::new(&cookie(Some("lvl1")), "whoami@swarm", Scheme::Http, &[]);
    assert_eq!(named.name, "lvl1");
}

#[test]
fn values_are_the_sha256_of_the_server_url_and_urls_are_accepted() {
    let sticky = Sticky::new(&cookie(Some("s")), "x", Scheme::Http, &addresses());
    // sha256("http://10.0.1.5:80")[..16] and of "http://10.0.1.6:80".
    assert_eq!(
        sticky.set_cookie(0).expect("cookie"),
        "s=b4e215ace41bed91; Path=/"
    );
    assert_eq!(
        sticky.presented(&with_cookie("s=04db4b139a096f93")),
        Some(1)
    );
    assert_eq!(
        sticky.presented(&with_cookie("a=1; s=http://10.0.1.7:80; b=2")),
        Some(2)
    );
    assert_eq!(sticky.presented(&with_cookie("s=ffffffffffffffff")), None);
    assert_eq!(
        sticky.presented(&with_cookie("other=04db4b139a096f93")),
        None
    );
    assert_eq!(sticky.presented(&HeaderMap::new()), None);
}

#[test]
fn set_cookie_carries_every_attribute() {
    let mut all = cookie(Some("app"));
    all.secure = true;
    all.http_only = true;
    all.same_site = Some(SameSite::Strict);
    all.max_age = 3600;
    all.path = "/api".into();
    all.domain = Some("example.com".into());
    let sticky = Sticky::new(&all, "x", Scheme::Http, &addresses());
    assert_eq!(
        sticky.set_cookie(0).expect("cookie"),
        "app=b4e215ace41bed91; Path=/api; Domain=example.com; Max-Age=3600; HttpOnly; Secure; \
         SameSite=Strict"
    );
    all.max_age = -1;
    all.same_site = Some(SameSite::None);
    let expired = Sticky::new(&all, "x", Scheme::Http, &addresses());
    let text = expired.set_cookie(1).expect("cookie");
    assert!(
        text.to_str().expect("text").contains("; Max-Age=0;"),
        "{text:?}"
    );
    assert!(text.to_str().expect("text").ends_with("SameSite=None"));
    assert_eq!(expired.set_cookie(9), None, "no such backend");
}

fn sticky_table(weights: &[u32]) -> RoutingTable {
    let backends = addresses()
        .into_iter()
        .zip(weights)
        .map(|(address, &weight)| BackendDef {
            task_id: Some(format!("task-{address}")),
            service: "app".into(),
            slot: None,
            node_id: None,
            node: None,
            address,
            weight,
        })
        .collect();
    let def = BalancerDef {
        backends,
        settings: BalancerSettings {
            sticky: Some(cookie(Some("s"))),
            ..BalancerSettings::default()
        },
    };
    let spec = RoutingSpec {
        balancers: BTreeMap::from([("app@swarm".to_owned(), def)]),
        failure_cooldown: std::time::Duration::from_secs(60),
        ..RoutingSpec::default()
    };
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

#[test]
fn a_balancer_pins_to_the_named_backend_and_sets_the_cookie_only_when_needed() {
    let table = sticky_table(&[1, 1, 1]);
    let built = table_balancer(&table);
    let named = built.sticky_presented(&with_cookie("s=04db4b139a096f93"));
    assert_eq!(named, Some(1));
    for _ in 0..5 {
        let (position, _) = built.sticky_pick(named).expect("sticky");
        assert_eq!(position, 1, "always the named backend");
    }
    assert_eq!(built.sticky_cookie(named, 1), None, "already pinned there");
    assert_eq!(
        built.sticky_cookie(named, 2).expect("moved").to_str().ok(),
        built
            .sticky
            .as_ref()
            .and_then(|s| s.set_cookie(2))
            .as_ref()
            .and_then(|v| v.to_str().ok())
    );
    assert!(
        built.sticky_cookie(None, 0).is_some(),
        "no cookie yet: set one"
    );
    assert!(
        built.sticky_pick(None).is_none(),
        "no cookie: pick as usual"
    );
}

#[test]
fn a_backend_out_of_rotation_loses_its_stickiness() {
    let table = sticky_table(&[1, 0, 1]);
    let built = table_balancer(&table);
    let named = built.sticky_presented(&with_cookie("s=04db4b139a096f93"));
    assert_eq!(named, Some(1));
    assert!(built.sticky_pick(named).is_none(), "weight 0: picked anew");
    built.backends[0].stats.record_failure(true);
    let first = built.sticky_presented(&with_cookie("s=b4e215ace41bed91"));
    assert!(
        built.sticky_pick(first).is_none(),
        "resting after a failure: picked anew"
    );
}

fn table_balancer(table: &RoutingTable) -> std::sync::Arc<crate::routing::Balancer> {
    table.balancer("app@swarm").expect("balancer")
}
