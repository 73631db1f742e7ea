//! What the proxy, the admin API and discovery share: the published routing table and the
//! counters around it. Readers never lock: the table is swapped whole with `ArcSwap`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use crate::discovery::DiscoveryStatus;
use crate::routing::{RoutingTable, ServiceReport};
use crate::stats::{RouteStats, StatsRegistry};

pub struct SharedState {
    pub table: ArcSwap<RoutingTable>,
    /// Per-service view for operators; updated on every snapshot change.
    pub services: ArcSwap<Vec<ServiceReport>>,
    pub stats: StatsRegistry,
    pub discovery: watch::Receiver<DiscoveryStatus>,
    /// Bumped with the table's generation, for anyone waiting for a change.
    pub table_changes: watch::Sender<u64>,
    /// True once a table built from a complete listing has been published.
    pub ready: watch::Sender<bool>,
    pub connections: ConnectionCounters,
    /// Requests no route matched (answered 404).
    pub unmatched: RouteStats,
    /// Connections opened to backends, by every worker (requests minus these were reused).
    pub upstream_connections: Arc<AtomicU64>,
    pub started: SystemTime,
}

#[derive(Debug, Default)]
pub struct ConnectionCounters {
    pub open: AtomicU64,
    pub accepted: AtomicU64,
    pub requests: RequestCounter,
}

/// Requests received, counted per worker: the request path never writes a cache line another
/// worker writes too. Read by summing.
#[derive(Debug, Default)]
pub struct RequestCounter {
    slots: [Slot; 16],
}

#[derive(Debug, Default)]
#[repr(align(64))]
struct Slot(AtomicU64);

impl RequestCounter {
    pub fn add(&self, worker: usize) {
        self.slots[worker % self.slots.len()]
            .0
            .fetch_add(1, Ordering::Relaxed);
    }

    pub fn total(&self) -> u64 {
        self.slots
            .iter()
            .map(|slot| slot.0.load(Ordering::Relaxed))
            .sum()
    }
}

impl SharedState {
    pub fn new(discovery: watch::Receiver<DiscoveryStatus>) -> Arc<Self> {
        Arc::new(SharedState {
            table: ArcSwap::from_pointee(RoutingTable::empty()),
            services: ArcSwap::from_pointee(Vec::new()),
            stats: StatsRegistry::default(),
            discovery,
            table_changes: watch::Sender::new(0),
            ready: watch::Sender::new(false),
            connections: ConnectionCounters::default(),
            unmatched: RouteStats::default(),
            upstream_connections: Arc::new(AtomicU64::new(0)),
            started: SystemTime::now(),
        })
    }
}
