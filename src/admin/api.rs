//! JSON views of the published state. Field names are snake_case and stable: scripts and the
//! dashboard depend on them.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::{AdminResponse, json};
use crate::routing::compile::{ServiceWarning, SkippedService};
use crate::routing::dialect::Dialect;
use crate::routing::load_balancer::BalancerSettings;
use crate::routing::tls::RouteTls;
use crate::routing::{Backend, Balancer, RoutingTable};
use crate::state::SharedState;

#[derive(Serialize)]
struct RoutesView<'a> {
    generation: u64,
    updated_at: u64,
    routes: Vec<RouteView<'a>>,
    skipped: &'a [SkippedService],
    warnings: &'a [ServiceWarning],
}

#[derive(Serialize)]
struct RouteView<'a> {
    name: &'a str,
    service: &'a str,
    rule: &'a str,
    priority: u32,
    pass_host_header: bool,
    /// Where the route is served: the names of the entry points.
    entry_points: &'a [String],
    /// The middlewares run around forwarding, outermost first.
    middlewares: Vec<MiddlewareView<'a>>,
    backend: &'a str,
    backends: Vec<BackendView<'a>>,
    requests: u64,
    responses: StatusClasses,
    /// `v1` or `v3`: the label dialect the route was read from.
    dialect: Dialect,
    /// Set for routes that are for TLS connections only.
    tls: Option<&'a RouteTls>,
    /// The balancer's scheme, sticky cookie and health check.
    load_balancer: &'a BalancerSettings,
}

#[derive(Serialize)]
struct MiddlewareView<'a> {
    name: &'a str,
    /// Traefik's name for its type: `basicAuth`, `stripPrefix`...
    kind: &'static str,
}

#[derive(Serialize)]
struct BackendView<'a> {
    task_id: Option<&'a str>,
    service: &'a str,
    slot: Option<u64>,
    node_id: Option<&'a str>,
    node: Option<&'a str>,
    address: SocketAddr,
    weight: u32,
    /// False when the last attempt got no response (passive health).
    up: bool,
    /// Passed over by selection after a failure that cost time.
    resting: bool,
    requests: u64,
    failures: u64,
    server_errors: u64,
    latency_ms: Option<f64>,
    /// Set when the balancer has an active health check.
    health: Option<HealthView>,
}

/// What the balancer's active health check last found for a backend.
#[derive(Serialize)]
struct HealthView {
    /// `up` (in rotation, including before the first check) or `down`.
    status: &'static str,
    /// Why the last check failed, while it is down.
    reason: Option<String>,
    checks: u64,
    failed_checks: u64,
}

#[derive(Serialize)]
struct StatusClasses {
    #[serde(rename = "1xx")]
    informational: u64,
    #[serde(rename = "2xx")]
    success: u64,
    #[serde(rename = "3xx")]
    redirection: u64,
    #[serde(rename = "4xx")]
    client_error: u64,
    #[serde(rename = "5xx")]
    server_error: u64,
}

#[derive(Serialize)]
struct BalancerView<'a> {
    name: &'a str,
    backends: Vec<BackendView<'a>>,
    #[serde(flatten)]
    settings: &'a BalancerSettings,
}

/// Every route in priority order with its backends, plus skipped services and warnings.
pub fn routes(state: &SharedState) -> AdminResponse {
    let table = state.published.table();
    let routes = table
        .routes()
        .iter()
        .map(|route| {
            let load = |index: usize| route.stats.responses[index].load(Ordering::Relaxed);
            RouteView {
                name: &route.def.name,
                service: &route.def.service,
                rule: &route.def.rule_text,
                priority: route.def.priority,
                pass_host_header: route.def.pass_host_header,
                entry_points: &route.def.entry_points,
                middlewares: route
                    .def
                    .middlewares
                    .iter()
                    .map(|def| MiddlewareView {
                        name: &def.name,
                        kind: def.middleware.kind(),
                    })
                    .collect(),
                backend: &route.balancer.name,
                backends: backend_views(&route.balancer),
                requests: route.stats.total(),
                responses: StatusClasses {
                    informational: load(0),
                    success: load(1),
                    redirection: load(2),
                    client_error: load(3),
                    server_error: load(4),
                },
                dialect: route.def.dialect,
                tls: route.def.tls.as_ref(),
                load_balancer: &route.balancer.settings,
            }
        })
        .collect();
    json(&RoutesView {
        generation: table.generation,
        updated_at: millis(table.built_at),
        routes,
        skipped: &table.spec.skipped,
        warnings: &table.spec.warnings,
    })
}

/// Every service hawser saw, routed or not, with its tasks.
pub fn services(state: &SharedState) -> AdminResponse {
    json(&*state.published.services())
}

/// Balancers and each backend's counters.
pub fn backends(state: &SharedState) -> AdminResponse {
    let table = state.published.table();
    json(&balancers(&table))
}

