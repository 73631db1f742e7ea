//! Sending a request to a route's backends, retrying on another backend when that is safe.
//!
//! A retry is safe when nothing reached the first backend: the connection was refused or could
//! not be set up, or hyper hands the request back unsent. The request then moves on whole, body
//! included. Once a request may have reached a backend, it is resent only if it is idempotent
//! and its body can be sent again (it has none, or a middleware read it whole), from a copy
//! kept for that purpose. This is what lets a rolling update lose no request: a task that stops
//! between two table refreshes refuses connections, or drops the one it was answering, and the
//! request moves on to another task.
//!
//! Without a `retry` middleware a failed attempt moves on to another backend, at most
//! `--retries` times (after short pauses when every backend refused). A route's `retry`
//! middleware replaces that policy for its requests with its own ([`RetryPolicy`], left in the
//! request's extensions): its number of attempts on any backend of the balancer (untried ones
//! first), its backoff between them, and retries on the statuses it lists, for requests whose
//! body can be sent again. The safety rule above holds for both.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use http::header::{HOST, SET_COOKIE};
use http::{Request, Response};
use smallvec::SmallVec;
use tracing::debug;

use super::ProxySettings;
use super::error::ProxyError;
use super::pool::{ConnectError, ConnectionPool, PooledBody};
use super::pool_h2::H2Failure;
use super::replay::{Replay, jitter};
use super::request_body::{BodyError, RequestBody, client_fault};
use crate::routing::load_balancer::Scheme;
use crate::routing::middleware::Retry;
use crate::routing::{Backend, Balancer, Route};
use crate::stats::Traffic;
use crate::telemetry::error_chain;

/// One worker's way to its backends: its connection pool and retry policy.
pub struct Upstream {
    pool: Arc<ConnectionPool>,
    response_timeout: Duration,
    retries: usize,
    connect_timeout: Duration,
    /// The connect timeout while another backend could take the request instead.
    failover_connect_timeout: Duration,
}

/// The backend that answered, and its answer.
pub struct Answered<'a> {
    pub response: Response<PooledBody>,
    pub backend: &'a Backend,
}

/// A `retry` middleware's policy for one request: put in the request's extensions, it
/// replaces hawser's own retries when the request is forwarded.
#[derive(Clone, Debug)]
pub struct RetryPolicy(pub Retry);

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

