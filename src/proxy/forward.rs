//! Sending a request to a route's backends: pooled keep-alive connections, round-robin picks,
//! and retries on another backend when that is safe.
//!
//! A retry is safe when nothing reached the first backend (the connection was refused or
//! reset while connecting: the body, if any, is still untouched), or when the request is
//! idempotent and has no body. This is what lets a rolling update lose no request: a task that
//! stops between two table refreshes refuses connections, and the request moves on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::uri::{PathAndQuery, Scheme};
use http::{HeaderMap, Method, Request, Response, Uri, Version};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use smallvec::SmallVec;
use tracing::debug;

use super::ProxySettings;
use super::body::{BodySlot, UpstreamBody};
use super::error::ProxyError;
use crate::routing::{Backend, Route};
use crate::telemetry::error_chain as describe;

/// One worker's connection pool to every backend.
pub struct Upstream {
    client: Client<CountingConnector, UpstreamBody>,
    response_timeout: Duration,
    retries: usize,
}

/// What is sent to the backends, prepared once per request.
pub struct Outgoing {
    pub method: Method,
    pub path_and_query: PathAndQuery,
    pub headers: HeaderMap,
    pub body: BodySlot,
}

/// The backend that answered, and its answer.
pub struct Answered<'a> {
    pub response: Response<Incoming>,
    pub backend: &'a Backend,
}

enum Failure {
    /// Nothing reached the backend.
    Connect(String),
    /// The request may have reached the backend; no response came back.
    Exchange(String),
    Timeout,
}

impl Upstream {
    pub fn new(settings: &ProxySettings, connections_opened: Arc<AtomicU64>) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(settings.backend_connect_timeout));
        connector.set_keepalive(Some(Duration::from_secs(60)));
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(settings.backend_idle_timeout)
            .pool_max_idle_per_host(settings.backend_max_idle_per_host)
            .retry_canceled_requests(true)
            .set_host(true)
            .build(CountingConnector {
                inner: connector,
                opened: connections_opened,
            });
        Upstream {
            client,
            response_timeout: settings.backend_response_timeout,
            retries: settings.retries,
        }
    }

    /// Sends to the route's next backend, moving on to untried ones while a retry is safe.
    pub async fn forward<'r>(
        &self,
        route: &'r Route,
        mut outgoing: Outgoing,
    ) -> Result<Answered<'r>, ProxyError> {
        let pool = &route.pool;
        let (mut position, mut backend) = pool.pick().ok_or_else(|| ProxyError::NoBackend {
            route: route.def.name.clone(),
        })?;
        let may_retry = self.retries > 0 && pool.backends.len() > 1;
        let mut tried: SmallVec<[usize; 4]> = SmallVec::new();
        loop {
            let headers = if may_retry {
                outgoing.headers.clone()
            } else {
                std::mem::take(&mut outgoing.headers)
            };
            let request = build_request(&outgoing, headers, backend);
            backend.stats.requests.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let failure =
                match tokio::time::timeout(self.response_timeout, self.client.request(request))
                    .await
                {
                    Ok(Ok(response)) => {
                        backend.stats.up.store(true, Ordering::Relaxed);
                        backend.stats.record_latency(started.elapsed());
                        if response.status().is_server_error() {
                            backend.stats.server_errors.fetch_add(1, Ordering::Relaxed);
                        }
                        return Ok(Answered { response, backend });
                    }
                    Ok(Err(err)) if err.is_connect() => Failure::Connect(describe(&err)),
                    Ok(Err(err)) => Failure::Exchange(describe(&err)),
                    Err(_) => Failure::Timeout,
                };
            backend.stats.failures.fetch_add(1, Ordering::Relaxed);
            backend.stats.up.store(false, Ordering::Relaxed);
            tried.push(position);
            let safe = match &failure {
                Failure::Connect(_) => outgoing.body.is_untouched(),
                Failure::Exchange(_) => is_idempotent(&outgoing.method) && outgoing.body.is_empty(),
                Failure::Timeout => false,
            };
            let next = (may_retry && safe && tried.len() <= self.retries)
                .then(|| pool.pick_untried(&tried))
                .flatten();
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
}

fn build_request(
    outgoing: &Outgoing,
    headers: HeaderMap,
    backend: &Backend,
) -> Request<UpstreamBody> {
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(Scheme::HTTP);
    parts.authority = Some(backend.authority.clone());
    parts.path_and_query = Some(outgoing.path_and_query.clone());
    let uri = Uri::from_parts(parts).unwrap_or_default();
    let mut request = Request::new(outgoing.body.attempt());
    *request.method_mut() = outgoing.method.clone();
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    *request.headers_mut() = headers;
    request
}

/// RFC 9110 §9.2.2.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

impl Failure {
    fn reason(&self) -> &str {
        match self {
            Failure::Connect(reason) | Failure::Exchange(reason) => reason,
            Failure::Timeout => "timed out",
        }
    }

    fn into_error(self, route: &Route, backend: &Backend, timeout: Duration) -> ProxyError {
        let route = route.def.name.clone();
        let backend = backend.authority.to_string();
        match self {
            Failure::Connect(reason) | Failure::Exchange(reason) => ProxyError::BadGateway {
                route,
                backend,
                reason,
            },
            Failure::Timeout => ProxyError::GatewayTimeout {
                route,
                backend,
                seconds: timeout.as_secs_f64(),
            },
        }
    }
}

/// Counts the connections the pool opens; requests beyond that reused a pooled connection.
#[derive(Clone)]
struct CountingConnector {
    inner: HttpConnector,
    opened: Arc<AtomicU64>,
}

type Connecting = Pin<
    Box<
        dyn Future<
                Output = Result<
                    <HttpConnector as tower_service::Service<Uri>>::Response,
                    <HttpConnector as tower_service::Service<Uri>>::Error,
                >,
            > + Send,
    >,
>;

impl tower_service::Service<Uri> for CountingConnector {
    type Response = <HttpConnector as tower_service::Service<Uri>>::Response;
    type Error = <HttpConnector as tower_service::Service<Uri>>::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let opened = self.opened.clone();
        Box::pin(async move {
            let connection = connecting.await?;
            opened.fetch_add(1, Ordering::Relaxed);
            Ok(connection)
        })
    }
}
