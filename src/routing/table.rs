//! The immutable routing table the proxy reads: routes in priority order, the balancers they
//! send to, one lookup index per entry point, and the spec it was built from.
//!
//! A table is never modified. The publisher builds a new one from a new spec and publishes it
//! whole (see [`crate::published`]); requests in flight keep the table they started with.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::uri::Authority;
use http::{HeaderMap, HeaderValue};

use super::balance::Schedule;
use super::index::RouteIndex;
use super::load_balancer::BalancerSettings;
use super::rule::RequestView;
use super::spec::{BackendDef, RouteDef, RoutingSpec};
use super::sticky::Sticky;
use crate::stats::{BackendStats, RouteStats, StatsRegistry};

#[derive(Debug)]
pub struct RoutingTable {
    /// Increases by one with every published change.
    pub generation: u64,
    pub built_at: SystemTime,
    pub spec: RoutingSpec,
    routes: Vec<Arc<Route>>,
    /// Every balancer of the spec, by name.
    balancers: Vec<Arc<Balancer>>,
    /// By entry point position (see [`EntryPoints`](super::entry_points::EntryPoints)): the
    /// routes served there.
    indexes: Vec<RouteIndex>,
}

/// A route as the proxy uses it.
#[derive(Debug)]
pub struct Route {
    pub def: RouteDef,
    pub balancer: Arc<Balancer>,
    /// The other balancers its middlewares send to (an `errors` page service), by name.
    services: Vec<(String, Arc<Balancer>)>,
    pub stats: Arc<RouteStats>,
}

/// A named set of backends (a Traefik "backend" or load-balanced service) and the order they
/// are picked in.
#[derive(Debug)]
pub struct Balancer {
    pub name: String,
    pub backends: Vec<Backend>,
    /// Scheme, sticky cookie and health check the proxy applies.
    pub settings: BalancerSettings,
    /// Set when `settings` asks for a sticky cookie.
    pub sticky: Option<Sticky>,
    schedule: Schedule,
    failure_cooldown: Duration,
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
    pub fn build(spec: RoutingSpec, generation: u64, stats: &StatsRegistry) -> Self {
        let balancers: HashMap<&str, Arc<Balancer>> = spec
            .balancers
            .iter()
            .map(|(name, def)| {
                let mut balancer = Balancer::new(name, &def.backends, spec.failure_cooldown, stats);
                balancer.settings = def.settings.clone();
                balancer.sticky = def.settings.sticky.as_ref().map(|cookie| {
                    let addresses: Vec<SocketAddr> =
                        def.backends.iter().map(|backend| backend.address).collect();
                    Sticky::new(cookie, name, def.settings.scheme, &addresses)
                });
                (name.as_str(), Arc::new(balancer))
            })
            .collect();
        let mut indexes: Vec<RouteIndex> = (0..spec.entry_points.len())
            .map(|_| RouteIndex::default())
            .collect();
        let mut routes = Vec::with_capacity(spec.routes.len());
        for (rank, def) in spec.routes.iter().enumerate() {
            let rank = u32::try_from(rank).unwrap_or(u32::MAX);
            let hosts = def.rule.expr.required_hosts();
            let prefixes = def.rule.expr.required_path_prefixes();
            // Compiling left a TLS route only TLS entry points; a spec built otherwise gets
            // the same rule here.
            let served = spec
                .entry_points
                .resolve(&def.entry_points)
                .known
                .into_iter()
                .filter(|&position| def.tls.is_none() || spec.entry_points.is_tls(position));
            for position in served {
                if let Some(index) = indexes.get_mut(position) {
                    index.insert(rank, hosts.clone(), prefixes.clone());
                }
            }
            let balancer = balancers
                .get(def.balancer.as_str())
                .cloned()
                .unwrap_or_else(|| {
                    let empty = Balancer::new(&def.balancer, &[], spec.failure_cooldown, stats);
                    Arc::new(empty)
                });
            let services = def
                .middlewares
                .iter()
                .flat_map(|def| def.middleware.services())
                .filter_map(|name| {
                    let balancer = balancers.get(name)?;
                    Some((name.to_owned(), balancer.clone()))
                })
                .collect();
            routes.push(Arc::new(Route {
                def: def.clone(),
                balancer,
                services,
                stats: stats.route(&def.name),
            }));
        }
        let mut balancers: Vec<Arc<Balancer>> = balancers.into_values().collect();
        balancers.sort_by(|a, b| a.name.cmp(&b.name));
        RoutingTable {
            generation,
            built_at: SystemTime::now(),
            spec,
            routes,
            balancers,
            indexes,
        }
    }

