//! `errors` as the proxy runs it: the response of the rest of the chain passes through unless
//! the configuration catches its status; then it is dropped and the error page service (a
//! balancer the table resolved for the route) is asked for the page, whose headers and body go
//! to the client with the caught status. When the page cannot be had, the client gets the
//! status with its reason as text (Traefik's `http.Error`).

use http::header::{HOST, HeaderMap};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use tracing::{debug, warn};

use super::{Endpoint, Reply};
use crate::proxy::body::ProxyBody;
use crate::proxy::headers::remove_hop_by_hop;
use crate::proxy::request_body::RequestBody;
use crate::routing::middleware::uri::request_host;
use crate::routing::middleware::{Answer, Errors, MiddlewareDef, RequestContext};

pub fn run<'a>(
    config: &'a Errors,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    let (parts, body) = request.into_parts();
    let headers = page_headers(config, &parts.headers);
    let scheme = if context.tls { "https" } else { "http" };
    let url = format!("{scheme}://{}{}", request_host(&parts), parts.uri);
    Box::pin(async move {
        let response = super::run(rest, Request::from_parts(parts, body), context, endpoint).await;
        let original = response.status().as_u16();
        let Some(status) = config.catches(original) else {
            return response;
        };
        drop(response);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        debug!(original, %status, service = config.service, "errors: replacing the response");
        let calls = endpoint.calls();
        let Some(balancer) = calls.route.service(&config.service) else {
            warn!(
                service = config.service,
                "errors: the error page service is not in the table"
            );
            return Answer::status(status).into_response();
        };
        let path = config.page_path(status.as_u16(), original, &url);
        let Ok(uri) = path.parse::<Uri>() else {
            warn!(path, "errors: the error page's path is not a valid URI");
            return Answer::status(status).into_response();
        };
        let set_host = !headers.contains_key(HOST);
        let mut page = Request::new(RequestBody::Empty);
        *page.method_mut() = Method::GET;
        *page.uri_mut() = uri;
        *page.version_mut() = Version::HTTP_11;
        *page.headers_mut() = headers;
        match calls
            .upstream
            .forward_to(&config.service, balancer, page, set_host, None)
            .await
        {
            Ok(answered) => {
                let (mut parts, body) = answered.response.into_parts();
                remove_hop_by_hop(&mut parts.headers, None);
                parts.status = status;
                Response::from_parts(parts, ProxyBody::upstream(body))
            }
            Err(err) => {
                warn!(error = %err, "errors: no error page");
                Answer::status(status).into_response()
            }
        }
    })
}

/// The headers the error page service gets: all of the request's (its `Host` among them), or
/// only those listed; never a body's.
fn page_headers(config: &Errors, request: &HeaderMap) -> HeaderMap {
    let mut headers = match &config.request_headers {
        None => request.clone(),
        Some(names) => {
            let mut listed = HeaderMap::new();
            for name in names {
                for value in request.get_all(name) {
                    listed.append(name.clone(), value.clone());
                }
            }
            if let Some(host) = request.get(HOST) {
                listed.insert(HOST, host.clone());
            }
            listed
        }
    };
    for name in [
        http::header::CONTENT_LENGTH,
        http::header::TRANSFER_ENCODING,
        http::header::EXPECT,
    ] {
        headers.remove(name);
    }
    headers
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
