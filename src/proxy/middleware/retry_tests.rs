//! `retry` end to end over loopback: the cases of Traefik's `pkg/middlewares/retry/retry_test.go`
//! (attempts, network failures, v3.7 status retries) through the forward step.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;

use crate::proxy::middleware::test_support::{Backend, Stage, read, refusing_address};
use crate::routing::middleware::{Middleware, Retry};
use crate::routing::options::Options;

fn retry(pairs: &[(&str, &str)]) -> Middleware {
    let mut options = Options::new("traefik.http.middlewares.r.retry");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    Middleware::Retry(Retry::from_options(&options).expect("valid retry"))
}

/// Answers 503 to the first `failures` requests, then 200 with the body it was sent.
async fn flaky(failures: usize) -> Backend {
    Backend::start(move |seen, before| {
        let mut response = Response::new(Full::new(seen.body.clone()));
        if before < failures {
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        }
        response
    })
    .await
}

#[tokio::test]
async fn refused_attempts_move_on_until_one_answers() {
    // retry_test.go: "attempts 3, 2 faulty backends" -> 200 after 2 retries; "3 faulty" -> 502
    let ok = Backend::answering(StatusCode::OK, "ok").await;
    let (down_a, down_b) = (refusing_address().await, refusing_address().await);
    let stage = Stage::start(
        vec![retry(&[("attempts", "3")])],
        &[("app", &[down_a, down_b, ok.address])],
    )
    .await;
    let (status, _, body) = stage.get("/", &[]).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));

    let stage = Stage::start(
        vec![retry(&[("attempts", "3")])],
        &[("app", &[down_a, down_b, refusing_address().await])],
    )
    .await;
    let (status, _, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn one_attempt_is_no_retry() {
    // retry_test.go: "attempts 1, faulty backend" -> 502, no retry
    let ok = Backend::answering(StatusCode::OK, "ok").await;
    let stage = Stage::start(
        vec![retry(&[("attempts", "1")])],
        &[("app", &[refusing_address().await, ok.address])],
    )
    .await;
    let (status, _, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(ok.seen().is_empty());
}

#[tokio::test]
async fn a_response_is_final_unless_its_status_is_listed() {
    // retry_test.go: a backend that answered 503 is not retried (network retries only)
    let backend = flaky(1).await;
    let stage = Stage::start(
        vec![retry(&[("attempts", "3")])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(backend.seen().len(), 1);

    // v3.7: status=503 retries it, on the same backend when it is the only one
    let backend = flaky(2).await;
    let stage = Stage::start(
        vec![retry(&[("attempts", "3"), ("status", "500-599")])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(backend.seen().len(), 3);

    // the last attempt's answer is delivered whatever its status
    let backend = flaky(5).await;
    let stage = Stage::start(
        vec![retry(&[("attempts", "2"), ("status", "503")])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(backend.seen().len(), 2);
}

async fn post(stage: &Stage, body: &'static str) -> (StatusCode, Bytes) {
    let request = Request::post("/upload")
        .header("host", "app.test")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("request");
    let (status, _, body) = read(stage.send(request).await).await;
    (status, body)
}

#[tokio::test]
async fn status_retries_resend_the_body_for_the_methods_they_may() {
    // retry_test.go (v3.7): POST is not retried on status unless retryNonIdempotentMethod
    let backend = flaky(1).await;
    let stage = Stage::start(
        vec![retry(&[("attempts", "2"), ("status", "503")])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _) = post(&stage, "payload").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(backend.seen().len(), 1);

    let backend = flaky(1).await;
    let stage = Stage::start(
        vec![retry(&[
            ("attempts", "2"),
            ("status", "503"),
            ("retryNonIdempotentMethod", "true"),
        ])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, body) = post(&stage, "payload").await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"payload"[..]));
    let seen = backend.seen();
    for again in &seen {
        assert_eq!(
            (again.method.as_str(), again.uri.path()),
            ("POST", "/upload")
        );
        assert_eq!(again.headers["host"], "app.test");
    }
    let bodies: Vec<&Bytes> = seen.iter().map(|seen| &seen.body).collect();
    assert_eq!(bodies, ["payload", "payload"], "both attempts got the body");
}

#[tokio::test]
async fn a_body_over_the_limit_turns_status_retries_off() {
    // retry_test.go (v3.7): body larger than maxRequestBodyBytes -> no status retry
    let backend = flaky(1).await;
    let stage = Stage::start(
        vec![retry(&[
            ("attempts", "3"),
            ("status", "503"),
            ("retryNonIdempotentMethod", "true"),
            ("maxRequestBodyBytes", "4"),
        ])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _) = post(&stage, "longer than four").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let seen = backend.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        &seen[0].body[..],
        b"longer than four",
        "sent whole all the same"
    );
}

#[tokio::test]
async fn a_refused_post_moves_on_with_its_streamed_body() {
    // nothing reached the first backend, so even a POST is safe to send again
    let backend = flaky(0).await;
    let stage = Stage::start(
        vec![retry(&[("attempts", "2")])],
        &[("app", &[refusing_address().await, backend.address])],
    )
    .await;
    let (status, body) = post(&stage, "streamed").await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"streamed"[..]));
}

#[tokio::test]
async fn retries_wait_as_the_backoff_says_and_stop_at_the_timeout() {
    // attempts 2, initialInterval 200ms: the one retry waits 100-300 ms
    let stage = Stage::start(
        vec![retry(&[("attempts", "2"), ("initialInterval", "200ms")])],
        &[("app", &[refusing_address().await])],
    )
    .await;
    let started = Instant::now();
    let (status, _, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );

    // retry_test.go (v3.7): once the timeout has passed, the response in hand is delivered
    let backend = flaky(10).await;
    let stage = Stage::start(
        vec![retry(&[
            ("attempts", "5"),
            ("status", "503"),
            ("initialInterval", "100ms"),
            ("timeout", "40ms"),
        ])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        backend.seen().len(),
        2,
        "the wait before the second passed the timeout"
    );
}
