//! What happens to a request between client and task: retries, upgrades, streaming, headers,
//! error statuses, HTTP/2 and graceful shutdown. hawser runs against the fake Engine API.

mod support;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt, stream};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use support::hawser::Hawser;
use support::http::{get, json, request, text};
use support::stack::{Stack, seed_stack};
use support::wait::eventually;
use tokio_tungstenite::tungstenite::Message;

/// Binds a task's address again once its old server (just dropped) has let it go.
async fn rebind(address: std::net::SocketAddr) -> tokio::net::TcpListener {
    let mut listener = None;
    eventually(Duration::from_secs(5), "the old listener to close", || {
        let bound = std::net::TcpListener::bind(address).ok();
        let found = bound.is_some();
        listener = bound;
        async move { found.then_some(()) }
    })
    .await;
    let listener = listener.expect("bound");
    listener.set_nonblocking(true).expect("nonblocking");
    tokio::net::TcpListener::from_std(listener).expect("tokio listener")
}

async fn start(extra: &[&str]) -> (Stack, Hawser) {
    let stack = seed_stack(&[]).await;
    let url = stack.docker.url();
    let mut args = vec!["--docker-host", url.as_str()];
    args.extend_from_slice(extra);
    let hawser = Hawser::start(&args).await;
    (stack, hawser)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_backend_is_retried_on_another_even_with_a_body() {
    // No passive health: every request that picks the refusing task must be retried.
    let (mut stack, hawser) = start(&["--backend-failure-cooldown", "0s"]).await;
    let dead = stack.hello.remove(0);
    let dead_address = dead.address;
    drop(dead);
    for _ in 0..10 {
        let reply = get(&hawser.url("/hello/world")).await.expect("answer");
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains(&stack.hello[0].name), "{}", reply.body);
    }
    // A POST with a body is not idempotent, but nothing reached the refusing task.
    let client: Client<_, http_body_util::Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    for _ in 0..4 {
        let body = http_body_util::Full::new(Bytes::from(vec![b'a'; 100_000]));
        let post = Request::post(hawser.url("/hello/__upload"))
            .body(body)
            .expect("request");
        let response = client.request(post).await.expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(text(response).await, "100000\n");
    }
    let backends = json(&hawser.admin_url("/api/backends")).await;
    let failures: u64 = backends
        .as_array()
        .expect("pools")
        .iter()
        .flat_map(|pool| pool["backends"].as_array().cloned().unwrap_or_default())
        .filter(|backend| backend["address"] == dead_address.to_string())
        .map(|backend| backend["failures"].as_u64().unwrap_or(0))
        .sum();
    assert!(
        failures >= 5,
        "the refusing task was tried and failed: {failures}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_that_timed_out_is_passed_over_while_it_rests() {
    let (mut stack, hawser) = start(&[
        "--backend-failure-cooldown",
        "1h",
        "--backend-response-timeout",
        "300ms",
    ])
    .await;
    // One task accepts connections and never answers.
    let silent = stack.hello.remove(0);
    let silent_address = silent.address;
    drop(silent);
    let listener = rebind(silent_address).await;
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let reply = get(&hawser.url("/hello/world")).await.expect("answer");
        statuses.push(reply.status.as_u16());
    }
    let timeouts = statuses.iter().filter(|&&status| status == 504).count();
    assert!(
        (1..=2).contains(&timeouts),
        "one 504 per worker (2), then the silent task is passed over: {statuses:?}"
    );
    assert!(
        statuses[statuses.len() - 10..]
            .iter()
            .all(|&status| status == 200)
    );
    let routes = json(&hawser.admin_url("/api/routes")).await;
    let silent = routes["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .flat_map(|route| route["backends"].as_array().cloned().unwrap_or_default())
        .find(|backend| backend["address"] == silent_address.to_string().as_str())
        .expect("the silent task is still in the table");
    assert_eq!(silent["up"], false);
    assert_eq!(silent["resting"], true);
    let metrics = get(&hawser.admin_url("/metrics")).await.expect("metrics");
    let line = metrics
        .body
        .lines()
        .find(|line| {
            line.starts_with("hawser_backend_up") && line.contains(&silent_address.to_string())
        })
        .expect("a backend_up line")
        .to_owned();
    assert!(line.ends_with(" 0"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_refuses_is_retried_but_not_passed_over() {
    // A refusal costs nothing: a task Swarm has just started may refuse for a moment, and
    // must get traffic as soon as it listens.
    let (mut stack, hawser) = start(&["--backend-failure-cooldown", "1h"]).await;
    let dead = stack.hello.remove(0);
    let dead_address = dead.address;
    drop(dead);
    for _ in 0..6 {
        let reply = get(&hawser.url("/hello/world")).await.expect("answer");
        assert_eq!(reply.status, StatusCode::OK);
    }
    let listener = rebind(dead_address).await;
    let back = support::backend::serve(listener, "back", support::backend::Kind::Hello);
    for _ in 0..6 {
        let reply = get(&hawser.url("/hello/world")).await.expect("answer");
        assert_eq!(reply.status, StatusCode::OK);
    }
    assert!(
        back.hits() >= 2,
        "it listens again and gets its share: {}",
        back.hits()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_messages_echo_through_the_proxy() {
    let (_stack, hawser) = start(&[]).await;
    let url = format!("ws://{}/hello/__ws", hawser.proxy);
    let (mut socket, response) = tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade");
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    for text in ["hello", "through", "hawser"] {
        socket.send(Message::text(text)).await.expect("send");
        let echoed = socket.next().await.expect("a message").expect("valid");
        assert_eq!(echoed.into_text().expect("text").as_str(), text);
    }
    socket
        .send(Message::binary(vec![0u8, 1, 2, 255]))
        .await
        .expect("send");
    let echoed = socket.next().await.expect("a message").expect("valid");
    assert_eq!(echoed.into_data().as_ref(), &[0u8, 1, 2, 255]);
    socket.close(None).await.expect("close");
}

const HUNDRED_MB: u64 = 100 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_megabytes_stream_both_ways_in_bounded_memory() {
    let (_stack, hawser) = start(&[]).await;
    let baseline = hawser.peak_rss_kib();

    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let url = hawser.url(&format!("/hello/__download?bytes={HUNDRED_MB}"));
    let response = client
        .get(url.parse().expect("uri"))
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut received = 0u64;
    while let Some(frame) = body.frame().await {
        received += frame
            .expect("frame")
            .data_ref()
            .map_or(0, |data| data.len() as u64);
    }
    assert_eq!(received, HUNDRED_MB);

    let chunk = Bytes::from(vec![b'u'; 64 * 1024]);
    let chunks = stream::iter(
        (0..HUNDRED_MB / (64 * 1024)).map(move |_| Ok::<_, Infallible>(Frame::data(chunk.clone()))),
    );
    let upload = Client::builder(TokioExecutor::new()).build_http();
    let post = Request::post(hawser.url("/hello/__upload"))
        .body(StreamBody::new(chunks))
        .expect("request");
    let response = upload.request(post).await.expect("upload");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response).await.trim(), HUNDRED_MB.to_string());

    let peak = hawser.peak_rss_kib();
    println!("hawser peak RSS: {baseline} KiB at start, {peak} KiB after 2 x 100 MB");
    assert!(
        peak < baseline + 32 * 1024,
        "memory grew by {} KiB",
        peak - baseline
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_are_rewritten_for_the_backend() {
    let (_stack, hawser) = start(&[]).await;
    let reply = request(
        Method::GET,
        &hawser.url("/hello/__echo?q=1"),
        &[
            ("connection", "x-hop"),
            ("x-hop", "secret"),
            ("keep-alive", "timeout=5"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
            ("host", "app.example.com"),
        ],
    )
    .await
    .expect("answer");
    let echo: Value = serde_json::from_str(&reply.body).expect("echo JSON");
    let headers = &echo["headers"];
    assert_eq!(echo["uri"], "/__echo?q=1");
    assert_eq!(echo["version"], "HTTP/1.1");
    assert!(headers.get("x-hop").is_none(), "{headers}");
    assert!(headers.get("keep-alive").is_none(), "{headers}");
    assert_eq!(headers["host"], "app.example.com");
    assert_eq!(headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert_eq!(
        headers["x-forwarded-proto"], "http",
        "an untrusted client cannot set it"
    );
    assert_eq!(headers["x-forwarded-host"], "app.example.com");
    assert_eq!(headers["x-forwarded-port"], hawser.proxy.port().to_string());
    assert_eq!(headers["x-forwarded-prefix"], "/hello/");
    assert_eq!(headers["x-real-ip"], "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_clients_are_served_over_http2() {
    let (_stack, hawser) = start(&[]).await;
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    for name in ["world", "viktor"] {
        let response = client
            .get(hawser.url(&format!("/hello/{name}")).parse().expect("uri"))
            .await
            .expect("h2 answer");
        assert_eq!(response.version(), http::Version::HTTP_2);
        assert_eq!(response.status(), StatusCode::OK);
        let body = text(response).await;
        assert!(body.contains("Hello, "), "{body:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_unreachable_and_slow_backends_get_503_502_and_504() {
    let (mut stack, hawser) = start(&[
        "--backend-response-timeout",
        "300ms",
        "--poll-interval",
        "200ms",
    ])
    .await;
    let slow = get(&hawser.url("/hello/__slow?ms=3000"))
        .await
        .expect("answer");
    assert_eq!(slow.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(slow.body, "504 Gateway Timeout\n");

    stack.hello.clear();
    let refused = get(&hawser.url("/hello/world")).await.expect("answer");
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY);
    assert_eq!(refused.body, "502 Bad Gateway\n");
    assert!(
        !refused.body.contains("127."),
        "no addresses leak to clients"
    );

    stack.docker.edit(|swarm| {
        let hello = support::swarm::service_id(swarm, "demo_hello");
        swarm.tasks.retain(|task| task["ServiceID"] != hello);
    });
    let unavailable = eventually(
        Duration::from_secs(3),
        "the route to lose its tasks",
        || async {
            let reply = get(&hawser.url("/hello/world")).await.ok()?;
            (reply.status == StatusCode::SERVICE_UNAVAILABLE).then_some(reply)
        },
    )
    .await;
    assert!(unavailable.body.starts_with("503 Service Unavailable"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_log_has_one_line_per_request() {
    let (_stack, hawser) = start(&["--access-log", "common"]).await;
    get(&hawser.url("/hello/world")).await.expect("answer");
    get(&hawser.url("/nope")).await.expect("answer");
    let lines = eventually(Duration::from_secs(3), "two access log lines", || async {
        let lines = hawser.access_lines();
        (lines.len() >= 2).then_some(lines)
    })
    .await;
    assert!(
        lines[0].contains("\"GET /hello/world HTTP/1.1\" 200 "),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(" \"demo_hello\" \"http://127.0."),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("\"GET /nope HTTP/1.1\" 404 19 "),
        "{}",
        lines[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_zero() {
    let (stack, mut hawser) = start(&["--grace-period", "10s"]).await;
    let slow_url = hawser.url("/hello/__slow?ms=1500");
    let in_flight = tokio::spawn(async move { get(&slow_url).await });
    let started = stack
        .hello
        .iter()
        .map(|backend| backend.slow_started.clone());
    let arrivals = started.map(|notify| async move { notify.notified().await });
    futures_util::future::select_all(arrivals.map(Box::pin)).await;
    hawser.terminate();
    let reply = in_flight
        .await
        .expect("task")
        .expect("the slow request completes");
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.starts_with("slow from hello-"), "{}", reply.body);
    let status = hawser.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "exit status {status}");
    assert!(
        get(&hawser.url("/hello/world")).await.is_err(),
        "no longer accepting"
    );
    assert_eq!(hawser.logged("shutting down").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_listens_a_moment_late_still_gets_the_request() {
    // Reserve a port, release it, and start listening on it only after hawser has routed there.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = reserved.local_addr().expect("address");
    drop(reserved);
    let routes = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        routes.path(),
        format!(
            "[[services]]\nname = \"late\"\nrule = \"PathPrefix: /\"\nbackends = [\"{address}\"]\n"
        ),
    )
    .expect("write");
    let path = routes.path().to_str().expect("utf-8");
    let hawser = Hawser::start(&["--no-docker", "--file", path]).await;
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("rebind");
        support::backend::serve(listener, "late", support::backend::Kind::Hello)
    });
    let reply = get(&hawser.url("/hello/late")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("(from late)"), "{}", reply.body);
    drop(late.await.expect("backend"));
}

/// RFC 9110 §6.2: a proxy sends its own HTTP version. A task answering `HTTP/1.0` (Python's
/// http.server does) is answered to an HTTP/1.1 client as `HTTP/1.1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_1_0_answer_reaches_an_http_1_1_client_as_http_1_1() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let backend = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => head.extend_from_slice(&buffer[..read]),
                    }
                }
                let answer = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold";
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    let routes = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(
        routes.path(),
        format!(
            "[[services]]\nname = \"old\"\nrule = \"PathPrefix: /\"\nbackends = [\"{address}\"]\n"
        ),
    )
    .expect("write");
    let path = routes.path().to_str().expect("utf-8");
    let hawser = Hawser::start(&["--no-docker", "--file", path]).await;
    let mut client = tokio::net::TcpStream::connect(hawser.proxy)
        .await
        .expect("connect");
    client
        .write_all(b"GET /x HTTP/1.1\r\nHost: old.test\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("old"), "{answer}");
    backend.abort();
}
