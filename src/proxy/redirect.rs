//! An entry point's redirect to HTTPS (`--entrypoint web=:80;redirect=websecure`), as
//! Traefik's `entryPoints.web.http.redirections.entryPoint` (a `redirectScheme` to `https`
//! with the target entry point's port, permanent): the same host and path, `https://`, the
//! port left out when it is 443.
//!
//! 301 for GET and HEAD, 308 for other methods (which must be repeated with their body).
//! Traefik answers HEAD with 308 (its `moveHandler` tests for GET alone); a HEAD is asked
//! for what a GET would get, so it gets the same.

use http::header::{self, HeaderValue};
use http::{Method, Response, StatusCode};

use super::body::ProxyBody;
use super::error::text_response;

/// The answer to a request for `host` (the `Host` header as sent) and `path_and_query`.
pub fn to_https(
    method: &Method,
    host: &str,
    port: u16,
    path_and_query: &str,
) -> Response<ProxyBody> {
    let Some(location) = location(host, port, path_and_query) else {
        return text_response(StatusCode::BAD_REQUEST, "400 Bad Request: no Host\n");
    };
    let status = if method == Method::GET || method == Method::HEAD {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    let Ok(value) = HeaderValue::from_str(&location) else {
        return text_response(StatusCode::BAD_REQUEST, "400 Bad Request: bad Host\n");
    };
    let mut response = text_response(
        status,
        if status == StatusCode::MOVED_PERMANENTLY {
            "Moved Permanently\n"
        } else {
            "Permanent Redirect\n"
        },
    );
    response.headers_mut().insert(header::LOCATION, value);
    response
}

/// `https://host[:port]/path?query`, or `None` without a host.
fn location(host: &str, port: u16, path_and_query: &str) -> Option<String> {
    let host = without_port(host.trim());
    if host.is_empty() {
        return None;
    }
    let path = if path_and_query.starts_with('/') {
        path_and_query
    } else {
        "/"
    };
    Some(match port {
        443 => format!("https://{host}{path}"),
        port => format!("https://{host}:{port}{path}"),
    })
}

/// `example.com:80` → `example.com`, `[::1]:80` → `[::1]` (brackets kept: the URL needs them).
fn without_port(host: &str) -> &str {
    let port_start = match host.rfind(']') {
        Some(bracket) => host[bracket..].find(':').map(|colon| bracket + colon),
        None => host.rfind(':'),
    };
    match port_start {
        Some(colon) if host[colon + 1..].bytes().all(|byte| byte.is_ascii_digit()) => {
            &host[..colon]
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_keeps_host_path_and_query_and_takes_the_entry_points_port() {
        for (host, port, target, expected) in [
            ("example.com", 443, "/a?b=c", "https://example.com/a?b=c"),
            ("example.com:80", 443, "/", "https://example.com/"),
            ("example.com:8080", 8443, "/x", "https://example.com:8443/x"),
            ("[::1]:80", 443, "/", "https://[::1]/"),
            ("[::1]", 8443, "/", "https://[::1]:8443/"),
            ("example.com", 443, "*", "https://example.com/"),
        ] {
            assert_eq!(
                location(host, port, target).as_deref(),
                Some(expected),
                "{host} {target}"
            );
        }
        assert_eq!(location("", 443, "/"), None);
        assert_eq!(location(":80", 443, "/"), None);
    }

    #[test]
    fn get_and_head_are_moved_permanently_other_methods_permanently_redirected() {
        for (method, status) in [
            (Method::GET, StatusCode::MOVED_PERMANENTLY),
            (Method::HEAD, StatusCode::MOVED_PERMANENTLY),
            (Method::POST, StatusCode::PERMANENT_REDIRECT),
            (Method::PUT, StatusCode::PERMANENT_REDIRECT),
        ] {
            let response = to_https(&method, "example.com", 443, "/p");
            assert_eq!(response.status(), status, "{method}");
            assert_eq!(response.headers()["location"], "https://example.com/p");
        }
        let response = to_https(&Method::GET, "", 443, "/");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
}
