//! What the proxy workers, the admin API and the publisher share. Each part has one writer
//! and knows its own rules: [`Published`] the routing state, [`Traffic`] the totals, the
//! [`CertificateStore`] the certificates, and discovery's status arrives on its own channel.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::watch;

use crate::discovery::DiscoveryStatus;
use crate::published::Published;
use crate::routing::RoutingSettings;
use crate::stats::Traffic;
use crate::tls::{CertificateStore, TlsStats};

pub struct SharedState {
    /// The routing table and services view; written only by the publisher.
    pub published: Published,
    pub traffic: Arc<Traffic>,
    pub discovery: watch::Receiver<DiscoveryStatus>,
    pub started: SystemTime,
    /// The proxy's entry points as bound, in configured order (a request's entry point is a
    /// position in this list).
    pub entry_points: Vec<BoundEntryPoint>,
    /// Every certificate served, and those being ordered; written by the TLS layer.
    pub certificates: Arc<CertificateStore>,
    /// Handshakes and ACME orders, counted by the TLS layer.
    pub tls_stats: Arc<TlsStats>,
}

/// An entry point and the address its listeners are bound to (port 0 resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundEntryPoint {
    pub name: String,
    pub address: SocketAddr,
    /// Routes that name no entry point are served here.
    pub is_default: bool,
    pub tls: bool,
    /// The entry point every request here is redirected to.
    pub redirect: Option<String>,
    /// The resolver of the routes served here that name none.
    pub cert_resolver: Option<String>,
}

impl SharedState {
    pub fn new(
        discovery: watch::Receiver<DiscoveryStatus>,
        routing: &RoutingSettings,
        entry_points: Vec<BoundEntryPoint>,
        certificates: Arc<CertificateStore>,
        tls_stats: Arc<TlsStats>,
    ) -> Arc<Self> {
        Arc::new(SharedState {
            published: Published::new(routing),
            traffic: Arc::new(Traffic::new(entry_points.len())),
            discovery,
            started: SystemTime::now(),
            entry_points,
            certificates,
            tls_stats,
        })
    }
}
