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

use crate::config::Settings;
use crate::discovery::{DiscoveryError, DiscoveryStatus, Providers, SwarmProvider, file};
use crate::proxy::access_log::AccessLog;
use crate::state::SharedState;
use crate::{admin, proxy, publisher};

#[derive(Debug, Error)]
pub enum AppError {
    #[error("cannot listen on {address} ({what}): {source}")]
    Bind {
        what: &'static str,
        address: SocketAddr,
        source: io::Error,
    },
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error("cannot start: {0}")]
    Start(#[from] io::Error),
}

impl AppError {
    fn bind(what: &'static str, address: SocketAddr, source: io::Error) -> Self {
        AppError::Bind {
            what,
            address,
            source,
        }
    }
}

/// Runs hawser until SIGTERM or SIGINT, then drains and returns.
pub async fn run(settings: Settings) -> Result<(), AppError> {
    let shutdown = CancellationToken::new();
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;

    let (providers, status) = start_providers(&settings, &shutdown)?;
    let state = SharedState::new(status, &settings.routing);
    let listeners = proxy::server::bind(settings.proxy.listen, settings.proxy.workers)
        .map_err(|source| AppError::bind("proxy", settings.proxy.listen, source))?;
    let proxy_address = listeners[0].local_addr()?;
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
    wait_for_complete_table(&state, settings.poll.request_timeout).await;

    let access_log = AccessLog::start(settings.proxy.access_log);
    let grace = settings.proxy.grace_period;
    let workers = proxy::server::spawn_workers(
        listeners,
        state.clone(),
        Arc::new(settings.proxy),
        access_log,
        shutdown.clone(),
    )?;
    info!(proxy = %proxy_address, admin = %admin_address, workers = workers.len(), "hawser is serving");

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
        let swarm = SwarmProvider::new(
            endpoint,
            settings.poll.clone(),
            providers.register(),
            status,
        );
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
