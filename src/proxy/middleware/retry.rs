//! `retry` as the proxy runs it: the policy goes to the forward step with the request
//! ([`RetryPolicy`]), which sends it again as the policy allows (see `crate::proxy::forward`).
//! Retrying there rather than re-running the middlewares after this one keeps them from
//! counting, authenticating or rewriting the same request twice; Traefik retries only failures
//! of its proxy step (and, in v3.7, its responses' statuses), so what a client sees is the same.
//!
//! For status retries the body must be sent again: it is read whole first, up to
//! `maxRequestBodyBytes`; a longer body is sent as it comes, and only connection failures are
//! retried for it, as in Traefik.

use http::{Request, StatusCode};
use tracing::debug;

use super::{Endpoint, Reply};
use crate::proxy::forward::RetryPolicy;
use crate::proxy::request_body::{BodyError, ReadError, RequestBody};
use crate::routing::middleware::{Answer, MiddlewareDef, RequestContext, Retry};

pub fn run<'a>(
    config: &'a Retry,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    Box::pin(async move {
        if config.attempts == 1 {
            return super::run(rest, request, context, endpoint).await;
        }
        let (mut parts, body) = request.into_parts();
        let body = if config.status_applies_to(&parts.method) && !body.is_replayable() {
            match body.read_whole(config.max_request_body_bytes).await {
                Ok(whole) => whole,
                Err(ReadError::TooLarge(partial)) => partial,
                Err(ReadError::Client(err @ BodyError::TooLarge { .. })) => {
                    return Answer::status(err.status()).into_response();
                }
                Err(ReadError::Client(err)) => {
                    debug!(error = %err, "retry: the request body could not be read");
                    return Answer::status(StatusCode::INTERNAL_SERVER_ERROR).into_response();
                }
            }
        } else {
            body
        };
        parts.extensions.insert(RetryPolicy(config.clone()));
        super::run(rest, Request::from_parts(parts, body), context, endpoint).await
    })
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
