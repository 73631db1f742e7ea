//! Load-balancer features of Traefik services end to end, through the real binary and the
//! fake Engine API: sticky cookies, active health checks, h2c to tasks.

mod support;

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::Value;
use support::fake_docker::Swarm;
use support::hawser::Hawser;
use support::http::{Reply, get, json, request};
use support::stack::{Stack, seed_stack_relabelled};
use support::swarm::set_labels;
use support::wait::eventually;

const WITHIN: Duration = Duration::from_secs(20);

/// `demo_hello` (two tasks) behind `PathPrefix(/hello/)` with these extra v3 labels.
async fn hello_with(labels: &'static [(&'static str, &'static str)]) -> (Stack, Hawser) {
    let stack = seed_stack_relabelled(&[], |swarm: &mut Swarm, port| {
        let port = port.to_string();
        let mut all = vec![
            ("traefik.http.routers.hello.rule", "PathPrefix(`/hello/`)"),
            (
                "traefik.http.services.hello.loadbalancer.server.port",
                port.as_str(),
            ),
            ("traefik.swarm.network", "demo_apps"),
        ];
        all.extend_from_slice(labels);
        set_labels(swarm, "demo_hello", &all);
    })
    .await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    (stack, hawser)
}

/// The backend that answered a hello request: `hello-127.0.2.x`.
fn answered_by(reply: &Reply) -> String {
    let from = reply.body.rsplit("(from ").next().unwrap_or("");
    from.trim_end().trim_end_matches(')').to_owned()
}

