//! What the proxy workers, the admin API and the publisher share. Each part has one writer
//! and knows its own rules: [`Published`] the routing state, [`Traffic`] the totals, and
//! discovery's status arrives on its own channel.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::watch;

use crate::discovery::DiscoveryStatus;
use crate::published::Published;
use crate::routing::RoutingSettings;
use crate::stats::Traffic;

pub struct SharedState {
    /// The routing table and services view; written only by the publisher.
    pub published: Published,
    pub traffic: Arc<Traffic>,
    pub discovery: watch::Receiver<DiscoveryStatus>,
    pub started: SystemTime,
    /// The proxy's entry points as bound, in configured order (a request's entry point is a
    /// position in this list).
    pub entry_points: Vec<BoundEntryPoint>,
}

/// An entry point and the address its listeners are bound to (port 0 resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundEntryPoint {
    pub name: String,
    pub address: SocketAddr,
    /// Routes that name no entry point are served here.
    pub is_default: bool,
}

impl SharedState {
    pub fn new(
        discovery: watch::Receiver<DiscoveryStatus>,
        routing: &RoutingSettings,
        entry_points: Vec<BoundEntryPoint>,
    ) -> Arc<Self> {
        Arc::new(SharedState {
            published: Published::new(routing),
            traffic: Arc::new(Traffic::new(entry_points.len())),
            discovery,
            started: SystemTime::now(),
            entry_points,
        })
    }
}
