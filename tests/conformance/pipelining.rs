//! Pipelining: several requests in one packet (RFC 9112 §9.3). Each is parsed, validated and
//! routed on its own, in order; a refusal ends the connection before anything after it is
//! read. Written from Kettle's desync follow-ups (a request's end is where the next begins) and
//! HAProxy's pipelining tests.

use super::case::Class::Pipelining;
use super::case::Task::{Admin, Rec, Strip};
use super::case::{Body, Case, HOST, Send, get, post, request};

pub fn cases() -> Vec<Case> {
    let case = |name, source, requests: &[Vec<u8>]| {
        Case::new(Pipelining, name, source, Send::Raw(requests.concat()))
    };
    let get_line = |path: &str| request(&[&format!("GET {path} HTTP/1.1"), HOST], b"");
    vec![
        case(
            "two_routes_in_one_packet",
            "HAProxy pipelining test",
            &[get_line("/rec/p1"), get_line("/admin/p2")],
        )
        .answers(&[200, 200])
        .forwards(get(Rec, "/rec/p1"))
        .forwards(get(Admin, "/admin/p2")),
        case(
            "body_boundary_then_request",
            "Kettle: where one request ends the next begins",
            &[
                request(
                    &["POST /rec/pb HTTP/1.1", HOST, "Content-Length: 5"],
                    b"hello",
                ),
                get_line("/admin/after-body"),
            ],
        )
        .answers(&[200, 200])
        .forwards(post(Rec, "/rec/pb", Body::Length(b"hello".to_vec())))
        .forwards(get(Admin, "/admin/after-body")),
        case(
            "chunked_boundary_then_request",
            "Kettle: where one request ends the next begins",
            &[
                request(
                    &[
                        "POST /admin/pc HTTP/1.1",
                        HOST,
                        "Transfer-Encoding: chunked",
                    ],
                    b"5\r\nhello\r\n0\r\n\r\n",
                ),
                get_line("/rec/after-chunks"),
            ],
        )
        .answers(&[200, 200])
        .forwards(post(Admin, "/admin/pc", Body::Chunked(b"hello".to_vec())))
        .forwards(get(Rec, "/rec/after-chunks")),
        case(
            "three_requests_three_routes",
            "HAProxy pipelining test",
            &[
                get_line("/strip/one"),
                get_line("/rec/two"),
                get_line("/admin/three"),
            ],
        )
        .answers(&[200, 200, 200])
        .forwards(get(Strip, "/one"))
        .forwards(get(Rec, "/rec/two"))
        .forwards(get(Admin, "/admin/three")),
        case(
            "refusal_ends_the_pipeline",
            "Kettle: a request the proxy refuses must not desync the next",
            &[
                request(&["GET /rec/nohost HTTP/1.1"], b""),
                get_line("/admin/never"),
            ],
        )
        .refused(400),
        case(
            "refusal_in_the_middle",
            "Kettle: a request the proxy refuses must not desync the next",
            &[
                get_line("/rec/first"),
                get_line("/rec/%2e%2e/admin"),
                get_line("/admin/never"),
            ],
        )
        .answers(&[200, 400])
        .closes()
        .forwards(get(Rec, "/rec/first")),
        case(
            "close_ends_the_pipeline",
            "RFC 9112 §9.6: nothing after Connection: close",
            &[
                request(&["GET /rec/last HTTP/1.1", HOST, "Connection: close"], b""),
                get_line("/admin/never"),
            ],
        )
        .answers(&[200])
        .closes()
        .forwards(get(Rec, "/rec/last")),
    ]
}
