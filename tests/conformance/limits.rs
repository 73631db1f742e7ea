//! Limits, as the suite runs hawser: `--max-header-count 40`, `--max-header-size 8KiB`,
//! `--max-uri-length 2KiB`, `--max-request-body 1KiB`, `--max-connections-per-ip 4`,
//! `--max-connections 64`. Written from HAProxy's and nginx's limit tests (large headers,
//! long URIs, `client_max_body_size`, `limit_conn`); each limit is tried just past and at.

use super::case::Class::Limits;
use super::case::Task::Rec;
use super::case::{Body, Case, HOST, Send, get, post, raw, request};

pub const FLAGS: &[&str] = &[
    "--max-header-count",
    "40",
    "--max-header-size",
    "8KiB",
    "--max-uri-length",
    "2KiB",
    "--max-request-body",
    "1KiB",
    "--max-connections-per-ip",
    "4",
    "--max-connections",
    "64",
];

/// Idle connections the total limit case holds: `--max-connections`.
pub const TOTAL: usize = 64;

pub fn cases() -> Vec<Case> {
    let case = |name, source, send| Case::new(Limits, name, source, send);
    let with_headers = |path: &str, count: usize| {
        let line = format!("GET {path} HTTP/1.1");
        let extra: Vec<String> = (0..count).map(|n| format!("X-N{n}: {n}")).collect();
        let mut lines = vec![line.as_str(), HOST];
        lines.extend(extra.iter().map(String::as_str));
        Send::Raw(request(&lines, b""))
    };
    let big_value = |path: &str, size: usize| {
        let line = format!("GET {path} HTTP/1.1");
        let header = format!("X-Big: {}", "v".repeat(size));
        raw(&[&line, HOST, &header], b"")
    };
    // "GET " + target + " HTTP/1.1": the target alone is what --max-uri-length counts.
    let target_of = |length: usize| format!("/rec/{}", "u".repeat(length - 5));
    let long_target = target_of(2049);
    let limit_target = target_of(2048);
    let chunk = format!("258\r\n{}\r\n", "c".repeat(600));
    let mut chunked = chunk.repeat(3).into_bytes();
    chunked.extend_from_slice(b"0\r\n\r\n");
    let after_crowd = request(
        &["GET /rec/after-crowd HTTP/1.1", HOST, "Connection: close"],
        b"",
    );
    let after_total = request(
        &["GET /rec/after-total HTTP/1.1", HOST, "Connection: close"],
        b"",
    );
    vec![
        case(
            "too_many_headers",
            "HAProxy h1 test: too many header fields",
            with_headers("/rec/many", 40),
        )
        .refused(431)
        .by_hyper("hyper's parser stops at max_headers and answers 431 itself"),
        case(
            "headers_at_the_count_limit",
            "HAProxy h1 test: too many header fields",
            with_headers("/rec/forty", 39),
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/forty").is("x-n38", "38")),
        case(
            "header_section_too_large",
            "nginx large_client_header_buffers",
            big_value("/rec/big", 9000),
        )
        .refused(431)
        .by_hyper("hyper answers 431 once the head passes max_header_size"),
        case(
            "header_section_under_the_limit",
            "nginx large_client_header_buffers",
            big_value("/rec/under", 6000),
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/under").is("x-big", &"v".repeat(6000))),
        case(
            "uri_too_long",
            "nginx: 414 Request-URI Too Large",
            raw(&[&format!("GET {long_target} HTTP/1.1"), HOST], b""),
        )
        .refused(414),
        case(
            "uri_at_the_limit",
            "nginx: 414 Request-URI Too Large",
            raw(&[&format!("GET {limit_target} HTTP/1.1"), HOST], b""),
        )
        .answers(&[200])
        .forwards(get(Rec, &limit_target)),
        case(
            "body_over_the_limit_by_length",
            "nginx client_max_body_size",
            raw(
                &["POST /rec/big-body HTTP/1.1", HOST, "Content-Length: 2000"],
                &[b'b'; 2000],
            ),
        )
        .refused(413),
        case(
            "body_over_the_limit_while_streaming",
            "nginx client_max_body_size, chunked",
            raw(
                &[
                    "POST /rec/stream HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked",
                ],
                &chunked,
            ),
        )
        .refused(413)
        .forwards(post(Rec, "/rec/stream", Body::Cut)),
        case(
            "body_at_the_limit",
            "nginx client_max_body_size",
            raw(
                &["POST /rec/full HTTP/1.1", HOST, "Content-Length: 1024"],
                &[b'f'; 1024],
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/full", Body::Length(vec![b'f'; 1024]))),
        case(
            "expect_continue_over_the_limit",
            "RFC 9110 §10.1.1: 413 instead of 100 Continue",
            raw(
                &[
                    "POST /rec/expect HTTP/1.1",
                    HOST,
                    "Content-Length: 5000",
                    "Expect: 100-continue",
                ],
                b"",
            ),
        )
        .refused(413)
        .by_hyper(
            "hyper sends 100 Continue only once the body is read; an answer first means no 100",
        ),
        case(
            "connections_per_address",
            "nginx limit_conn",
            Send::Crowd {
                held: 4,
                spread: false,
                after: Some(after_crowd),
            },
        )
        .answers(&[503, 200])
        .closes()
        .forwards(get(Rec, "/rec/after-crowd")),
        case(
            "connections_in_total",
            "HAProxy maxconn",
            Send::Crowd {
                held: TOTAL,
                spread: true,
                after: Some(after_total),
            },
        )
        .answers(&[503, 200])
        .closes()
        .forwards(get(Rec, "/rec/after-total")),
    ]
}
