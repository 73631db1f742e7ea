//! The TLS side of a running hawser, put together from [`TlsSettings`] once at start: the
//! certificate store (with the generated or file default), the certificate files loaded and
//! then watched, the rustls configs, the acceptor every TLS entry point's connections go
//! through, and the ACME manager when resolvers are configured.
//!
//! A certificate file that cannot be used is logged and left out; the others serve. What
//! stops the start: TLS options rustls cannot honour, a client CA that does not load, an ACME
//! storage file that cannot be read.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::acme::{AcmeManager, Challenges};
use super::config::TlsConfigs;
use super::files::CertificateFileWatcher;
use super::selfsigned::default_certificate;
use super::stats::TlsStats;
use super::store::{CertificateStore, DefaultOrigin};
use super::{TlsAcceptor, TlsError, TlsSettings};

pub struct TlsLayer {
    pub store: Arc<CertificateStore>,
    pub challenges: Arc<Challenges>,
    pub stats: Arc<TlsStats>,
    pub acceptor: Arc<TlsAcceptor>,
    /// `None` without `--certresolver`.
    pub acme: Option<AcmeManager>,
    watcher: Option<(CertificateFileWatcher, Duration)>,
}

impl TlsLayer {
    /// Loads the certificate files and ACME storage and builds the configs; nothing runs yet.
    pub fn new(settings: &TlsSettings, handshake_timeout: Duration) -> Result<TlsLayer, TlsError> {
        let store = Arc::new(CertificateStore::new(
            default_certificate()?,
            DefaultOrigin::Generated,
        ));
        let files = &settings.files;
        let watcher =
            if files.pairs.is_empty() && files.directories.is_empty() && files.default.is_none() {
                None
            } else {
                let mut watcher = CertificateFileWatcher::new(files.clone(), store.clone());
                watcher.reload_if_changed();
                Some((watcher, settings.poll_interval))
            };
        let challenges = Arc::new(Challenges::default());
        let stats = Arc::new(TlsStats::default());
        let config = settings.options.server_config(store.clone())?;
        let acceptor = Arc::new(TlsAcceptor::new(
            TlsConfigs::new(config),
            challenges.clone(),
            stats.clone(),
            handshake_timeout,
        )?);
        let acme = if settings.resolvers.is_empty() {
            None
        } else {
            Some(AcmeManager::new(
                settings.resolvers.clone(),
                store.clone(),
                challenges.clone(),
                stats.clone(),
                settings.acme,
            )?)
        };
        Ok(TlsLayer {
            store,
            challenges,
            stats,
            acceptor,
            acme,
            watcher,
        })
    }

    /// Starts watching the certificate files and ordering certificates, until `shutdown`.
    /// Orders start once the manager is told what to cover ([`AcmeManager::want`]).
    pub fn spawn(&mut self, shutdown: &CancellationToken) {
        if let Some((watcher, interval)) = self.watcher.take() {
            tokio::spawn(watcher.watch(interval, shutdown.clone()));
        }
        if let Some(manager) = &self.acme {
            tokio::spawn(manager.clone().run(shutdown.clone()));
        }
    }
}
