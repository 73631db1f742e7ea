//! `compress` over loopback and in process: Traefik's `pkg/middlewares/compress/compress_test.go`
//! cases, each encoding decoded back, and a stream compressed as it comes.

use std::io::Read;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use tokio::sync::mpsc;

use super::*;
use crate::proxy::middleware::test_support::{Backend, Stage, Worker, settings};
use crate::proxy::middleware::{Calls, run as run_chain};
use crate::routing::middleware::Middleware;
use crate::routing::options::Options;

fn compress(pairs: &[(&str, &str)]) -> Middleware {
    let mut options = Options::new("traefik.http.middlewares.c.compress");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    Middleware::Compress(Compress::from_options(&options).expect("valid compress"))
}

fn text(len: usize) -> String {
    (0..len)
        .map(|index| char::from(b'a' + (index % 26) as u8))
        .collect()
}

async fn serving(body: String, headers: &'static [(&'static str, &'static str)]) -> Backend {
    Backend::start(move |_, _| {
        let mut response = Response::builder();
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        response
            .body(Full::new(Bytes::from(body.clone())))
            .expect("response")
    })
    .await
}

fn decode(encoding: &str, body: &[u8]) -> String {
    let mut decoded = String::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(body).read_to_string(&mut decoded),
        "br" => brotli::Decompressor::new(body, 4096).read_to_string(&mut decoded),
        "zstd" => zstd::stream::read::Decoder::new(body)
            .expect("zstd")
            .read_to_string(&mut decoded),
        other => panic!("{other}"),
    }
    .expect("decodes");
    decoded
}

#[tokio::test]
async fn each_encoding_compresses_and_decodes_back() {
    // compress_test.go: gzip, br and zstd chosen by Accept-Encoding
    let original = text(4000);
    let backend = serving(original.clone(), &[("content-type", "text/plain")]).await;
    let stage = Stage::start(vec![compress(&[])], &[("app", &[backend.address])]).await;
    for encoding in ["gzip", "br", "zstd"] {
        let (status, headers, body) = stage.get("/", &[("accept-encoding", encoding)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-encoding"], encoding);
        assert_eq!(headers["vary"], "Accept-Encoding");
        assert!(!headers.contains_key("content-length"));
        assert!(body.len() < original.len(), "{encoding} made it smaller");
        assert_eq!(decode(encoding, &body), original, "{encoding}");
    }
}

#[tokio::test]
async fn what_is_left_alone() {
    // compress_test.go: no Accept-Encoding (no Vary), HEAD, an encoded response, a body under
    // minResponseBodyBytes (Vary, not compressed), identity
    let original = text(4000);
    let plain = serving(original.clone(), &[]).await;
    let stage = Stage::start(vec![compress(&[])], &[("app", &[plain.address])]).await;
    let (_, headers, body) = stage.get("/", &[]).await;
    assert!(!headers.contains_key("content-encoding") && !headers.contains_key("vary"));
    assert_eq!(body.len(), original.len());
    let (_, headers, _) = stage.get("/", &[("accept-encoding", "identity")]).await;
    assert!(!headers.contains_key("content-encoding") && !headers.contains_key("vary"));
    let head = Request::head("/")
        .header("host", "app.test")
        .header("accept-encoding", "gzip")
        .body(Full::default())
        .expect("request");
    let response = stage.send(head).await;
    assert!(!response.headers().contains_key("content-encoding"));
    assert!(!response.headers().contains_key("vary"));

    let encoded = serving(
        original.clone(),
        &[("content-encoding", "gzip"), ("vary", "Accept-Encoding")],
    )
    .await;
    let stage = Stage::start(vec![compress(&[])], &[("app", &[encoded.address])]).await;
    let (_, headers, body) = stage.get("/", &[("accept-encoding", "br")]).await;
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(headers.get_all("vary").iter().count(), 1);
    assert_eq!(body.len(), original.len(), "passed through untouched");

    let short = serving(text(100), &[]).await;
    let stage = Stage::start(vec![compress(&[])], &[("app", &[short.address])]).await;
    let (_, headers, body) = stage.get("/", &[("accept-encoding", "gzip")]).await;
    assert!(!headers.contains_key("content-encoding"));
    assert_eq!(headers["vary"], "Accept-Encoding");
    assert_eq!(headers["content-length"], "100");
    assert_eq!(body.len(), 100);

    let grpc = serving(original, &[("content-type", "application/grpc")]).await;
    let stage = Stage::start(vec![compress(&[])], &[("app", &[grpc.address])]).await;
    let (_, headers, _) = stage.get("/", &[("accept-encoding", "gzip")]).await;
    assert!(
        !headers.contains_key("content-encoding"),
        "gRPC is never compressed"
    );
}

/// Answers with a body fed through a channel, as a backend streaming slowly would.
struct Streaming(Worker, std::sync::Mutex<Option<mpsc::Receiver<Bytes>>>);

impl Endpoint for Streaming {
    fn call(&self, _request: Request<RequestBody>) -> Reply<'_> {
        let receiver = self
            .1
            .lock()
            .expect("receiver")
            .take()
            .expect("one request");
        Box::pin(async move {
            let frames = tokio_stream_of(receiver);
            Response::new(ProxyBody::boxed(StreamBody::new(frames)))
        })
    }

    fn calls(&self) -> Calls<'_> {
        self.0.calls()
    }
}

fn tokio_stream_of(
    receiver: mpsc::Receiver<Bytes>,
) -> impl futures_util::Stream<Item = Result<Frame<Bytes>, hyper::Error>> {
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        let chunk = receiver.recv().await?;
        Some((Ok(Frame::data(chunk)), receiver))
    })
}

#[tokio::test]
async fn a_stream_is_compressed_as_it_comes_not_held_to_its_end() {
    let worker = Worker::new(vec![compress(&[])], &[], &settings());
    let (sender, receiver) = mpsc::channel(4);
    let endpoint = Streaming(
        Worker::new(Vec::new(), &[], &settings()),
        std::sync::Mutex::new(Some(receiver)),
    );
    let context = RequestContext {
        client_ip: [127, 0, 0, 1].into(),
        trusted_proxy: false,
        tls: false,
        now: Instant::now(),
        entry_point: 0,
    };
    let mut request = Request::new(RequestBody::Empty);
    request
        .headers_mut()
        .insert("accept-encoding", HeaderValue::from_static("gzip"));
    let first = text(2000);
    sender.send(Bytes::from(first.clone())).await.expect("send");
    let response = run_chain(
        &worker.route().def.middlewares,
        request,
        &context,
        &endpoint,
    )
    .await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let mut frames = response.into_body().into_data_stream();
    let mut received = Vec::new();
    let early = tokio::time::timeout(Duration::from_secs(5), frames.next())
        .await
        .expect("compressed bytes before the stream ends")
        .expect("a frame")
        .expect("data");
    received.extend_from_slice(&early);
    let second = text(3000);
    sender
        .send(Bytes::from(second.clone()))
        .await
        .expect("send");
    drop(sender);
    while let Some(frame) = frames.next().await {
        received.extend_from_slice(&frame.expect("data"));
    }
    assert_eq!(decode("gzip", &received), format!("{first}{second}"));
}
