//! One request, start to finish. [`Handler::handle`] reads as the list of steps; each step is
//! the function of that name below it, in order.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use http::header::{self, HeaderValue};
use http::uri::{Authority, PathAndQuery};
use http::{Request, Response, StatusCode, Uri, Version};
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

use super::ProxySettings;
use super::access_log::{AccessLog, Entry};
use super::body::ProxyBody;
use super::error::{ProxyError, text_response};
use super::forward::{Answered, Upstream};
use super::headers::{Forwarded, add_forwarded, remove_hop_by_hop, upgrade_protocol};
use super::middleware;
use super::redirect;
use super::request_body::RequestBody;
use super::upgrade::tunnel;
use super::validate::{self, Answer};
use crate::routing::host::canonical_host;
use crate::routing::middleware::RequestContext;
use crate::routing::path::has_dot_segment;
use crate::routing::{RequestView, Route};
use crate::state::SharedState;
use crate::tls::Challenges;
use crate::tls::acme::HTTP01_PREFIX;

/// Per-worker request handler: shared state plus this worker's upstream pool.
pub struct Handler {
    pub state: Arc<SharedState>,
    pub upstream: Upstream,
    pub settings: Arc<ProxySettings>,
    pub access_log: Option<AccessLog>,
    /// This worker's number, for per-worker counters.
    pub worker: usize,
    /// The ACME HTTP-01 challenges open now, answered on plain entry points.
    pub challenges: Arc<Challenges>,
    /// The worker's connections, which WebSocket tunnels join so that a shutdown gives them
    /// the grace period too (and closes them after it).
    pub connections: TaskTracker,
}

/// The two ends of the client's TCP connection, and the entry point it came in on.
#[derive(Clone, Copy, Debug)]
pub struct Connection {
    pub peer: SocketAddr,
    pub local: SocketAddr,
    /// The entry point's position in [`ProxySettings::entry_points`], which is also the
    /// routing table's.
    pub entry_point: usize,
    /// The client connected with TLS (a TLS entry point).
    pub tls: bool,
}

/// A request rewritten for the backend, and what answering it needs.
struct Outgoing {
    request: Request<RequestBody>,
    /// No `Host` is passed on: each attempt gets its backend's address.
    set_host: bool,
    /// The client's side of a protocol upgrade, when it asked for one.
    client_upgrade: Option<OnUpgrade>,
}

impl Handler {
    pub async fn handle(
        &self,
        mut request: Request<Incoming>,
        connection: Connection,
    ) -> Response<ProxyBody> {
        let started = Instant::now();
        let requests = &self.state.traffic.requests;
        requests.add(connection.entry_point, self.worker);
        let mut entry = self.log_entry(&request, connection, started);
        if let Err(answer) =
            validate::request(&mut request, &self.settings.limits, self.settings.paths)
        {
            return self.logged(self.answered(&request, answer, started), entry);
        }
        if let Some(answer) = self.before_routing(&request, connection) {
            return self.logged(answer, entry);
        }
        let response = match self.find_route(&request, connection) {
            None => self.not_found(&request, started),
            Some(route) => {
                let response = self.proxy(&route, request, connection).await;
                route
                    .stats
                    .record(response.status().as_u16(), started.elapsed());
                if let Some(entry) = entry.as_mut() {
                    entry.route = Some(route.def.name.clone());
                    entry.backend_url = response
                        .extensions()
                        .get::<AnsweredBy>()
                        .map(|answered| format!("http://{}", answered.0));
                }
                response
            }
        };
        self.logged(response, entry)
    }

    /// The access log's entry, begun as the request arrives (when the log is on).
    fn log_entry(
        &self,
        request: &Request<Incoming>,
        connection: Connection,
        arrived: Instant,
    ) -> Option<Entry> {
        self.access_log.as_ref()?;
        Some(Entry {
            client: connection.peer.ip(),
            started: SystemTime::now(),
            arrived,
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
        })
    }

    /// On a plain entry point: an open ACME HTTP-01 challenge is answered first (the CA asks
    /// on port 80, before any routing or redirect), then the entry point's redirect to HTTPS
    /// answers everything but other challenge paths (a backend may hold those).
    fn before_routing(
        &self,
        request: &Request<Incoming>,
        connection: Connection,
    ) -> Option<Response<ProxyBody>> {
        if connection.tls {
            return None;
        }
        let path = request.uri().path();
        let challenge = path.starts_with(HTTP01_PREFIX);
        if challenge && let Some(key_authorization) = self.challenges.http01_response(path) {
            debug!(path, "answered an ACME HTTP-01 challenge");
            let mut response = Response::new(ProxyBody::text(key_authorization));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            return Some(response);
        }
        let target = self
            .settings
            .entry_points
            .get(connection.entry_point)?
            .redirect?;
        if challenge {
            return None;
        }
        let port = self.state.entry_points.get(target)?.address.port();
        let path_and_query = request
            .uri()
            .path_and_query()
            .map_or("/", PathAndQuery::as_str);
        Some(redirect::to_https(
            request.method(),
            request_host(request),
            port,
            path_and_query,
        ))
    }

