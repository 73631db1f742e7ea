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

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::ProxySettings;
use super::access_log::AccessLog;
use super::forward::Upstream;
use super::handler::{Connection, Handler};
use crate::state::SharedState;

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
        Some(Protocol::TCP),
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
    for (index, listener) in listeners.into_iter().enumerate() {
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
                        upstream: Upstream::new(&settings, state.upstream_connections.clone()),
                        state,
                        settings: settings.clone(),
                        access_log,
                    });
                    if let Err(err) = serve(listener, handler, &settings, shutdown).await {
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
    shutdown: CancellationToken,
) -> io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let local = listener.local_addr()?;
    let builder = connection_builder(settings);
    let graceful = GracefulShutdown::new();
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
        let _ = stream.set_nodelay(true);
        let counters = &handler.state.connections;
        counters.accepted.fetch_add(1, Ordering::Relaxed);
        counters.open.fetch_add(1, Ordering::Relaxed);
        let connection = Connection { peer, local };
        let service_handler = handler.clone();
        let service = service_fn(move |request| {
            let handler = service_handler.clone();
            async move { Ok::<_, std::convert::Infallible>(handler.handle(request, connection).await) }
        });
        let served = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let served = graceful.watch(served);
        let state = handler.state.clone();
        tokio::spawn(async move {
            if let Err(err) = served.await {
                debug!(%peer, error = %err, "connection ended with an error");
            }
            state.connections.open.fetch_sub(1, Ordering::Relaxed);
        });
    }
    drop(listener);
    let open = graceful.count();
    if open > 0 {
        info!(connections = open, grace = ?settings.grace_period, "draining connections");
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(settings.grace_period) => {
            warn!("grace period over; closing the connections still open");
        }
    }
    Ok(())
}

fn connection_builder(settings: &ProxySettings) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(20))
        .max_concurrent_streams(256);
    builder
}
