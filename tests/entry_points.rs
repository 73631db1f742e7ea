//! Named entry points on the real binary: each route answers only on the entry points its
//! labels name (`traefik.frontend.entryPoints`), or on the default ones when it names none, and
//! a v1 frontend redirect (`traefik.frontend.redirect.entryPoint`) sends its clients to another.

mod support;

use std::net::Ipv4Addr;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::Value;
use support::hawser::Hawser;
use support::http::{get, json, request};
use support::stack::{Stack, seed_stack};
use support::tls::{TestCa, https_get};

const ADMIN_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 1);
const PARTIAL_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 2);
const LOST_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 3);
const SECURE_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 4);

const TWO_ENTRY_POINTS: [&str; 4] = [
    "--entrypoint",
    "web=127.0.0.1:0",
    "--entrypoint",
    "admin=127.0.0.1:0",
];

/// The seed stack (`demo_hello` and `demo_ping` name no entry point) plus a service on `admin`
/// only, one on `admin` and an entry point that does not exist, and one on that alone.
async fn stack() -> Stack {
    let stack = seed_stack(&[ADMIN_TASK, PARTIAL_TASK, LOST_TASK]).await;
    let on = |rule: &'static str, entry_points: &'static str| {
        [
            ("traefik.frontend.rule", rule),
            ("traefik.frontend.entryPoints", entry_points),
        ]
    };
    stack.add_service(
        "demo_admin",
        &on("PathPrefixStrip: /admin/", "admin"),
        ADMIN_TASK,
    );
    let partial = on("PathPrefixStrip: /partial/", "websecure, admin");
    stack.add_service("demo_partial", &partial, PARTIAL_TASK);
    stack.add_service(
        "demo_lost",
        &on("PathPrefixStrip: /lost/", "websecure"),
        LOST_TASK,
    );
    stack
}

async fn status(url: &str) -> StatusCode {
    get(url).await.expect("an answer").status
}

fn route<'a>(routes: &'a Value, name: &str) -> &'a Value {
    let all = routes["routes"].as_array().expect("routes");
    all.iter()
        .find(|route| route["name"] == name)
        .unwrap_or_else(|| panic!("no route {name}: {routes:#}"))
}

