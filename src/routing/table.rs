//! The immutable routing table the proxy reads: routes in priority order, their backend pools,
//! the lookup index, and the spec it was built from.
//!
//! A table is never modified. Discovery builds a new one and publishes it atomically; requests
//! in flight keep the table they started with.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use http::HeaderValue;
use http::uri::Authority;

use super::balance::Schedule;
use super::compile::{BackendDef, RouteDef, RoutingSpec};
use super::index::RouteIndex;
use super::rule::RequestView;
use crate::stats::{BackendStats, RouteStats, StatsRegistry};

#[derive(Debug)]
pub struct RoutingTable {
    /// Increases by one with every published change.
    pub generation: u64,
    pub built_at: SystemTime,
    pub spec: RoutingSpec,
    routes: Vec<Arc<Route>>,
    index: RouteIndex,
}

/// A route as the proxy uses it.
#[derive(Debug)]
pub struct Route {
    pub def: RouteDef,
    pub pool: Arc<BackendPool>,
    pub stats: Arc<RouteStats>,
}

/// The backends of one pool and the order they are picked in.
#[derive(Debug)]
pub struct BackendPool {
    pub name: String,
    pub backends: Vec<Backend>,
    schedule: Schedule,
}

#[derive(Debug)]
pub struct Backend {
    pub def: BackendDef,
    /// `ip:port`, for logs and the access log.
    pub authority: Authority,
    /// The same, as the `Host` header for routes that do not pass the client's on.
    pub host_header: HeaderValue,
    pub stats: Arc<BackendStats>,
}

impl RoutingTable {
    /// A table that routes nothing: what the proxy serves before discovery first succeeds.
    pub fn empty() -> Self {
        RoutingTable::build(RoutingSpec::default(), 0, &StatsRegistry::default())
    }

    pub fn build(spec: RoutingSpec, generation: u64, stats: &StatsRegistry) -> Self {
        let pools: HashMap<&str, Arc<BackendPool>> = spec
            .pools
            .iter()
            .map(|(name, backends)| {
                let pool = BackendPool::new(name, backends, stats);
                (name.as_str(), Arc::new(pool))
            })
            .collect();
        let mut index = RouteIndex::default();
        let mut routes = Vec::with_capacity(spec.routes.len());
        for (rank, def) in spec.routes.iter().enumerate() {
            let rank = u32::try_from(rank).unwrap_or(u32::MAX);
            index.insert(
                rank,
                def.rule.expr.required_hosts(),
                def.rule.expr.required_path_prefixes(),
            );
            let pool = pools
                .get(def.pool.as_str())
                .cloned()
                .unwrap_or_else(|| Arc::new(BackendPool::new(&def.pool, &[], stats)));
            routes.push(Arc::new(Route {
                def: def.clone(),
                pool,
                stats: stats.route(&def.name),
            }));
        }
        RoutingTable {
            generation,
            built_at: SystemTime::now(),
            spec,
            routes,
            index,
        }
    }

    /// The highest-priority route matching the request.
    pub fn lookup(&self, request: &RequestView<'_>) -> Option<&Arc<Route>> {
        let rank = self.index.find(request, |rank| {
            self.routes[rank as usize].def.rule.matches(request)
        })?;
        self.routes.get(rank as usize)
    }

    /// Routes in priority order.
    pub fn routes(&self) -> &[Arc<Route>] {
        &self.routes
    }
}

impl BackendPool {
    fn new(name: &str, backends: &[BackendDef], stats: &StatsRegistry) -> Self {
        let weights: Vec<u32> = backends.iter().map(|backend| backend.weight).collect();
        BackendPool {
            name: name.to_owned(),
            backends: backends
                .iter()
                .map(|def| Backend {
                    authority: authority_of(def.address),
                    host_header: HeaderValue::from_str(&def.address.to_string())
                        .unwrap_or_else(|_| HeaderValue::from_static("invalid.invalid")),
                    stats: stats.backend(&backend_key(def)),
                    def: def.clone(),
                })
                .collect(),
            schedule: Schedule::new(&weights),
        }
    }

    /// The next backend in round-robin order, with its position for retries.
    pub fn pick(&self) -> Option<(usize, &Backend)> {
        let position = self.schedule.next()?;
        Some((position, &self.backends[position]))
    }

    /// The next backend not tried yet by this request.
    pub fn pick_untried(&self, tried: &[usize]) -> Option<(usize, &Backend)> {
        let position = self.schedule.next_untried(tried)?;
        Some((position, &self.backends[position]))
    }

    pub fn is_empty(&self) -> bool {
        self.schedule.is_empty()
    }
}

/// Stats follow the task (or static address) across tables.
fn backend_key(def: &BackendDef) -> String {
    match &def.task_id {
        Some(task) => format!("{task}@{}", def.address),
        None => format!("{}@{}", def.service, def.address),
    }
}

fn authority_of(address: SocketAddr) -> Authority {
    // A socket address always formats as a valid authority (`1.2.3.4:80`, `[::1]:80`).
    Authority::try_from(address.to_string())
        .unwrap_or_else(|_| Authority::from_static("invalid.invalid"))
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
