//! A small HTTP client for middlewares that call a server by name (`forwardAuth`): the name is
//! resolved when the request is made (a Swarm service name resolves to its virtual IP, or to
//! its tasks with DNS round-robin), and the request goes over the worker's pooled connections.
//! Redirects are not followed; the whole call, lookup included, has a deadline.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use http::{Request, Response};

use crate::proxy::forward::Upstream;
use crate::proxy::pool::PooledBody;
use crate::proxy::request_body::RequestBody;
use crate::telemetry::error_chain;

/// Sends `request` (origin-form, `Host` set) to `host:port`, trying each address the name
/// resolves to until one takes it.
pub async fn send(
    upstream: &Upstream,
    host: &str,
    port: u16,
    request: Request<RequestBody>,
    within: Duration,
) -> Result<Response<PooledBody>, String> {
    let call = async {
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|err| format!("cannot resolve {host}: {err}"))?
                .collect(),
        };
        let pool = upstream.pool();
        let mut pending = Some(request);
        let mut last = format!("{host} resolves to no address");
        for address in addresses {
            let Some(request) = pending.take() else {
                break;
            };
            let checkout = match pool.checkout(address).await {
                Ok(checkout) => checkout,
                Err(err) => {
                    last = format!("{address}: {err}");
                    pending = Some(request);
                    continue;
                }
            };
            match checkout.send(request, pool).await {
                Ok(response) => return Ok(response),
                Err(err) => {
                    last = format!("{address}: {}", error_chain(&err.error));
                    match err.unsent {
                        Some(request) => pending = Some(request),
                        None => break,
                    }
                }
            }
        }
        Err(last)
    };
    tokio::time::timeout(within, call)
        .await
        .unwrap_or_else(|_| Err(format!("no answer from {host}:{port} within {within:?}")))
}
