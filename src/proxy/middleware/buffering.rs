//! `buffering` as the proxy runs it: the request body read whole (413 past
//! `maxRequestBodyBytes`, at once when `Content-Length` says so), then sent, and sent again
//! while `retryExpression` holds; the response read whole when it has a limit (500 past it).
//! The decisions are the configuration's ([`Buffering::retries`]).

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, HeaderValue, TRANSFER_ENCODING};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use tracing::debug;

use super::{Endpoint, Reply};
use crate::proxy::body::ProxyBody;
use crate::proxy::request_body::{ReadError, RequestBody};
use crate::routing::middleware::retry_expression::Facts;
use crate::routing::middleware::{Answer, Buffering, MiddlewareDef, RequestContext};

pub fn run<'a>(
    config: &'a Buffering,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    Box::pin(async move {
        let (mut parts, body) = request.into_parts();
        let body = if config.buffer_request {
            let declared = parts
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
            if let (Some(limit), Some(length)) = (config.max_request_body_bytes, declared) {
                if length > limit {
                    return too_large();
                }
            }
            match body.read_whole(config.max_request_body_bytes).await {
                Ok(whole) => whole,
                Err(ReadError::TooLarge(_)) => return too_large(),
                Err(ReadError::Client(err)) => {
                    debug!(error = %err, "buffering: the request body could not be read");
                    return Answer::status(err.status()).into_response();
                }
            }
        } else {
            body
        };
        if let Some(length) = body.buffered_len() {
            parts.headers.remove(TRANSFER_ENCODING);
            if length > 0 || parts.headers.contains_key(CONTENT_LENGTH) {
                parts
                    .headers
                    .insert(CONTENT_LENGTH, HeaderValue::from(length));
            }
        }
        let mut body = body;
        let mut attempts = 0;
        let response = loop {
            attempts += 1;
            let again = body.replay();
            let request = Request::from_parts(parts.clone(), body);
            let response = super::run(rest, request, context, endpoint).await;
            let facts = Facts {
                attempts,
                response_code: response.status().as_u16(),
                method: parts.method.as_str(),
            };
            match again {
                Some(next) if config.retries(&facts) => {
                    debug!(
                        attempts,
                        status = facts.response_code,
                        "buffering: replaying"
                    );
                    body = next;
                }
                _ => break response,
            }
        };
        match (config.buffer_response, config.max_response_body_bytes) {
            (true, Some(limit)) => held(response, limit).await,
            _ => response,
        }
    })
}

/// oxy's answer to a request body over the limit.
fn too_large() -> Response<ProxyBody> {
    Answer::text(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large\n").into_response()
}

/// The response read whole, or 500 when it is longer than `limit`.
async fn held(response: Response<ProxyBody>, limit: u64) -> Response<ProxyBody> {
    let (mut parts, mut body) = response.into_parts();
    let mut read = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Answer::text(StatusCode::BAD_GATEWAY, "Bad Gateway\n").into_response();
        };
        if let Ok(data) = frame.into_data() {
            read.extend_from_slice(&data);
            if read.len() as u64 > limit {
                debug!(
                    limit,
                    "buffering: the response is longer than maxResponseBodyBytes"
                );
                return Answer::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n")
                    .into_response();
            }
        }
    }
    let read: Bytes = read.freeze();
    parts.headers.remove(TRANSFER_ENCODING);
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(read.len()));
    Response::from_parts(parts, ProxyBody::text(read))
}

#[cfg(test)]
#[path = "buffering_tests.rs"]
mod tests;
