//! Wiring: start discovery, the publisher, the admin listener and the proxy workers; stop them
//! in order on SIGTERM/SIGINT.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use thiserror::Error;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::{Settings, defaults};
use crate::discovery::{
    DiscoveryError, DiscoveryStatus, Providers, StateFile, SwarmProvider, file,
};
use crate::proxy::access_log::AccessLog;
use crate::proxy::server::{EntryPointListeners, ProxyTls};
use crate::state::{BoundEntryPoint, SharedState};
use crate::tls::{TlsError, TlsLayer};
use crate::{admin, certificates, proxy, publisher};

#[derive(Debug, Error)]
pub enum AppError {
    #[error("cannot listen on {address} ({what}): {source}")]
    Bind {
        what: String,
        address: SocketAddr,
        source: io::Error,
    },
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error("HTTPS: {0}")]
    Tls(#[from] TlsError),
    #[error("cannot start: {0}")]
    Start(#[from] io::Error),
}

impl AppError {
    fn bind(what: impl Into<String>, address: SocketAddr, source: io::Error) -> Self {
        AppError::Bind {
            what: what.into(),
            address,
            source,
        }
    }
}

/// Runs hawser until SIGTERM or SIGINT, then drains and returns.
pub async fn run(mut settings: Settings) -> Result<(), AppError> {
    let shutdown = CancellationToken::new();
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;

    let (providers, status) = start_providers(&settings, &shutdown)?;
    let mut tls = TlsLayer::new(&settings.tls, defaults::TLS_HANDSHAKE_TIMEOUT)?;
    let (listeners, entry_points, proxy_address) = bind_entry_points(&settings)?;
    for (position, bound) in entry_points.iter().enumerate() {
        // `:0` is a port only once bound; routes that redirect to an entry point need it.
        settings
            .routing
            .entry_points
            .set_port(position, bound.address.port());
    }
    let state = SharedState::new(
        status,
        &settings.routing,
        entry_points.clone(),
        tls.store.clone(),
        tls.stats.clone(),
    );
    let admin_listener = admin::bind(settings.admin_listen)
        .await
        .map_err(|source| AppError::bind("admin", settings.admin_listen, source))?;
    let admin_address = admin_listener.local_addr()?;
    tokio::spawn(admin::serve(
        admin_listener,
        state.clone(),
        shutdown.clone(),
    ));
    tokio::spawn(publisher::run(
        providers,
        settings.routing.clone(),
        state.clone(),
        shutdown.clone(),
    ));
    tokio::spawn(proxy::health_check::follow_tables(
        state.clone(),
        shutdown.clone(),
    ));
    tls.spawn(&shutdown);
    if let Some(manager) = tls.acme.clone() {
        let resolvers = settings.tls.resolvers.iter().map(|r| r.name.clone());
        tokio::spawn(certificates::follow_routes(
            state.clone(),
            manager,
            resolvers.collect(),
            shutdown.clone(),
        ));
    }
    wait_for_complete_table(&state, settings.poll.request_timeout).await;

    let access_log = AccessLog::start(settings.proxy.access_log);
    let grace = settings.proxy.grace_period;
    let workers = proxy::server::spawn_workers(
        listeners,
        state.clone(),
        Arc::new(settings.proxy),
        access_log,
        ProxyTls {
            acceptor: tls.acceptor.clone(),
            challenges: tls.challenges.clone(),
        },
        shutdown.clone(),
    )?;
    let listed: Vec<String> = entry_points
        .iter()
        .map(|entry_point| format!("{}={}", entry_point.name, entry_point.address))
        .collect();
    let tls_listed: Vec<&str> = entry_points
        .iter()
        .filter(|entry_point| entry_point.tls)
        .map(|entry_point| entry_point.name.as_str())
        .collect();
    info!(
        proxy = %proxy_address,
        entrypoints = listed.join(" "),
        tls_entrypoints = tls_listed.join(" "),
        admin = %admin_address,
        workers = workers.len(),
        "hawser is serving"
    );

    let signal = tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    };
    info!(
        signal,
        ?grace,
        "shutting down: no new connections, in-flight requests may finish"
    );
    shutdown.cancel();
    let joined = tokio::task::spawn_blocking(move || {
        for worker in workers {
            let _ = worker.join();
        }
    });
    let _ = joined.await;
    info!("stopped");
    Ok(())
}

