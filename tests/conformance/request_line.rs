//! The request line and `Host` (RFC 9112 §3). Written from the HTTP Garden's request-line and
//! Host classes, Kettle's Host-header attacks ("Practical HTTP Host header attacks", absolute
//! URLs that disagree with Host) and HAProxy's and nginx's request-line tests. hawser's
//! validation decides the Host and target-form cases; hyper's parser the syntax ones.

use super::case::Class::RequestLine;
use super::case::Task::{Admin, Rec};
use super::case::{Case, HOST, Want, bytes, get, raw};

pub fn cases() -> Vec<Case> {
    let case = |name, source, send| Case::new(RequestLine, name, source, send);
    vec![
        case(
            "absolute_form_agreeing_with_host",
            "RFC 9112 §3.2.2 absolute-form",
            raw(&["GET http://c.test/rec/abs HTTP/1.1", HOST], b""),
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/abs").is("host", "c.test")),
        case(
            "absolute_form_default_port_and_case",
            "RFC 9112 §3.2.2 absolute-form",
            raw(&["GET http://C.TEST:80/rec/abs-port HTTP/1.1", HOST], b""),
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/abs-port").is("host", "c.test")),
        case(
            "absolute_form_other_host",
            "Kettle Host attacks: absolute URL with another host",
            raw(&["GET http://evil.test/admin/x HTTP/1.1", HOST], b""),
        )
        .refused(400),
        case(
            "absolute_form_other_port",
            "Kettle Host attacks: absolute URL with another port",
            raw(&["GET http://c.test:8080/rec/x HTTP/1.1", HOST], b""),
        )
        .refused(400),
        case(
            "absolute_form_userinfo",
            "RFC 9110 §4.2.4: userinfo is an error",
            raw(&["GET http://user:pw@c.test/rec/x HTTP/1.1", HOST], b""),
        )
        .refused(400),
        case(
            "absolute_form_ftp",
            "HTTP Garden: non-http scheme",
            raw(&["GET ftp://c.test/rec/x HTTP/1.1", HOST], b""),
        )
        .refused(400),
        case(
            "absolute_form_without_host",
            "RFC 9112 §3.2: HTTP/1.1 needs Host even with an absolute target",
            raw(&["GET http://c.test/rec/x HTTP/1.1"], b""),
        )
        .refused(400),
        case(
            "missing_host",
            "RFC 9112 §3.2: missing Host",
            raw(&["GET /rec/x HTTP/1.1", "Accept: */*"], b""),
        )
        .refused(400),
        case(
            "two_hosts",
            "Kettle Host attacks: duplicate Host",
            raw(&["GET /rec/x HTTP/1.1", HOST, "Host: evil.test"], b""),
        )
        .refused(400),
        case(
            "two_equal_hosts",
            "RFC 9112 §3.2: more than one Host line",
            raw(&["GET /rec/x HTTP/1.1", HOST, HOST], b""),
        )
        .refused(400),
        case(
            "host_list",
            "HTTP Garden: Host with a list",
            raw(&["GET /rec/x HTTP/1.1", "Host: c.test, evil.test"], b""),
        )
        .refused(400),
        case(
            "host_with_userinfo",
            "HTTP Garden: Host with userinfo",
            raw(&["GET /rec/x HTTP/1.1", "Host: evil.test@c.test"], b""),
        )
        .refused(400),
        case(
            "host_with_path",
            "Kettle Host attacks: Host with a path",
            raw(&["GET /rec/x HTTP/1.1", "Host: c.test/admin"], b""),
        )
        .refused(400),
        case(
            "host_with_bad_port",
            "HTTP Garden: Host with a non-numeric port",
            raw(&["GET /rec/x HTTP/1.1", "Host: c.test:abc"], b""),
        )
        .refused(400),
        case(
            "http10_without_host",
            "RFC 9112 §3.2: HTTP/1.0 may omit Host",
            raw(&["GET /rec/old HTTP/1.0"], b""),
        )
        .answers(&[200])
        .closes()
        .forwards(get(Rec, "/rec/old").header("host", Want::Present)),
        case(
            "http09_request",
            "HTTP Garden: HTTP/0.9 simple request",
            bytes(b"GET /rec/nine\r\n\r\n"),
        )
        .refused(400)
        .by_hyper("a request line without a version is 400; HTTP/0.9 is not spoken"),
        case(
            "lowercase_version",
            "HTTP Garden: http/1.1",
            raw(&["GET /rec/x http/1.1", HOST], b""),
        )
        .refused(400)
        .by_hyper("the version is case-sensitive (RFC 9112 §2.3)"),
        case(
            "version_1_2",
            "HTTP Garden: unknown minor version",
            raw(&["GET /rec/x HTTP/1.2", HOST], b""),
        )
        .refused(400)
        .by_hyper("only HTTP/1.0 and HTTP/1.1 are read; RFC 9112 §2.3 would have 1.2 read as 1.1"),
        case(
            "version_2_in_request_line",
            "HTTP Garden: HTTP/2.0 in an HTTP/1 request line",
            raw(&["GET /rec/x HTTP/2.0", HOST], b""),
        )
        .refused(400)
        .by_hyper("HTTP/2 is only spoken after its preface"),
        case(
            "two_spaces_after_method",
            "HAProxy h1 test: extra spaces in the request line",
            raw(&["GET  /rec/x HTTP/1.1", HOST], b""),
        )
        .refused(400)
        .by_hyper("single spaces only (RFC 9112 §3), the lenient mode is off"),
        case(
            "trailing_space_after_version",
            "HAProxy h1 test: trailing space",
            raw(&["GET /rec/x HTTP/1.1 ", HOST], b""),
        )
        .refused(400)
        .by_hyper("nothing may follow the version"),
        case(
            "tabs_as_separators",
            "nginx test: tabs in the request line",
            raw(&["GET\t/rec/x\tHTTP/1.1", HOST], b""),
        )
        .refused(400)
        .by_hyper("tabs do not separate the request line"),
        case(
            "invalid_method",
            "HTTP Garden: non-token method",
            raw(&["G(T /rec/x HTTP/1.1", HOST], b""),
        )
        .refused(400)
        .by_hyper("a method is a token"),
        case(
            "lowercase_method_passes_as_sent",
            "RFC 9110 §9.1: methods are case-sensitive",
            raw(&["get /rec/lower HTTP/1.1", HOST], b""),
        )
        .answers(&[200])
        .forwards(super::case::Forwarded::new(Rec, "get", "/rec/lower"))
        .by_hyper("`get` is a method of its own, not GET; it is passed on unchanged"),
        case(
            "empty_line_before_request",
            "RFC 9112 §2.2: an empty line before the request line",
            bytes(b"\r\nGET /admin/lead HTTP/1.1\r\nHost: c.test\r\n\r\n"),
        )
        .answers(&[200])
        .forwards(get(Admin, "/admin/lead"))
        .by_hyper("one empty line before a request is skipped, as RFC 9112 §2.2 asks"),
        case(
            "connect",
            "nginx test: CONNECT to a reverse proxy",
            raw(&["CONNECT c.test:443 HTTP/1.1", "Host: c.test:443"], b""),
        )
        .refused(501),
        case(
            "options_asterisk",
            "RFC 9112 §3.2.4 asterisk-form",
            raw(&["OPTIONS * HTTP/1.1", HOST], b""),
        )
        .answers(&[200]),
        case(
            "get_asterisk",
            "RFC 9112 §3.2.4: * is OPTIONS' alone",
            raw(&["GET * HTTP/1.1", HOST], b""),
        )
        .refused(400),
        case(
            "authority_form_get",
            "RFC 9112 §3.2.3: authority-form is CONNECT's alone",
            raw(&["GET c.test:80 HTTP/1.1", HOST], b""),
        )
        .refused(400),
        case(
            "target_without_slash",
            "HTTP Garden: origin-form without /",
            raw(&["GET rec/x HTTP/1.1", HOST], b""),
        )
        .refused(400),
    ]
}
