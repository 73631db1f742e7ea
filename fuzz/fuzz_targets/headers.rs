//! The header rewrite between client and task (`proxy::headers`), on a request head written as
//! text: an options line, then `Name: value` lines, e.g.
//!
//! ```text
//! @ client=192.0.2.7 host=example.com:8080 port=80 tls trusted prefix=/api replaced=/old
//! Connection: keep-alive, X-Secret
//! X-Secret: 1
//! ```
//!
//! Invariants: after `remove_hop_by_hop` no hop-by-hop header is left, nor one `Connection`
//! named, `TE` only as one `trailers` when a TE value lists it, every other header untouched, and doing it again changes
//! nothing; an upgrade is never to `h2c` and is passed on as `Upgrade` plus `Connection:
//! upgrade`; after `add_forwarded` there is one `X-Forwarded-For`, ending with the client, and
//! unless the client is trusted every `X-Forwarded-*`, `X-Real-Ip` and `X-Replaced-Path` is
//! hawser's own.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use hawser::proxy::headers::{Forwarded, add_forwarded, remove_hop_by_hop, upgrade_protocol};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "http2-settings",
];

#[derive(Default)]
struct Head {
    headers: HeaderMap,
    client_ip: Option<IpAddr>,
    host: Option<HeaderValue>,
    local_port: u16,
    tls: bool,
    trusted: bool,
    prefix: Option<String>,
    replaced: Vec<String>,
}

fn read(text: &str) -> Head {
    let mut head = Head {
        local_port: 80,
        ..Head::default()
    };
    for line in text.lines() {
        if let Some(options) = line.strip_prefix('@') {
            for option in options.split_whitespace() {
                match option.split_once('=') {
                    Some(("client", ip)) => head.client_ip = ip.parse().ok(),
                    Some(("host", host)) => head.host = HeaderValue::from_str(host).ok(),
                    Some(("port", port)) => head.local_port = port.parse().unwrap_or(80),
                    Some(("prefix", prefix)) => head.prefix = Some(prefix.to_owned()),
                    Some(("replaced", path)) => head.replaced.push(path.to_owned()),
                    None if option == "tls" => head.tls = true,
                    None if option == "trusted" => head.trusted = true,
                    _ => {}
                }
            }
        } else if let Some((name, value)) = line.split_once(':') {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.trim().as_bytes()),
                HeaderValue::from_str(value.trim()),
            ) {
                head.headers.append(name, value);
            }
        }
    }
    head
}

/// The names `Connection` lists, as `remove_hop_by_hop` reads them.
fn connection_names(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all("connection")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect()
}

fn values<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Vec<&'a HeaderValue> {
    headers.get_all(name).iter().collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let head = read(text);
    let original = head.headers.clone();
    let named = connection_names(&original);

    let upgrade = upgrade_protocol(&original);
    if let Some(protocol) = &upgrade {
        let protocol = protocol.to_str().unwrap_or_default();
        assert!(
            !protocol
                .split(',')
                .any(|token| token.trim().eq_ignore_ascii_case("h2c")),
            "an upgrade to h2c passed: {protocol:?}"
        );
    }

    let mut stripped = original.clone();
    remove_hop_by_hop(&mut stripped, None);
    for name in HOP_BY_HOP {
        assert!(!stripped.contains_key(name), "{name} left in {stripped:?}");
    }
    for name in named.iter().filter(|name| *name != "te") {
        assert!(
            !stripped.contains_key(name),
            "{name}, named by Connection, left"
        );
    }
    // TE goes, but for a single `TE: trailers` when any TE value lists `trailers`.
    let trailers = original.get_all("te").iter().any(|value| {
        value.to_str().is_ok_and(|text| {
            text.split(',').any(|member| {
                member
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .eq_ignore_ascii_case("trailers")
            })
        })
    });
    let te: Vec<_> = stripped.get_all("te").iter().collect();
    if trailers {
        assert_eq!(te, vec!["trailers"], "TE");
    } else {
        assert!(te.is_empty(), "TE: {te:?} left");
    }
    for name in original.keys() {
        let removed = HOP_BY_HOP.contains(&name.as_str()) || named.contains(name) || name == "te";
        if !removed {
            assert_eq!(
                values(&stripped, name),
                values(&original, name),
                "{name} changed"
            );
        }
    }
    let mut again = stripped.clone();
    remove_hop_by_hop(&mut again, None);
    assert_eq!(again, stripped, "a second pass changed the headers");

    let mut upgraded = original.clone();
    remove_hop_by_hop(&mut upgraded, upgrade.clone());
    if let Some(protocol) = &upgrade {
        assert_eq!(values(&upgraded, &http::header::UPGRADE), vec![protocol]);
        assert_eq!(upgraded.get_all("connection").iter().count(), 1);
        assert_eq!(upgraded["connection"], "upgrade");
    }

    let client_ip = head
        .client_ip
        .unwrap_or(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)));
    let forwarded = Forwarded {
        client_ip,
        trusted: head.trusted,
        host: head.host.as_ref(),
        local_port: head.local_port,
        tls: head.tls,
        stripped_prefix: head.prefix.as_deref(),
        replaced_paths: &head.replaced,
    };
    let mut out = stripped.clone();
    add_forwarded(&mut out, &forwarded);
    let client = client_ip.to_string();
    let chain: Vec<_> = out.get_all("x-forwarded-for").iter().collect();
    assert_eq!(chain.len(), 1, "X-Forwarded-For: {chain:?}");
    let chain = chain[0]
        .to_str()
        .expect("an X-Forwarded-For hawser wrote is text");
    assert!(
        chain == client || chain.ends_with(&format!(", {client}")),
        "X-Forwarded-For {chain:?} does not end with {client}"
    );
    let port = out["x-forwarded-port"].to_str().unwrap_or_default();
    assert!(port.parse::<u16>().is_ok(), "X-Forwarded-Port {port:?}");
    if !head.trusted {
        let proto = if head.tls { "https" } else { "http" };
        assert_eq!(
            values(&out, &HeaderName::from_static("x-forwarded-proto")),
            vec![proto]
        );
        assert_eq!(
            values(&out, &HeaderName::from_static("x-real-ip")),
            vec![client.as_str()]
        );
        let host: Vec<_> = head.host.iter().collect();
        assert_eq!(
            values(&out, &HeaderName::from_static("x-forwarded-host")),
            host
        );
        let replaced: Vec<&str> = head
            .replaced
            .iter()
            .map(String::as_str)
            .filter(|path| HeaderValue::from_str(path).is_ok())
            .collect();
        assert_eq!(
            values(&out, &HeaderName::from_static("x-replaced-path")),
            replaced,
            "X-Replaced-Path"
        );
        for name in out.keys() {
            if name.as_str().starts_with("x-forwarded-") {
                assert_eq!(out.get_all(name).iter().count(), 1, "{name} twice");
            }
        }
    }
    for name in stripped.keys() {
        let ours = name.as_str().starts_with("x-forwarded-")
            || name == "x-real-ip"
            || name == "x-replaced-path";
        if !ours {
            assert_eq!(
                values(&out, name),
                values(&stripped, name),
                "{name} changed"
            );
        }
    }
});
