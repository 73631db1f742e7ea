//! The middlewares the proxy runs (forwardAuth, errors, compress, buffering, inFlightReq),
//! through the real binary: static routes with middlewares, real backends, hawser between.
//! Their finer cases are tested in process (`src/proxy/middleware/*_tests.rs`).

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::Value;
use support::backend::{Backend, Kind, spawn};
use support::hawser::Hawser;
use support::http::{Reply, request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An address nothing listens on.
async fn refusing() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    listener.local_addr().expect("address")
}

fn routes(backend: &Backend, down: SocketAddr) -> String {
    let address = backend.address;
    let service = |name: &str, prefix: &str, backends: &str| {
        format!(
            "\n[[services]]\nname = \"{name}\"\nrule = \"PathPrefix: {prefix}\"\nbackends = [{backends}]\n"
        )
    };
    let up = format!("\"{address}\"");
    [
        service("pages", "/__unused-pages", &up),
        service("granted", "/granted", &up),
        format!(
            r#"[[services.middlewares]]
name = "auth-ok"
type = "forwardAuth"
options = {{ address = "http://{address}/__echo", authResponseHeaders = ["Content-Type"] }}
[[services.middlewares]]
name = "to-echo"
type = "replacePath"
options = {{ path = "/__echo" }}
"#
        ),
        service("refused", "/refused", &up),
        format!(
            r#"[[services.middlewares]]
name = "auth-no"
type = "forwardAuth"
options = {{ address = "http://localhost:{}/__ws" }}
"#,
            address.port()
        ),
        service("broken", "/broken", &format!("\"{down}\"")),
        r#"[[services.middlewares]]
name = "error-pages"
type = "errors"
options = { status = "500-599", service = "pages@file", query = "/__echo/{status}" }
"#
        .to_owned(),
        service("zipped", "/zipped", &up),
        r#"[[services.middlewares]]
name = "zip"
type = "compress"
options = { minResponseBodyBytes = 100 }
[[services.middlewares]]
name = "to-download"
type = "replacePath"
options = { path = "/__download" }
"#
        .to_owned(),
        service("buffered", "/buffered", &up),
        r#"[[services.middlewares]]
name = "small-bodies"
type = "buffering"
options = { maxRequestBodyBytes = 10 }
[[services.middlewares]]
name = "to-upload"
type = "replacePath"
options = { path = "/__upload" }
"#
        .to_owned(),
        service("one-at-a-time", "/one", &up),
        r#"[[services.middlewares]]
name = "one"
type = "inFlightReq"
options = { amount = 1 }
[[services.middlewares]]
name = "to-slow"
type = "replacePath"
options = { path = "/__slow" }
"#
        .to_owned(),
    ]
    .concat()
}

struct Setup {
    backend: Backend,
    hawser: Hawser,
    _dir: tempfile::TempDir,
}

async fn start() -> Setup {
    let backend = spawn([127, 0, 0, 1].into(), "app", Kind::Hello)
        .await
        .expect("backend");
    let dir = tempfile::tempdir().expect("temp dir");
    let routes_file = dir.path().join("routes.toml");
    std::fs::write(&routes_file, routes(&backend, refusing().await)).expect("routes file");
    let hawser = Hawser::start(&[
        "--no-docker",
        "--file",
        routes_file.to_str().expect("utf-8"),
    ])
    .await;
    Setup {
        backend,
        hawser,
        _dir: dir,
    }
}

async fn get(setup: &Setup, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(Method::GET, &setup.hawser.url(path), headers)
        .await
        .expect("an answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_auth_lets_in_on_2xx_and_hands_back_a_refusal() {
    let setup = start().await;
    let granted = get(&setup, "/granted", &[]).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    let echoed: Value = serde_json::from_str(&granted.body).expect("echo JSON");
    assert_eq!(echoed["uri"], "/__echo", "{echoed}");

    // the auth server (a name, resolved per request) answers 400: the client gets it
    let refused = get(&setup, "/refused", &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body, "not a websocket request\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_answer_a_failed_backend_with_the_page_service() {
    let setup = start().await;
    let reply = get(&setup, "/broken/thing", &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_GATEWAY,
        "the caught status is kept"
    );
    let echoed: Value = serde_json::from_str(&reply.body).expect("the page is the echo");
    assert_eq!(echoed["uri"], "/__echo/502", "{echoed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compress_encodes_what_the_client_accepts() {
    let setup = start().await;
    let zipped = get(
        &setup,
        "/zipped?bytes=5000",
        &[("accept-encoding", "br;q=0.5, gzip")],
    )
    .await;
    assert_eq!(zipped.status, StatusCode::OK);
    assert_eq!(zipped.headers["content-encoding"], "gzip");
    assert_eq!(zipped.headers["vary"], "Accept-Encoding");
    let plain = get(&setup, "/zipped?bytes=5000", &[]).await;
    assert!(!plain.headers.contains_key("content-encoding"));
    assert_eq!(plain.body.len(), 5000);
}

/// A raw POST of `body`; the status line hawser answers.
async fn post(setup: &Setup, path: &str, body: &str) -> String {
    let address = setup
        .hawser
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    answer.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffering_refuses_a_body_over_its_limit() {
    let setup = start().await;
    assert_eq!(post(&setup, "/buffered", "short").await, "HTTP/1.1 200 OK");
    assert_eq!(
        post(&setup, "/buffered", "far longer than ten bytes").await,
        "HTTP/1.1 413 Payload Too Large"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_req_refuses_a_second_request_while_one_is_in_flight() {
    let setup = start().await;
    let slow_url = setup.hawser.url("/one?ms=3000");
    let started = setup.backend.slow_started.notified();
    let first = tokio::spawn(async move { request(Method::GET, &slow_url, &[]).await });
    tokio::time::timeout(Duration::from_secs(10), started)
        .await
        .expect("the first request reached the backend");
    let second = get(&setup, "/one?ms=0", &[]).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.body, "max connections reached: 1");
    let first = first.await.expect("task").expect("first answered");
    assert_eq!(first.status, StatusCode::OK);
    let after = get(&setup, "/one?ms=0", &[]).await;
    assert_eq!(after.status, StatusCode::OK, "the slot came back");
}
