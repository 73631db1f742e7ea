//! Header rewriting between client and backend.
//!
//! Hop-by-hop headers (RFC 9110 §7.6.1), including every header the `Connection` header names,
//! are removed *before* hawser adds its own `X-Forwarded-*` headers, so a client cannot make
//! hawser strip them (Traefik's CVE-2021-32813 and CVE-2024-45410 came from the other order).

use std::net::IpAddr;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

pub static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
pub static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
pub static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
pub static X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
pub static X_FORWARDED_PREFIX: HeaderName = HeaderName::from_static("x-forwarded-prefix");
pub static X_FORWARDED_SERVER: HeaderName = HeaderName::from_static("x-forwarded-server");
pub static X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");
pub static X_REPLACED_PATH: HeaderName = HeaderName::from_static("x-replaced-path");

static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
static PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// Headers that describe one connection, never the message.
fn fixed_hop_by_hop() -> [&'static HeaderName; 8] {
    [
        &header::CONNECTION,
        &KEEP_ALIVE,
        &PROXY_CONNECTION,
        &header::PROXY_AUTHENTICATE,
        &header::PROXY_AUTHORIZATION,
        &header::TRANSFER_ENCODING,
        &header::TRAILER,
        &header::UPGRADE,
    ]
}

/// Removes hop-by-hop headers. For a protocol upgrade, `Upgrade` and `Connection: upgrade`
/// must reach the other side, so they are put back afterwards.
pub fn remove_hop_by_hop(headers: &mut HeaderMap, upgrade: Option<HeaderValue>) {
    if headers.contains_key(header::CONNECTION) {
        let named: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
            .collect();
        for name in named {
            headers.remove(name);
        }
    }
    for name in fixed_hop_by_hop() {
        headers.remove(name);
    }
    // `TE: trailers` is the one TE value an HTTP/1.1 backend may usefully get.
    let te_trailers_only = headers
        .get(header::TE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"trailers"));
    if !te_trailers_only {
        headers.remove(header::TE);
    }
    if let Some(protocol) = upgrade {
        headers.insert(header::UPGRADE, protocol);
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// The `Upgrade` header of an HTTP/1.1 upgrade request (`Connection: upgrade` + `Upgrade`).
pub fn upgrade_protocol(headers: &HeaderMap) -> Option<HeaderValue> {
    let connection_upgrade = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    if connection_upgrade {
        headers.get(header::UPGRADE).cloned()
    } else {
        None
    }
}

/// What hawser knows about the request it forwards.
pub struct Forwarded<'a> {
    pub client_ip: IpAddr,
    /// The client is a trusted proxy: its `X-Forwarded-*` headers are kept.
    pub trusted: bool,
    /// `Host` as the client sent it, port included.
    pub host: Option<&'a HeaderValue>,
    /// The port the client connected to, when `Host` has none.
    pub local_port: u16,
    pub stripped_prefix: Option<&'a str>,
    pub replaced_path: Option<&'a str>,
}

/// Adds `X-Forwarded-*` and `X-Real-Ip`. `X-Forwarded-For` is always appended to; the others
/// are hawser's own unless the client is a trusted proxy that already set them.
pub fn add_forwarded(headers: &mut HeaderMap, forwarded: &Forwarded<'_>) {
    let client = forwarded.client_ip.to_string();
    let chain = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    let for_value = if chain.is_empty() {
        client.clone()
    } else {
        format!("{chain}, {client}")
    };
    if let Ok(value) = HeaderValue::from_str(&for_value) {
        headers.insert(&X_FORWARDED_FOR, value);
    }
    if !forwarded.trusted {
        for name in [
            &X_FORWARDED_PROTO,
            &X_FORWARDED_HOST,
            &X_FORWARDED_PORT,
            &X_FORWARDED_PREFIX,
            &X_FORWARDED_SERVER,
            &X_REAL_IP,
            &X_REPLACED_PATH,
        ] {
            headers.remove(name);
        }
    }
    set_if_absent(headers, &X_FORWARDED_PROTO, || {
        Some(HeaderValue::from_static("http"))
    });
    set_if_absent(headers, &X_FORWARDED_HOST, || forwarded.host.cloned());
    set_if_absent(headers, &X_FORWARDED_PORT, || {
        let port = forwarded
            .host
            .and_then(|host| host.to_str().ok())
            .and_then(port_of)
            .unwrap_or(forwarded.local_port);
        Some(HeaderValue::from(port))
    });
    set_if_absent(headers, &X_REAL_IP, || HeaderValue::from_str(&client).ok());
    if let Some(prefix) = forwarded
        .stripped_prefix
        .and_then(|p| HeaderValue::from_str(p).ok())
    {
        headers.insert(&X_FORWARDED_PREFIX, prefix);
    }
    if let Some(path) = forwarded
        .replaced_path
        .and_then(|p| HeaderValue::from_str(p).ok())
    {
        headers.insert(&X_REPLACED_PATH, path);
    }
}

fn set_if_absent(
    headers: &mut HeaderMap,
    name: &HeaderName,
    value: impl FnOnce() -> Option<HeaderValue>,
) {
    if !headers.contains_key(name) {
        if let Some(value) = value() {
            headers.insert(name, value);
        }
    }
}

/// The port in a `Host` value (`example.com:8080`, `[::1]:8080`).
fn port_of(host: &str) -> Option<u16> {
    let (_, port) = host.rsplit_once(':')?;
    if host.starts_with('[') && !host[..host.len() - port.len() - 1].ends_with(']') {
        return None;
    }
    port.parse().ok()
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;
