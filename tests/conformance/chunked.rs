//! Framing, continued: the chunked body itself (sizes, extensions, trailers), bodies that end
//! early, and head line ends. Written from the HTTP Garden's chunked-body classes and HAProxy's
//! h1 tests. hyper's decoder reads the body while hawser streams it, so a malformed chunk is
//! found after the head may have reached the task: the task then sees its request cut short,
//! never whole, and the client is answered 400.

use super::case::Class::Framing;
use super::case::Task::{Admin, Rec};
use super::case::{Body, Case, HOST, Send, bytes, post, raw, request};

pub fn cases() -> Vec<Case> {
    let case = |name, source, send| Case::new(Framing, name, source, send);
    vec![
        case(
            "chunk_size_overflow",
            "HTTP Garden: chunk size overflow",
            raw(
                &["POST /rec/big HTTP/1.1", HOST, "Transfer-Encoding: chunked"],
                b"fffffffffffffffff5\r\nhello\r\n0\r\n\r\n",
            ),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/big", Body::Cut))
        .by_hyper(
            "the chunk size overflows while the body is read: the task's \
            request is cut, the client gets 400",
        ),
        case(
            "chunk_size_negative",
            "HAProxy h1 test: chunk size -5",
            raw(
                &["POST /rec/neg HTTP/1.1", HOST, "Transfer-Encoding: chunked"],
                b"-5\r\nhello\r\n0\r\n\r\n",
            ),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/neg", Body::Cut))
        .by_hyper("not a hex size: the body fails, 400"),
        case(
            "chunk_size_0x_prefix",
            "HTTP Garden: chunk size 0x5",
            raw(
                &["POST /rec/hex HTTP/1.1", HOST, "Transfer-Encoding: chunked"],
                b"0x5\r\nhello\r\n0\r\n\r\n",
            ),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/hex", Body::Cut))
        .by_hyper("0x is not hex digits: the body fails, 400"),
        case(
            "chunk_size_leading_zeros",
            "HTTP Garden: chunk size with leading zeros",
            raw(
                &[
                    "POST /rec/zeros HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked",
                ],
                b"0005\r\nhello\r\n0000\r\n\r\n",
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/zeros", Body::Chunked(b"hello".to_vec())))
        .by_hyper("leading zeros are hex digits"),
        case(
            "chunk_extension_dropped",
            "HTTP Garden: chunk extensions",
            raw(
                &["POST /rec/ext HTTP/1.1", HOST, "Transfer-Encoding: chunked"],
                b"5;name=\"va;lue\"\r\nhello\r\n0;last\r\n\r\n",
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/ext", Body::Chunked(b"hello".to_vec())))
        .by_hyper("extensions are skipped; the task gets the data re-chunked without them"),
        case(
            "chunk_extension_with_bare_lf",
            "HTTP Garden: LF inside a chunk extension",
            raw(
                &[
                    "POST /rec/extlf HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked",
                ],
                b"5;a\nb\r\nhello\r\n0\r\n\r\n",
            ),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/extlf", Body::Cut))
        .by_hyper(
            "an extension holding a bare LF is an error, not a line end another \
            parser might see",
        ),
        case(
            "chunk_size_bare_lf",
            "HTTP Garden: bare LF after a chunk size",
            raw(
                &["POST /rec/lf HTTP/1.1", HOST, "Transfer-Encoding: chunked"],
                b"5\nhello\n0\n\n",
            ),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/lf", Body::Cut))
        .by_hyper("chunk lines must end in CRLF"),
        case(
            "chunk_data_longer_than_size",
            "Kettle: chunk size smaller than its data",
            raw(
                &[
                    "POST /rec/long HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked",
                ],
                b"3\r\nhello\r\n0\r\n\r\n",
            ),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/long", Body::Cut))
        .by_hyper("data must be followed by CRLF right after size bytes"),
        case(
            "chunked_missing_last_chunk",
            "HAProxy h1 test: body ends before the last chunk",
            Send::RawThenEnd(request(
                &[
                    "POST /rec/unfinished HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked",
                ],
                b"5\r\nhello\r\n",
            )),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/unfinished", Body::Cut))
        .by_hyper("the client's end of stream mid-body is an incomplete message"),
        case(
            "content_length_body_cut_short",
            "HAProxy h1 test: fewer bytes than Content-Length",
            Send::RawThenEnd(request(
                &["POST /rec/short HTTP/1.1", HOST, "Content-Length: 10"],
                b"hello",
            )),
        )
        .refused(400)
        .forwards(post(Rec, "/rec/short", Body::Cut))
        .by_hyper("end of stream before Content-Length bytes is an incomplete message"),
        case(
            "trailer_never_becomes_a_header",
            "HTTP Garden: trailer fields",
            raw(
                &[
                    "POST /rec/trailer HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked",
                ],
                b"5\r\nhello\r\n0\r\nX-Forwarded-For: 6.6.6.6\r\nX-Smuggled: 1\r\n\r\n",
            ),
        )
        .answers(&[200])
        .forwards(
            post(Rec, "/rec/trailer", Body::Chunked(b"hello".to_vec()))
                .header("x-forwarded-for", super::case::Want::Client)
                .absent("x-smuggled"),
        )
        .by_hyper(
            "trailers stay after the body; the head the task gets has only \
            the client's header fields",
        ),
        case(
            "head_with_bare_lf_is_reframed",
            "HTTP Garden: bare LF line ends (RFC 9112 §2.2 MAY)",
            bytes(b"GET /rec/lf-head HTTP/1.1\nHost: c.test\nX-Bare: 1\n\n"),
        )
        .answers(&[200])
        .forwards(super::case::get(Rec, "/rec/lf-head").is("x-bare", "1"))
        .by_hyper("bare LF ends a head line, as RFC 9112 §2.2 allows; the task gets CRLF lines"),
        case(
            "head_with_bare_cr",
            "HTTP Garden: bare CR in the head",
            bytes(b"GET /admin/cr HTTP/1.1\rHost: c.test\r\n\r\n"),
        )
        .refused(400)
        .by_hyper("a CR not followed by LF is 400 (RFC 9112 §2.2 MUST)"),
        case(
            "http10_body_by_length",
            "HAProxy h1 test: HTTP/1.0 body",
            raw(
                &["POST /admin/old HTTP/1.0", HOST, "Content-Length: 5"],
                b"hello",
            ),
        )
        .answers(&[200])
        .closes()
        .forwards(post(Admin, "/admin/old", Body::Length(b"hello".to_vec())))
        .by_hyper("HTTP/1.0 without keep-alive closes after the answer"),
    ]
}