fn balancers(table: &RoutingTable) -> Vec<BalancerView<'_>> {
    let mut balancers = std::collections::BTreeMap::new();
    for route in table.routes() {
        balancers
            .entry(route.balancer.name.as_str())
            .or_insert(&route.balancer);
    }
    balancers
        .into_iter()
        .map(|(name, balancer)| BalancerView {
            name,
            backends: backend_views(balancer),
            settings: &balancer.settings,
        })
        .collect()
}

fn backend_views(balancer: &Balancer) -> Vec<BackendView<'_>> {
    balancer
        .backends
        .iter()
        .enumerate()
        .map(|(position, backend)| {
            let checked = balancer.settings.health_check.is_some();
            backend_view(backend, balancer.is_resting(position), checked)
        })
        .collect()
}

fn backend_view(backend: &Backend, resting: bool, checked: bool) -> BackendView<'_> {
    let def = &backend.def;
    let stats = &backend.stats;
    let latency = stats.latency_ewma_micros.load(Ordering::Relaxed);
    BackendView {
        task_id: def.task_id.as_deref(),
        service: &def.service,
        slot: def.slot,
        node_id: def.node_id.as_deref(),
        node: def.node.as_deref(),
        address: def.address,
        weight: def.weight,
        up: stats.is_up(),
        resting,
        requests: stats.requests.load(Ordering::Relaxed),
        failures: stats.failures.load(Ordering::Relaxed),
        server_errors: stats.server_errors.load(Ordering::Relaxed),
        latency_ms: (latency > 0).then(|| latency as f64 / 1000.0),
        health: checked.then(|| HealthView {
            status: if stats.health.is_down() { "down" } else { "up" },
            reason: stats.health.reason(),
            checks: stats.health.checks(),
            failed_checks: stats.health.failed_checks(),
        }),
    }
}

/// Discovery's state: reachable, versions, last refresh and change.
pub fn discovery(state: &SharedState) -> AdminResponse {
    json(&*state.discovery.borrow())
}

#[derive(Serialize)]
struct OverviewView {
    version: &'static str,
    started_at: u64,
    now: u64,
    generation: u64,
    table_updated_at: u64,
    routes: usize,
    backends: usize,
    skipped: usize,
    requests: u64,
    responses: StatusClasses,
    connections_open: u64,
    connections_accepted: u64,
}

/// Totals for the dashboard's header: counters only; rates are the reader's to compute.
pub fn overview(state: &SharedState) -> AdminResponse {
    let table = state.published.table();
    let mut classes = [0u64; 5];
    let all_stats = table.routes().iter().map(|route| &*route.stats);
    for stats in all_stats.chain([&state.traffic.unmatched]) {
        for (total, count) in classes.iter_mut().zip(&stats.responses) {
            *total += count.load(Ordering::Relaxed);
        }
    }
    let traffic = &state.traffic;
    json(&OverviewView {
        version: env!("CARGO_PKG_VERSION"),
        started_at: millis(state.started),
        now: millis(SystemTime::now()),
        generation: table.generation,
        table_updated_at: millis(table.built_at),
        routes: table.routes().len(),
        backends: table.spec.backend_count(),
        skipped: table.spec.skipped.len(),
        requests: traffic.requests.total(),
        responses: StatusClasses {
            informational: classes[0],
            success: classes[1],
            redirection: classes[2],
            client_error: classes[3],
            server_error: classes[4],
        },
        connections_open: traffic.connections_open.load(Ordering::Relaxed),
        connections_accepted: traffic.connections_accepted.load(Ordering::Relaxed),
    })
}

#[derive(Serialize)]
struct EntryPointView<'a> {
    name: &'a str,
    /// As bound: a configured port 0 shows the port the kernel chose.
    address: SocketAddr,
    is_default: bool,
    tls: bool,
    /// Where every request is redirected (HTTPS on that entry point).
    redirect: Option<&'a str>,
    cert_resolver: Option<&'a str>,
    /// Routes served here, in the current table.
    routes: usize,
    requests: u64,
}

/// The proxy's entry points, in configured order.
pub fn entry_points(state: &SharedState) -> AdminResponse {
    let table = state.published.table();
    let views: Vec<EntryPointView<'_>> = state
        .entry_points
        .iter()
        .enumerate()
        .map(|(position, entry_point)| EntryPointView {
            name: &entry_point.name,
            address: entry_point.address,
            is_default: entry_point.is_default,
            tls: entry_point.tls,
            redirect: entry_point.redirect.as_deref(),
            cert_resolver: entry_point.cert_resolver.as_deref(),
            routes: table
                .routes()
                .iter()
                .filter(|route| route.def.entry_points.contains(&entry_point.name))
                .count(),
            requests: state.traffic.requests.of(position),
        })
        .collect();
    json(&views)
}

/// Every certificate hawser serves or is ordering: files, ACME resolvers' and the default
/// one, each with its state (`valid`, `ordering`, `renewing`, `failed`, `expired`).
pub fn certificates(state: &SharedState) -> AdminResponse {
    json(&state.certificates.report(SystemTime::now()))
}

#[derive(Serialize)]
struct VersionView {
    name: &'static str,
    version: &'static str,
}

pub fn version() -> AdminResponse {
    json(&VersionView {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
    })
}

pub(crate) fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}
