//! `forwardAuth` as the proxy runs it: the auth request built from the configuration
//! ([`ForwardAuth::request_headers`]), sent with [`client::send`] over the worker's pool (30 s,
//! Traefik's client timeout), and its answer acted on. A server that cannot be reached gets
//! the client a 500 with no body, and a log line, as in Traefik.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, HOST, HeaderValue, LOCATION, SET_COOKIE};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::BodyExt;
use tracing::{debug, warn};

use super::{Endpoint, Reply, client};
use crate::proxy::body::ProxyBody;
use crate::proxy::pool::PooledBody;
use crate::proxy::request_body::{BodyError, ReadError, RequestBody};
use crate::routing::middleware::forward_auth::remove_hop_headers;
use crate::routing::middleware::{ForwardAuth, MiddlewareDef, RequestContext};

/// Traefik's forwardAuth client timeout.
const AUTH_TIMEOUT: Duration = Duration::from_secs(30);

pub fn run<'a>(
    config: &'a ForwardAuth,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    Box::pin(async move {
        let (mut parts, mut body) = request.into_parts();
        let tunnel = parts.method == Method::CONNECT && !parts.headers.contains_key(CONTENT_LENGTH);
        let mut auth_body = RequestBody::Empty;
        if config.forward_body && !tunnel {
            match body.read_whole(config.max_body_size).await {
                Ok(whole) => {
                    auth_body = whole.replay().unwrap_or(RequestBody::Empty);
                    body = whole;
                }
                Err(ReadError::TooLarge(_)) => return bare(StatusCode::UNAUTHORIZED),
                Err(ReadError::Client(err @ BodyError::TooLarge { .. })) => {
                    return bare(err.status());
                }
                Err(ReadError::Client(err)) => {
                    debug!(error = %err, "forwardAuth: the request body could not be read");
                    return bare(StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
        }
        let mut headers = config.request_headers(&parts, context);
        if let Some(authority) = config.address.authority() {
            if let Ok(host) = HeaderValue::from_str(authority.as_str()) {
                headers.insert(HOST, host);
            }
        }
        match auth_body.buffered_len() {
            Some(0) | None => {}
            Some(length) => {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
            }
        }
        let mut auth = Request::new(auth_body);
        *auth.method_mut() = config.method(&parts);
        *auth.uri_mut() = config
            .address
            .path_and_query()
            .map_or_else(|| Uri::from_static("/"), |path| Uri::from(path.clone()));
        *auth.version_mut() = Version::HTTP_11;
        *auth.headers_mut() = headers;
        let (host, port) = config.server();
        let upstream = endpoint.calls().upstream;
        let answer = match client::send(upstream, host, port, auth, AUTH_TIMEOUT).await {
            Ok(answer) => answer,
            Err(reason) => {
                warn!(address = %config.address, reason, "forwardAuth: error calling the authentication server");
                return bare(StatusCode::INTERNAL_SERVER_ERROR);
            }
        };
        let (mut answer, answer_body) = answer.into_parts();
        let answer_body = match read(answer_body, config.max_response_body_size).await {
            Ok(bytes) => bytes,
            Err(status) => return bare(status),
        };
        if answer.status == StatusCode::UNAUTHORIZED {
            if let Some(signin) = &config.auth_signin_url {
                return redirect(signin);
            }
        }
        if !answer.status.is_success() {
            debug!(address = %config.address, status = %answer.status, "forwardAuth: refused");
            remove_hop_headers(&mut answer.headers);
            let location = answer
                .headers
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(|location| config.location(location));
            if let Some(value) = location.and_then(|text| HeaderValue::from_str(&text).ok()) {
                answer.headers.insert(LOCATION, value);
            }
            return Response::from_parts(answer, ProxyBody::text(answer_body));
        }
        config.copy_granted_headers(&answer.headers, &mut parts.headers);
        let cookies: Vec<HeaderValue> =
            answer.headers.get_all(SET_COOKIE).iter().cloned().collect();
        let mut response =
            super::run(rest, Request::from_parts(parts, body), context, endpoint).await;
        if !cookies.is_empty() {
            config.merge_cookies(&cookies, response.headers_mut());
        }
        response
    })
}

/// The answer's body, at most `limit` bytes: past it 401, a failure 500 (Traefik's).
async fn read(mut body: PooledBody, limit: Option<u64>) -> Result<Bytes, StatusCode> {
    let mut read = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        if let Ok(data) = frame.into_data() {
            read.extend_from_slice(&data);
            if limit.is_some_and(|limit| read.len() as u64 > limit) {
                return Err(StatusCode::UNAUTHORIZED);
            }
        }
    }
    Ok(read.freeze())
}

/// A status with no body, as Traefik's `rw.WriteHeader` answers.
fn bare(status: StatusCode) -> Response<ProxyBody> {
    let mut response = Response::new(ProxyBody::empty());
    *response.status_mut() = status;
    response
}

/// Go's `http.Redirect` with 302.
fn redirect(location: &str) -> Response<ProxyBody> {
    let mut response = Response::new(ProxyBody::text(format!(
        "<a href=\"{location}\">Found</a>.\n\n"
    )));
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

#[cfg(test)]
#[path = "forward_auth_tests.rs"]
mod tests;
