//! Sending a request to a route's backends, retrying on another backend when that is safe.
//!
//! A retry is safe when nothing reached the first backend: the connection was refused or could
//! not be set up, or hyper hands the request back unsent. The request then moves on whole, body
//! included. Once a request may have reached a backend, it is resent only if it is idempotent
//! and has no body (from a copy kept for that purpose). This is what lets a rolling update lose
//! no request: a task that stops between two table refreshes refuses connections, or drops the
//! one it was answering, and the request moves on to another task.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use http::header::HOST;
use http::{HeaderMap, Method, Request, Response, Uri, Version};
use http_body::Body;
use smallvec::SmallVec;
use tracing::debug;

use super::ProxySettings;
use super::error::ProxyError;
use super::pool::{ConnectionPool, PooledBody};
use super::request_body::{BodyError, RequestBody, client_fault};
use crate::routing::{Backend, Route};
use crate::stats::Traffic;
use crate::telemetry::error_chain;

/// One worker's way to its backends: its connection pool and retry policy.
pub struct Upstream {
    pool: Arc<ConnectionPool>,
    response_timeout: Duration,
    retries: usize,
}

/// The backend that answered, and its answer.
pub struct Answered<'a> {
    pub response: Response<PooledBody>,
    pub backend: &'a Backend,
}

/// Pauses before trying a balancer again when every backend refused the connection: a task Swarm
/// has just marked running may not listen yet, and nothing was sent, so waiting is safe.
const REFUSED_PAUSES: [Duration; 2] = [Duration::from_millis(50), Duration::from_millis(150)];

enum Failure {
    /// Nothing reached the backend; the request is back in hand. `refused`: the backend
    /// actively refused the connection (rather than not answering).
    Unsent {
        reason: String,
        refused: bool,
    },
    /// The request may have reached the backend; no response came back.
    Exchange(String),
    Timeout,
    /// The client's body failed (over its limit, malformed, cut short): the backend is not
    /// to blame, and the request cannot be sent again.
    ClientBody(ProxyError),
}

/// What it takes to send a bodiless request again.
struct Replay {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

impl Upstream {
    /// Must be called inside the worker's runtime (it starts the pool's evictor there).
    pub fn new(settings: &ProxySettings, traffic: Arc<Traffic>, worker: usize) -> Self {
        let pool = ConnectionPool::new(
            settings.backend_connect_timeout,
            settings.backend_idle_timeout,
            settings.backend_max_connections,
            traffic,
            worker,
        );
        pool.spawn_evictor();
        Upstream {
            pool,
            response_timeout: settings.backend_response_timeout,
            retries: settings.retries,
        }
    }

