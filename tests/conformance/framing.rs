//! Message framing: where a body ends (RFC 9112 §6–7). Written from James Kettle's request
//! smuggling mutations ("HTTP Desync Attacks", 2019, and its `Transfer-Encoding` permutations),
//! the HTTP Garden's framing classes and HAProxy's h1 framing tests. hyper's parser decides all
//! of these; the cases hold it to what they check. The chunked body itself is in `chunked.rs`.

use super::case::Class::Framing;
use super::case::Task::Rec;
use super::case::{Body, Case, HOST, bytes, post, raw};

pub fn cases() -> Vec<Case> {
    let case = |name, source, send| Case::new(Framing, name, source, send);
    let chunked_hello = b"5\r\nhello\r\n0\r\n\r\n".as_slice();
    vec![
        case(
            "cl_te_chunked_wins",
            "Kettle CL.TE",
            raw(
                &[
                    "POST /rec/clte HTTP/1.1",
                    HOST,
                    "Content-Length: 6",
                    "Transfer-Encoding: chunked",
                ],
                b"0\r\n\r\nG",
            ),
        )
        .answers(&[200])
        .closes()
        .forwards(post(Rec, "/rec/clte", Body::Chunked(vec![])).absent("content-length"))
        .by_hyper(
            "Transfer-Encoding wins over Content-Length (RFC 9112 §6.3), \
            and the connection closes after the answer, so the leftover \
            byte never starts a request",
        ),
        case(
            "te_cl_smuggled_request_never_runs",
            "Kettle TE.CL",
            bytes(
                b"POST /rec/tecl HTTP/1.1\r\nHost: c.test\r\nTransfer-Encoding: \
                chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n\
                GET /admin/smuggled HTTP/1.1\r\nHost: c.test\r\n\r\n",
            ),
        )
        .answers(&[200])
        .closes()
        .forwards(
            post(Rec, "/rec/tecl", Body::Chunked(b"SMUGGLED".to_vec())).absent("content-length"),
        )
        .by_hyper(
            "chunked framing read, Content-Length dropped, connection closed: \
            the request after the body is never parsed",
        ),
        case(
            "te_chunked_then_identity",
            "Kettle TE obfuscation: chunked not last",
            raw(
                &[
                    "POST /rec/x HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked, identity",
                ],
                chunked_hello,
            ),
        )
        .refused(400)
        .by_hyper("a request whose last transfer coding is not chunked is 400 (RFC 9112 §6.3)"),
        case(
            "te_xchunked",
            "Kettle TE obfuscation: Transfer-Encoding: xchunked",
            raw(
                &["POST /rec/x HTTP/1.1", HOST, "Transfer-Encoding: xchunked"],
                chunked_hello,
            ),
        )
        .refused(400)
        .by_hyper("an unknown coding is not chunked: 400"),
        case(
            "te_quoted_chunked",
            "Kettle TE obfuscation: quoted value",
            raw(
                &[
                    "POST /rec/x HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: \"chunked\"",
                ],
                chunked_hello,
            ),
        )
        .refused(400)
        .by_hyper("a quoted coding is not chunked: 400"),
        case(
            "te_second_header_not_chunked",
            "Kettle TE obfuscation: two Transfer-Encoding lines",
            raw(
                &[
                    "POST /rec/x HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: chunked",
                    "Transfer-Encoding: identity",
                ],
                chunked_hello,
            ),
        )
        .refused(400)
        .by_hyper("the last line's coding decides; identity last is 400"),
        case(
            "te_identity_then_chunked",
            "HTTP Garden: transfer-coding lists",
            raw(
                &[
                    "POST /rec/list HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: identity, chunked",
                ],
                chunked_hello,
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/list", Body::Chunked(b"hello".to_vec())))
        .by_hyper(
            "chunked last is read as chunked; the task gets hawser's own \
            framing, never the client's coding list",
        ),
        case(
            "te_uppercase",
            "HAProxy h1 test: coding names are case-insensitive",
            raw(
                &[
                    "POST /rec/upper HTTP/1.1",
                    HOST,
                    "Transfer-Encoding: CHUNKED",
                ],
                chunked_hello,
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/upper", Body::Chunked(b"hello".to_vec())))
        .by_hyper("CHUNKED is chunked (RFC 9112 §7: case-insensitive)"),
        case(
            "te_tab_before_value",
            "Kettle TE obfuscation: Transfer-Encoding:<TAB>chunked",
            raw(
                &[
                    "POST /rec/tab HTTP/1.1",
                    HOST,
                    "Transfer-Encoding:\tchunked",
                ],
                chunked_hello,
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/tab", Body::Chunked(b"hello".to_vec())))
        .by_hyper("a tab is optional whitespace (RFC 9110 §5.6.3): the same as a space"),
        case(
            "te_vertical_tab_before_value",
            "Kettle TE obfuscation: Transfer-Encoding:<VT>chunked",
            bytes(
                b"POST /rec/x HTTP/1.1\r\nHost: c.test\r\nTransfer-Encoding:\x0bchunked\r\n\
                \r\n5\r\nhello\r\n0\r\n\r\n",
            ),
        )
        .refused(400)
        .by_hyper("a control character in a field value is 400"),
        case(
            "te_space_before_colon",
            "Kettle TE obfuscation: Transfer-Encoding<SP>:",
            raw(
                &["POST /rec/x HTTP/1.1", HOST, "Transfer-Encoding : chunked"],
                chunked_hello,
            ),
        )
        .refused(400)
        .by_hyper("whitespace between a field name and the colon is 400 (RFC 9112 §5.1)"),
        case(
            "te_in_http10",
            "RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0",
            raw(
                &["POST /rec/x HTTP/1.0", HOST, "Transfer-Encoding: chunked"],
                chunked_hello,
            ),
        )
        .refused(400)
        .by_hyper("HTTP/1.0 has no Transfer-Encoding: 400"),
        case(
            "cl_duplicate_same",
            "HTTP Garden: duplicate Content-Length",
            raw(
                &[
                    "POST /rec/dup HTTP/1.1",
                    HOST,
                    "Content-Length: 5",
                    "Content-Length: 5",
                ],
                b"hello",
            ),
        )
        .answers(&[200])
        .forwards(post(Rec, "/rec/dup", Body::Length(b"hello".to_vec())))
        .by_hyper(
            "equal lengths are one length (RFC 9112 §6.3); the task gets \
            a single Content-Length",
        ),
        case(
            "cl_duplicate_different",
            "Kettle CL.CL",
            raw(
                &[
                    "POST /rec/x HTTP/1.1",
                    HOST,
                    "Content-Length: 5",
                    "Content-Length: 6",
                ],
                b"hello!",
            ),
        )
        .refused(400)
        .by_hyper("two different lengths are 400"),
        case(
            "cl_list",
            "HTTP Garden: Content-Length list",
            raw(
                &["POST /rec/x HTTP/1.1", HOST, "Content-Length: 5, 5"],
                b"hello",
            ),
        )
        .refused(400)
        .by_hyper("a list in one Content-Length line is refused outright"),
        case(
            "cl_plus_sign",
            "HTTP Garden: Content-Length: +5",
            raw(
                &["POST /rec/x HTTP/1.1", HOST, "Content-Length: +5"],
                b"hello",
            ),
        )
        .refused(400)
        .by_hyper("only digits make a length"),
        case(
            "cl_negative",
            "HTTP Garden: Content-Length: -5",
            raw(
                &["POST /rec/x HTTP/1.1", HOST, "Content-Length: -5"],
                b"hello",
            ),
        )
        .refused(400)
        .by_hyper("only digits make a length"),
        case(
            "cl_hex",
            "HTTP Garden: Content-Length: 0x5",
            raw(
                &["POST /rec/x HTTP/1.1", HOST, "Content-Length: 0x5"],
                b"hello",
            ),
        )
        .refused(400)
        .by_hyper("only digits make a length"),
        case(
            "cl_overflow",
            "HTTP Garden: Content-Length past u64",
            raw(
                &[
                    "POST /rec/x HTTP/1.1",
                    HOST,
                    "Content-Length: 18446744073709551621",
                ],
                b"hello",
            ),
        )
        .refused(400)
        .by_hyper("a length that overflows is 400"),
    ]
}
