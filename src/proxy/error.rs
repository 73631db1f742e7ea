//! The answers hawser gives itself when it cannot forward a request.
//!
//! Bodies are short plain text and never name backends or addresses; the details go to the log.

use http::{HeaderValue, Response, StatusCode, header};
use thiserror::Error;

use super::body::ProxyBody;

#[derive(Debug, Error)]
pub enum ProxyError {
    #[error("no route matches the request")]
    NoRoute,
    #[error("route {route} has no running backend")]
    NoBackend { route: String },
    #[error("backend {backend} of route {route} failed: {reason}")]
    BadGateway {
        route: String,
        backend: String,
        reason: String,
    },
    #[error("backend {backend} of route {route} sent no response headers within {seconds:.1} s")]
    GatewayTimeout {
        route: String,
        backend: String,
        seconds: f64,
    },
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge { limit: u64 },
    #[error("the request body could not be read: {reason}")]
    BadBody { reason: String },
}

impl ProxyError {
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::NoRoute => StatusCode::NOT_FOUND,
            ProxyError::NoBackend { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ProxyError::BadGateway { .. } => StatusCode::BAD_GATEWAY,
            ProxyError::GatewayTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ProxyError::BadBody { .. } => StatusCode::BAD_REQUEST,
        }
    }

    /// The client's own fault, after which its connection may be out of step (part of a body
    /// left unread): HTTP/1 answers close it.
    pub fn is_clients_fault(&self) -> bool {
        matches!(
            self,
            ProxyError::BodyTooLarge { .. } | ProxyError::BadBody { .. }
        )
    }

    pub fn to_response(&self) -> Response<ProxyBody> {
        let text = match self {
            ProxyError::NoRoute => "404 page not found\n",
            ProxyError::NoBackend { .. } => {
                "503 Service Unavailable: no running, healthy task for this route\n"
            }
            ProxyError::BadGateway { .. } => "502 Bad Gateway\n",
            ProxyError::GatewayTimeout { .. } => "504 Gateway Timeout\n",
            ProxyError::BodyTooLarge { .. } => {
                "413 Content Too Large: the request body is larger than the limit\n"
            }
            ProxyError::BadBody { .. } => {
                "400 Bad Request: the request body is malformed or incomplete\n"
            }
        };
        text_response(self.status(), text)
    }
}

/// A small `text/plain` response.
pub fn text_response(status: StatusCode, text: &'static str) -> Response<ProxyBody> {
    let mut response = Response::new(ProxyBody::text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