    /// Sends `request` (origin-form URI, headers already rewritten) to the route's next backend.
    /// `set_host`: give each attempt the backend's address as `Host`.
    pub async fn forward<'r>(
        &self,
        route: &'r Route,
        request: Request<RequestBody>,
        set_host: bool,
    ) -> Result<Answered<'r>, ProxyError> {
        let balancer = &route.balancer;
        let (mut position, mut backend) = balancer.pick().ok_or_else(|| ProxyError::NoBackend {
            route: route.def.name.clone(),
        })?;
        let may_retry = self.retries > 0 && balancer.backends.len() > 1;
        let replay = (may_retry
            && is_idempotent(request.method())
            && request.body().is_end_stream())
        .then(|| Replay {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
        });
        let mut pending = Some(request);
        let mut tried: SmallVec<[usize; 4]> = SmallVec::new();
        let mut pauses = REFUSED_PAUSES.iter();
        loop {
            let Some(mut request) = pending.take() else {
                return Err(ProxyError::BadGateway {
                    route: route.def.name.clone(),
                    backend: backend.authority.to_string(),
                    reason: "the request could not be sent again".into(),
                });
            };
            if set_host {
                request
                    .headers_mut()
                    .insert(HOST, backend.host_header.clone());
            }
            backend.stats.requests.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let failure =
                match tokio::time::timeout(self.response_timeout, self.attempt(backend, request))
                    .await
                {
                    Ok(Ok(response)) => {
                        backend
                            .stats
                            .record_response(response.status().as_u16(), started.elapsed());
                        return Ok(Answered { response, backend });
                    }
                    Ok(Err((Failure::ClientBody(error), _))) => return Err(error),
                    Ok(Err((failure, unsent))) => {
                        pending = unsent.or_else(|| replay.as_ref().map(Replay::request));
                        failure
                    }
                    Err(_) => Failure::Timeout,
                };
            backend.stats.record_failure(failure.costs_time());
            tried.push(position);
            let next = (may_retry && pending.is_some() && tried.len() <= self.retries)
                .then(|| balancer.pick_untried(&tried))
                .flatten();
            let all_refused = matches!(failure, Failure::Unsent { refused: true, .. });
            let next = match next {
                None if all_refused && pending.is_some() && self.retries > 0 => match pauses.next()
                {
                    Some(pause) => {
                        tokio::time::sleep(*pause).await;
                        tried.clear();
                        balancer.pick()
                    }
                    None => None,
                },
                next => next,
            };
            match next {
                Some((next_position, next_backend)) => {
                    debug!(
                        route = route.def.name,
                        failed = %backend.authority,
                        retry = %next_backend.authority,
                        reason = failure.reason(),
                        "retrying on another backend"
                    );
                    position = next_position;
                    backend = next_backend;
                }
                None => return Err(failure.into_error(route, backend, self.response_timeout)),
            }
        }
    }

    /// One attempt on one backend; on failure, the request if it never left.
    async fn attempt(
        &self,
        backend: &Backend,
        request: Request<RequestBody>,
    ) -> Result<Response<PooledBody>, (Failure, Option<Request<RequestBody>>)> {
        let checkout = match self.pool.checkout(backend.def.address).await {
            Ok(checkout) => checkout,
            Err(err) => {
                let refused = matches!(err, super::pool::ConnectError::Refused(_));
                let failure = Failure::Unsent {
                    reason: err.to_string(),
                    refused,
                };
                return Err((failure, Some(request)));
            }
        };
        checkout.send(request, &self.pool).await.map_err(|err| {
            let reason = error_chain(&err.error);
            if let Some(fault) = client_fault(&err.error) {
                let error = match fault {
                    BodyError::TooLarge { limit } => ProxyError::BodyTooLarge { limit: *limit },
                    BodyError::Client(_) => ProxyError::BadBody { reason },
                };
                return (Failure::ClientBody(error), None);
            }
            match err.unsent {
                Some(request) => (
                    Failure::Unsent {
                        reason,
                        refused: false,
                    },
                    Some(request),
                ),
                None => (Failure::Exchange(reason), None),
            }
        })
    }
}

impl Replay {
    fn request(&self) -> Request<RequestBody> {
        let mut request = Request::new(RequestBody::Empty);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.version_mut() = Version::HTTP_11;
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// RFC 9110 §9.2.2.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

impl Failure {
    /// Whether the failure cost time (a timeout, a connection that broke): then the backend
    /// rests, so that other requests do not pay the same. A refused connection costs nothing
    /// and is retried at once: a task Swarm has just started may refuse for a moment.
    fn costs_time(&self) -> bool {
        !matches!(self, Failure::Unsent { refused: true, .. })
    }

    fn reason(&self) -> &str {
        match self {
            Failure::Unsent { reason, .. } | Failure::Exchange(reason) => reason,
            Failure::Timeout => "timed out",
            Failure::ClientBody(_) => "the client's request body failed",
        }
    }

    fn into_error(self, route: &Route, backend: &Backend, timeout: Duration) -> ProxyError {
        let route = route.def.name.clone();
        let backend = backend.authority.to_string();
        match self {
            Failure::Unsent { reason, .. } | Failure::Exchange(reason) => ProxyError::BadGateway {
                route,
                backend,
                reason,
            },
            Failure::Timeout => ProxyError::GatewayTimeout {
                route,
                backend,
                seconds: timeout.as_secs_f64(),
            },
            Failure::ClientBody(error) => error,
        }
    }
}
