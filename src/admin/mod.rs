//! The admin listener: `/ping`, the JSON API ([`api`]), the dashboard ([`dashboard`]) and
//! Prometheus metrics ([`metrics`]), all read-only views of the same published state the
//! proxy uses.

pub mod api;
pub mod dashboard;
pub mod metrics;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::state::SharedState;

pub type AdminResponse = Response<Full<Bytes>>;

/// Serves the admin API until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    state: Arc<SharedState>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_secs(30));
    let metrics = Arc::new(metrics::Metrics::new(state.clone()));
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    debug!(error = %err, "admin accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (state, metrics) = (state.clone(), metrics.clone());
        let service = service_fn(move |request| {
            let (state, metrics) = (state.clone(), metrics.clone());
            async move { Ok::<_, Infallible>(route(&state, &metrics, &request)) }
        });
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                result = connection => if let Err(err) = result {
                    debug!(%peer, error = %err, "admin connection ended with an error");
                },
                () = shutdown.cancelled() => {}
            }
        });
    }
}

fn route(
    state: &SharedState,
    metrics: &metrics::Metrics,
    request: &Request<Incoming>,
) -> AdminResponse {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    match request.uri().path() {
        "/ping" => text(StatusCode::OK, "OK"),
        "/metrics" => metrics.render(),
        "/" | "/dashboard" => dashboard::redirect(),
        "/dashboard/" => dashboard::page(),
        "/dashboard/app.js" => dashboard::script(),
        "/dashboard/style.css" => dashboard::stylesheet(),
        "/api/routes" => api::routes(state),
        "/api/services" => api::services(state),
        "/api/backends" => api::backends(state),
        "/api/discovery" => api::discovery(state),
        "/api/entrypoints" => api::entry_points(state),
        "/api/certificates" => api::certificates(state),
        "/api/version" => api::version(),
        "/api/overview" => api::overview(state),
        _ => text(StatusCode::NOT_FOUND, "404 page not found\n"),
    }
}

pub fn text(status: StatusCode, body: &'static str) -> AdminResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

pub fn json(value: &impl serde::Serialize) -> AdminResponse {
    let body = serde_json::to_vec(value)
        .unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}").into_bytes());
    let mut response = Response::new(Full::new(Bytes::from(body)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Binds the admin listener (separately, so the caller can report the bound address).
pub async fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(address).await
}