/// `hawser_entrypoint_requests_total` for the entry point.
async fn requests_on(hawser: &Hawser, entry_point: &str) -> u64 {
    let metrics = get(&hawser.admin_url("/metrics")).await.expect("metrics");
    let prefix = format!("hawser_entrypoint_requests_total{{entrypoint=\"{entry_point}\"}} ");
    metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no {prefix}in {}", metrics.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_answers_only_on_the_entry_points_it_names() {
    let stack = stack().await;
    let mut args = vec!["--docker-host", stack.docker.url().leak()];
    args.extend(TWO_ENTRY_POINTS);
    let hawser = Hawser::start(&args).await;

    let names: Vec<&str> = hawser
        .entry_points
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["web", "admin"]);
    let (web, admin) = (hawser.entry_points[0].1, hawser.entry_points[1].1);
    assert!(
        web.port() != 0 && admin.port() != 0 && web != admin,
        "{web} {admin}"
    );
    assert_eq!(hawser.proxy, web, "proxy is the first entry point");

    let on_admin = get(&hawser.url_on("admin", "/admin/world"))
        .await
        .expect("answer");
    assert_eq!(on_admin.status, StatusCode::OK);
    assert_eq!(on_admin.body, "Hello, World! (from spare-127.0.9.1)\n");
    assert_eq!(
        status(&hawser.url_on("web", "/admin/world")).await,
        StatusCode::NOT_FOUND
    );
    for entry_point in ["web", "admin"] {
        let url = hawser.url_on(entry_point, "/hello/x");
        assert_eq!(
            status(&url).await,
            StatusCode::OK,
            "no entry point: all of them"
        );
    }
    // Without a port in `Host`, X-Forwarded-Port is the port of the listener it came in on.
    let url = hawser.url_on("admin", "/admin/__echo");
    let echo = request(Method::GET, &url, &[("host", "example.test")]).await;
    let echoed: Value = serde_json::from_str(&echo.expect("echo").body).expect("json");
    assert_eq!(
        echoed["headers"]["x-forwarded-port"],
        admin.port().to_string()
    );
    assert_eq!(requests_on(&hawser, "web").await, 2);
    assert_eq!(requests_on(&hawser, "admin").await, 3);

    // Some unknown names: served on the known one, with a warning; only unknown: skipped.
    assert_eq!(
        status(&hawser.url_on("admin", "/partial/x")).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&hawser.url_on("web", "/partial/x")).await,
        StatusCode::NOT_FOUND
    );
    for entry_point in ["web", "admin"] {
        let url = hawser.url_on(entry_point, "/lost/x");
        assert_eq!(status(&url).await, StatusCode::NOT_FOUND);
    }
    let routes = json(&hawser.admin_url("/api/routes")).await;
    assert_eq!(
        route(&routes, "demo_admin")["entry_points"],
        serde_json::json!(["admin"])
    );
    assert_eq!(
        route(&routes, "demo_partial")["entry_points"],
        serde_json::json!(["admin"])
    );
    let defaulted = serde_json::json!(["web", "admin"]);
    assert_eq!(route(&routes, "demo_hello")["entry_points"], defaulted);
    let skipped = routes["skipped"].as_array().expect("skipped");
    let lost = skipped.iter().find(|skip| skip["service"] == "demo_lost");
    let reason = lost
        .and_then(|lost| lost["reason"].as_str())
        .unwrap_or_default();
    assert!(
        reason.contains("entry point \"websecure\" is not configured (configured: web, admin)"),
        "{skipped:#?}"
    );
    let warnings = routes["warnings"].to_string();
    assert!(
        warnings.contains("route demo_partial: entry point \\\"websecure\\\""),
        "{warnings}"
    );

    // The seed's three routes (demo_hello, demo_ping, multi) are on both; two more on admin.
    let listed = json(&hawser.admin_url("/api/entrypoints")).await;
    let expected = serde_json::json!([
        {"name": "web", "address": web.to_string(), "is_default": true, "tls": false,
         "redirect": null, "cert_resolver": null, "routes": 3, "requests": 4},
        {"name": "admin", "address": admin.to_string(), "is_default": true, "tls": false,
         "redirect": null, "cert_resolver": null, "routes": 5, "requests": 5},
    ]);
    assert_eq!(listed, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_default_entry_points_a_route_naming_none_answers_there_only() {
    let stack = stack().await;
    let docker = stack.docker.url();
    let env = [
        ("HAWSER_ENTRYPOINT", "web=127.0.0.1:0,admin=127.0.0.1:0"),
        ("HAWSER_DEFAULT_ENTRYPOINTS", "web"),
    ];
    let hawser = Hawser::start_with_env(&["--docker-host", &docker], &env).await;
    assert_eq!(hawser.entry_points.len(), 2, "from HAWSER_ENTRYPOINT");

    assert_eq!(
        status(&hawser.url_on("web", "/hello/x")).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&hawser.url_on("admin", "/hello/x")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(&hawser.url_on("admin", "/admin/x")).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&hawser.url_on("web", "/admin/x")).await,
        StatusCode::NOT_FOUND
    );
    let listed = json(&hawser.admin_url("/api/entrypoints")).await;
    let defaults: Vec<&Value> = listed
        .as_array()
        .expect("entry points")
        .iter()
        .map(|entry_point| &entry_point["is_default"])
        .collect();
    assert_eq!(defaults, [&Value::Bool(true), &Value::Bool(false)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_entry_point_redirect_sends_plain_clients_to_the_tls_entry_point() {
    let stack = seed_stack(&[SECURE_TASK]).await;
    stack.add_service(
        "demo_secure",
        &[
            ("traefik.frontend.rule", "Host: secure.example.com"),
            ("traefik.frontend.entryPoints", "web,websecure"),
            ("traefik.frontend.redirect.entryPoint", "websecure"),
        ],
        SECURE_TASK,
    );
    let ca = TestCa::new();
    let secrets = tempfile::tempdir().expect("temp dir");
    ca.write_pair(secrets.path(), "site", &["secure.example.com"]);
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        "web=127.0.0.1:0,websecure=127.0.0.1:0;tls",
        "--tls-cert-dir",
        secrets.path().to_str().expect("UTF-8"),
    ])
    .await;
    let secure = hawser.address_of("websecure");
    let url = hawser.url_on("web", "/account?tab=1");
    let expected = format!("https://secure.example.com:{}/account?tab=1", secure.port());
    for (method, status) in [
        (Method::GET, StatusCode::FOUND),
        (Method::POST, StatusCode::TEMPORARY_REDIRECT),
    ] {
        let reply = request(method.clone(), &url, &[("host", "secure.example.com")])
            .await
            .expect("an answer");
        assert_eq!(reply.status, status, "{method}");
        assert_eq!(reply.headers["location"], expected.as_str(), "{method}");
    }
    // Where it sends them, the route serves; the seed's routes (no redirect label) are left as
    // they were.
    let (reply, _, _) = https_get(secure, "secure.example.com", "/account", ca.roots(), &[])
        .await
        .expect("over TLS");
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.body.contains(&SECURE_TASK.to_string()),
        "{}",
        reply.body
    );
    assert_eq!(
        status(&hawser.url_on("web", "/hello/x")).await,
        StatusCode::OK
    );
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let middlewares = &route(&routes, "demo_secure")["middlewares"];
    assert!(
        middlewares.to_string().contains("entryPointRedirect"),
        "{routes:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_requests_on_every_entry_point() {
    let stack = stack().await;
    let mut args = vec![
        "--docker-host",
        stack.docker.url().leak(),
        "--grace-period",
        "10s",
    ];
    args.extend(TWO_ENTRY_POINTS);
    let mut hawser = Hawser::start(&args).await;
    let slow = |entry_point: &str, path: &str| {
        let url = hawser.url_on(entry_point, path);
        tokio::spawn(async move { get(&url).await })
    };
    let on_web = slow("web", "/hello/__slow?ms=1500");
    let on_admin = slow("admin", "/admin/__slow?ms=1500");
    let hello = stack
        .hello
        .iter()
        .map(|backend| backend.slow_started.clone());
    let hello_arrived = hello.map(|notify| async move { notify.notified().await });
    futures_util::future::select_all(hello_arrived.map(Box::pin)).await;
    stack.spares[0].slow_started.notified().await;

    hawser.terminate();
    for (in_flight, from) in [(on_web, "slow from hello-"), (on_admin, "slow from spare-")] {
        let reply = in_flight
            .await
            .expect("task")
            .expect("the slow request completes");
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.body.starts_with(from), "{}", reply.body);
    }
    let status = hawser.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "exit status {status}");
    for entry_point in ["web", "admin"] {
        let url = hawser.url_on(entry_point, "/hello/x");
        assert!(
            get(&url).await.is_err(),
            "{entry_point} no longer accepting"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_point_that_cannot_bind_is_named_in_the_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("address");
    let entry_point = format!("busy={address}");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_hawser"))
        .args([
            "--no-docker",
            "--file",
            "/dev/null",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .args([
            "--entrypoint",
            "web=127.0.0.1:0",
            "--entrypoint",
            &entry_point,
        ])
        .env_remove("HAWSER_LISTEN")
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("hawser exits")
        .expect("ran");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {address} (entry point busy)")),
        "{stderr}"
    );
    drop(taken);
}
