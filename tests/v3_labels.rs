//! Traefik v2/v3 labels end to end: the seed's stack relabelled in v3 style, served by the real
//! binary through the fake Engine API, with real servers in place of its tasks.

mod support;

use http::StatusCode;
use serde_json::Value;
use support::fake_docker::Swarm;
use support::hawser::Hawser;
use support::http::{get, json};
use support::stack::{Stack, seed_stack_relabelled};
use support::swarm::set_labels;

/// `demo_ping` and `demo_hello` as the v1 seed routes them, in v3 labels: ping by prefix,
/// hello by prefix with a stripprefix middleware. `multi` keeps its v1 labels.
fn relabel_v3(swarm: &mut Swarm, port: u16, extra_hello: &[(&str, &str)]) {
    let port = port.to_string();
    set_labels(
        swarm,
        "demo_ping",
        &[
            ("traefik.http.routers.ping.rule", "PathPrefix(`/ping`)"),
            ("traefik.http.services.ping.loadbalancer.server.port", &port),
            (
                "traefik.http.services.ping.loadbalancer.sticky.cookie.name",
                "lane",
            ),
            (
                "traefik.http.services.ping.loadbalancer.healthcheck.path",
                "/ping",
            ),
            (
                "traefik.http.services.ping.loadbalancer.healthcheck.interval",
                "10",
            ),
            ("traefik.swarm.network", "demo_apps"),
        ],
    );
    let mut hello = vec![
        ("traefik.http.routers.hello.rule", "PathPrefix(`/hello/`)"),
        ("traefik.http.routers.hello.middlewares", "strip-hello"),
        (
            "traefik.http.middlewares.strip-hello.stripprefix.prefixes",
            "/hello",
        ),
        (
            "traefik.http.services.hello.loadbalancer.server.port",
            &port,
        ),
        ("traefik.docker.network", "demo_apps"),
    ];
    hello.extend_from_slice(extra_hello);
    set_labels(swarm, "demo_hello", &hello);
}

async fn start(extra_hello: &'static [(&'static str, &'static str)]) -> (Stack, Hawser) {
    let stack =
        seed_stack_relabelled(&[], |swarm, port| relabel_v3(swarm, port, extra_hello)).await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    (stack, hawser)
}

fn find<'v>(list: &'v Value, key: &str, value: &str) -> Option<&'v Value> {
    list.as_array()?.iter().find(|item| item[key] == value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_stack_in_v3_labels_routes_as_before() {
    let (stack, hawser) = start(&[]).await;
    for _ in 0..6 {
        let reply = get(&hawser.url("/ping")).await.expect("ping answers");
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.body.starts_with("Pong from ping-127."),
            "{}",
            reply.body
        );
    }
    assert!(stack.ping.iter().all(|backend| backend.hits() == 2));
    let world = get(&hawser.url("/hello/world")).await.expect("answer");
    assert!(world.body.starts_with("Hello, World!"), "{}", world.body);
    let echo = get(&hawser.url("/hello/__echo/x")).await.expect("answer");
    let seen: Value = serde_json::from_str(&echo.body).expect("echo JSON");
    assert_eq!(
        seen["uri"], "/__echo/x",
        "the backend sees the stripped path: {seen}"
    );
    assert_eq!(seen["headers"]["x-forwarded-prefix"], "/hello", "{seen}");
    assert_eq!(
        seen["headers"]["host"],
        hawser.proxy.to_string(),
        "passhostheader is true by default: {seen}"
    );
    let missing = get(&hawser.url("/hello")).await.expect("answer");
    assert_eq!(
        missing.status,
        StatusCode::NOT_FOUND,
        "PathPrefix(`/hello/`) only"
    );

    let routes = json(&hawser.admin_url("/api/routes")).await;
    let hello = find(&routes["routes"], "name", "hello@swarm").expect("hello route");
    assert_eq!(hello["dialect"], "v3");
    assert_eq!(hello["service"], "demo_hello");
    assert_eq!(hello["backend"], "hello@swarm");
    assert_eq!(
        hello["middlewares"],
        serde_json::json!([{"name": "strip-hello@swarm", "kind": "stripPrefix"}])
    );
    assert_eq!(hello["priority"], "PathPrefix(`/hello/`)".len());
    assert!(
        hello["entry_points"]
            .as_array()
            .is_some_and(|eps| !eps.is_empty())
    );
    let multi = find(&routes["routes"], "name", "multi").expect("the v1 route");
    assert_eq!(multi["dialect"], "v1");
    // Sticky cookies and health checks are validated and kept, for the proxy to apply.
    let ping = find(&routes["routes"], "name", "ping@swarm").expect("ping route");
    let balancer = &ping["load_balancer"];
    assert_eq!(balancer["scheme"], "http");
    assert_eq!(balancer["sticky"]["name"], "lane");
    assert_eq!(balancer["health_check"]["path"], "/ping");
    assert_eq!(balancer["health_check"]["interval"], "10s");
    let backends = json(&hawser.admin_url("/api/backends")).await;
    let ping_backends = find(&backends, "name", "ping@swarm").expect("ping balancer");
    assert_eq!(ping_backends["sticky"]["path"], "/");
    let services = json(&hawser.admin_url("/api/services")).await;
    let ping = find(&services, "name", "demo_ping").expect("ping service");
    assert_eq!(ping["dialect"], "v3");
    assert_eq!(ping["routes"], serde_json::json!(["ping@swarm"]));
    assert_eq!(ping["network"], "demo_apps");
}

