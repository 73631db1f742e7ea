//! The routing spec: plain data that decides where requests go, what the dialect readers
//! produce and the routing table is built from. Two equal specs route identically, so the
//! publisher compares them to decide whether anything changed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use super::dialect::Dialect;
use super::entry_points::EntryPoints;
use super::load_balancer::BalancerSettings;
use super::middleware::MiddlewareDef;
use super::report::ServiceReport;
use super::rule::Rule;
use super::tls::RouteTls;

/// Everything that decides where requests go.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutingSpec {
    /// Highest priority first: the order rules are tried in.
    pub routes: Vec<RouteDef>,
    /// Balancers (named sets of backends) by name; routes refer to them by name.
    pub balancers: BTreeMap<String, BalancerDef>,
    pub skipped: Vec<SkippedService>,
    pub warnings: Vec<ServiceWarning>,
    /// Passive health: how long a backend that got no response is passed over.
    pub failure_cooldown: Duration,
    /// What the routes' entry points refer to (positions are what the table indexes by).
    pub entry_points: EntryPoints,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteDef {
    /// Unique: the service name or `service/segment` (v1), `router@swarm` (v2/v3 labels), or
    /// `name@file`.
    pub name: String,
    /// The service that defines the route: the Swarm service whose labels do (the first by
    /// name when several define it alike), or the file provider's.
    pub service: String,
    pub rule_text: String,
    pub rule: Rule,
    pub priority: u32,
    pub pass_host_header: bool,
    pub balancer: String,
    /// Run in this order around forwarding (chains already flattened).
    pub middlewares: Vec<MiddlewareDef>,
    /// The label dialect the route was read from.
    pub dialect: Dialect,
    /// The entry points the route is served on, by name, as its labels say; empty means the
    /// default ones. Once compiled: the configured ones it is served on, never empty.
    pub entry_points: Vec<String>,
    /// Set when the route is for TLS connections only.
    pub tls: Option<RouteTls>,
}

/// A named set of backends and how they are spoken to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BalancerDef {
    pub backends: Vec<BackendDef>,
    #[serde(flatten)]
    pub settings: BalancerSettings,
}

impl BalancerDef {
    /// Backends with the default settings (plain HTTP, no stickiness, no health checks).
    pub fn plain(backends: Vec<BackendDef>) -> Self {
        BalancerDef {
            backends,
            settings: BalancerSettings::default(),
        }
    }
}

/// One address requests can be sent to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackendDef {
    /// `None` for static backends and for a Swarm service's virtual IP.
    pub task_id: Option<String>,
    pub service: String,
    pub slot: Option<u64>,
    pub node_id: Option<String>,
    pub node: Option<String>,
    pub address: SocketAddr,
    pub weight: u32,
}

/// A service, or one router of it, that gets no route, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedService {
    pub service: String,
    /// The router skipped (`name@swarm`) when the rest of the service is routed; `None` when
    /// the whole service is skipped.
    pub router: Option<String>,
    pub reason: String,
    /// Disabled on purpose (`enable=false`): reported, but not a problem.
    pub intentional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceWarning {
    pub service: String,
    pub message: String,
}

/// The routing spec and the per-service view operators look at.
#[derive(Clone, Debug, Default)]
pub struct Compiled {
    pub spec: RoutingSpec,
    pub services: Vec<ServiceReport>,
}

impl RoutingSpec {
    /// How many backends all balancers have together.
    pub fn backend_count(&self) -> usize {
        self.balancers
            .values()
            .map(|balancer| balancer.backends.len())
            .sum()
    }
}
