//! Accepting connections: one single-threaded runtime per worker thread, each with its own
//! `SO_REUSEPORT` listener on every entry point and its own upstream pool, so requests never
//! hop between threads and workers share nothing but the routing table and counters.
//!
//! On a plain entry point every connection speaks HTTP/1.1 or HTTP/2 (prior knowledge),
//! decided by its first bytes; on a TLS one it goes through [`TlsAcceptor::accept`] first and
//! speaks HTTP/2 when ALPN chose `h2`, else HTTP/1.1. Either way it knows the entry point it
//! came in on, and requests go to tasks over the worker's one pool. On shutdown each worker
//! accepts what is already queued in each listener's backlog (those clients connected before
//! the signal and may have sent a request), closes its listeners, asks its connections to finish
//! (HTTP/1 keep-alive off once a first request arrived, HTTP/2 GOAWAY) and waits up to the grace
//! period for them and for WebSocket tunnels; what is still open then is closed.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

use super::ProxySettings;
use super::access_log::AccessLog;
use super::connection::{Protocols, Serving, serve_plain, serve_tls};
use super::forward::Upstream;
use super::handler::{Connection, Handler};
use super::limits::{ConnectionLimits, refuse};
use crate::state::SharedState;
use crate::tls::{Challenges, TlsAcceptor};

/// What the proxy takes from the TLS layer: the acceptor of TLS entry points and the open
/// ACME HTTP-01 challenges plain ones answer.
#[derive(Clone)]
pub struct ProxyTls {
    pub acceptor: Arc<TlsAcceptor>,
    pub challenges: Arc<Challenges>,
}

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
                    let connections = TaskTracker::new();
                    let handler = Arc::new(Handler {
                        connections: connections.clone(),
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
                        connections,
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
    connections: TaskTracker,
    shutdown: CancellationToken,
) {
    let protocols = Arc::new(Protocols::new(settings));
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
            // Returning drops the worker's runtime, and with it every connection and tunnel.
            warn!(
                connections = connections.len(),
                "grace period over; closing the connections and tunnels still open"
            );
        }
    }
}

pub(super) fn entry_point_name(settings: &ProxySettings, entry_point: usize) -> &str {
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
        match accepted {
            Ok((stream, peer)) => {
                accept_errors = 0;
                admit(&worker, stream, peer, local, entry_point, tls);
            }
            Err(err) => {
                // Out of file descriptors, or the like: back off instead of spinning.
                accept_errors += 1;
                if accept_errors == 1 {
                    let name = entry_point_name(&worker.handler.settings, entry_point);
                    warn!(entry_point = name, error = %err, "accepting connections failed; backing off");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    let queued = drain_backlog(listener, |stream, peer| {
        admit(&worker, stream, peer, local, entry_point, tls);
    });
    if queued > 0 {
        let name = entry_point_name(&worker.handler.settings, entry_point);
        info!(
            entry_point = name,
            connections = queued,
            "accepted the connections queued at shutdown"
        );
    }
}

/// Accepts, without waiting, every connection already queued on a listener, then closes it:
/// a client whose connection the kernel completed before shutdown gets an answer, not a reset.
fn drain_backlog(listener: TcpListener, mut admit: impl FnMut(TcpStream, SocketAddr)) -> usize {
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(err) => {
            warn!(error = %err, "cannot drain the listen backlog at shutdown");
            return 0;
        }
    };
    let mut queued = 0;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                let stream = stream
                    .set_nonblocking(true)
                    .and_then(|()| TcpStream::from_std(stream));
                match stream {
                    Ok(stream) => {
                        queued += 1;
                        admit(stream, peer);
                    }
                    Err(err) => debug!(%peer, error = %err, "a queued connection was lost"),
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return queued,
            Err(err) => {
                warn!(error = %err, "draining the listen backlog failed");
                return queued;
            }
        }
    }
}

/// Admits an accepted connection within the limits and serves it as one of the worker's.
fn admit(
    worker: &Accepting,
    stream: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    entry_point: usize,
    tls: bool,
) {
    let admission = match worker.limits.admit(peer.ip()) {
        Ok(admission) => admission,
        Err(refusal) => {
            debug!(%peer, ?refusal, "connection over the limit refused");
            refuse(stream);
            return;
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
            // Boxed: a TLS connection's state (rustls, and HTTP/2 more often than not) is
            // several KiB that every plain connection's task would otherwise be sized for.
            true => Box::pin(serve_tls(stream, serving, acceptor)).await,
            false => serve_plain(stream, serving).await,
        }
        drop(admission);
    });
}
