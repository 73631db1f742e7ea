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
use crate::discovery::{ClusterSnapshot, DiscoveryError, DiscoveryStatus, DockerWatcher, file};
use crate::proxy::access_log::AccessLog;
use crate::state::SharedState;
use crate::{admin, proxy, publish};

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

/// Runs hawser until SIGTERM or SIGINT, then drains and returns.
pub async fn run(settings: Settings) -> Result<(), AppError> {
    let shutdown = CancellationToken::new();
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;

    let status = watch::Sender::new(DiscoveryStatus {
        provider: if settings.docker.is_some() {
            "docker"
        } else {
            "none"
        },
        ..DiscoveryStatus::default()
    });
    let state = SharedState::new(status.subscribe());
    let snapshots = watch::Sender::new(ClusterSnapshot {
        synced: settings.docker.is_none(),
        ..ClusterSnapshot::default()
    });
    if let Some(path) = &settings.file {
        let initial = file::load(path)?;
        info!(path = %path.display(), services = initial.len(), "static routes loaded");
        tokio::spawn(file::watch_file(
            path.clone(),
            settings.file_poll_interval,
            initial,
            snapshots.clone(),
            shutdown.clone(),
        ));
    }

    let listeners =
        proxy::server::bind(settings.proxy.listen, settings.proxy.workers).map_err(|source| {
            AppError::Bind {
                what: "proxy",
                address: settings.proxy.listen,
                source,
            }
        })?;
    let proxy_address = listeners[0].local_addr()?;
    let admin_listener =
        admin::bind(settings.admin_listen)
            .await
            .map_err(|source| AppError::Bind {
                what: "admin",
                address: settings.admin_listen,
                source,
            })?;
    let admin_address = admin_listener.local_addr()?;
    tokio::spawn(admin::serve(
        admin_listener,
        state.clone(),
        shutdown.clone(),
    ));
    tokio::spawn(publish::run(
        snapshots.subscribe(),
        settings.routing.clone(),
        state.clone(),
        shutdown.clone(),
    ));
    if let Some(endpoint) = settings.docker.clone() {
        let watcher = DockerWatcher {
            endpoint,
            settings: settings.poll.clone(),
            snapshots: snapshots.clone(),
            status,
        };
        tokio::spawn(watcher.run(shutdown.clone()));
    }

    // Connections queue in the listen backlog until the first complete table is out, so a
    // restarted hawser answers with routes instead of 404s.
    let mut ready = state.ready.subscribe();
    let startup = tokio::time::timeout(
        settings.poll.request_timeout,
        ready.wait_for(|ready| *ready),
    );
    if startup.await.is_err() {
        warn!(
            "no complete routing table yet (is the Docker API reachable?); serving what is known"
        );
    }
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

    tokio::select! {
        _ = terminate.recv() => info!(signal = "SIGTERM", ?grace, "shutting down: no new connections, in-flight requests may finish"),
        _ = interrupt.recv() => info!(signal = "SIGINT", ?grace, "shutting down: no new connections, in-flight requests may finish"),
    }
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
