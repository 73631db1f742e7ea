//! Paths: dot segments, encoded dots and slashes, backslashes, `//`, fragments. Written from the
//! HTTP Garden's path classes, Orange Tsai's path-confusion talks ("Breaking Parser Logic",
//! 2018: `..;`, `%2e`, `\`, encoded slashes between proxy and backend) and nginx's
//! `merge_slashes`. The route a request matches is the route of the path the task receives.

use super::case::Class::Paths;
use super::case::Task::{Admin, Rec, Strip};
use super::case::{Case, HOST, bytes, get, raw};

pub fn cases() -> Vec<Case> {
    let case = |name, source, target: &str| {
        let line = format!("GET {target} HTTP/1.1");
        Case::new(Paths, name, source, raw(&[&line, HOST], b""))
    };
    vec![
        case("dot_dot_inside_a_route", "RFC 3986 §5.2.4", "/rec/a/../b")
            .answers(&[200])
            .forwards(get(Rec, "/rec/b")),
        case(
            "dot_dot_into_another_route",
            "Orange Tsai: path normalisation between proxy and backend",
            "/rec/../admin/panel",
        )
        .answers(&[200])
        .forwards(get(Admin, "/admin/panel")),
        case("single_dot_segment", "RFC 3986 §5.2.4", "/rec/./x/.")
            .answers(&[200])
            .forwards(get(Rec, "/rec/x/")),
        case("trailing_dot_dot", "RFC 3986 §5.2.4", "/rec/a/..")
            .answers(&[200])
            .forwards(get(Rec, "/rec/")),
        case("dot_dot_above_the_root", "RFC 3986 §5.4.2", "/../../rec/up")
            .answers(&[200])
            .forwards(get(Rec, "/rec/up")),
        case("double_slash_merged", "nginx merge_slashes", "/rec//x///y")
            .answers(&[200])
            .forwards(get(Rec, "/rec/x/y")),
        case(
            "leading_double_slash_matches_its_route",
            "nginx merge_slashes: //admin is /admin",
            "//admin/x",
        )
        .answers(&[200])
        .forwards(get(Admin, "/admin/x")),
        case(
            "encoded_dot_dot",
            "Orange Tsai: %2e%2e",
            "/rec/%2e%2e/admin/x",
        )
        .refused(400),
        case(
            "half_encoded_dot_dot",
            "HTTP Garden: %2E.",
            "/rec/%2E./admin/x",
        )
        .refused(400),
        case(
            "dot_then_encoded_dot",
            "HTTP Garden: .%2e",
            "/rec/.%2e/admin/x",
        )
        .refused(400),
        case(
            "encoded_dot_inside_a_segment",
            "RFC 3986 §6.2.2.2: %2E is an unreserved dot",
            "/rec/a%2eb",
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/a.b")),
        case("encoded_slash", "Orange Tsai: %2F", "/rec/a%2Fb").refused(400),
        case(
            "encoded_slash_after_dots",
            "Orange Tsai: ..%2f",
            "/rec/..%2fadmin",
        )
        .refused(400),
        case("encoded_backslash", "Orange Tsai: %5C", "/rec/..%5cadmin").refused(400),
        case(
            "bare_backslash",
            "Orange Tsai: \\ as a separator (IIS, Windows backends)",
            "/rec/..\\admin",
        )
        .refused(400),
        case(
            "unreserved_escapes_decoded",
            "RFC 3986 §6.2.2.2",
            "/rec/%7Euser/%41",
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/~user/A")),
        case(
            "escapes_in_upper_case",
            "RFC 3986 §6.2.2.1",
            "/rec/caf%c3%a9",
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/caf%C3%A9")),
        case("malformed_escape", "HTTP Garden: %zz", "/rec/%zz").refused(400),
        case("encoded_nul", "nginx: %00 in a path", "/rec/a%00.txt").refused(400),
        case(
            "query_is_never_touched",
            "RFC 3986 §3.4",
            "/rec/q?next=/../admin&x=%2e%2e",
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/q?next=/../admin&x=%2e%2e")),
        case(
            "fragment_dropped_before_matching",
            "HTTP Garden: # in a request target",
            "/rec/frag#/../../admin",
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/frag"))
        .by_hyper(
            "the http crate's URI parser drops the fragment; matching and \
            forwarding both see /rec/frag",
        ),
        case(
            "raw_utf8_passes",
            "HTTP Garden: non-ASCII bytes in a path",
            "/rec/caf\u{e9}",
        )
        .answers(&[200])
        .forwards(get(Rec, "/rec/caf\u{e9}"))
        .by_hyper("UTF-8 bytes in the target are accepted and passed on as sent"),
        case("strip_prefix", "Traefik v1 PathPrefixStrip", "/strip/app/x")
            .answers(&[200])
            .forwards(get(Strip, "/app/x").is("x-forwarded-prefix", "/strip")),
        case(
            "dot_dot_out_of_a_stripped_prefix",
            "the issue: .. never climbs out of a stripped prefix",
            "/strip/../admin/x",
        )
        .answers(&[200])
        .forwards(get(Admin, "/admin/x")),
        case(
            "strip_leaving_a_dot_segment",
            "the issue: .. never climbs out of a stripped prefix",
            "/strip..",
        )
        .refused(400),
        case(
            "strip_leaving_an_encoded_dot_segment",
            "the issue: .. never climbs out of a stripped prefix",
            "/strip%2e%2e/admin",
        )
        .refused(400),
        Case::new(
            Paths,
            "dot_dot_in_an_absolute_target",
            "RFC 3986 §5.2.4 on an absolute-form target",
            bytes(b"GET http://c.test/rec/../admin/abs HTTP/1.1\r\nHost: c.test\r\n\r\n"),
        )
        .answers(&[200])
        .forwards(get(Admin, "/admin/abs")),
    ]
}
