//! One request, start to finish: match a route, rewrite, forward, answer.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use http::header::{self, HeaderValue};
use http::uri::PathAndQuery;
use http::{Request, Response, StatusCode, Uri, Version};
use hyper::body::Incoming;
use tracing::{debug, warn};

use super::ProxySettings;
use super::access_log::{AccessLog, Entry};
use super::body::{ProxyBody, RequestBody};
use super::error::{ProxyError, text_response};
use super::forward::Upstream;
use super::headers::{Forwarded, add_forwarded, remove_hop_by_hop, upgrade_protocol};
use super::upgrade::tunnel;
use crate::routing::host::canonical_host;
use crate::routing::{RequestView, Route};
use crate::state::SharedState;

/// Per-worker request handler: shared state plus this worker's upstream pool.
pub struct Handler {
    pub state: Arc<SharedState>,
    pub upstream: Upstream,
    pub settings: Arc<ProxySettings>,
    pub access_log: Option<AccessLog>,
    /// This worker's number, for per-worker counters.
    pub worker: usize,
}

/// The two ends of the client's TCP connection.
#[derive(Clone, Copy, Debug)]
pub struct Connection {
    pub peer: SocketAddr,
    pub local: SocketAddr,
}

impl Handler {
    pub async fn handle(
        &self,
        request: Request<Incoming>,
        connection: Connection,
    ) -> Response<ProxyBody> {
        let started = Instant::now();
        self.state.connections.requests.add(self.worker);
        let mut entry = self.access_log.as_ref().map(|_| Entry {
            client: connection.peer.ip(),
            started: SystemTime::now(),
            arrived: started,
            method: request.method().clone(),
            target: request
                .uri()
                .path_and_query()
                .map_or("/", PathAndQuery::as_str)
                .to_owned(),
            version: request.version(),
            status: 0,
            referer: request.headers().get(header::REFERER).cloned(),
            user_agent: request.headers().get(header::USER_AGENT).cloned(),
            route: None,
            backend_url: None,
        });
        let route = {
            let table = self.state.table.load();
            let headers = request.headers();
            let raw_host = headers
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
                .or_else(|| {
                    request
                        .uri()
                        .authority()
                        .map(|authority| authority.as_str())
                })
                .unwrap_or("");
            let host = canonical_host(raw_host);
            let view = RequestView {
                method: request.method(),
                host: &host,
                path: request.uri().path(),
                query: request.uri().query(),
                headers,
            };
            table.lookup(&view).cloned()
        };
        let response = match route {
            None => {
                debug!(uri = %request.uri(), "no route matches");
                let response = ProxyError::NoRoute.to_response();
                self.state
                    .unmatched
                    .record(response.status().as_u16(), started.elapsed());
                response
            }
            Some(route) => {
                let response = match self
                    .forward(&route, request, connection, entry.as_mut())
                    .await
                {
                    Ok(response) => response,
                    Err(err) => {
                        match &err {
                            ProxyError::NoBackend { .. } => {
                                debug!(error = %err, "request not forwarded")
                            }
                            _ => warn!(error = %err, "request failed"),
                        }
                        err.to_response()
                    }
                };
                route
                    .stats
                    .record(response.status().as_u16(), started.elapsed());
                if let Some(entry) = entry.as_mut() {
                    entry.route = Some(route.def.name.clone());
                }
                response
            }
        };
        match (&self.access_log, entry) {
            (Some(log), Some(mut entry)) => {
                entry.status = response.status().as_u16();
                let (parts, body) = response.into_parts();
                Response::from_parts(parts, log.wrap(body, entry))
            }
            _ => response,
        }
    }

    async fn forward(
        &self,
        route: &Route,
        mut request: Request<Incoming>,
        connection: Connection,
        entry: Option<&mut Entry>,
    ) -> Result<Response<ProxyBody>, ProxyError> {
        let upgrade = match request.version() {
            Version::HTTP_11 => upgrade_protocol(request.headers()),
            _ => None,
        };
        let client_upgrade = upgrade.as_ref().map(|_| hyper::upgrade::on(&mut request));
        let (parts, body) = request.into_parts();
        let rewrite = route.def.rule.rewrite(parts.uri.path());
        let path_and_query = match (&rewrite.path, parts.uri.path_and_query()) {
            // Unchanged: reuse the client's bytes.
            (Cow::Borrowed(_), Some(original)) => original.clone(),
            (path, _) => match parts.uri.query() {
                Some(query) => format!("{path}?{query}").parse::<PathAndQuery>(),
                None => path.parse::<PathAndQuery>(),
            }
            .unwrap_or_else(|_| PathAndQuery::from_static("/")),
        };

        let mut headers = parts.headers;
        let original_host = headers.get(header::HOST).cloned().or_else(|| {
            let authority = parts.uri.authority()?;
            HeaderValue::from_str(authority.as_str()).ok()
        });
        remove_hop_by_hop(&mut headers, upgrade);
        add_forwarded(
            &mut headers,
            &Forwarded {
                client_ip: connection.peer.ip(),
                trusted: self.settings.is_trusted(connection.peer.ip()),
                host: original_host.as_ref(),
                local_port: connection.local.port(),
                stripped_prefix: rewrite.stripped_prefix.as_deref(),
                replaced_path: rewrite.replaced_path.as_deref(),
            },
        );
        // Without a Host to pass on, each attempt gets its backend's address.
        let set_host = match (route.def.pass_host_header, original_host) {
            (true, Some(host)) => {
                headers.insert(header::HOST, host);
                false
            }
            _ => true,
        };

        let mut outgoing = Request::new(RequestBody::Client(body));
        *outgoing.method_mut() = parts.method;
        *outgoing.uri_mut() = Uri::from(path_and_query);
        *outgoing.version_mut() = Version::HTTP_11;
        *outgoing.headers_mut() = headers;
        let answered = self.upstream.forward(route, outgoing, set_host).await?;
        if let Some(entry) = entry {
            entry.backend_url = Some(format!("http://{}", answered.backend.authority));
        }
        let mut response = answered.response;
        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            if let Some(client_upgrade) = client_upgrade {
                let backend_upgrade = hyper::upgrade::on(&mut response);
                tokio::spawn(tunnel(
                    client_upgrade,
                    backend_upgrade,
                    route.def.name.clone(),
                ));
                let (parts, _) = response.into_parts();
                return Ok(Response::from_parts(parts, ProxyBody::empty()));
            }
            warn!(
                route = route.def.name,
                "backend switched protocols without an upgrade request"
            );
            return Ok(text_response(StatusCode::BAD_GATEWAY, "502 Bad Gateway\n"));
        }
        let (mut parts, body) = response.into_parts();
        remove_hop_by_hop(&mut parts.headers, None);
        Ok(Response::from_parts(parts, ProxyBody::Upstream(body)))
    }
}
