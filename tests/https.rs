//! HTTPS through the real binary: a `;tls` entry point with certificate files serving v1
//! routes and v3 `tls=true` routers (HTTP/1.1 and HTTP/2 by ALPN), plain HTTP refused there, a
//! `;redirect=` entry point, a certificate file replaced under an open connection, and
//! certificates ordered from pebble (HTTP-01 answered by the proxy before routing, TLS-ALPN-01
//! by the TLS acceptor) and then served.
//!
//! The pebble test is skipped without `/usr/bin/pebble` unless `HAWSER_REQUIRE_PEBBLE` is set.

mod support;

use std::net::Ipv4Addr;
use std::time::Duration;

use http::{Method, StatusCode, Version};
use serde_json::Value;
use support::hawser::Hawser;
use support::http::{get, json, request};
use support::pebble::{Pebble, PebbleOptions, available, free_port};
use support::stack::{Stack, seed_stack};
use support::tls::{OpenConnection, TestCa, https_get, roots, served, served_once_issued};
use support::wait::eventually;

const SECURE_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 61);
const APP_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 62);
const ACME_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 63);
const ALPN_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 64);
const DEADLINE: Duration = Duration::from_secs(15);

/// The seed stack plus a v3 router for `secure.example.com` with `tls=true`.
async fn stack_with_tls_router() -> Stack {
    let stack = seed_stack(&[SECURE_TASK, APP_TASK, ACME_TASK]).await;
    stack.add_v3_service(
        "demo_secure",
        &[
            (
                "traefik.http.routers.secure.rule",
                "Host(`secure.example.com`)",
            ),
            ("traefik.http.routers.secure.tls", "true"),
        ],
        SECURE_TASK,
    );
    stack
}

/// Waits until `/api/routes` lists `route`.
async fn route_listed(hawser: &Hawser, route: &str) {
    let url = hawser.admin_url("/api/routes");
    eventually(DEADLINE, &format!("route {route}"), || {
        let url = url.clone();
        async move {
            let routes = json(&url).await;
            let listed = routes["routes"].as_array()?;
            listed.iter().any(|r| r["name"] == route).then_some(())
        }
    })
    .await;
}

/// A metric's value: the line starting with `series ` (name and labels as written).
async fn metric(hawser: &Hawser, series: &str) -> Option<f64> {
    let metrics = get(&hawser.admin_url("/metrics")).await.expect("metrics");
    metrics
        .body
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{series} ")))
        .and_then(|value| value.parse().ok())
}

