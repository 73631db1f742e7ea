//! Accepting connections: one single-threaded runtime per worker thread, each with its own
//! `SO_REUSEPORT` listener and its own upstream pool, so requests never hop between threads and
//! workers share nothing but the routing table and counters.
//!
//! Every connection speaks HTTP/1.1 or HTTP/2 (prior knowledge), decided by its first bytes.
//! On shutdown each worker stops accepting, asks its connections to finish (HTTP/1 keep-alive
//! off, HTTP/2 GOAWAY) and waits up to the grace period.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use socket2::{Domain, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

use super::access_log::AccessLog;
use super::forward::Upstream;
use super::handler::{Connection, Handler};
use super::limits::{ConnectionLimits, refuse};
use super::{BUFFER_LIMIT, ProxySettings};
use crate::state::SharedState;

/// Serves until the connection ends; on shutdown, lets it finish its requests and close
/// (HTTP/1 stops keep-alive, HTTP/2 sends GOAWAY). A macro: hyper's two connection types share
/// `graceful_shutdown` by name only.
macro_rules! until_drained {
    ($connection:expr, $shutdown:expr) => {{
        let mut connection = std::pin::pin!($connection);
        tokio::select! {
            output = connection.as_mut() => output,
            () = $shutdown.cancelled() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        }
    }};
}

type RequestFuture = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<http::Response<super::body::ProxyBody>, std::convert::Infallible>,
            > + Send,
    >,
>;

/// Binds one listener per worker on the same address. Port 0 is resolved by the first bind
/// and reused by the others.
pub fn bind(address: SocketAddr, workers: usize) -> io::Result<Vec<StdListener>> {
    let first = bind_one(address)?;
    let bound = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..workers.max(1) {
        listeners.push(bind_one(bound)?);
    }
    Ok(listeners)
}

fn bind_one(address: SocketAddr) -> io::Result<StdListener> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}

/// Starts one thread per listener; each returns when its connections are done or the grace
/// period is over.
pub fn spawn_workers(
    listeners: Vec<StdListener>,
    state: Arc<SharedState>,
    settings: Arc<ProxySettings>,
    access_log: Option<AccessLog>,
    shutdown: CancellationToken,
) -> io::Result<Vec<std::thread::JoinHandle<()>>> {
    let mut threads = Vec::with_capacity(listeners.len());
    let limits = ConnectionLimits::new(&settings.limits);
    for (index, listener) in listeners.into_iter().enumerate() {
        let limits = limits.clone();
        let state = state.clone();
        let settings = settings.clone();
        let access_log = access_log.clone();
        let shutdown = shutdown.clone();
        let thread = std::thread::Builder::new()
            .name(format!("proxy-{index}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        warn!(error = %err, "cannot start a proxy worker runtime");
                        return;
                    }
                };
                runtime.block_on(async move {
                    let handler = Arc::new(Handler {
                        upstream: Upstream::new(&settings, state.traffic.clone(), index),
                        state,
                        settings: settings.clone(),
                        access_log,
                        worker: index,
                    });
                    if let Err(err) = serve(listener, handler, &settings, limits, shutdown).await {
                        warn!(error = %err, "proxy worker stopped");
                    }
                });
            })?;
        threads.push(thread);
    }
    Ok(threads)
}