    /// The highest-priority route of the current table, served on the connection's entry
    /// point, that matches.
    fn find_route(
        &self,
        request: &Request<Incoming>,
        connection: Connection,
    ) -> Option<Arc<Route>> {
        let table = self.state.published.table();
        let host = canonical_host(request_host(request));
        let view = RequestView {
            method: request.method(),
            host: &host,
            path: request.uri().path(),
            query: request.uri().query(),
            headers: request.headers(),
            client_ip: connection.peer.ip(),
        };
        table.lookup(connection.entry_point, &view).cloned()
    }

    fn not_found(&self, request: &Request<Incoming>, started: Instant) -> Response<ProxyBody> {
        debug!(uri = %request.uri(), "no route matches");
        let response = ProxyError::NoRoute.to_response();
        self.state
            .traffic
            .unmatched
            .record(response.status().as_u16(), started.elapsed());
        response
    }

    /// A request [`validate`] stopped: answered here, counted with those no route matched.
    fn answered(
        &self,
        request: &Request<Incoming>,
        answer: Answer,
        started: Instant,
    ) -> Response<ProxyBody> {
        debug!(uri = %request.uri(), reason = %answer, "request answered by hawser");
        let response = answer.to_response(request.version());
        self.state
            .traffic
            .unmatched
            .record(response.status().as_u16(), started.elapsed());
        response
    }

    /// Rewrites the request, runs the route's middlewares around forwarding it, and answers;
    /// a failure becomes hawser's own error response.
    async fn proxy(
        &self,
        route: &Route,
        request: Request<Incoming>,
        connection: Connection,
    ) -> Response<ProxyBody> {
        let client_version = request.version();
        let body_limit = self.settings.limits.request_body;
        if let Some(limit) = body_limit.filter(|&limit| declared_length(&request) > limit) {
            let error = ProxyError::BodyTooLarge { limit };
            debug!(route = route.def.name, error = %error, "request not forwarded");
            return closing(error.to_response(), client_version);
        }
        let outgoing = match self.rewrite(route, request, connection, body_limit) {
            Ok(outgoing) => outgoing,
            Err(answer) => return answer.to_response(client_version),
        };
        let endpoint = Forward {
            handler: self,
            route,
            set_host: outgoing.set_host,
            client_upgrade: Mutex::new(outgoing.client_upgrade),
            client_version,
        };
        if route.def.middlewares.is_empty() {
            return endpoint.forward(outgoing.request).await;
        }
        let context = RequestContext {
            client_ip: connection.peer.ip(),
            trusted_proxy: self.settings.is_trusted(connection.peer.ip()),
            tls: connection.tls,
            now: Instant::now(),
            entry_point: connection.entry_point,
        };
        middleware::run(
            &route.def.middlewares,
            outgoing.request,
            &context,
            &endpoint,
        )
        .await
    }

    /// The request as the backend gets it: path rewritten by the route's rule, hop-by-hop
    /// headers out, `X-Forwarded-*` in, `Host` passed on or left to each attempt, the body
    /// held to `body_limit`. A rewrite that leaves a dot segment in the path (`/api..` with
    /// the prefix `/api` stripped) is refused: the task would climb out of its prefix.
    fn rewrite(
        &self,
        route: &Route,
        mut request: Request<Incoming>,
        connection: Connection,
        body_limit: Option<u64>,
    ) -> Result<Outgoing, Answer> {
        let upgrade = match request.version() {
            Version::HTTP_11 => upgrade_protocol(request.headers()),
            _ => None,
        };
        let client_upgrade = upgrade.as_ref().map(|_| hyper::upgrade::on(&mut request));
        let (parts, body) = request.into_parts();
        let rewrite = route.def.rule.rewrite(parts.uri.path());
        if matches!(rewrite.path, Cow::Owned(_)) && has_dot_segment(&rewrite.path) {
            return Err(Answer::RewriteLeavesPrefix);
        }
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
                tls: connection.tls,
                stripped_prefix: rewrite.stripped_prefix.as_deref(),
                replaced_paths: &rewrite.replaced_paths,
            },
        );
        let set_host = match (route.def.pass_host_header, original_host) {
            (true, Some(host)) => {
                headers.insert(header::HOST, host);
                false
            }
            _ => true,
        };
        let mut outgoing = Request::new(RequestBody::client(body, body_limit));
        *outgoing.method_mut() = parts.method;
        *outgoing.uri_mut() = Uri::from(path_and_query);
        *outgoing.version_mut() = Version::HTTP_11;
        *outgoing.headers_mut() = headers;
        Ok(Outgoing {
            request: outgoing,
            set_host,
            client_upgrade,
        })
    }

    /// Has the access log write the entry once the response body is done.
    fn logged(&self, response: Response<ProxyBody>, entry: Option<Entry>) -> Response<ProxyBody> {
        match (&self.access_log, entry) {
            (Some(log), Some(mut entry)) => {
                entry.status = response.status().as_u16();
                let (parts, body) = response.into_parts();
                Response::from_parts(parts, log.wrap(body, entry))
            }
            _ => response,
        }
    }
}