fn certificate<'a>(certificates: &'a Value, domain: &str) -> &'a Value {
    certificates
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["domain"] == domain))
        .unwrap_or_else(|| panic!("no certificate {domain}: {certificates:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_entry_point_serves_v1_routes_and_tls_routers_with_the_certificate_file() {
    let stack = stack_with_tls_router().await;
    let ca = TestCa::new();
    let secrets = tempfile::tempdir().expect("temp dir");
    let serial = ca.write_pair(
        secrets.path(),
        "site",
        &["app.example.com", "secure.example.com"],
    );
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        "web=127.0.0.1:0",
        "--entrypoint",
        "websecure=127.0.0.1:0;tls",
        "--tls-cert-dir",
        secrets.path().to_str().expect("UTF-8"),
        "--access-log",
        "common",
    ])
    .await;
    route_listed(&hawser, "secure@swarm").await;
    let websecure = hawser.address_of("websecure");

    // A v1 route over TLS, HTTP/1.1: the file's certificate, X-Forwarded-Proto https.
    let (echo, version, facts) = https_get(
        websecure,
        "app.example.com",
        "/hello/__echo",
        ca.roots(),
        &["http/1.1"],
    )
    .await
    .expect("HTTPS");
    assert_eq!((echo.status, version), (StatusCode::OK, Version::HTTP_11));
    assert_eq!(facts.serial, serial);
    let echoed: Value = serde_json::from_str(&echo.body).expect("echo JSON");
    assert_eq!(echoed["headers"]["x-forwarded-proto"], "https", "{echoed}");
    assert_eq!(
        echoed["headers"]["x-forwarded-port"],
        websecure.port().to_string(),
        "the listener's port"
    );

    // The v3 TLS router over HTTP/2 (ALPN h2); its task is still spoken to in HTTP/1.1.
    let (secure, version, _) = https_get(
        websecure,
        "secure.example.com",
        "/__echo",
        ca.roots(),
        &["h2", "http/1.1"],
    )
    .await
    .expect("HTTPS");
    assert_eq!((secure.status, version), (StatusCode::OK, Version::HTTP_2));
    let echoed: Value = serde_json::from_str(&secure.body).expect("echo JSON");
    assert_eq!(echoed["backend"], "spare-127.0.9.61");
    assert_eq!(echoed["version"], "HTTP/1.1");
    assert_eq!(echoed["headers"]["x-forwarded-proto"], "https");

    // Not on the plain entry point; v1 routes are there too.
    let on_web = request(
        Method::GET,
        &hawser.url_on("web", "/__echo"),
        &[("host", "secure.example.com")],
    )
    .await
    .expect("answer");
    assert_eq!(
        on_web.status,
        StatusCode::NOT_FOUND,
        "a TLS router is TLS only"
    );
    let plain = get(&hawser.url_on("web", "/hello/__echo"))
        .await
        .expect("answer");
    let echoed: Value = serde_json::from_str(&plain.body).expect("echo JSON");
    assert_eq!(echoed["headers"]["x-forwarded-proto"], "http");

    // Plain HTTP on the TLS port: 400, and a log line.
    let refused = get(&format!("http://{websecure}/hello/x"))
        .await
        .expect("answer");
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("use https://"), "{}", refused.body);
    eventually(DEADLINE, "the plain-HTTP log line", || async {
        (!hawser.logged("plain HTTP on a TLS entry point").is_empty()).then_some(())
    })
    .await;

    // The operator's view: the certificate, the entry point, the counters, the access log.
    let certificates = json(&hawser.admin_url("/api/certificates")).await;
    let row = certificate(&certificates, "app.example.com");
    assert_eq!(row["resolver"], "file", "{row}");
    assert_eq!(row["state"], "valid", "{row}");
    assert_eq!(row["sans"], serde_json::json!(["secure.example.com"]));
    assert!(
        row["issuer"]
            .as_str()
            .is_some_and(|i| i.contains("hawser tests CA"))
    );
    let not_after = row["not_after"].as_u64().expect("not_after");
    let expiry = metric(
        &hawser,
        "hawser_tls_certificate_expiry_seconds{domain=\"app.example.com\",resolver=\"file\"}",
    )
    .await;
    assert_eq!(expiry, Some((not_after / 1000) as f64));
    let entry_points = json(&hawser.admin_url("/api/entrypoints")).await;
    assert_eq!(entry_points[1]["name"], "websecure");
    assert_eq!(entry_points[1]["tls"], true);
    assert_eq!(entry_points[0]["tls"], false);
    for alpn in ["h2", "http/1.1"] {
        let series = format!("hawser_tls_handshakes_total{{version=\"1.3\",alpn=\"{alpn}\"}}");
        let count = metric(&hawser, &series).await.unwrap_or_default();
        assert!(count >= 1.0, "{series} {count}");
    }
    assert_eq!(
        metric(&hawser, "hawser_tls_plain_http_total").await,
        Some(1.0)
    );
    eventually(
        DEADLINE,
        "the access log line of the TLS router",
        || async {
            let lines = hawser.access_lines();
            lines
                .iter()
                .any(|line| line.contains("\"secure@swarm\"") && line.contains("HTTP/2.0"))
                .then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirecting_entry_point_sends_every_request_to_https() {
    let stack = seed_stack(&[]).await;
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        "web=127.0.0.1:0;redirect=websecure,websecure=127.0.0.1:0;tls",
    ])
    .await;
    let port = hawser.address_of("websecure").port();
    let url = hawser.url_on("web", "/hello/x?y=1");
    for (method, host, status, location) in [
        (
            Method::GET,
            "app.example.com",
            StatusCode::MOVED_PERMANENTLY,
            format!("https://app.example.com:{port}/hello/x?y=1"),
        ),
        (
            Method::HEAD,
            "app.example.com:8080",
            StatusCode::MOVED_PERMANENTLY,
            format!("https://app.example.com:{port}/hello/x?y=1"),
        ),
        (
            Method::POST,
            "app.example.com",
            StatusCode::PERMANENT_REDIRECT,
            format!("https://app.example.com:{port}/hello/x?y=1"),
        ),
    ] {
        let reply = request(method.clone(), &url, &[("host", host)])
            .await
            .expect("answer");
        assert_eq!(reply.status, status, "{method}");
        assert_eq!(reply.headers["location"], location.as_str(), "{method}");
    }
    // Challenge paths are not redirected: no challenge is open, so routing answers (404).
    let challenge = hawser.url_on("web", "/.well-known/acme-challenge/nope");
    let reply = get(&challenge).await.expect("answer");
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let entry_points = json(&hawser.admin_url("/api/entrypoints")).await;
    assert_eq!(entry_points[0]["redirect"], "websecure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_certificate_file_serves_new_handshakes_and_open_connections_keep_working() {
    let stack = seed_stack(&[APP_TASK]).await;
    stack.add_service(
        "demo_app",
        &[("traefik.frontend.rule", "Host:app.example.com")],
        APP_TASK,
    );
    let ca = TestCa::new();
    let secrets = tempfile::tempdir().expect("temp dir");
    let first = ca.write_pair(secrets.path(), "app", &["app.example.com"]);
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        "websecure=127.0.0.1:0;tls",
        "--tls-cert-dir",
        secrets.path().to_str().expect("UTF-8"),
        "--tls-poll-interval",
        "100ms",
    ])
    .await;
    route_listed(&hawser, "demo_app").await;
    let websecure = hawser.address_of("websecure");
    let mut open = OpenConnection::open(websecure, "app.example.com", ca.roots()).await;
    assert_eq!(open.facts.serial, first);
    let before = open.get("app.example.com").await.expect("answer");
    assert!(before.contains("spare-127.0.9.62"), "{before}");

    let second = ca.write_pair(secrets.path(), "app", &["app.example.com"]);
    assert_ne!(first, second);
    let served_now = eventually(DEADLINE, "the new certificate", || async {
        let facts = served(websecure, "app.example.com", ca.roots())
            .await
            .ok()?;
        (facts.serial == second).then_some(facts.serial)
    })
    .await;
    assert_eq!(served_now, second);
    let after = open
        .get("app.example.com")
        .await
        .expect("the old connection");
    assert!(after.contains("spare-127.0.9.62"), "{after}");
    let certificates = json(&hawser.admin_url("/api/certificates")).await;
    let row = certificate(&certificates, "app.example.com");
    assert_eq!(row["state"], "valid", "{row}");
}