/// Why an attempt is followed by another.
enum Outcome {
    Failed(Failure),
    /// A `retry` middleware retries this status.
    Status(u16),
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
            connect_timeout: settings.backend_connect_timeout,
            failover_connect_timeout: settings
                .backend_failover_connect_timeout
                .min(settings.backend_connect_timeout),
        }
    }

    /// This worker's connections, for middlewares that call other servers.
    pub fn pool(&self) -> &Arc<ConnectionPool> {
        &self.pool
    }

    /// How long a backend may take to send its response headers.
    pub fn response_timeout(&self) -> Duration {
        self.response_timeout
    }

    /// Sends `request` (origin-form URI, headers already rewritten) to the route's next backend.
    /// `set_host`: give each attempt the backend's address as `Host`.
    pub async fn forward<'r>(
        &self,
        route: &'r Route,
        mut request: Request<RequestBody>,
        set_host: bool,
    ) -> Result<Answered<'r>, ProxyError> {
        let policy = request.extensions_mut().remove::<RetryPolicy>();
        self.forward_to(
            &route.def.name,
            &route.balancer,
            request,
            set_host,
            policy.as_ref(),
        )
        .await
    }

    /// Sends `request` to `balancer` (`name` for errors and logs), retrying as `policy` says,
    /// or as hawser does without one.
    pub async fn forward_to<'b>(
        &self,
        name: &str,
        balancer: &'b Balancer,
        request: Request<RequestBody>,
        set_host: bool,
        policy: Option<&RetryPolicy>,
    ) -> Result<Answered<'b>, ProxyError> {
        let presented = balancer.sticky_presented(request.headers());
        let (mut position, mut backend) = balancer
            .sticky_pick(presented)
            .or_else(|| balancer.pick())
            .ok_or_else(|| ProxyError::NoBackend {
                route: name.to_owned(),
            })?;
        let retries_status =
            policy.is_some_and(|policy| policy.0.status_applies_to(request.method()));
        let replay = Replay::of(&request, self.may_retry(balancer, policy), retries_status);
        let method = request.method().clone();
        let mut pending = Some(request);
        let mut tried: SmallVec<[usize; 4]> = SmallVec::new();
        let mut pauses = REFUSED_PAUSES.iter();
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            let Some(mut request) = pending.take() else {
                return Err(ProxyError::BadGateway {
                    route: name.to_owned(),
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
            attempts += 1;
            let attempt_started = Instant::now();
            let may_retry_more = |policy: &RetryPolicy| {
                attempts < policy.0.attempts
                    && policy
                        .0
                        .timeout
                        .is_none_or(|timeout| started.elapsed() < timeout)
            };
            // A connect that is slow (a SYN lost, a node gone) moves on to another backend
            // soon when there is one to move on to; the last candidate gets the full timeout.
            let can_fail_over = balancer.backends.len() > tried.len() + 1
                && match policy {
                    Some(policy) => policy.0.on_network_error && may_retry_more(policy),
                    None => self.retries > tried.len(),
                };
            let connect_timeout = match can_fail_over {
                true => self.failover_connect_timeout,
                false => self.connect_timeout,
            };
            let outcome = match tokio::time::timeout(
                self.response_timeout,
                self.attempt(backend, balancer.settings.scheme, request, connect_timeout),
            )
            .await
            {
                Ok(Ok(response)) => {
                    let status = response.status().as_u16();
                    backend
                        .stats
                        .record_response(status, attempt_started.elapsed());
                    let retry_status = policy.filter(|policy| {
                        may_retry_more(policy) && policy.0.retries_status(&method, status)
                    });
                    match (retry_status, &replay) {
                        (Some(_), Some(replay)) => {
                            pending = Some(replay.request());
                            Outcome::Status(status)
                        }
                        _ => {
                            let mut response = response;
                            // Set once the backend that answers is known.
                            if let Some(cookie) = balancer.sticky_cookie(presented, position) {
                                response.headers_mut().append(SET_COOKIE, cookie);
                            }
                            return Ok(Answered { response, backend });
                        }
                    }
                }
                Ok(Err((Failure::ClientBody(error), _))) => return Err(error),
                Ok(Err((failure, unsent))) => {
                    pending = unsent.or_else(|| {
                        replay
                            .as_ref()
                            .filter(|replay| replay.after_failure)
                            .map(Replay::request)
                    });
                    backend.stats.record_failure(failure.costs_time());
                    Outcome::Failed(failure)
                }
                Err(_) => {
                    backend.stats.record_failure(true);
                    Outcome::Failed(Failure::Timeout)
                }
            };
            tried.push(position);
            let next = match policy {
                Some(policy) => {
                    let allowed = pending.is_some()
                        && may_retry_more(policy)
                        && match outcome {
                            Outcome::Failed(_) => policy.0.on_network_error,
                            Outcome::Status(_) => true,
                        };
                    if allowed {
                        let wait = policy.0.backoff(attempts - 1, jitter());
                        if !wait.is_zero() {
                            tokio::time::sleep(wait).await;
                        }
                        balancer.pick_untried(&tried).or_else(|| balancer.pick())
                    } else {
                        None
                    }
                }
                None => {
                    let refused = matches!(
                        outcome,
                        Outcome::Failed(Failure::Unsent { refused: true, .. })
                    );
                    self.next_without_policy(balancer, &mut tried, &mut pauses, refused, &pending)
                        .await
                }
            };
            match (next, outcome) {
                (Some((next_position, next_backend)), outcome) => {
                    debug!(
                        route = name,
                        failed = %backend.authority,
                        retry = %next_backend.authority,
                        reason = outcome.reason(),
                        "retrying"
                    );
                    position = next_position;
                    backend = next_backend;
                }
                (None, Outcome::Failed(failure)) => {
                    return Err(failure.into_error(name, backend, self.response_timeout));
                }
                // A status retry always finds a backend (the balancer just gave one).
                (None, Outcome::Status(status)) => {
                    return Err(ProxyError::BadGateway {
                        route: name.to_owned(),
                        backend: backend.authority.to_string(),
                        reason: format!("answered {status}, and no backend is left to retry on"),
                    });
                }
            }
        }
    }

    /// Without a policy: hawser's own retries, on another backend.
    fn may_retry(&self, balancer: &Balancer, policy: Option<&RetryPolicy>) -> bool {
        match policy {
            Some(policy) => policy.0.attempts > 1,
            None => self.retries > 0 && balancer.backends.len() > 1,
        }
    }

    /// hawser's own choice of the next backend after a failure: an untried one, up to
    /// `--retries`; when every backend refused, the balancer again after a short pause.
    async fn next_without_policy<'b>(
        &self,
        balancer: &'b Balancer,
        tried: &mut SmallVec<[usize; 4]>,
        pauses: &mut std::slice::Iter<'_, Duration>,
        refused: bool,
        pending: &Option<Request<RequestBody>>,
    ) -> Option<(usize, &'b Backend)> {
        let may_retry = self.retries > 0 && balancer.backends.len() > 1;
        let next = (may_retry && pending.is_some() && tried.len() <= self.retries)
            .then(|| balancer.pick_untried(tried))
            .flatten();
        match next {
            None if refused && pending.is_some() && self.retries > 0 => {
                let pause = pauses.next()?;
                tokio::time::sleep(*pause).await;
                tried.clear();
                balancer.pick()
            }
            next => next,
        }
    }

    /// One attempt on one backend; on failure, the request if it never left. A new connection
    /// gets `connect_timeout` to be set up.
    async fn attempt(
        &self,
        backend: &Backend,
        scheme: Scheme,
        request: Request<RequestBody>,
        connect_timeout: Duration,
    ) -> Result<Response<PooledBody>, (Failure, Option<Request<RequestBody>>)> {
        let unsent = |err: ConnectError, request| {
            let refused = matches!(err, ConnectError::Refused(_));
            let failure = Failure::Unsent {
                reason: err.to_string(),
                refused,
            };
            (failure, Some(request))
        };
        let sent = if scheme == Scheme::H2c {
            // Boxed: HTTP/2's exchange state would otherwise size every request's future.
            match Box::pin(self.pool.h2().send(backend.def.address, request)).await {
                Ok(response) => Ok(response),
                Err(H2Failure::Connect(err, request)) => return Err(unsent(err, request)),
                Err(H2Failure::Send(err)) => Err(err),
            }
        } else {
            let checkout = self
                .pool
                .checkout_within(backend.def.address, connect_timeout);
            let checkout = match checkout.await {
                Ok(checkout) => checkout,
                Err(err) => return Err(unsent(err, request)),
            };
            checkout.send(request, &self.pool).await
        };
        sent.map_err(|err| {
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

impl Outcome {
    fn reason(&self) -> String {
        match self {
            Outcome::Failed(failure) => failure.reason().to_owned(),
            Outcome::Status(status) => format!("answered {status}"),
        }
    }
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

    fn into_error(self, route: &str, backend: &Backend, timeout: Duration) -> ProxyError {
        let route = route.to_owned();
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