    /// The highest-priority route served on the entry point (its position in the configured
    /// list) that matches the request; none for an entry point that is not configured.
    pub fn lookup(&self, entry_point: usize, request: &RequestView<'_>) -> Option<&Arc<Route>> {
        let index = self.indexes.get(entry_point)?;
        let rank = index.find(request, |rank| {
            self.routes[rank as usize].def.rule.matches(request)
        })?;
        self.routes.get(rank as usize)
    }

    /// Routes in priority order.
    pub fn routes(&self) -> &[Arc<Route>] {
        &self.routes
    }

    /// Every balancer of the spec, by name.
    pub fn balancers(&self) -> &[Arc<Balancer>] {
        &self.balancers
    }

    pub fn balancer(&self, name: &str) -> Option<Arc<Balancer>> {
        let found = self
            .balancers
            .binary_search_by(|b| b.name.as_str().cmp(name));
        found.ok().map(|position| self.balancers[position].clone())
    }
}

impl Route {
    /// A balancer one of its middlewares sends to, from the table the route belongs to.
    pub fn service(&self, name: &str) -> Option<&Arc<Balancer>> {
        self.services
            .iter()
            .find(|(service, _)| service == name)
            .map(|(_, balancer)| balancer)
    }
}

impl Balancer {
    fn new(
        name: &str,
        backends: &[BackendDef],
        failure_cooldown: Duration,
        stats: &StatsRegistry,
    ) -> Self {
        let weights: Vec<u32> = backends.iter().map(|backend| backend.weight).collect();
        Balancer {
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
            settings: BalancerSettings::default(),
            sticky: None,
            failure_cooldown,
        }
    }

    /// The next backend in round-robin order, with its position for retries. A backend resting
    /// after a failure is passed over, unless every backend is.
    /// A backend failing its active health check is never picked: with all of them failing,
    /// there is none (Traefik's 503).
    pub fn pick(&self) -> Option<(usize, &Backend)> {
        let position = if self.settings.health_check.is_some() {
            self.schedule
                .next_where(|member| !self.is_unhealthy(member) && !self.is_resting(member))
                .or_else(|| {
                    self.schedule
                        .next_where(|member| !self.is_unhealthy(member))
                })?
        } else {
            self.schedule
                .next_where(|member| !self.is_resting(member))
                .or_else(|| self.schedule.next())?
        };
        Some((position, &self.backends[position]))
    }

    /// The next backend this request has not tried yet, preferring one that is not resting;
    /// never one failing its health check.
    pub fn pick_untried(&self, tried: &[usize]) -> Option<(usize, &Backend)> {
        let untried = |member: usize| !tried.contains(&member) && !self.is_unhealthy(member);
        let position = self
            .schedule
            .next_where(|member| untried(member) && !self.is_resting(member))
            .or_else(|| self.schedule.next_where(untried))?;
        Some((position, &self.backends[position]))
    }

    /// Whether the balancer checks its backends and the one at `position` failed its last
    /// check.
    pub fn is_unhealthy(&self, position: usize) -> bool {
        self.settings.health_check.is_some() && self.backends[position].stats.health.is_down()
    }

    /// The backend position the request's sticky cookie names, if the balancer has one.
    pub fn sticky_presented(&self, headers: &HeaderMap) -> Option<usize> {
        self.sticky.as_ref()?.presented(headers)
    }

    /// The backend a sticky cookie named, while it is usable: in rotation and not resting.
    /// `None` sends the request through [`Balancer::pick`], and the cookie is set anew.
    pub fn sticky_pick(&self, presented: Option<usize>) -> Option<(usize, &Backend)> {
        let position = presented?;
        let backend = self.backends.get(position)?;
        let usable = !self.is_resting(position) && !self.is_unhealthy(position);
        (backend.def.weight > 0 && usable).then_some((position, backend))
    }

    /// The `Set-Cookie` value for a response from the backend at `position`, unless the
    /// request's cookie named that backend already.
    pub fn sticky_cookie(&self, presented: Option<usize>, position: usize) -> Option<HeaderValue> {
        match presented {
            Some(presented) if presented == position => None,
            _ => self.sticky.as_ref()?.set_cookie(position),
        }
    }

    /// Whether the backend at `position` got no response less than the cooldown ago (passive
    /// health; see [`BackendStats::is_resting`]).
    pub fn is_resting(&self, position: usize) -> bool {
        self.backends[position]
            .stats
            .is_resting(self.failure_cooldown)
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
