//! `GET /metrics`: Prometheus (OpenMetrics text) exposition, read on each scrape from the same
//! counters the proxy increments; nothing is maintained for metrics alone.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use super::AdminResponse;
use crate::state::SharedState;
use crate::stats::{Histogram, LATENCY_BUCKETS, RouteStats};
use crate::tls::stats::{ALPNS, VERSIONS};

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The registry: hawser's build info plus a collector over the shared state.
pub struct Metrics {
    registry: Registry,
}

impl Metrics {
    pub fn new(state: Arc<SharedState>) -> Self {
        let mut registry = Registry::with_prefix("hawser");
        registry.register(
            "build",
            "hawser's version",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        registry.register_collector(Box::new(StateCollector { state }));
        Metrics { registry }
    }

    pub fn render(&self) -> AdminResponse {
        let mut text = String::new();
        if let Err(err) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            let mut response =
                Response::new(Full::new(Bytes::from(format!("encoding failed: {err}\n"))));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            return response;
        }
        let mut response = Response::new(Full::new(Bytes::from(text)));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        );
        response
    }
}

struct StateCollector {
    state: Arc<SharedState>,
}

impl std::fmt::Debug for StateCollector {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("StateCollector")
    }
}

type Labels = Vec<(&'static str, String)>;

impl Collector for StateCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let state = &self.state;
        let table = state.published.table();
        let unmatched = "(unmatched)".to_owned();
        let routes: Vec<(&String, &RouteStats)> = table
            .routes()
            .iter()
            .map(|route| (&route.def.name, &*route.stats))
            .chain([(&unmatched, &state.traffic.unmatched)])
            .collect();

        let mut requests = Vec::new();
        for (name, stats) in &routes {
            for (class, count) in CLASSES.iter().zip(&stats.responses) {
                let labels = vec![
                    ("route", (*name).clone()),
                    ("code_class", (*class).to_owned()),
                ];
                requests.push((labels, count.load(Ordering::Relaxed)));
            }
        }
        counters(
            &mut encoder,
            "requests",
            "Requests answered, by route and status class",
            &requests,
        )?;

        let by_entry_point: Vec<(Labels, u64)> = state
            .entry_points
            .iter()
            .enumerate()
            .map(|(position, entry_point)| {
                let labels = vec![("entrypoint", entry_point.name.clone())];
                (labels, state.traffic.requests.of(position))
            })
            .collect();
        counters(
            &mut encoder,
            "entrypoint_requests",
            "Requests received, by the entry point they came in on",
            &by_entry_point,
        )?;

        let mut family = encoder.encode_descriptor(
            "request_duration_seconds",
            "Time to the response headers, by route",
            None,
            MetricType::Histogram,
        )?;
        for (name, stats) in &routes {
            let labels = vec![("route", (*name).clone())];
            encode_histogram(&mut family, &labels, &stats.latency)?;
        }

        let mut up = Vec::new();
        let mut attempts = Vec::new();
        let mut failures = Vec::new();
        let mut healthy = Vec::new();
        let mut checks = Vec::new();
        let mut failed_checks = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for route in table.routes() {
            if !seen.insert(route.balancer.name.as_str()) {
                continue;
            }
            for backend in &route.balancer.backends {
                let labels = vec![
                    ("pool", route.balancer.name.clone()),
                    ("address", backend.def.address.to_string()),
                    ("task", backend.def.task_id.clone().unwrap_or_default()),
                ];
                let stats = &backend.stats;
                up.push((labels.clone(), i64::from(stats.is_up())));
                attempts.push((labels.clone(), stats.requests.load(Ordering::Relaxed)));
                failures.push((labels.clone(), stats.failures.load(Ordering::Relaxed)));
                if route.balancer.settings.health_check.is_some() {
                    let health = &stats.health;
                    healthy.push((labels.clone(), i64::from(!health.is_down())));
                    checks.push((labels.clone(), health.checks()));
                    failed_checks.push((labels, health.failed_checks()));
                }
            }
        }
        gauges(
            &mut encoder,
            "backend_up",
            "0 when the last attempt to the backend got no response",
            &up,
        )?;
        counters(
            &mut encoder,
            "backend_requests",
            "Attempts sent to the backend",
            &attempts,
        )?;
        counters(
            &mut encoder,
            "backend_failures",
            "Attempts that got no response (refused, reset, timed out)",
            &failures,
        )?;
        gauges(
            &mut encoder,
            "backend_healthy",
            "0 while the backend fails its balancer's active health check",
            &healthy,
        )?;
        counters(
            &mut encoder,
            "backend_health_checks",
            "Active health checks of the backend",
            &checks,
        )?;
        counters(
            &mut encoder,
            "backend_health_check_failures",
            "Active health checks the backend failed",
            &failed_checks,
        )?;
        let total_attempts = attempts.iter().map(|(_, count)| count).sum();
        let opened = state.traffic.upstream_connections_opened.total();
        counter(
            &mut encoder,
            "upstream_requests",
            "Attempts sent to any backend",
            total_attempts,
        )?;
        counter(
            &mut encoder,
            "upstream_connections_opened",
            "Backend connections opened; the other attempts reused one",
            opened,
        )?;

        let traffic = &state.traffic;
        gauge(
            &mut encoder,
            "connections_open",
            "Client connections open now",
            traffic.connections_open.load(Ordering::Relaxed) as i64,
        )?;
        counter(
            &mut encoder,
            "connections_accepted",
            "Client connections accepted",
            traffic.connections_accepted.load(Ordering::Relaxed),
        )?;

        let discovery = state.discovery.borrow().clone();
        gauge(
            &mut encoder,
            "discovery_up",
            "1 when the last Docker API listing succeeded",
            i64::from(discovery.reachable),
        )?;
        counter(
            &mut encoder,
            "discovery_refreshes",
            "Successful listings of the swarm",
            discovery.refreshes,
        )?;
        counter(
            &mut encoder,
            "discovery_errors",
            "Failed listings or connections to the Docker API",
            discovery.refresh_failures,
        )?;
        counter(
            &mut encoder,
            "discovery_events",
            "Docker events received",
            discovery.events_received,
        )?;
        let mut family = encoder.encode_descriptor(
            "discovery_refresh_duration_seconds",
            "Time taken by successful listings of the swarm",
            None,
            MetricType::Histogram,
        )?;
        let durations = &discovery.refresh_durations;
        family.encode_histogram::<NoLabelSet>(
            durations.sum_seconds,
            durations.count,
            &with_bounds(&durations.buckets),
            None,
        )?;

        gauge(
            &mut encoder,
            "routing_table_generation",
            "Generation of the published routing table",
            table.generation as i64,
        )?;
        let age = SystemTime::now()
            .duration_since(table.built_at)
            .unwrap_or_default();
        let family = encoder.encode_descriptor(
            "routing_table_age_seconds",
            "Time since the routing table last changed",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(age.as_secs_f64()).encode(family)?;
        gauge(
            &mut encoder,
            "routes",
            "Routes in the table",
            table.routes().len() as i64,
        )?;
        gauge(
            &mut encoder,
            "skipped_services",
            "Services not routed because of their labels",
            table.spec.skipped.len() as i64,
        )?;
        encode_tls(&mut encoder, state)?;
        let started = state.started.duration_since(UNIX_EPOCH).unwrap_or_default();
        let family = encoder.encode_descriptor(
            "start_time_seconds",
            "When hawser started (Unix time)",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(started.as_secs_f64()).encode(family)?;
        Ok(())
    }
}

/// Handshakes, ACME orders and certificate expiry times.
fn encode_tls(encoder: &mut DescriptorEncoder, state: &SharedState) -> Result<(), std::fmt::Error> {
    let stats = &state.tls_stats;
    let mut handshakes = Vec::new();
    for version in VERSIONS {
        for alpn in ALPNS {
            let labels = vec![("version", version.to_owned()), ("alpn", alpn.to_owned())];
            handshakes.push((labels, stats.handshakes(version, alpn)));
        }
    }
    counters(
        encoder,
        "tls_handshakes",
        "TLS handshakes completed, by protocol version and ALPN protocol (none: not negotiated)",
        &handshakes,
    )?;
    let load = |count: &std::sync::atomic::AtomicU64| count.load(Ordering::Relaxed);
    counter(
        encoder,
        "tls_handshakes_resumed",
        "TLS handshakes that resumed a session",
        load(&stats.resumed),
    )?;
    counter(
        encoder,
        "tls_handshake_failures",
        "TLS handshakes that failed or timed out",
        load(&stats.handshake_failures),
    )?;
    counter(
        encoder,
        "tls_plain_http",
        "Plain HTTP received on a TLS entry point (answered 400)",
        load(&stats.plain_http),
    )?;
    let orders = [
        (
            vec![("result", "succeeded".to_owned())],
            load(&stats.acme_orders_succeeded),
        ),
        (
            vec![("result", "failed".to_owned())],
            load(&stats.acme_orders_failed),
        ),
    ];
    counters(
        encoder,
        "acme_orders",
        "ACME certificate orders finished, by result",
        &orders,
    )?;
    // One series per certificate: the latest one of a domain from each source.
    let mut expiry: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for row in state.certificates.report(SystemTime::now()) {
        let Some(not_after) = row.not_after else {
            continue;
        };
        let latest = expiry.entry((row.domain, row.resolver)).or_default();
        *latest = (*latest).max(not_after / 1000);
    }
    let mut family = encoder.encode_descriptor(
        "tls_certificate_expiry_seconds",
        "When each certificate served expires (Unix time of its notAfter), by domain and \
         source (file, default, or the resolver)",
        None,
        MetricType::Gauge,
    )?;
    for ((domain, resolver), seconds) in expiry {
        let labels: Labels = vec![("domain", domain), ("resolver", resolver)];
        ConstGauge::new(i64::try_from(seconds).unwrap_or(i64::MAX))
            .encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    ConstCounter::new(value).encode(family)
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    ConstGauge::new(value).encode(family)
}

fn counters(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Labels, u64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in values {
        ConstCounter::new(*value).encode(family.encode_family(labels)?)?;
    }
    Ok(())
}

fn gauges(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Labels, i64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in values {
        ConstGauge::new(*value).encode(family.encode_family(labels)?)?;
    }
    Ok(())
}

fn encode_histogram(
    family: &mut prometheus_client::encoding::MetricEncoder<'_>,
    labels: &Labels,
    histogram: &Histogram,
) -> Result<(), std::fmt::Error> {
    let counts: Vec<u64> = histogram
        .buckets
        .iter()
        .map(|count| count.load(Ordering::Relaxed))
        .collect();
    let sum = histogram.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let count = histogram.count.load(Ordering::Relaxed);
    family
        .encode_family(labels)?
        .encode_histogram::<NoLabelSet>(sum, count, &with_bounds(&counts), None)
}

/// Bucket bounds with their own (non-cumulative) counts; the encoder accumulates them.
fn with_bounds(counts: &[u64]) -> Vec<(f64, u64)> {
    LATENCY_BUCKETS
        .iter()
        .copied()
        .chain([f64::INFINITY])
        .zip(counts.iter().copied())
        .collect()
}
