use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use http::header::{HeaderMap, HeaderValue};

use super::*;

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

fn forwarded<'a>(host: Option<&'a HeaderValue>, trusted: bool) -> Forwarded<'a> {
    Forwarded {
        client_ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)),
        trusted,
        host,
        local_port: 80,
        tls: false,
        stripped_prefix: None,
        replaced_paths: &[],
    }
}

#[test]
fn the_forwarded_proto_is_https_for_tls_connections_unless_a_trusted_proxy_said_otherwise() {
    let mut map = HeaderMap::new();
    let tls = Forwarded {
        tls: true,
        ..forwarded(None, false)
    };
    add_forwarded(&mut map, &tls);
    assert_eq!(map["x-forwarded-proto"], "https");
    assert_eq!(
        map["x-forwarded-port"], "80",
        "the listener's port, as before"
    );
    let mut map = headers(&[("x-forwarded-proto", "http")]);
    add_forwarded(&mut map, &tls);
    assert_eq!(
        map["x-forwarded-proto"], "https",
        "a client's own is replaced"
    );
    let mut map = headers(&[("x-forwarded-proto", "http")]);
    let trusted = Forwarded {
        tls: true,
        ..forwarded(None, true)
    };
    add_forwarded(&mut map, &trusted);
    assert_eq!(
        map["x-forwarded-proto"], "http",
        "a trusted proxy's is kept"
    );
}

#[test]
fn hop_by_hop_headers_and_those_named_in_connection_are_removed() {
    let mut map = headers(&[
        ("connection", "keep-alive, X-Secret"),
        ("connection", "x-other"),
        ("keep-alive", "timeout=5"),
        ("proxy-connection", "keep-alive"),
        ("proxy-authorization", "Basic x"),
        ("te", "gzip"),
        ("trailer", "x-checksum"),
        ("transfer-encoding", "chunked"),
        ("upgrade", "websocket"),
        ("x-secret", "1"),
        ("x-other", "2"),
        ("x-kept", "3"),
        ("accept", "*/*"),
    ]);
    remove_hop_by_hop(&mut map, None);
    let mut left: Vec<&str> = map.keys().map(|name| name.as_str()).collect();
    left.sort_unstable();
    assert_eq!(left, vec!["accept", "x-kept"]);
}

#[test]
fn te_trailers_survives() {
    let mut map = headers(&[("te", "trailers")]);
    remove_hop_by_hop(&mut map, None);
    assert_eq!(map["te"], "trailers");
}

#[test]
fn only_trailers_is_passed_on_of_several_te_values() {
    // Found by the `headers` fuzz target's invariant: a `TE: gzip` line after `TE: trailers`
    // used to reach the task, as only the first TE value was looked at.
    let mut map = headers(&[("te", "trailers"), ("te", "gzip")]);
    remove_hop_by_hop(&mut map, None);
    let left: Vec<_> = map.get_all("te").iter().collect();
    assert_eq!(left, vec!["trailers"]);
    // As Go's reverse proxy: `trailers` listed anywhere, even beside other codings or with
    // `Connection: TE` (which RFC 9110 asks a TE sender for), gives `TE: trailers` alone.
    for pairs in [
        &[("te", "gzip, Trailers;q=1")][..],
        &[("te", "trailers"), ("connection", "TE")][..],
    ] {
        let mut map = headers(pairs);
        remove_hop_by_hop(&mut map, None);
        assert_eq!(
            map.get_all("te").iter().collect::<Vec<_>>(),
            vec!["trailers"],
            "{pairs:?}"
        );
    }
    let mut map = headers(&[("te", "gzip"), ("te", "deflate;q=0.5")]);
    remove_hop_by_hop(&mut map, None);
    assert!(!map.contains_key("te"));
}

#[test]
fn an_upgrade_keeps_upgrade_and_connection() {
    let mut map = headers(&[
        ("connection", "Upgrade, x-drop"),
        ("upgrade", "websocket"),
        ("x-drop", "1"),
        ("sec-websocket-key", "abc"),
    ]);
    let protocol = upgrade_protocol(&map);
    assert_eq!(
        protocol.as_ref().map(|v| v.as_bytes()),
        Some(&b"websocket"[..])
    );
    remove_hop_by_hop(&mut map, protocol);
    assert_eq!(map["upgrade"], "websocket");
    assert_eq!(map["connection"], "upgrade");
    assert!(!map.contains_key("x-drop"));
    assert_eq!(map["sec-websocket-key"], "abc");
    assert!(upgrade_protocol(&headers(&[("upgrade", "websocket")])).is_none());
}

