use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use super::{ConnectError, ConnectionPool};
use crate::proxy::request_body::RequestBody;
use crate::stats::Traffic;

/// A backend answering "ok" after `delay`; `keep_alive: false` closes after each response.
async fn backend(delay: Duration, keep_alive: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(move |_request| async move {
                    tokio::time::sleep(delay).await;
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(keep_alive)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

/// A pool, and the counters it counts opened connections in (as worker 0).
fn pool(max: usize) -> (Arc<ConnectionPool>, Arc<Traffic>) {
    let traffic = Arc::new(Traffic::default());
    let pool = ConnectionPool::new(
        Duration::from_secs(2),
        Duration::from_secs(60),
        max,
        traffic.clone(),
        0,
    );
    (pool, traffic)
}

fn opened(traffic: &Traffic) -> u64 {
    traffic.upstream_connections_opened.total()
}

fn get() -> Request<RequestBody> {
    let mut request = Request::new(RequestBody::Empty);
    request
        .headers_mut()
        .insert("host", "backend".parse().expect("header"));
    request
}

async fn exchange(pool: &Arc<ConnectionPool>, address: SocketAddr) -> String {
    let checkout = pool.checkout(address).await.expect("a connection");
    let response = checkout.send(get(), pool).await.ok().expect("a response");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test]
async fn a_connection_is_reused_once_its_response_is_read() {
    let address = backend(Duration::ZERO, true).await;
    let (pool, traffic) = pool(8);
    for _ in 0..3 {
        assert_eq!(exchange(&pool, address).await, "ok");
        assert_eq!(opened(&traffic), 1);
    }
}

#[tokio::test]
async fn connections_the_backend_closes_are_not_reused() {
    let address = backend(Duration::ZERO, false).await;
    let (pool, traffic) = pool(8);
    for _ in 0..3 {
        assert_eq!(exchange(&pool, address).await, "ok");
    }
    assert_eq!(opened(&traffic), 3);
}

#[tokio::test]
async fn at_the_limit_requests_wait_for_a_connection_to_come_back() {
    let address = backend(Duration::from_millis(50), true).await;
    let (pool, traffic) = pool(2);
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { exchange(&pool, address).await })
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.expect("task"), "ok");
    }
    assert_eq!(opened(&traffic), 2, "never more than the limit");
}

#[tokio::test]
async fn a_refused_connection_gives_its_room_back() {
    let unused = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = unused.local_addr().expect("address");
    drop(unused);
    let (pool, _) = pool(1);
    for _ in 0..3 {
        let err = pool.checkout(address).await.err().expect("refused");
        assert!(matches!(err, ConnectError::Refused(_)), "{err}");
    }
    assert!(
        pool.lock()
            .get(&address)
            .is_none_or(|connections| connections.open == 0)
    );
}

#[tokio::test]
async fn a_connect_to_an_address_that_drops_syns_gives_up_at_the_timeout_asked_for() {
    // A full accept queue, never drained: Linux drops further SYNs.
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let address = socket.local_addr().expect("address");
    let _listener = socket.listen(1).expect("listen");
    let mut queued = Vec::new();
    while let Ok(stream) =
        tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(address)).await
    {
        queued.push(stream.expect("queued"));
        assert!(queued.len() < 64, "the accept queue never filled");
    }
    let (pool, _) = pool(1);
    let asked = Duration::from_millis(200);
    let err = pool
        .checkout_within(address, asked)
        .await
        .err()
        .expect("no connection");
    assert!(
        matches!(err, ConnectError::TimedOut(timeout) if timeout == asked),
        "{err}"
    );
    assert!(
        pool.lock()
            .get(&address)
            .is_none_or(|connections| connections.open == 0),
        "the room is given back"
    );
}

#[tokio::test]
async fn room_granted_to_a_request_that_is_gone_goes_to_the_next_one() {
    let address = backend(Duration::ZERO, true).await;
    let (pool, _) = pool(1);
    let first = pool.checkout(address).await.expect("a connection");
    let mut gone = Box::pin(pool.checkout(address));
    let polled = std::future::poll_fn(|cx| Poll::Ready(gone.as_mut().poll(cx).is_pending())).await;
    assert!(polled, "the second request waits for the only connection");
    // The connection closes unused; its task grants the room to the waiting request...
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pool
        .lock()
        .get(&address)
        .is_some_and(|c| !c.waiting.is_empty())
    {
        assert!(Instant::now() < deadline, "the room was never granted");
        tokio::task::yield_now().await;
    }
    // ...which is dropped before it could use it. The next request still gets through.
    drop(gone);
    let next = tokio::time::timeout(Duration::from_secs(5), exchange(&pool, address)).await;
    assert_eq!(next.expect("the room came back"), "ok");
}
