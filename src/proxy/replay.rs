//! The copy of a request kept so that it can be sent again after a failed attempt, and what
//! decides whether it may be (RFC 9110 §9.2.2's idempotent methods).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Instant;

use http::{HeaderMap, Method, Request, Uri, Version};
use http_body::Body;

use super::request_body::RequestBody;

/// What it takes to send a request again: its head, and its body when held whole.
pub(super) struct Replay {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: RequestBody,
    /// Idempotent: may be sent again after a failure that may have reached the backend (a
    /// status retry of another method is the `retry` middleware's explicit choice).
    pub after_failure: bool,
}

impl Replay {
    /// The copy to keep, when the request may be sent again: its body can be, and it is
    /// idempotent or `retries_status` (a `retry` middleware retries its method on statuses).
    pub fn of(
        request: &Request<RequestBody>,
        may_retry: bool,
        retries_status: bool,
    ) -> Option<Replay> {
        if !may_retry {
            return None;
        }
        let method = request.method();
        let after_failure = is_idempotent(method);
        if !(after_failure || retries_status) {
            return None;
        }
        let body = match request.body() {
            body if body.is_end_stream() => RequestBody::Empty,
            body => body.replay()?,
        };
        Some(Replay {
            method: method.clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
            body,
            after_failure,
        })
    }

    pub fn request(&self) -> Request<RequestBody> {
        let body = self.body.replay().unwrap_or(RequestBody::Empty);
        let mut request = Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.version_mut() = Version::HTTP_11;
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// A number in `[0, 1)` for backoff jitter: std's randomly keyed hasher, which is random
/// enough for spreading retries and needs no crate.
pub(super) fn jitter() -> f64 {
    let bits = RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// RFC 9110 §9.2.2.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}