/// The issue: a bad router beside a good one is skipped alone, listed in /api/routes with its
/// router and a reason naming the label; a router using a middleware that does not exist is
/// never exposed without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_router_and_a_missing_middleware_cost_only_their_routers() {
    let (_stack, hawser) = start(&[
        ("traefik.http.routers.bad.rule", "PathPrefix(`/bad`)"),
        ("traefik.http.routers.bad.priorty", "10"),
        ("traefik.http.routers.bad.service", "hello"),
        (
            "traefik.http.routers.guarded.rule",
            "PathPrefix(`/guarded`)",
        ),
        ("traefik.http.routers.guarded.middlewares", "auth"),
        ("traefik.http.routers.guarded.service", "hello"),
        ("traefik.http.routers.hello.service", "hello"),
    ])
    .await;
    let world = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(world.status, StatusCode::OK);
    for path in ["/bad", "/guarded/x"] {
        let reply = get(&hawser.url(path)).await.expect("answer");
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let skipped = &routes["skipped"];
    let bad = find(skipped, "router", "bad@swarm").expect("bad is listed");
    assert_eq!(bad["service"], "demo_hello");
    assert_eq!(
        bad["reason"],
        "label traefik.http.routers.bad.priorty: unknown option \"priorty\""
    );
    let guarded = find(skipped, "router", "guarded@swarm").expect("guarded is listed");
    let reason = guarded["reason"].as_str().expect("text");
    assert!(
        reason.starts_with(
            "middleware auth@swarm (from traefik.http.routers.guarded.middlewares) does not exist"
        ),
        "{reason}"
    );
    let whole: Vec<&Value> = skipped
        .as_array()
        .expect("a list")
        .iter()
        .filter(|entry| entry["service"] == "demo_hello" && entry["router"].is_null())
        .collect();
    assert!(whole.is_empty(), "the service itself is routed: {whole:?}");
}

/// A service with labels of both dialects is skipped whole, naming one label of each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_in_both_dialects_is_skipped_naming_a_label_of_each() {
    let (_stack, hawser) = start(&[("traefik.frontend.rule", "PathPrefixStrip: /hello/")]).await;
    let reply = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let entry = find(&routes["skipped"], "service", "demo_hello").expect("listed");
    assert!(entry["router"].is_null());
    let reason = entry["reason"].as_str().expect("text");
    assert!(reason.contains("traefik.frontend.rule (v1)"), "{reason}");
    assert!(reason.contains("traefik.http."), "{reason}");
    let ping = get(&hawser.url("/ping")).await.expect("answer");
    assert_eq!(ping.status, StatusCode::OK, "other services are untouched");
}

/// lbswarm: one server, the service's virtual IP on the chosen network, decoded from the
/// Engine API's `Endpoint.VirtualIPs` (here moved onto one of the loopback task servers, so
/// that it answers for the "VIP").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lbswarm_sends_everything_to_the_virtual_ip() {
    let stack = seed_stack_relabelled(&[], |swarm, port| {
        relabel_v3(swarm, port, &[("traefik.docker.lbswarm", "true")]);
        let vip = swarm
            .services
            .iter_mut()
            .find(|service| service["Spec"]["Name"] == "demo_hello")
            .expect("hello");
        vip["Endpoint"]["VirtualIPs"] = serde_json::json!([
            {"NetworkID": "x20zbs1fup4tx121cx2sm7qg1", "Addr": "127.0.2.109/24"}
        ]);
    })
    .await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    for _ in 0..4 {
        let reply = get(&hawser.url("/hello/world")).await.expect("answer");
        assert!(
            reply.body.contains("from hello-127.0.2.109"),
            "{}",
            reply.body
        );
    }
    let hits: Vec<(String, usize)> = stack
        .hello
        .iter()
        .map(|backend| (backend.name.clone(), backend.hits()))
        .collect();
    assert!(
        hits.contains(&("hello-127.0.2.109".to_owned(), 4)),
        "only the VIP gets traffic: {hits:?}"
    );
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let hello = find(&routes["routes"], "name", "hello@swarm").expect("hello route");
    assert_eq!(hello["backends"].as_array().map(Vec::len), Some(1));
    assert!(hello["backends"][0]["task_id"].is_null());
}

