//! Hop-by-hop abuse: a client naming in `Connection` the headers the proxy adds, so that a
//! proxy that removes them after adding its own drops or lets the client's through. Written
//! from Traefik's CVE-2021-32813 and CVE-2024-45410 and the hop-by-hop class of the HTTP
//! Garden; hawser removes what `Connection` names before it adds anything.

use super::case::Class::HopByHop;
use super::case::Task::{Rec, Strip};
use super::case::{Body, Case, HOST, Want, get, post, raw};

pub fn cases() -> Vec<Case> {
    let case = |name, source, lines: &[&str]| Case::new(HopByHop, name, source, raw(lines, b""));
    vec![
        case(
            "connection_names_x_forwarded_for",
            "CVE-2024-45410: Connection: X-Forwarded-For",
            &[
                "GET /rec/h1 HTTP/1.1",
                HOST,
                "Connection: X-Forwarded-For",
                "X-Forwarded-For: 6.6.6.6",
            ],
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/h1").header("x-forwarded-for", Want::Client)),
        case(
            "connection_names_x_real_ip",
            "CVE-2024-45410: Connection: X-Real-Ip",
            &["GET /rec/h2 HTTP/1.1", HOST, "Connection: X-Real-Ip"],
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/h2").header("x-real-ip", Want::Client)),
        case(
            "connection_names_x_forwarded_host",
            "CVE-2024-45410: Connection: X-Forwarded-Host",
            &["GET /rec/h3 HTTP/1.1", HOST, "Connection: X-Forwarded-Host"],
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/h3").is("x-forwarded-host", "c.test")),
        case(
            "connection_names_proto_and_port",
            "CVE-2024-45410: Connection: X-Forwarded-Proto, X-Forwarded-Port",
            &[
                "GET /rec/h4 HTTP/1.1",
                HOST,
                "Connection: X-Forwarded-Proto, X-Forwarded-Port",
            ],
        )
        .answers(&[200])
        .forwards(
            get(Rec, "/rec/h4")
                .is("x-forwarded-proto", "http")
                .header("x-forwarded-port", Want::Present),
        ),
        case(
            "connection_names_x_forwarded_prefix",
            "CVE-2021-32813: Connection naming a header a rewrite sets",
            &[
                "GET /strip/h5 HTTP/1.1",
                HOST,
                "Connection: X-Forwarded-Prefix",
            ],
        )
        .answers(&[200])
        .forwards(get(Strip, "/h5").is("x-forwarded-prefix", "/strip")),
        case(
            "connection_names_host",
            "CVE-2021-32813: Connection: Host",
            &["GET /rec/h6 HTTP/1.1", HOST, "Connection: Host"],
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/h6").is("host", "c.test")),
        case(
            "connection_lines_each_honoured",
            "CVE-2024-45410: names on two Connection lines",
            &[
                "GET /rec/h7 HTTP/1.1",
                HOST,
                "Connection: x-forwarded-host",
                "Connection: X-Real-IP, x-secret",
                "X-Secret: 1",
            ],
        )
        .answers(&[200])
        .forwards(
            get(Rec, "/rec/h7")
                .is("x-forwarded-host", "c.test")
                .header("x-real-ip", Want::Client)
                .absent("x-secret"),
        ),
        case(
            "connection_close_with_names",
            "CVE-2024-45410 with Connection: close",
            &[
                "GET /rec/h8 HTTP/1.1",
                HOST,
                "Connection: close, X-Forwarded-For",
            ],
        )
        .answers(&[200])
        .closes()
        .forwards(get(Rec, "/rec/h8").header("x-forwarded-for", Want::Client)),
        Case::new(
            HopByHop,
            "connection_names_content_length",
            "HTTP Garden: Connection: Content-Length",
            raw(
                &[
                    "POST /rec/h9 HTTP/1.1",
                    HOST,
                    "Content-Length: 5",
                    "Connection: Content-Length",
                ],
                b"hello",
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/h9", Body::Length(b"hello".to_vec())))
        .by_hyper(
            "hyper framed the body when it read the head; hawser's client \
            frames it again from its known length",
        ),
        case(
            "spoofed_forwarded_headers_replaced",
            "X-Forwarded-* spoofing from an untrusted client",
            &[
                "GET /rec/h10 HTTP/1.1",
                HOST,
                "X-Forwarded-Host: evil.test",
                "X-Real-Ip: 6.6.6.6",
                "X-Forwarded-Proto: https",
            ],
        )
        .answers(&[200])
        .forwards(
            get(Rec, "/rec/h10")
                .is("x-forwarded-host", "c.test")
                .header("x-real-ip", Want::Client)
                .is("x-forwarded-proto", "http"),
        ),
        case(
            "x_forwarded_for_appended",
            "RFC 7239 practice: the chain grows",
            &["GET /rec/h11 HTTP/1.1", HOST, "X-Forwarded-For: 6.6.6.6"],
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/h11").header("x-forwarded-for", Want::Appended("6.6.6.6"))),
        case(
            "hop_by_hop_headers_removed",
            "RFC 9110 §7.6.1",
            &[
                "GET /rec/h12 HTTP/1.1",
                HOST,
                "Keep-Alive: timeout=5",
                "Proxy-Connection: keep-alive",
                "Proxy-Authorization: Basic YTpi",
                "TE: gzip",
                "Trailer: X-Checksum",
            ],
        )
        .answers(&[200])
        .forwards(
            get(Rec, "/rec/h12")
                .absent("keep-alive")
                .absent("proxy-connection")
                .absent("proxy-authorization")
                .absent("te")
                .absent("trailer"),
        ),
        case(
            "te_trailers_kept",
            "RFC 9110 §10.1.4: TE: trailers",
            &["GET /rec/h13 HTTP/1.1", HOST, "TE: trailers"],
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/h13").is("te", "trailers")),
    ]
}
