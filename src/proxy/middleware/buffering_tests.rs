//! `buffering` over loopback: Traefik's `pkg/middlewares/buffering/buffering_test.go` (no
//! limit, request limit 413, response limit 500) and the v2.11 documentation's retry example.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{Full, StreamBody};

use crate::proxy::middleware::test_support::{Backend, Stage, read};
use crate::routing::middleware::{Buffering, Middleware};
use crate::routing::options::Options;

fn buffering(pairs: &[(&str, &str)]) -> Middleware {
    let mut options = Options::new("traefik.http.middlewares.b.buffering");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    Middleware::Buffering(Buffering::from_options(&options).expect("valid buffering"))
}

/// Echoes the body it got, with the `Content-Length` it was sent (or `none`).
async fn echo() -> Backend {
    Backend::start(|seen, _| {
        let length = seen
            .headers
            .get("content-length")
            .map_or("none".to_owned(), |value| {
                value.to_str().expect("ascii").to_owned()
            });
        Response::builder()
            .header("x-sent-length", length)
            .body(Full::new(seen.body.clone()))
            .expect("response")
    })
    .await
}

async fn post(stage: &Stage, body: &'static str) -> (StatusCode, http::HeaderMap, Bytes) {
    let request = Request::post("/")
        .header("host", "app.test")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("request");
    read(stage.send(request).await).await
}

#[tokio::test]
async fn without_limits_everything_passes() {
    let backend = echo().await;
    let stage = Stage::start(vec![buffering(&[])], &[("app", &[backend.address])]).await;
    let (status, _, body) = post(&stage, "some body").await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"some body"[..]));
}

#[tokio::test]
async fn a_request_body_over_the_limit_gets_413_and_never_reaches_the_backend() {
    // buffering_test.go: maxRequestBodyBytes 1 -> 413
    let backend = echo().await;
    let stage = Stage::start(
        vec![buffering(&[("maxRequestBodyBytes", "4")])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, body) = post(&stage, "too long").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(&body[..], b"Request Entity Too Large\n");
    let (status, _, _) = post(&stage, "fits").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(backend.seen().len(), 1);
}

#[tokio::test]
async fn a_chunked_body_is_held_and_sent_with_its_length() {
    // oxy buffer: the outgoing Content-Length is the buffered size
    let backend = echo().await;
    let stage = Stage::start(
        vec![buffering(&[("maxRequestBodyBytes", "100")])],
        &[("app", &[backend.address])],
    )
    .await;
    let chunks: Vec<Result<http_body::Frame<Bytes>, std::convert::Infallible>> = ["ab", "cd", "e"]
        .into_iter()
        .map(|chunk| Ok(http_body::Frame::data(Bytes::from_static(chunk.as_bytes()))))
        .collect();
    let request = Request::post("/")
        .header("host", "app.test")
        .body(StreamBody::new(futures_util::stream::iter(chunks)))
        .expect("request");
    let stream = tokio::net::TcpStream::connect(stage.address)
        .await
        .expect("connect");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(connection);
    let response = sender.send_request(request).await.expect("response");
    let (status, headers, body) = read(response).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"abcde"[..]));
    assert_eq!(headers["x-sent-length"], "5");

    // and one longer than the limit, with no Content-Length to tell in advance
    let long: Vec<Result<http_body::Frame<Bytes>, std::convert::Infallible>> = (0..20)
        .map(|_| Ok(http_body::Frame::data(Bytes::from_static(b"0123456789"))))
        .collect();
    let request = Request::post("/")
        .header("host", "app.test")
        .body(StreamBody::new(futures_util::stream::iter(long)))
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_response_over_the_limit_gets_500() {
    // buffering_test.go: maxResponseBodyBytes 1 -> 500
    let backend = Backend::answering(StatusCode::OK, "a long answer").await;
    let stage = Stage::start(
        vec![buffering(&[("maxResponseBodyBytes", "5")])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, body) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(&body[..], b"Internal Server Error\n");

    let backend = Backend::answering(StatusCode::OK, "short").await;
    let stage = Stage::start(
        vec![buffering(&[("maxResponseBodyBytes", "5")])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, headers, body) = stage.get("/", &[]).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"short"[..]));
    assert_eq!(headers["content-length"], "5");
}

#[tokio::test]
async fn the_retry_expression_replays_the_buffered_request() {
    // v2.11 doc: IsNetworkError() && Attempts() < 2 -> a 502 on attempt 1 is replayed once,
    // a 502 on attempt 2 is delivered
    let flaky = |failures: usize| {
        Backend::start(move |seen, before| {
            let mut response = Response::new(Full::new(seen.body.clone()));
            if before < failures {
                *response.status_mut() = StatusCode::BAD_GATEWAY;
            }
            response
        })
    };
    let expression = ("retryExpression", "IsNetworkError() && Attempts() < 2");
    let backend = flaky(1).await;
    let stage = Stage::start(
        vec![buffering(&[expression])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, body) = post(&stage, "replayed").await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"replayed"[..]));
    let bodies: Vec<Bytes> = backend.seen().into_iter().map(|seen| seen.body).collect();
    assert_eq!(bodies, ["replayed", "replayed"]);

    let backend = flaky(5).await;
    let stage = Stage::start(
        vec![buffering(&[expression])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, _) = post(&stage, "replayed").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(backend.seen().len(), 2);
}
