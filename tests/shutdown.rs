//! SIGTERM through the real binary: clients that connected before the signal are answered
//! (even those still queued in the listen backlog), and WebSocket tunnels get the grace period,
//! then are closed. hawser runs against the fake Engine API.

mod support;

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use nix::sys::signal::{Signal, kill};
use support::hawser::Hawser;
use support::stack::{Stack, seed_stack};
use support::wait::eventually;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

async fn start(grace: &str) -> (Stack, Hawser) {
    let stack = seed_stack(&[]).await;
    let url = stack.docker.url();
    let hawser = Hawser::start(&["--docker-host", url.as_str(), "--grace-period", grace]).await;
    (stack, hawser)
}

/// How many clients connect while hawser cannot accept: enough that, without draining, the
/// signal reaches the accept loops while some are still queued.
const QUEUED: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_queued_in_the_backlog_at_sigterm_are_all_answered() {
    let (_stack, mut hawser) = start("10s").await;
    // Stopped, hawser accepts nothing: the kernel completes each handshake into the listen
    // backlog and buffers the request. SIGTERM is delivered when it continues, so the signal
    // and the queued connections reach it together.
    kill(hawser.pid(), Signal::SIGSTOP).expect("SIGSTOP");
    let mut clients = Vec::with_capacity(QUEUED);
    for _ in 0..QUEUED {
        let mut stream = TcpStream::connect(hawser.proxy).await.expect("connect");
        stream
            .write_all(b"GET /hello/world HTTP/1.1\r\nHost: hawser.test\r\n\r\n")
            .await
            .expect("write the request");
        clients.push(stream);
    }
    hawser.terminate();
    kill(hawser.pid(), Signal::SIGCONT).expect("SIGCONT");
    let mut answered = 0;
    let mut failures = Vec::new();
    for (index, mut stream) in clients.into_iter().enumerate() {
        let mut reply = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut reply));
        match read.await {
            Ok(Ok(_)) if reply.starts_with(b"HTTP/1.1 200 ") => answered += 1,
            Ok(Ok(_)) => failures.push(format!(
                "client {index}: {:?}",
                String::from_utf8_lossy(&reply)
            )),
            Ok(Err(err)) => failures.push(format!("client {index}: {err}")),
            Err(_) => failures.push(format!("client {index}: no end of reply in 15 s")),
        }
    }
    assert!(
        failures.is_empty(),
        "{answered} of {QUEUED} answered; failed: {failures:#?}"
    );
    let status = hawser.wait_exit(Duration::from_secs(15)).await;
    assert!(status.success(), "exit status {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_tunnel_works_through_the_grace_period_then_is_closed() {
    let grace = Duration::from_secs(3);
    let (_stack, mut hawser) = start("3s").await;
    let url = format!("ws://{}/hello/__ws", hawser.proxy);
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade");
    socket.send(Message::text("before")).await.expect("send");
    let echoed = socket.next().await.expect("a message").expect("valid");
    assert_eq!(echoed.into_text().expect("text").as_str(), "before");

    let signalled = Instant::now();
    hawser.terminate();
    eventually(Duration::from_secs(5), "hawser to log its shutdown", || {
        let logged = !hawser.logged("shutting down").is_empty();
        async move { logged.then_some(()) }
    })
    .await;
    // Shutting down, and the tunnel still carries messages both ways.
    for text in ["during", "the", "grace", "period"] {
        socket.send(Message::text(text)).await.expect("send");
        let echoed = socket.next().await.expect("a message").expect("valid");
        assert_eq!(echoed.into_text().expect("text").as_str(), text);
    }
    assert!(
        signalled.elapsed() < grace,
        "the messages were echoed within the grace period ({:?})",
        signalled.elapsed()
    );
    // Then, once the grace period is over, hawser closes it and exits.
    let ended = tokio::time::timeout(grace + Duration::from_secs(10), socket.next())
        .await
        .expect("the tunnel is closed after the grace period");
    let closed_after = signalled.elapsed();
    assert!(
        !matches!(ended, Some(Ok(Message::Text(_) | Message::Binary(_)))),
        "no more messages: {ended:?}"
    );
    assert!(
        closed_after >= grace,
        "the tunnel was kept open for the whole grace period, closed after {closed_after:?}"
    );
    let status = hawser.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "exit status {status}");
}