/// The backend that answered, kept in the response's extensions for the access log.
#[derive(Clone, Debug)]
struct AnsweredBy(Authority);

/// The end of a route's middleware chain: forwarding to its balancer.
struct Forward<'a> {
    handler: &'a Handler,
    route: &'a Route,
    set_host: bool,
    /// Taken by the one attempt that forwards the upgrade request.
    client_upgrade: Mutex<Option<OnUpgrade>>,
    client_version: Version,
}

impl Forward<'_> {
    async fn forward(&self, request: Request<RequestBody>) -> Response<ProxyBody> {
        let route = self.route;
        let answered = self
            .handler
            .upstream
            .forward(route, request, self.set_host)
            .await;
        let client_upgrade = self
            .client_upgrade
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let result = answered.and_then(|answered| {
            let backend = AnsweredBy(answered.backend.authority.clone());
            let mut response = respond(route, answered, client_upgrade, &self.handler.connections)?;
            response.extensions_mut().insert(backend);
            Ok(response)
        });
        result.unwrap_or_else(|err| {
            match &err {
                ProxyError::NoBackend { .. } => debug!(error = %err, "request not forwarded"),
                err if err.is_clients_fault() => {
                    debug!(route = route.def.name, error = %err, "request not forwarded");
                    return closing(err.to_response(), self.client_version);
                }
                _ => warn!(error = %err, "request failed"),
            }
            err.to_response()
        })
    }
}

impl middleware::Endpoint for Forward<'_> {
    fn call(&self, request: Request<RequestBody>) -> middleware::Reply<'_> {
        Box::pin(self.forward(request))
    }

    fn calls(&self) -> middleware::Calls<'_> {
        middleware::Calls {
            upstream: &self.handler.upstream,
            route: self.route,
        }
    }
}

/// The body length the request declares (`Content-Length`; hyper has checked it), 0 if none.
fn declared_length(request: &Request<Incoming>) -> u64 {
    request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .and_then(|length| length.parse().ok())
        .unwrap_or(0)
}

/// An answer after which an HTTP/1 client's connection is closed (part of its body unread).
fn closing(mut response: Response<ProxyBody>, version: Version) -> Response<ProxyBody> {
    if version < Version::HTTP_2 {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The host the request is for: its `Host` header, else the authority of an absolute URI.
fn request_host(request: &Request<Incoming>) -> &str {
    request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str())
        })
        .unwrap_or("")
}

/// The backend's answer as the client gets it: hop-by-hop headers out, and for a `101` the
/// two connections spliced.
fn respond(
    route: &Route,
    answered: Answered<'_>,
    client_upgrade: Option<OnUpgrade>,
    connections: &TaskTracker,
) -> Result<Response<ProxyBody>, ProxyError> {
    let mut response = answered.response;
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        let Some(client_upgrade) = client_upgrade else {
            warn!(
                route = route.def.name,
                "backend switched protocols without an upgrade request"
            );
            return Ok(text_response(StatusCode::BAD_GATEWAY, "502 Bad Gateway\n"));
        };
        let backend_upgrade = hyper::upgrade::on(&mut response);
        connections.spawn(tunnel(
            client_upgrade,
            backend_upgrade,
            route.def.name.clone(),
        ));
        let (parts, _) = response.into_parts();
        return Ok(Response::from_parts(parts, ProxyBody::empty()));
    }
    let (mut parts, body) = response.into_parts();
    remove_hop_by_hop(&mut parts.headers, None);
    // A proxy sends its own HTTP version (RFC 9110 6.2), not the task's `HTTP/1.0`; hyper
    // answers an HTTP/1.0 client in 1.0 and ignores the version on HTTP/2.
    parts.version = Version::HTTP_11;
    Ok(Response::from_parts(parts, ProxyBody::upstream(body)))
}
