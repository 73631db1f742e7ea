//! Active health checks: one task per balancer whose settings ask for them, started and
//! stopped as published tables change. Each task reads its balancer from the current table
//! every round (so new tasks are checked and gone ones forgotten without a restart), checks
//! each backend when it is due (every `interval` while healthy, `unhealthy_interval` while
//! not, the first check one interval after the backend appears, as Traefik does) and records
//! the outcome in the backend's [`ActiveHealth`](crate::stats::ActiveHealth), which
//! selection reads. Requests never wait for a check.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::join_all;
use http::header::{HOST, LOCATION};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::routing::load_balancer::{HealthCheck, Scheme};
use crate::routing::{Backend, RoutingTable};
use crate::state::SharedState;

/// Go's `http.Client` gives up after ten redirects; so does a check.
const MAX_REDIRECTS: usize = 10;

/// Keeps one checking task per balancer with a health check until `shutdown`.
pub async fn follow_tables(state: Arc<SharedState>, shutdown: CancellationToken) {
    let mut notices = state.published.subscribe();
    let mut running: HashMap<String, JoinHandle<()>> = HashMap::new();
    loop {
        let wanted = checked_balancers(&state.published.table());
        running.retain(|name, task| {
            let keep = wanted.contains(name) && !task.is_finished();
            if !keep {
                task.abort();
            }
            keep
        });
        for name in wanted {
            running.entry(name.clone()).or_insert_with(|| {
                tokio::spawn(check_balancer(state.clone(), name, shutdown.clone()))
            });
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            changed = notices.changed() => if changed.is_err() {
                break;
            },
        }
    }
    for task in running.into_values() {
        task.abort();
    }
}

/// The balancers of a table that have a health check and backends to check.
fn checked_balancers(table: &RoutingTable) -> Vec<String> {
    table
        .balancers()
        .iter()
        .filter(|balancer| balancer.settings.health_check.is_some())
        .filter(|balancer| !balancer.backends.is_empty())
        .map(|balancer| balancer.name.clone())
        .collect()
}

/// Checks the balancer called `name` for as long as the table has it with a health check.
async fn check_balancer(state: Arc<SharedState>, name: String, shutdown: CancellationToken) {
    let mut due: HashMap<SocketAddr, Instant> = HashMap::new();
    loop {
        let Some(balancer) = state.published.table().balancer(&name) else {
            return;
        };
        let Some(check) = balancer.settings.health_check.clone() else {
            return;
        };
        let now = Instant::now();
        due.retain(|address, _| {
            balancer
                .backends
                .iter()
                .any(|backend| backend.def.address == *address)
        });
        for backend in &balancer.backends {
            due.entry(backend.def.address)
                .or_insert(now + check.interval);
        }
        let ready: Vec<&Backend> = balancer
            .backends
            .iter()
            .filter(|backend| due.get(&backend.def.address).is_some_and(|at| *at <= now))
            .collect();
        if ready.is_empty() {
            // Woken at least once an interval, to see table changes (a shorter interval).
            let next = due.values().min().copied().unwrap_or(now + check.interval);
            let next = next.min(now + check.interval);
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep_until(next) => continue,
            }
        }
        let scheme = balancer.settings.scheme;
        let outcomes = join_all(ready.iter().map(|backend| probe(&check, scheme, backend))).await;
        let checked = Instant::now();
        for (backend, outcome) in ready.iter().zip(outcomes) {
            let healthy = outcome.is_ok();
            let reason = outcome.as_ref().err().cloned();
            if backend.stats.health.record(outcome) {
                match reason {
                    Some(reason) => warn!(
                        balancer = %name, backend = %backend.authority, %reason,
                        "backend failed its health check: out of rotation"
                    ),
                    None => info!(
                        balancer = %name, backend = %backend.authority,
                        "backend passed its health check: back in rotation"
                    ),
                }
            }
            let wait = if healthy {
                check.interval
            } else {
                check.unhealthy_interval
            };
            due.insert(backend.def.address, checked + wait);
        }
    }
}

/// One check of one backend: `Ok` when it answered in time with an acceptable status.
pub async fn probe(check: &HealthCheck, scheme: Scheme, backend: &Backend) -> Result<(), String> {
    let address = SocketAddr::new(
        backend.def.address.ip(),
        check.port.unwrap_or(backend.def.address.port()),
    );
    let h2c = check.scheme.unwrap_or(scheme) == Scheme::H2c;
    let path = match check.path.as_str() {
        "" => "/".to_owned(),
        path if path.starts_with('/') => path.to_owned(),
        path => format!("/{path}"),
    };
    let host = check
        .hostname
        .clone()
        .unwrap_or_else(|| address.to_string());
    let answered = tokio::time::timeout(check.timeout, follow(check, h2c, address, host, path));
    let status = answered.await.map_err(|_| {
        format!(
            "no answer within {}",
            humantime::format_duration(check.timeout)
        )
    })??;
    let healthy = match check.status {
        Some(expected) => status.as_u16() == expected,
        None => (200..400).contains(&status.as_u16()),
    };
    match healthy {
        true => Ok(()),
        false => Err(format!(
            "{} {}: status {}",
            check.method,
            check.path,
            status.as_u16()
        )),
    }
}

/// The check's final status, after redirects when the check follows them.
async fn follow(
    check: &HealthCheck,
    h2c: bool,
    mut address: SocketAddr,
    mut host: String,
    mut path: String,
) -> Result<StatusCode, String> {
    for _ in 0..=MAX_REDIRECTS {
        let (status, location) = exchange(check, h2c, address, &host, &path).await?;
        let location = match location {
            Some(location) if status.is_redirection() && check.follow_redirects => location,
            _ => return Ok(status),
        };
        let target: Uri = location
            .parse()
            .map_err(|_| format!("redirected to {location:?}, not a URL"))?;
        if let Some(authority) = target.authority() {
            if target.scheme_str().is_some_and(|scheme| scheme != "http") {
                return Err(format!("redirected to {location:?}: only http is followed"));
            }
            let port = authority.port_u16().unwrap_or(80);
            address = tokio::net::lookup_host((authority.host(), port))
                .await
                .ok()
                .and_then(|mut found| found.next())
                .ok_or_else(|| format!("redirected to {location:?}: host not found"))?;
            host = authority.to_string();
        }
        path = target
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |path| path.as_str().to_owned());
    }
    Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// One request on a new connection: the status and any `Location`.
async fn exchange(
    check: &HealthCheck,
    h2c: bool,
    address: SocketAddr,
    host: &str,
    path: &str,
) -> Result<(StatusCode, Option<String>), String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|err| format!("connect {address}: {err}"))?;
    let _ = stream.set_nodelay(true);
    let method = Method::from_bytes(check.method.as_bytes()).unwrap_or(Method::GET);
    let uri = match h2c {
        // HTTP/2 carries the authority in the URI, not in a Host header.
        true => format!("http://{host}{path}"),
        false => path.to_owned(),
    };
    let mut request = Request::builder().method(method).uri(uri);
    if !h2c {
        request = request.header(HOST, host);
    }
    for (name, value) in &check.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|err| format!("request: {err}"))?;
    let io = TokioIo::new(stream);
    let response = if h2c {
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .map_err(|err| format!("h2c handshake: {err}"))?;
        tokio::spawn(connection);
        sender.send_request(request).await
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|err| format!("handshake: {err}"))?;
        tokio::spawn(connection);
        sender.send_request(request).await
    }
    .map_err(|err| format!("{} {path}: {err}", check.method))?;
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    Ok((response.status(), location))
}

#[cfg(test)]
#[path = "health_check_tests.rs"]
mod tests;
