//! Accepting connections: one single-threaded runtime per worker thread, each with its own
//! `SO_REUSEPORT` listener on every entry point and its own upstream pool, so requests never
//! hop between threads and workers share nothing but the routing table and counters.
//!
//! On a plain entry point every connection speaks HTTP/1.1 or HTTP/2 (prior knowledge),
//! decided by its first bytes; on a TLS one it goes through [`TlsAcceptor::accept`] first and
//! speaks HTTP/2 when ALPN chose `h2`, else HTTP/1.1. Either way it knows the entry point it
//! came in on, and requests go to tasks over the worker's one pool. On shutdown each worker stops accepting on every
//! entry point, asks its connections to finish (HTTP/1 keep-alive off, HTTP/2 GOAWAY) and waits
//! up to the grace period.

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
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

use super::access_log::AccessLog;
use super::forward::Upstream;
use super::handler::{Connection, Handler};
use super::limits::{ConnectionLimits, refuse};
use super::{BUFFER_LIMIT, ProxySettings};
use crate::state::SharedState;
use crate::tls::{Accepted, Challenges, TlsAcceptor};

/// What the proxy takes from the TLS layer: the acceptor of TLS entry points and the open
/// ACME HTTP-01 challenges plain ones answer.
#[derive(Clone)]
pub struct ProxyTls {
    pub acceptor: Arc<TlsAcceptor>,
    pub challenges: Arc<Challenges>,
}

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

/// Binds one listener per worker on an entry point's address. Port 0 is resolved by the first
/// bind and reused by the others, so each entry point has one port.
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

/// Listeners of every entry point (outer: by entry point position; inner: one per worker).
pub type EntryPointListeners = Vec<Vec<StdListener>>;

/// Starts one thread per worker, serving one listener of each entry point; each returns when
/// its connections are done or the grace period is over.
pub fn spawn_workers(
    listeners: EntryPointListeners,
    state: Arc<SharedState>,
    settings: Arc<ProxySettings>,
    access_log: Option<AccessLog>,
    tls: ProxyTls,
    shutdown: CancellationToken,
) -> io::Result<Vec<std::thread::JoinHandle<()>>> {
    let by_worker = per_worker(listeners);
    let mut threads = Vec::with_capacity(by_worker.len());
    let limits = ConnectionLimits::new(&settings.limits);
    for (index, listeners) in by_worker.into_iter().enumerate() {
        let limits = limits.clone();
        let state = state.clone();
        let settings = settings.clone();
        let access_log = access_log.clone();
        let tls = tls.clone();
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
                        challenges: tls.challenges,
                    });
                    serve(
                        listeners,
                        handler,
                        &settings,
                        tls.acceptor,
                        limits,
                        shutdown,
                    )
                    .await;
                });
            })?;
        threads.push(thread);
    }
    Ok(threads)
}

/// Regroups listeners by worker: each worker gets one of every entry point's, with the entry
/// point's position.
fn per_worker(listeners: EntryPointListeners) -> Vec<Vec<(usize, StdListener)>> {
    let mut by_worker: Vec<Vec<(usize, StdListener)>> = Vec::new();
    for (entry_point, listeners) in listeners.into_iter().enumerate() {
        for (worker, listener) in listeners.into_iter().enumerate() {
            if by_worker.len() <= worker {
                by_worker.resize_with(worker + 1, Vec::new);
            }
            by_worker[worker].push((entry_point, listener));
        }
    }
    by_worker
}

/// One worker: accepts on each of its listeners until shutdown, then drains the connections
/// of all of them together.
async fn serve(
    listeners: Vec<(usize, StdListener)>,
    handler: Arc<Handler>,
    settings: &ProxySettings,
    acceptor: Arc<TlsAcceptor>,
    limits: Arc<ConnectionLimits>,
    shutdown: CancellationToken,
) {
    let protocols = Arc::new(Protocols::new(settings));
    let connections = TaskTracker::new();
    let mut accepting = JoinSet::new();
    for (entry_point, listener) in listeners {
        let name = entry_point_name(settings, entry_point);
        let listener = match TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => {
                warn!(entry_point = name, error = %err, "proxy worker cannot accept here");
                continue;
            }
        };
        accepting.spawn(accept(
            listener,
            entry_point,
            Accepting {
                handler: handler.clone(),
                protocols: protocols.clone(),
                acceptor: acceptor.clone(),
                connections: connections.clone(),
                limits: limits.clone(),
                shutdown: shutdown.clone(),
            },
        ));
    }
    while let Some(stopped) = accepting.join_next().await {
        if let Err(err) = stopped {
            warn!(error = %err, "an accept loop ended abnormally");
        }
    }
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
}

fn entry_point_name(settings: &ProxySettings, entry_point: usize) -> &str {
    settings
        .entry_points
        .get(entry_point)
        .map_or("?", |entry_point| entry_point.name.as_str())
}

/// What every accept loop of a worker shares.
struct Accepting {
    handler: Arc<Handler>,
    protocols: Arc<Protocols>,
    acceptor: Arc<TlsAcceptor>,
    connections: TaskTracker,
    limits: Arc<ConnectionLimits>,
    shutdown: CancellationToken,
}