async fn serve(
    listener: StdListener,
    handler: Arc<Handler>,
    settings: &ProxySettings,
    limits: Arc<ConnectionLimits>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let local = listener.local_addr()?;
    let protocols = Arc::new(Protocols::new(settings));
    let connections = TaskTracker::new();
    let mut accept_errors = 0u32;
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                accept_errors = 0;
                accepted
            }
            Err(err) => {
                // Out of file descriptors, or the like: back off instead of spinning.
                accept_errors += 1;
                if accept_errors == 1 {
                    warn!(error = %err, "accepting connections failed; backing off");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let admission = match limits.admit(peer.ip()) {
            Ok(admission) => admission,
            Err(refusal) => {
                debug!(%peer, ?refusal, "connection over the limit refused");
                refuse(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let traffic = &handler.state.traffic;
        traffic.connections_accepted.fetch_add(1, Ordering::Relaxed);
        traffic.connections_open.fetch_add(1, Ordering::Relaxed);
        let connection = Connection { peer, local };
        let serving = serve_connection(
            stream,
            connection,
            handler.clone(),
            protocols.clone(),
            shutdown.clone(),
        );
        connections.spawn(async move {
            serving.await;
            drop(admission);
        });
    }
    drop(listener);
    connections.close();
    let open = connections.len();
    if open > 0 {
        info!(connections = open, grace = ?settings.grace_period, "draining connections");
    }
    tokio::select! {
        () = connections.wait() => {}
        () = tokio::time::sleep(settings.grace_period) => {
            warn!("grace period over; closing the connections still open");
        }
    }
    Ok(())
}

/// How many header fields hyper's HTTP/1 parser takes when not told otherwise.
const HYPER_MAX_HEADERS: usize = 100;

/// The two ways a client may speak: HTTP/1.1, or HTTP/2 with prior knowledge (h2c).
struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
    header_read_timeout: Duration,
}

impl Protocols {
    fn new(settings: &ProxySettings) -> Self {
        let limits = &settings.limits;
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(settings.header_read_timeout)
            .writev(false)
            .max_buf_size(BUFFER_LIMIT.max(limits.header_size))
            .max_header_size(limits.header_size)
            .keep_alive(true);
        // hyper's own count is 100, kept on the stack; any other moves it to the heap.
        if limits.header_count != HYPER_MAX_HEADERS {
            http1.max_headers(limits.header_count);
        }
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(limits.header_size).unwrap_or(u32::MAX))
            .keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(20))
            .max_concurrent_streams(256);
        Protocols {
            http1,
            http2,
            header_read_timeout: settings.header_read_timeout,
        }
    }
}

/// Serves one client connection in the protocol its first bytes announce.
async fn serve_connection(
    stream: TcpStream,
    connection: Connection,
    handler: Arc<Handler>,
    protocols: Arc<Protocols>,
    shutdown: CancellationToken,
) {
    let state = handler.state.clone();
    // Boxed per request: hyper keeps a slot for the service future in every connection, and
    // an idle keep-alive connection should not hold a request's worth of state.
    let service = service_fn(move |request| {
        let handler = handler.clone();
        let response: RequestFuture = Box::pin(async move {
            Ok::<_, std::convert::Infallible>(handler.handle(request, connection).await)
        });
        response
    });
    let served = match tokio::time::timeout(protocols.header_read_timeout, sniff(&stream)).await {
        Ok(Ok(Protocol::Http1)) => {
            let serving = protocols
                .http1
                .serve_connection(TokioIo::new(stream), service);
            until_drained!(serving.with_upgrades(), shutdown)
        }
        Ok(Ok(Protocol::Http2)) => {
            let serving = protocols
                .http2
                .serve_connection(TokioIo::new(stream), service);
            until_drained!(serving, shutdown)
        }
        // Closed, or silent for too long, before sending anything.
        Ok(Err(_)) | Err(_) => Ok(()),
    };
    if let Err(err) = served {
        debug!(peer = %connection.peer, error = %err, "connection ended with an error");
    }
    state
        .traffic
        .connections_open
        .fetch_sub(1, Ordering::Relaxed);
}

enum Protocol {
    Http1,
    Http2,
}

/// Tells HTTP/2's connection preface from an HTTP/1 request line by peeking, so that the
/// chosen protocol reads the bytes itself (no rewind buffer kept for the connection's life).
async fn sniff(stream: &TcpStream) -> io::Result<Protocol> {
    const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let mut peeked = [0u8; 24];
    loop {
        let read = stream.peek(&mut peeked).await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if peeked[..read] != PREFACE[..read] {
            return Ok(Protocol::Http1);
        }
        if read == PREFACE.len() {
            return Ok(Protocol::Http2);
        }
        // Part of the preface so far: peeking again returns at once, so wait a little.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