/// Two resolvers: `pebble` by HTTP-01 (answered on `web` before routing) for a router that
/// names it, `alpn` by TLS-ALPN-01 (answered by the TLS acceptor) as `websecure`'s resolver
/// for a `tls=true` router that names none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acme_certificates_are_ordered_from_pebble_and_served() {
    if !available("acme_certificates_are_ordered_from_pebble_and_served") {
        return;
    }
    // pebble's validation authority is told hawser's ports before either starts.
    let (web_port, secure_port) = (free_port(false), free_port(false));
    let pebble = Pebble::start(PebbleOptions::ports(web_port, secure_port)).await;
    let stack = seed_stack(&[ACME_TASK, ALPN_TASK]).await;
    stack.add_v3_service(
        "demo_acme",
        &[
            ("traefik.http.routers.acme.rule", "Host(`acme.example.com`)"),
            ("traefik.http.routers.acme.tls.certresolver", "pebble"),
        ],
        ACME_TASK,
    );
    stack.add_v3_service(
        "demo_alpn",
        &[
            ("traefik.http.routers.alpn.rule", "Host(`alpn.example.com`)"),
            ("traefik.http.routers.alpn.tls", "true"),
        ],
        ALPN_TASK,
    );
    let storage = tempfile::tempdir().expect("temp dir");
    let resolver = |name: &str, challenge: &str| {
        format!(
            "{name}.ca={},ca-root={},storage={},email=ops@example.com,challenge={challenge}",
            pebble.directory_url(),
            pebble.listener_ca.display(),
            storage.path().join("acme.json").display()
        )
    };
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        &format!("web=127.0.0.1:{web_port}"),
        "--entrypoint",
        &format!("websecure=127.0.0.1:{secure_port};tls;certresolver=alpn"),
        "--certresolver",
        &resolver("pebble", "http"),
        "--certresolver",
        &resolver("alpn", "tlsalpn"),
    ])
    .await;
    let websecure = hawser.address_of("websecure");
    let root = roots(&pebble.issuing_root().await);
    let facts = served_once_issued(websecure, "acme.example.com", root.clone()).await;
    assert!(facts.issuer.contains("Pebble"), "{}", facts.issuer);
    assert_eq!(facts.names, ["acme.example.com"]);
    let alpn = served_once_issued(websecure, "alpn.example.com", root.clone()).await;
    assert_eq!(alpn.names, ["alpn.example.com"]);

    let (reply, _, _) = https_get(
        websecure,
        "acme.example.com",
        "/world",
        root.clone(),
        &["h2"],
    )
    .await
    .expect("HTTPS");
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("spare-127.0.9.63"), "{}", reply.body);

    let certificates = json(&hawser.admin_url("/api/certificates")).await;
    let row = certificate(&certificates, "acme.example.com");
    assert_eq!(row["resolver"], "pebble", "{row}");
    assert_eq!(row["state"], "valid", "{row}");
    assert!(row["last_error"].is_null(), "{row}");
    let not_after = row["not_after"].as_u64().expect("not_after");
    assert_eq!(
        certificate(&certificates, "alpn.example.com")["resolver"],
        "alpn"
    );
    // At least the two above: the `alpn` entry point's resolver also covers the v1 routes
    // served there (the seed's `Host:multi.local`), as Traefik's entry-point certResolver
    // does, and that order may still be running.
    let succeeded = metric(&hawser, "hawser_acme_orders_total{result=\"succeeded\"}").await;
    assert!(
        succeeded.is_some_and(|count| count >= 2.0),
        "{succeeded:?}; pebble's log: {}",
        pebble.log()
    );
    let expiry = metric(
        &hawser,
        "hawser_tls_certificate_expiry_seconds{domain=\"acme.example.com\",resolver=\"pebble\"}",
    )
    .await;
    assert_eq!(expiry, Some((not_after / 1000) as f64));
    assert!(
        storage.path().join("acme.json").is_file(),
        "the certificate is stored"
    );
}
