//! h2c upgrade smuggling (Bishop Fox, "h2c Smuggling", 2020): a proxy that passes
//! `Upgrade: h2c` on lets the task switch the connection to HTTP/2, and every request after
//! that bypasses the proxy's routing. hawser never passes it on and answers in HTTP/1.1.

use super::case::Class::H2c;
use super::case::Task::Rec;
use super::case::{Body, Case, HOST, bytes, get, post, raw, request};

const SETTINGS: &str = "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA";

pub fn cases() -> Vec<Case> {
    let case =
        |name, lines: &[&str]| Case::new(H2c, name, "Bishop Fox h2c smuggling", raw(lines, b""));
    let no_upgrade = |forwarded: super::case::Forwarded| {
        forwarded
            .absent("upgrade")
            .absent("http2-settings")
            .absent("connection")
    };
    let mut then_preface = request(
        &[
            "GET /rec/h2c-then HTTP/1.1",
            HOST,
            "Connection: Upgrade, HTTP2-Settings",
            "Upgrade: h2c",
            SETTINGS,
        ],
        b"",
    );
    then_preface.extend_from_slice(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    vec![
        case(
            "h2c_upgrade_served_as_http11",
            &[
                "GET /rec/h2c HTTP/1.1",
                HOST,
                "Connection: Upgrade, HTTP2-Settings",
                "Upgrade: h2c",
                SETTINGS,
            ],
        )
        .answers(&[200])
        .forwards(no_upgrade(get(Rec, "/rec/h2c"))),
        case(
            "h2c_upgrade_uppercase",
            &[
                "GET /rec/h2c-upper HTTP/1.1",
                HOST,
                "Connection: UPGRADE",
                "Upgrade: H2C",
                SETTINGS,
            ],
        )
        .answers(&[200])
        .forwards(no_upgrade(get(Rec, "/rec/h2c-upper"))),
        case(
            "h2c_settings_not_named_by_connection",
            &[
                "GET /rec/h2c-settings HTTP/1.1",
                HOST,
                "Connection: Upgrade",
                "Upgrade: h2c",
                SETTINGS,
            ],
        )
        .answers(&[200])
        .forwards(no_upgrade(get(Rec, "/rec/h2c-settings"))),
        case(
            "h2c_upgrade_without_connection",
            &["GET /rec/h2c-bare HTTP/1.1", HOST, "Upgrade: h2c"],
        )
        .answers(&[200])
        .forwards(no_upgrade(get(Rec, "/rec/h2c-bare"))),
        case(
            "http2_settings_alone",
            &["GET /rec/settings HTTP/1.1", HOST, SETTINGS],
        )
        .answers(&[200])
        .forwards(no_upgrade(get(Rec, "/rec/settings"))),
        Case::new(
            H2c,
            "h2c_upgrade_with_a_body",
            "Bishop Fox h2c smuggling",
            raw(
                &[
                    "POST /rec/h2c-body HTTP/1.1",
                    HOST,
                    "Content-Length: 5",
                    "Connection: Upgrade, HTTP2-Settings",
                    "Upgrade: h2c",
                    SETTINGS,
                ],
                b"hello",
            ),
        )
        .answers(&[200])
        .forwards(no_upgrade(post(
            Rec,
            "/rec/h2c-body",
            Body::Length(b"hello".to_vec()),
        ))),
        Case::new(
            H2c,
            "h2c_preface_after_refused_upgrade",
            "Bishop Fox h2c smuggling",
            bytes(&then_preface),
        )
        .answers(&[200])
        .closes()
        .forwards(no_upgrade(get(Rec, "/rec/h2c-then")))
        .by_hyper(
            "the HTTP/2 preface on an HTTP/1.1 connection ends it; it is never read as HTTP/2",
        ),
        case(
            "h2c_listed_with_websocket",
            &[
                "GET /rec/both HTTP/1.1",
                HOST,
                "Connection: Upgrade",
                "Upgrade: h2c, websocket",
            ],
        )
        .answers(&[200])
        .forwards(
            get(Rec, "/rec/both")
                .is("upgrade", "websocket")
                .is("connection", "upgrade")
                .absent("http2-settings"),
        ),
        case(
            "websocket_upgrade_still_passes",
            &[
                "GET /rec/ws HTTP/1.1",
                HOST,
                "Connection: Upgrade",
                "Upgrade: websocket",
                "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            ],
        )
        .answers(&[200])
        .forwards(
            get(Rec, "/rec/ws")
                .is("upgrade", "websocket")
                .is("connection", "upgrade")
                .is("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ),
    ]
}