fn set_cookie(reply: &Reply) -> Option<String> {
    reply
        .headers
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Removes the task serving at `ip` from the fake swarm.
fn remove_task_at(stack: &Stack, ip: &str) {
    let needle = format!("\"{ip}/");
    stack.docker.edit(|swarm| {
        swarm
            .tasks
            .retain(|task| !task.to_string().contains(&needle));
    });
}

async fn hello_backends(hawser: &Hawser) -> usize {
    let routes = json(&hawser.admin_url("/api/routes")).await;
    routes["routes"]
        .as_array()
        .and_then(|routes| routes.iter().find(|route| route["name"] == "hello@swarm"))
        .and_then(|route| route["backends"].as_array())
        .map_or(0, Vec::len)
}

/// A sticky cookie pins a client to one task; when that task leaves the table, the client's
/// next request goes to another task and gets a new cookie naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sticky_cookie_pins_a_client_and_repicks_when_its_task_goes_away() {
    let (stack, hawser) = hello_with(&[
        (
            "traefik.http.services.hello.loadbalancer.sticky.cookie",
            "true",
        ),
        (
            "traefik.http.services.hello.loadbalancer.sticky.cookie.name",
            "lane",
        ),
        (
            "traefik.http.services.hello.loadbalancer.sticky.cookie.httpOnly",
            "true",
        ),
        (
            "traefik.http.services.hello.loadbalancer.sticky.cookie.sameSite",
            "lax",
        ),
        (
            "traefik.http.services.hello.loadbalancer.sticky.cookie.maxAge",
            "60",
        ),
    ])
    .await;
    let first = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(first.status, StatusCode::OK);
    let cookie = set_cookie(&first).expect("a sticky cookie is set");
    assert!(cookie.starts_with("lane="), "{cookie}");
    assert!(
        cookie.ends_with("; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("name=value").to_owned();
    let pinned = answered_by(&first);
    for _ in 0..6 {
        let reply = request(
            Method::GET,
            &hawser.url("/hello/world"),
            &[("cookie", &pair)],
        )
        .await
        .expect("answer");
        assert_eq!(answered_by(&reply), pinned, "the cookie pins the task");
        assert_eq!(set_cookie(&reply), None, "already pinned: no new cookie");
    }
    // Without the cookie, round-robin goes on as before.
    let others: Vec<String> = [0, 1]
        .iter()
        .map(|_| async { answered_by(&get(&hawser.url("/hello/world")).await.expect("answer")) })
        .collect::<futures_util::future::JoinAll<_>>()
        .await;
    assert!(others.iter().any(|name| *name != pinned), "{others:?}");

    remove_task_at(&stack, pinned.trim_start_matches("hello-"));
    eventually(WITHIN, "the pinned task leaves the table", || async {
        (hello_backends(&hawser).await == 1).then_some(())
    })
    .await;
    let moved = request(
        Method::GET,
        &hawser.url("/hello/world"),
        &[("cookie", &pair)],
    )
    .await
    .expect("answer");
    assert_eq!(moved.status, StatusCode::OK);
    assert_ne!(answered_by(&moved), pinned);
    let renewed = set_cookie(&moved).expect("a new cookie for the new task");
    assert_ne!(renewed.split(';').next(), Some(pair.as_str()));
}

/// v1's `backend.loadbalancer.stickiness` does the same, with Traefik's default cookie name
/// when none is given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_stickiness_pins_a_client_with_a_default_cookie_name() {
    let stack = seed_stack_relabelled(&[], |swarm: &mut Swarm, port| {
        let port = port.to_string();
        set_labels(
            swarm,
            "demo_hello",
            &[
                ("traefik.port", port.as_str()),
                ("traefik.frontend.rule", "PathPrefix:/hello/"),
                ("traefik.docker.network", "demo_apps"),
                ("traefik.backend.loadbalancer.stickiness", "true"),
            ],
        );
    })
    .await;
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let first = get(&hawser.url("/hello/world")).await.expect("answer");
    let cookie = set_cookie(&first).expect("a sticky cookie is set");
    let (name, _) = cookie.split_once('=').expect("name=value");
    assert!(
        name.len() == 6 && name.starts_with('_'),
        "Traefik's generated name: {cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_owned();
    for _ in 0..4 {
        let reply = request(
            Method::GET,
            &hawser.url("/hello/world"),
            &[("cookie", &pair)],
        )
        .await
        .expect("answer");
        assert_eq!(answered_by(&reply), answered_by(&first));
    }
    let backends: Value = json(&hawser.admin_url("/api/backends")).await;
    let hello = backends
        .as_array()
        .and_then(|list| list.iter().find(|item| item["name"] == "demo_hello"))
        .expect("the v1 balancer");
    assert_eq!(hello["sticky"]["path"], "/", "{hello}");
}

/// The health of each hello backend as `/api/backends` shows it: (address, status, reason).
async fn hello_health(hawser: &Hawser) -> Vec<(String, String, Value)> {
    let backends = json(&hawser.admin_url("/api/backends")).await;
    let hello = backends
        .as_array()
        .and_then(|list| list.iter().find(|item| item["name"] == "hello@swarm"))
        .cloned()
        .unwrap_or(Value::Null);
    hello["backends"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|backend| {
            (
                backend["address"].as_str().unwrap_or("").to_owned(),
                backend["health"]["status"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                backend["health"]["reason"].clone(),
            )
        })
        .collect()
}

async fn wait_for_health(hawser: &Hawser, address: &str, status: &str) -> Value {
    eventually(WITHIN, &format!("{address} {status}"), || async {
        hello_health(hawser)
            .await
            .into_iter()
            .find(|(at, now, _)| at == address && now == status)
            .map(|(_, _, reason)| reason)
    })
    .await
}

/// A task failing its health check leaves the rotation, and comes back once it passes; with
/// every task failing, the route answers 503. The API and the metrics say so. A bad label on
/// another service costs that service alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_health_check_takes_a_task_out_until_it_passes_again() {
    let (stack, hawser) = hello_with(&[
        (
            "traefik.http.services.hello.loadbalancer.healthcheck.path",
            "/__health",
        ),
        (
            "traefik.http.services.hello.loadbalancer.healthcheck.interval",
            "100ms",
        ),
        (
            "traefik.http.services.hello.loadbalancer.healthcheck.timeout",
            "2s",
        ),
    ])
    .await;
    stack.docker.edit(|swarm| {
        set_labels(
            swarm,
            "demo_ping",
            &[
                ("traefik.http.routers.ping.rule", "PathPrefix(`/ping`)"),
                ("traefik.http.services.ping.loadbalancer.server.port", "80"),
                (
                    "traefik.http.services.ping.loadbalancer.sticky.cookie.maxAge",
                    "abc",
                ),
                ("traefik.swarm.network", "demo_apps"),
            ],
        );
    });
    let (sick, well) = (&stack.hello[0], &stack.hello[1]);
    let sick_address = sick.address.to_string();
    let well_address = well.address.to_string();
    // Passing checks are counted before anything fails.
    eventually(WITHIN, "a first passing check", || async {
        let health = hello_health(&hawser).await;
        (health.len() == 2 && health.iter().all(|(_, status, _)| status == "up")).then_some(())
    })
    .await;

    sick.set_health(500);
    let reason = wait_for_health(&hawser, &sick_address, "down").await;
    assert_eq!(reason, "GET /__health: status 500");
    for _ in 0..6 {
        let reply = get(&hawser.url("/hello/world")).await.expect("answer");
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(answered_by(&reply), well.name, "the failing task is out");
    }
    let metrics = support::http::get(&hawser.admin_url("/metrics"))
        .await
        .expect("metrics")
        .body;
    let healthy_line = metrics
        .lines()
        .find(|line| line.starts_with("hawser_backend_healthy{") && line.contains(&sick_address))
        .unwrap_or_else(|| panic!("no health gauge for {sick_address}:\n{metrics}"));
    assert!(healthy_line.ends_with(" 0"), "{healthy_line}");
    assert!(metrics.contains("hawser_backend_health_check_failures_total{"));

    well.set_health(503);
    wait_for_health(&hawser, &well_address, "down").await;
    let none = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(
        none.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "no healthy task"
    );

    sick.set_health(200);
    well.set_health(200);
    wait_for_health(&hawser, &sick_address, "up").await;
    wait_for_health(&hawser, &well_address, "up").await;
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let reply = get(&hawser.url("/hello/world")).await.expect("answer");
        seen.insert(answered_by(&reply));
    }
    assert_eq!(seen.len(), 2, "both back in rotation: {seen:?}");

    // The ping service with a bad label is skipped alone, naming the label.
    eventually(WITHIN, "ping skipped for its bad label", || async {
        let routes = json(&hawser.admin_url("/api/routes")).await;
        let reason = routes["skipped"]
            .as_array()?
            .iter()
            .find(|entry| entry["service"] == "demo_ping")?["reason"]
            .as_str()?
            .to_owned();
        reason.contains("sticky.cookie.maxAge").then_some(())
    })
    .await;
    let still = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(still.status, StatusCode::OK);
}

/// `server.scheme=h2c`: requests reach an HTTP/2-only task over HTTP/2 with prior knowledge,
/// on a pooled connection, and its health check speaks h2c too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_h2c_service_is_served_over_http2_to_its_task() {
    use std::net::Ipv4Addr;
    use support::backend::{Kind, serve_h2c};
    use support::swarm::{new_service, new_task};

    let stack = seed_stack_relabelled(&[], |_, _| {}).await;
    let ip = Ipv4Addr::new(127, 0, 9, 9);
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let port = listener.local_addr().expect("address").port().to_string();
    let backend = serve_h2c(listener, "h2-127.0.9.9", Kind::Hello);
    stack.docker.edit(|swarm| {
        let labels = serde_json::json!({
            "traefik.http.routers.h2.rule": "PathPrefix(`/h2/`)",
            "traefik.http.routers.h2.middlewares": "strip-h2",
            "traefik.http.middlewares.strip-h2.stripprefix.prefixes": "/h2",
            "traefik.http.services.h2.loadbalancer.server.port": port,
            "traefik.http.services.h2.loadbalancer.server.scheme": "h2c",
            "traefik.http.services.h2.loadbalancer.healthcheck.path": "/__health",
            "traefik.http.services.h2.loadbalancer.healthcheck.interval": "100ms",
            "traefik.swarm.network": "demo_apps",
        });
        let service = new_service(swarm, "demo_h2", "h2-id", labels);
        let mut task = new_task(swarm, "demo_hello", "h2-task", 1, ip);
        task["ServiceID"] = "h2-id".into();
        swarm.services.push(service);
        swarm.tasks.push(task);
    });
    let hawser = Hawser::start(&["--docker-host", &stack.docker.url()]).await;
    let echo = get(&hawser.url("/h2/__echo")).await.expect("answer");
    assert_eq!(echo.status, StatusCode::OK, "{}", echo.body);
    let seen: Value = serde_json::from_str(&echo.body).expect("echo JSON");
    assert_eq!(seen["version"], "HTTP/2.0", "{seen}");
    let proxy = hawser.url("/");
    let authority = proxy.trim_start_matches("http://").trim_end_matches('/');
    assert_eq!(
        seen["uri"],
        format!("http://{authority}/__echo"),
        "the client's host travels as :authority"
    );
    for _ in 0..5 {
        let reply = get(&hawser.url("/h2/world")).await.expect("answer");
        assert_eq!(reply.body, "Hello, World! (from h2-127.0.9.9)\n");
    }
    eventually(WITHIN, "an h2c health check passes", || async {
        let backends = json(&hawser.admin_url("/api/backends")).await;
        let h2 = backends
            .as_array()?
            .iter()
            .find(|b| b["name"] == "h2@swarm")?;
        let health = &h2["backends"][0]["health"];
        (health["status"] == "up" && health["checks"].as_u64()? >= 1).then_some(())
    })
    .await;
    backend.set_health(500);
    eventually(WITHIN, "the h2c task fails its check", || async {
        let reply = get(&hawser.url("/h2/world")).await.ok()?;
        (reply.status == StatusCode::SERVICE_UNAVAILABLE).then_some(())
    })
    .await;
    let metrics = get(&hawser.admin_url("/metrics"))
        .await
        .expect("metrics")
        .body;
    let opened: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("hawser_upstream_connections_opened_total "))
        .and_then(|value| value.trim().parse().ok())
        .expect("connections opened");
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    assert!(
        opened <= workers,
        "6 requests over at most one h2c connection per worker: {opened}"
    );
}

/// A weighted service's own sticky cookie (`weighted.sticky.cookie`) pins across the tasks of
/// the services it balances over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighted_services_sticky_cookie_pins_a_client() {
    let (_stack, hawser) = hello_with(&[
        ("traefik.http.routers.hello.service", "canary"),
        (
            "traefik.http.services.canary.weighted.services[0].name",
            "hello",
        ),
        (
            "traefik.http.services.canary.weighted.services[0].weight",
            "1",
        ),
        (
            "traefik.http.services.canary.weighted.sticky.cookie.name",
            "wlane",
        ),
        (
            "traefik.http.services.canary.weighted.sticky.cookie.secure",
            "true",
        ),
    ])
    .await;
    let first = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let cookie = set_cookie(&first).expect("the weighted service's cookie");
    assert!(cookie.starts_with("wlane="), "{cookie}");
    assert!(cookie.ends_with("; Path=/; Secure"), "{cookie}");
    let pair = cookie.split(';').next().expect("pair").to_owned();
    for _ in 0..4 {
        let reply = request(
            Method::GET,
            &hawser.url("/hello/world"),
            &[("cookie", &pair)],
        )
        .await
        .expect("answer");
        assert_eq!(answered_by(&reply), answered_by(&first));
    }
}