/// Binds every entry point's listeners (one per worker), each resolving its own port 0 once;
/// returns them by entry point, with the addresses they are bound to and the first one's.
fn bind_entry_points(
    settings: &Settings,
) -> Result<(EntryPointListeners, Vec<BoundEntryPoint>, SocketAddr), AppError> {
    let mut listeners = Vec::with_capacity(settings.proxy.entry_points.len());
    let mut bound = Vec::with_capacity(settings.proxy.entry_points.len());
    for (position, entry_point) in settings.proxy.entry_points.iter().enumerate() {
        let what = || format!("entry point {}", entry_point.name);
        let these = proxy::server::bind(entry_point.address, settings.proxy.workers)
            .map_err(|source| AppError::bind(what(), entry_point.address, source))?;
        let address = these[0]
            .local_addr()
            .map_err(|source| AppError::bind(what(), entry_point.address, source))?;
        let routing = &settings.routing.entry_points;
        let redirect = entry_point.redirect.and_then(|target| {
            let target = settings.proxy.entry_points.get(target)?;
            Some(target.name.clone())
        });
        bound.push(BoundEntryPoint {
            name: entry_point.name.clone(),
            address,
            is_default: routing.is_default(position),
            tls: entry_point.tls,
            redirect,
            cert_resolver: routing
                .tls(position)
                .and_then(|tls| tls.cert_resolver.clone()),
        });
        listeners.push(these);
    }
    let Some(first) = bound.first().map(|entry_point| entry_point.address) else {
        return Err(AppError::Start(io::Error::other(
            "no entry point to listen on",
        )));
    };
    Ok((listeners, bound, first))
}

/// Starts each configured provider on a channel of its own; returns them for the publisher
/// to merge, and the swarm provider's status for the admin API.
fn start_providers(
    settings: &Settings,
    shutdown: &CancellationToken,
) -> Result<(Providers, watch::Receiver<DiscoveryStatus>), AppError> {
    let mut providers = Providers::default();
    if let Some(path) = &settings.file {
        let initial = file::load(path)?;
        info!(path = %path.display(), services = initial.len(), "static routes loaded");
        tokio::spawn(file::watch_file(
            path.clone(),
            settings.file_poll_interval,
            initial,
            providers.register(),
            shutdown.clone(),
        ));
    }
    let status = watch::Sender::new(DiscoveryStatus {
        provider: if settings.docker.is_some() {
            "docker"
        } else {
            "none"
        },
        ..DiscoveryStatus::default()
    });
    let receiver = status.subscribe();
    if let Some(endpoint) = settings.docker.clone() {
        let mut swarm = SwarmProvider::new(
            endpoint,
            settings.poll.clone(),
            providers.register(),
            status,
        );
        if let Some(path) = &settings.state_file {
            swarm = swarm.with_state_file(StateFile::new(path.clone()));
        }
        tokio::spawn(swarm.run(shutdown.clone()));
    }
    Ok((providers, receiver))
}

/// Connections queue in the listen backlog until the first complete table is out, so a
/// restarted hawser answers with routes instead of 404s.
async fn wait_for_complete_table(state: &SharedState, patience: std::time::Duration) {
    let mut notices = state.published.subscribe();
    let complete = tokio::time::timeout(patience, notices.wait_for(|notice| notice.complete));
    if complete.await.is_err() {
        warn!(
            "no complete routing table yet (is the Docker API reachable?); serving what is known"
        );
    }
}