/// Accepts on one entry point's listener until shutdown; its connections join the worker's.
async fn accept(listener: TcpListener, entry_point: usize, worker: Accepting) {
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(err) => {
            warn!(error = %err, "proxy listener has no address");
            return;
        }
    };
    let tls = worker
        .handler
        .settings
        .entry_points
        .get(entry_point)
        .is_some_and(|entry_point| entry_point.tls);
    let mut accept_errors = 0u32;
    loop {
        let accepted = tokio::select! {
            () = worker.shutdown.cancelled() => break,
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
                    let name = entry_point_name(&worker.handler.settings, entry_point);
                    warn!(entry_point = name, error = %err, "accepting connections failed; backing off");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let admission = match worker.limits.admit(peer.ip()) {
            Ok(admission) => admission,
            Err(refusal) => {
                debug!(%peer, ?refusal, "connection over the limit refused");
                refuse(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let traffic = &worker.handler.state.traffic;
        traffic.connections_accepted.fetch_add(1, Ordering::Relaxed);
        traffic.connections_open.fetch_add(1, Ordering::Relaxed);
        let connection = Connection {
            peer,
            local,
            entry_point,
            tls,
        };
        let serving = Serving {
            connection,
            handler: worker.handler.clone(),
            protocols: worker.protocols.clone(),
            shutdown: worker.shutdown.clone(),
        };
        let acceptor = worker.acceptor.clone();
        worker.connections.spawn(async move {
            match tls {
                true => serve_tls(stream, serving, acceptor).await,
                false => serve_plain(stream, serving).await,
            }
            drop(admission);
        });
    }
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

/// One accepted connection and what serving it needs.
struct Serving {
    connection: Connection,
    handler: Arc<Handler>,
    protocols: Arc<Protocols>,
    shutdown: CancellationToken,
}

/// Serves a plain connection in the protocol its first bytes announce.
async fn serve_plain(stream: TcpStream, serving: Serving) {
    let sniffed = tokio::time::timeout(serving.protocols.header_read_timeout, sniff(&stream)).await;
    // Nothing to serve when it closed, or stayed silent too long, before sending anything.
    if let Ok(Ok(protocol)) = sniffed {
        serve_http(stream, protocol, &serving).await;
    }
    closed(&serving);
}

/// Serves a TLS connection once its handshake is done: HTTP/2 when ALPN chose `h2`.
async fn serve_tls(stream: TcpStream, serving: Serving, acceptor: Arc<TlsAcceptor>) {
    let connection = serving.connection;
    let entry_point = entry_point_name(&serving.handler.settings, connection.entry_point);
    match acceptor.accept(stream).await {
        Ok(Accepted::Tls(tls)) => {
            if tls.get_ref().1.server_name().is_none() {
                // Not an error (IP-address clients send none), but why a name's certificate
                // was not the one presented.
                debug!(peer = %connection.peer, entry_point, "ClientHello without SNI: served the default certificate");
            }
            let protocol = match tls.get_ref().1.alpn_protocol() {
                Some(b"h2") => Protocol::Http2,
                _ => Protocol::Http1,
            };
            serve_http(*tls, protocol, &serving).await;
        }
        Ok(Accepted::Challenge) => {
            debug!(peer = %connection.peer, "answered an ACME TLS-ALPN-01 validation");
        }
        Ok(Accepted::PlainHttp) => info!(
            peer = %connection.peer,
            entry_point,
            "plain HTTP on a TLS entry point: answered 400 (use https://)"
        ),
        Err(err) => {
            debug!(peer = %connection.peer, entry_point, error = %err, "TLS handshake failed")
        }
    }
    closed(&serving);
}

fn closed(serving: &Serving) {
    serving
        .handler
        .state
        .traffic
        .connections_open
        .fetch_sub(1, Ordering::Relaxed);
}

/// Serves HTTP on a connection (a TCP or TLS stream) until it ends or is drained.
async fn serve_http<IO>(io: IO, protocol: Protocol, serving: &Serving)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let handler = serving.handler.clone();
    let connection = serving.connection;
    // Boxed per request: hyper keeps a slot for the service future in every connection, and
    // an idle keep-alive connection should not hold a request's worth of state.
    let service = service_fn(move |request| {
        let handler = handler.clone();
        let response: RequestFuture = Box::pin(async move {
            Ok::<_, std::convert::Infallible>(handler.handle(request, connection).await)
        });
        response
    });
    let shutdown = &serving.shutdown;
    let served = match protocol {
        Protocol::Http1 => {
            let serving = serving
                .protocols
                .http1
                .serve_connection(TokioIo::new(io), service);
            until_drained!(serving.with_upgrades(), shutdown)
        }
        Protocol::Http2 => {
            let serving = serving
                .protocols
                .http2
                .serve_connection(TokioIo::new(io), service);
            until_drained!(serving, shutdown)
        }
    };
    if let Err(err) = served {
        debug!(peer = %connection.peer, error = %err, "connection ended with an error");
    }
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
