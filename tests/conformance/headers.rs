//! Header field syntax (RFC 9112 §5, RFC 9110 §5.5). Written from the HTTP Garden's header
//! classes (whitespace before the colon, obs-fold, control characters, non-token names) and
//! nginx's and HAProxy's header parsing tests. hyper's parser refuses the malformed ones.

use super::case::Class::HeaderSyntax;
use super::case::Task::Rec;
use super::case::{Case, HOST, Want, bytes, get, raw};

pub fn cases() -> Vec<Case> {
    let case = |name, source, send| Case::new(HeaderSyntax, name, source, send);
    let long_name = format!("X-{}", "n".repeat(4000));
    let long_line = format!("{long_name}: long");
    let long_name_lower = long_name.to_ascii_lowercase();
    vec![
        case(
            "space_before_colon",
            "HTTP Garden: whitespace before colon",
            raw(&["GET /rec/x HTTP/1.1", HOST, "X-Test : 1"], b""),
        )
        .refused(400)
        .by_hyper("RFC 9112 §5.1: a server MUST reject whitespace between name and colon"),
        case(
            "tab_before_colon",
            "HTTP Garden: whitespace before colon",
            raw(&["GET /rec/x HTTP/1.1", HOST, "X-Test\t: 1"], b""),
        )
        .refused(400)
        .by_hyper("as with a space"),
        case(
            "obs_fold",
            "HTTP Garden: obs-fold",
            raw(&["GET /rec/x HTTP/1.1", HOST, "X-Test: a", " b"], b""),
        )
        .refused(400)
        .by_hyper("RFC 9112 §5.2: a server may reject obs-fold with 400, and hyper does"),
        case(
            "obs_fold_hiding_host",
            "HTTP Garden: obs-fold continuing Host",
            raw(&["GET /rec/x HTTP/1.1", "Host: c.test", "\tevil.test"], b""),
        )
        .refused(400)
        .by_hyper("a folded Host is refused like any fold"),
        case(
            "nul_in_value",
            "HTTP Garden: NUL in a field value",
            bytes(b"GET /rec/x HTTP/1.1\r\nHost: c.test\r\nX-Test: a\x00b\r\n\r\n"),
        )
        .refused(400)
        .by_hyper("RFC 9110 §5.5: NUL is never valid in a value"),
        case(
            "cr_in_value",
            "HTTP Garden: bare CR in a field value",
            bytes(b"GET /rec/x HTTP/1.1\r\nHost: c.test\r\nX-Test: a\rb\r\n\r\n"),
        )
        .refused(400)
        .by_hyper("a bare CR is not a line end, nor valid in a value"),
        case(
            "non_token_name",
            "HAProxy h1 test: invalid character in a field name",
            raw(&["GET /rec/x HTTP/1.1", HOST, "X@Test: 1"], b""),
        )
        .refused(400)
        .by_hyper("a name is a token (RFC 9110 §5.1)"),
        case(
            "space_inside_name",
            "nginx test: space inside a field name",
            raw(&["GET /rec/x HTTP/1.1", HOST, "X Test: 1"], b""),
        )
        .refused(400)
        .by_hyper("a name is a token"),
        case(
            "empty_name",
            "HTTP Garden: empty field name",
            raw(&["GET /rec/x HTTP/1.1", HOST, ": 1"], b""),
        )
        .refused(400)
        .by_hyper("a name has at least one character"),
        case(
            "line_without_colon",
            "HAProxy h1 test: header line without a colon",
            raw(&["GET /rec/x HTTP/1.1", HOST, "X-Test 1"], b""),
        )
        .refused(400)
        .by_hyper("every header line has a colon"),
        case(
            "very_long_name_within_limits",
            "HAProxy h1 test: long header names",
            raw(&["GET /rec/long-name HTTP/1.1", HOST, &long_line], b""),
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/long-name").is(&long_name_lower, "long"))
        .by_hyper("a 4000-byte name under --max-header-size passes whole"),
        case(
            "obs_text_value_passes",
            "RFC 9110 §5.5 obs-text",
            bytes(b"GET /rec/obs HTTP/1.1\r\nHost: c.test\r\nX-Name: caf\xe9\r\n\r\n"),
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/obs").header("x-name", Want::Is(b"caf\xe9".to_vec())))
        .by_hyper("obs-text (0x80-0xFF) is a valid value byte and passes as sent"),
    ]
}