#[test]
fn forwarded_headers_are_set_and_x_forwarded_for_appended() {
    let host = HeaderValue::from_static("example.com:8443");
    let mut map = headers(&[
        ("x-forwarded-for", "203.0.113.1"),
        ("x-forwarded-for", "10.0.0.1"),
    ]);
    add_forwarded(&mut map, &forwarded(Some(&host), false));
    assert_eq!(map["x-forwarded-for"], "203.0.113.1, 10.0.0.1, 192.0.2.7");
    assert_eq!(map["x-forwarded-proto"], "http");
    assert_eq!(map["x-forwarded-host"], "example.com:8443");
    assert_eq!(map["x-forwarded-port"], "8443");
    assert_eq!(map["x-real-ip"], "192.0.2.7");
    assert!(!map.contains_key("x-forwarded-prefix"));
}

#[test]
fn the_port_defaults_to_the_listener_port() {
    let host = HeaderValue::from_static("example.com");
    let mut map = HeaderMap::new();
    let mut info = forwarded(Some(&host), false);
    info.local_port = 8000;
    add_forwarded(&mut map, &info);
    assert_eq!(map["x-forwarded-port"], "8000");
    let v6 = HeaderValue::from_static("[::1]");
    let mut map = HeaderMap::new();
    add_forwarded(&mut map, &forwarded(Some(&v6), false));
    assert_eq!(map["x-forwarded-port"], "80");
}

#[test]
fn untrusted_clients_cannot_spoof_forwarded_headers() {
    let host = HeaderValue::from_static("example.com");
    let spoofed = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "evil.test"),
        ("x-forwarded-port", "443"),
        ("x-forwarded-prefix", "/admin"),
        ("x-real-ip", "127.0.0.1"),
    ];
    let mut untrusted = headers(&spoofed);
    add_forwarded(&mut untrusted, &forwarded(Some(&host), false));
    assert_eq!(untrusted["x-forwarded-proto"], "http");
    assert_eq!(untrusted["x-forwarded-host"], "example.com");
    assert_eq!(untrusted["x-forwarded-port"], "80");
    assert_eq!(untrusted["x-real-ip"], "192.0.2.7");
    assert!(!untrusted.contains_key("x-forwarded-prefix"));

    let mut trusted = headers(&spoofed);
    add_forwarded(&mut trusted, &forwarded(Some(&host), true));
    assert_eq!(trusted["x-forwarded-proto"], "https");
    assert_eq!(trusted["x-forwarded-host"], "evil.test");
    assert_eq!(trusted["x-real-ip"], "127.0.0.1");
}

#[test]
fn prefix_and_replaced_path_are_reported() {
    let mut map = HeaderMap::new();
    let mut info = forwarded(None, false);
    info.client_ip = IpAddr::V6(Ipv6Addr::LOCALHOST);
    info.stripped_prefix = Some("/hello/");
    // server_configuration.go: ReplacePathRegex then ReplacePath each add a value.
    let replaced = ["/original".to_owned(), "/first/original".to_owned()];
    info.replaced_paths = &replaced;
    add_forwarded(&mut map, &info);
    assert_eq!(map["x-forwarded-prefix"], "/hello/");
    let values: Vec<_> = map.get_all("x-replaced-path").iter().collect();
    assert_eq!(values, ["/original", "/first/original"]);
    assert_eq!(map["x-forwarded-for"], "::1");
    assert!(!map.contains_key("x-forwarded-host"));
}

#[test]
fn ports_are_read_from_host_values() {
    assert_eq!(port_of("example.com:8080"), Some(8080));
    assert_eq!(port_of("[::1]:8080"), Some(8080));
    assert_eq!(port_of("[::1]"), None);
    assert_eq!(port_of("example.com"), None);
    assert_eq!(port_of("example.com:x"), None);
}

#[test]
fn an_h2c_upgrade_is_never_passed_on() {
    // h2c smuggling (Bishop Fox, 2020): a backend that switches to h2c takes HTTP/2 requests
    // the proxy never routed. The client is served in HTTP/1.1 instead.
    let asks = [
        ("Upgrade, HTTP2-Settings", "h2c"),
        ("upgrade", "H2C"),
        ("keep-alive, Upgrade", " h2c "),
    ];
    for (connection, upgrade) in asks {
        let mut map = headers(&[
            ("connection", connection),
            ("upgrade", upgrade),
            ("http2-settings", "AAMAAABkAARAAAAAAAIAAAAA"),
        ]);
        let protocol = upgrade_protocol(&map);
        assert_eq!(protocol, None, "{connection} / {upgrade}");
        remove_hop_by_hop(&mut map, protocol);
        assert!(map.is_empty(), "{connection} / {upgrade}: {map:?}");
    }
}

#[test]
fn other_protocols_asked_with_h2c_still_upgrade() {
    let map = headers(&[("connection", "upgrade"), ("upgrade", "h2c, websocket")]);
    assert_eq!(
        upgrade_protocol(&map),
        Some(HeaderValue::from_static("websocket"))
    );
}

#[test]
fn http2_settings_is_dropped_even_when_connection_does_not_name_it() {
    let mut map = headers(&[("http2-settings", "AAMAAABk"), ("accept", "*/*")]);
    remove_hop_by_hop(&mut map, None);
    assert!(!map.contains_key("http2-settings"));
    assert!(map.contains_key("accept"));
}
