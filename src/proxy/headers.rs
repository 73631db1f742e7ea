//! Header rewriting between client and backend.
//!
//! Hop-by-hop headers (RFC 9110 §7.6.1), including every header the `Connection` header names,
//! are removed *before* hawser adds its own `X-Forwarded-*` headers, so a client cannot make
//! hawser strip them (Traefik's CVE-2021-32813 and CVE-2024-45410 came from the other order).
//!
//! An upgrade to `h2c` is never passed on (h2c smuggling: a task that switched protocols would
//! take HTTP/2 requests hawser never routed): `Upgrade: h2c` and `HTTP2-Settings` are dropped,
//! and the client is answered in HTTP/1.1, as nginx does. Other upgrades pass as before.

use std::net::IpAddr;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use smallvec::SmallVec;

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
/// RFC 7540 §3.2.1: hop-by-hop, meant for the `h2c` upgrade only.
static HTTP2_SETTINGS: HeaderName = HeaderName::from_static("http2-settings");

/// Headers that describe one connection, never the message (`TE` is handled apart).
fn is_hop_by_hop(name: &HeaderName) -> bool {
    name == header::CONNECTION
        || name == KEEP_ALIVE
        || name == PROXY_CONNECTION
        || name == header::PROXY_AUTHENTICATE
        || name == header::PROXY_AUTHORIZATION
        || name == header::TRANSFER_ENCODING
        || name == header::TRAILER
        || name == header::UPGRADE
        || name == HTTP2_SETTINGS
}

/// Removes hop-by-hop headers. For a protocol upgrade, `Upgrade` and `Connection: upgrade`
/// must reach the other side, so they are put back afterwards.
///
/// One pass over the header names finds what to remove; most requests carry none of these, and
/// then nothing else is looked up.
pub fn remove_hop_by_hop(headers: &mut HeaderMap, upgrade: Option<HeaderValue>) {
    let mut doomed: SmallVec<[HeaderName; 4]> = SmallVec::new();
    let mut keep_trailers = false;
    for name in headers.keys() {
        if name == header::TE {
            keep_trailers = headers.get_all(header::TE).iter().any(lists_trailers);
            doomed.push(name.clone());
        } else if is_hop_by_hop(name) {
            doomed.push(name.clone());
        }
    }
    let named_by_connection: SmallVec<[HeaderName; 4]> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect();
    for name in doomed.into_iter().chain(named_by_connection) {
        headers.remove(name);
    }
    // `TE: trailers` is the one TE value an HTTP/1.1 backend may usefully get: it goes on,
    // alone, when any TE value lists it, as Go's reverse proxy does (and Traefik with it).
    // Every other TE value is dropped, even one after a `TE: trailers` line.
    if keep_trailers {
        headers.insert(header::TE, HeaderValue::from_static("trailers"));
    }
    if let Some(protocol) = upgrade {
        headers.insert(header::UPGRADE, protocol);
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// Whether a TE value lists `trailers` (`TE: trailers, deflate;q=0.5`).
fn lists_trailers(value: &HeaderValue) -> bool {
    value.to_str().is_ok_and(|text| {
        text.split(',').any(|member| {
            let coding = member.split(';').next().unwrap_or_default();
            coding.trim().eq_ignore_ascii_case("trailers")
        })
    })
}

/// The `Upgrade` header of an HTTP/1.1 upgrade request (`Connection: upgrade` + `Upgrade`),
/// without `h2c`: `None` when nothing else is asked for.
pub fn upgrade_protocol(headers: &HeaderMap) -> Option<HeaderValue> {
    let connection_upgrade = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    if !connection_upgrade {
        return None;
    }
    let upgrade = headers.get(header::UPGRADE)?;
    let asks_h2c = |protocol: &str| protocol.trim().eq_ignore_ascii_case("h2c");
    let text = upgrade.to_str().ok()?;
    if !text.split(',').any(asks_h2c) {
        return Some(upgrade.clone());
    }
    let others: Vec<&str> = text
        .split(',')
        .filter(|protocol| !asks_h2c(protocol) && !protocol.trim().is_empty())
        .map(str::trim)
        .collect();
    if others.is_empty() {
        return None;
    }
    HeaderValue::from_str(&others.join(", ")).ok()
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
    /// The client connected with TLS: `X-Forwarded-Proto: https`.
    pub tls: bool,
    pub stripped_prefix: Option<&'a str>,
    /// The path before each replacement, in order: one `X-Replaced-Path` value each.
    pub replaced_paths: &'a [String],
}

/// Adds `X-Forwarded-*` and `X-Real-Ip`. `X-Forwarded-For` is always appended to; the others
/// are hawser's own unless the client is a trusted proxy that already set them.
pub fn add_forwarded(headers: &mut HeaderMap, forwarded: &Forwarded<'_>) {
    let client = HeaderValue::from_maybe_shared(Bytes::from(forwarded.client_ip.to_string()))
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
    let for_value = if headers.contains_key(&X_FORWARDED_FOR) {
        let mut chain = headers
            .get_all(&X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
            .join(", ");
        chain.push_str(", ");
        chain.push_str(client.to_str().unwrap_or_default());
        HeaderValue::from_maybe_shared(Bytes::from(chain)).unwrap_or_else(|_| client.clone())
    } else {
        client.clone()
    };
    headers.insert(&X_FORWARDED_FOR, for_value);
    if !forwarded.trusted {
        let spoofable: SmallVec<[HeaderName; 2]> = headers
            .keys()
            .filter(|name| name.as_str().starts_with("x-forwarded-") && **name != X_FORWARDED_FOR)
            .chain(
                headers
                    .keys()
                    .filter(|name| **name == X_REAL_IP || **name == X_REPLACED_PATH),
            )
            .cloned()
            .collect();
        for name in spoofable {
            headers.remove(name);
        }
    }
    set_if_absent(headers, &X_FORWARDED_PROTO, || {
        Some(HeaderValue::from_static(if forwarded.tls {
            "https"
        } else {
            "http"
        }))
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
    set_if_absent(headers, &X_REAL_IP, || Some(client));
    if let Some(prefix) = forwarded
        .stripped_prefix
        .and_then(|p| HeaderValue::from_str(p).ok())
    {
        headers.insert(&X_FORWARDED_PREFIX, prefix);
    }
    let mut replaced = forwarded
        .replaced_paths
        .iter()
        .filter_map(|path| HeaderValue::from_str(path).ok());
    if let Some(first) = replaced.next() {
        headers.insert(&X_REPLACED_PATH, first);
        for later in replaced {
            headers.append(&X_REPLACED_PATH, later);
        }
    }
}

fn set_if_absent(
    headers: &mut HeaderMap,
    name: &HeaderName,
    value: impl FnOnce() -> Option<HeaderValue>,
) {
    if let header::Entry::Vacant(vacant) = headers.entry(name) {
        if let Some(value) = value() {
            vacant.insert(value);
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