/// The deploy labels of one service of a stack file, as Docker would store them (compose's
/// `$$` is one `$`), with the port label's value replaced by `port`.
fn stack_labels(stack: &str, service: &str, port: u16) -> Vec<(String, String)> {
    let header = format!("  {service}:");
    stack
        .lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with("   ") || line.starts_with("  #"))
        .filter_map(|line| line.trim().strip_prefix("- '")?.strip_suffix('\''))
        .filter_map(|label| label.split_once('='))
        .map(|(key, value)| {
            let value = if key.ends_with("server.port") {
                port.to_string()
            } else {
                value.replace("$$", "$")
            };
            (key.to_owned(), value)
        })
        .collect()
}

/// examples/stack-v3.yml, as written, routes the seed's services the way examples/stack.yml's
/// v1 labels do, and its own additions (the redirect, the basic-auth'd dashboard) work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_v3_example_stack_routes_as_the_v1_one_does() {
    let file = format!("{}/examples/stack-v3.yml", env!("CARGO_MANIFEST_DIR"));
    let stack_file = std::fs::read_to_string(&file).expect("examples/stack-v3.yml");
    let stack = seed_stack_relabelled(&[], |swarm, port| {
        for (service, from) in [
            ("demo_ping", "ping"),
            ("demo_hello", "hello"),
            ("multi", "hawser"),
        ] {
            let labels = stack_labels(&stack_file, from, port);
            assert!(!labels.is_empty(), "no deploy labels for {from}");
            let pairs: Vec<(&str, &str)> = labels
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str()))
                .collect();
            set_labels(swarm, service, &pairs);
        }
    })
    .await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let ping = get(&hawser.url("/ping")).await.expect("answer");
    assert_eq!(ping.status, StatusCode::OK, "{}", ping.body);
    assert!(ping.body.starts_with("Pong from "), "{}", ping.body);
    let hello = get(&hawser.url("/hello/world")).await.expect("answer");
    assert!(hello.body.starts_with("Hello, World!"), "{}", hello.body);
    let moved = get(&hawser.url("/pong")).await.expect("answer");
    assert_eq!(moved.status, StatusCode::FOUND);
    assert_eq!(
        moved.headers["location"],
        format!("http://{}/ping", hawser.proxy).as_str()
    );
    let dashboard = |credentials: Option<&'static str>| {
        let url = hawser.url("/api/version");
        async move {
            let mut headers = vec![("host", "dashboard.localhost")];
            headers.extend(credentials.map(|value| ("authorization", value)));
            support::http::request(http::Method::GET, &url, &headers)
                .await
                .expect("answer")
        }
    };
    assert_eq!(dashboard(None).await.status, StatusCode::UNAUTHORIZED);
    // admin:hawser passes the middleware; the stand-in task behind it does not listen.
    assert_ne!(
        dashboard(Some("Basic YWRtaW46aGF3c2Vy")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// `loadbalancer.passhostheader=false`: the task is sent its own address as `Host` (what
/// Traefik sends, the server's URL host); by default it gets the client's `Host` (checked in
/// `the_seed_stack_in_v3_labels_routes_as_before`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passhostheader_false_sends_the_task_its_own_address_as_host() {
    let (stack, hawser) = start(&[(
        "traefik.http.services.hello.loadbalancer.passhostheader",
        "false",
    )])
    .await;
    let echo = get(&hawser.url("/hello/__echo/x")).await.expect("answer");
    let seen: Value = serde_json::from_str(&echo.body).expect("echo JSON");
    let host = seen["headers"]["host"].as_str().expect("a Host header");
    assert!(
        stack
            .hello
            .iter()
            .any(|backend| backend.address.to_string() == host),
        "Host {host:?} is not a task's address"
    );
    assert_eq!(
        seen["headers"]["x-forwarded-host"],
        hawser.proxy.to_string(),
        "{seen}"
    );
}
