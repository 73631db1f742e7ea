use http::Request;

use super::*;
use crate::routing::path::{EncodedDots, EncodedSlashes};

fn limits() -> Limits {
    Limits {
        connections: None,
        connections_per_ip: None,
        header_count: 10,
        header_size: 8192,
        uri_length: 64,
        request_body: None,
    }
}

fn build(method: &str, target: &str, version: Version, hosts: &[&str]) -> Request<()> {
    let mut builder = Request::builder()
        .method(method)
        .uri(target)
        .version(version);
    for host in hosts {
        builder = builder.header(header::HOST, *host);
    }
    builder.body(()).expect("a request")
}

fn check(method: &str, target: &str, version: Version, hosts: &[&str]) -> Result<String, Answer> {
    let mut request = build(method, target, version, hosts);
    self::request(&mut request, &limits(), PathPolicy::default())?;
    Ok(request.uri().to_string())
}

/// A target, its version, its `Host` lines, and the target it goes on with or the answer.
type HostCase = (
    &'static str,
    Version,
    &'static [&'static str],
    Result<&'static str, Answer>,
);

const V10: Version = Version::HTTP_10;
const V11: Version = Version::HTTP_11;
const V2: Version = Version::HTTP_2;

#[test]
fn host_rules_of_rfc_9112_section_3_2() {
    // "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request
    // message that lacks a Host header field and to any request message that contains more
    // than one Host header field line or a Host header field with an invalid field value."
    let cases: &[HostCase] = &[
        ("/a", V11, &["example.com"], Ok("/a")),
        ("/a", V11, &["Example.COM:8080"], Ok("/a")),
        ("/a", V11, &["[::1]:8080"], Ok("/a")),
        ("/a", V11, &["127.0.0.1"], Ok("/a")),
        ("/a", V11, &[""], Ok("/a")),
        ("/a", V11, &[], Err(Answer::MissingHost)),
        ("/a", V10, &[], Ok("/a")),
        ("/a", V11, &["a.test", "a.test"], Err(Answer::DuplicateHost)),
        ("/a", V10, &["a.test", "b.test"], Err(Answer::DuplicateHost)),
        ("/a", V11, &["a.test, b.test"], Err(Answer::InvalidHost)),
        ("/a", V11, &["user@a.test"], Err(Answer::InvalidHost)),
        ("/a", V11, &["a.test/x"], Err(Answer::InvalidHost)),
        ("/a", V11, &["a.test:http"], Err(Answer::InvalidHost)),
        ("/a", V11, &["a.test:99999"], Err(Answer::InvalidHost)),
        ("/a", V11, &["a.test:"], Err(Answer::InvalidHost)),
        ("/a", V11, &["[::1"], Err(Answer::InvalidHost)),
        ("/a", V11, &["[zz::1]"], Err(Answer::InvalidHost)),
        ("/a", V11, &["a b"], Err(Answer::InvalidHost)),
    ];
    for (target, version, hosts, expected) in cases {
        let expected = (*expected).map(str::to_owned);
        assert_eq!(
            check("GET", target, *version, hosts),
            expected,
            "{target} {version:?} {hosts:?}"
        );
    }
}

#[test]
fn an_absolute_target_must_name_the_host_header_s_host() {
    // RFC 9112 §3.2.2; the issue asks for 400 where they disagree.
    let cases: &[(&str, &[&str], Result<&str, Answer>)] = &[
        ("http://a.test/x", &["a.test"], Ok("http://a.test/x")),
        ("http://A.test:80/x", &["a.test"], Ok("http://A.test:80/x")),
        ("https://a.test/x", &["a.test:443"], Ok("https://a.test/x")),
        ("http://a.test/x", &["b.test"], Err(Answer::HostMismatch)),
        (
            "http://a.test:8080/x",
            &["a.test"],
            Err(Answer::HostMismatch),
        ),
        ("http://a.test/x", &[], Err(Answer::MissingHost)),
        ("http://u@a.test/x", &["a.test"], Err(Answer::UserInfo)),
        ("ftp://a.test/x", &["a.test"], Err(Answer::BadTarget)),
    ];
    for (target, hosts, expected) in cases {
        let expected = (*expected).map(str::to_owned);
        assert_eq!(
            check("GET", target, V11, hosts),
            expected,
            "{target} {hosts:?}"
        );
    }
    assert_eq!(
        check("GET", "http://a.test/x", V10, &[]).as_deref(),
        Ok("http://a.test/x"),
        "HTTP/1.0 needs no Host"
    );
}

#[test]
fn http2_authority_and_host_must_agree() {
    // RFC 9113 §8.3.1: a Host that differs from :authority makes the request malformed.
    assert!(check("GET", "http://a.test/x", V2, &[]).is_ok());
    assert!(check("GET", "http://a.test/x", V2, &["a.test"]).is_ok());
    assert_eq!(
        check("GET", "http://a.test/x", V2, &["b.test"]),
        Err(Answer::HostMismatch)
    );
    assert_eq!(
        check("GET", "/x", V2, &[]),
        Err(Answer::MissingHost),
        "neither :authority nor Host"
    );
    assert_eq!(
        check("GET", "http://a.test/x", V2, &["a.test", "a.test"]),
        Err(Answer::DuplicateHost)
    );
}

#[test]
fn target_forms_of_rfc_9112_section_3_2() {
    assert_eq!(
        check("OPTIONS", "*", V11, &["a"]),
        Err(Answer::ServerOptions)
    );
    assert_eq!(check("GET", "*", V11, &["a"]), Err(Answer::BadTarget));
    assert_eq!(
        check("GET", "a.test:80", V11, &["a"]),
        Err(Answer::BadTarget)
    );
    assert_eq!(
        check("CONNECT", "a.test:443", V11, &["a.test:443"]),
        Err(Answer::Connect)
    );
    assert_eq!(Answer::Connect.status(), StatusCode::NOT_IMPLEMENTED);
}

#[test]
fn the_path_goes_on_in_normal_form_with_its_query() {
    let cases = [
        ("/a/../b?x=/../y", Ok("/b?x=/../y")),
        ("http://a/a/./b/", Ok("http://a/a/b/")),
        ("/a//b/%7e", Ok("/a/b/~")),
        (
            "/a/%2e%2e/b",
            Err(Answer::Path(PathError::EncodedDotSegment)),
        ),
        ("/a%2fb", Err(Answer::Path(PathError::EncodedSlash))),
        ("/a%00", Err(Answer::Path(PathError::EncodedNul))),
    ];
    for (target, expected) in cases {
        let expected = expected.map(str::to_owned);
        assert_eq!(check("GET", target, V11, &["a"]), expected, "{target}");
    }
    let mut request = build("GET", "/a/%2e%2e/b%2Fc", V11, &["a"]);
    let lenient = PathPolicy {
        encoded_slashes: EncodedSlashes::Keep,
        encoded_dots: EncodedDots::Decode,
    };
    assert_eq!(self::request(&mut request, &limits(), lenient), Ok(()));
    assert_eq!(request.uri(), "/b%2Fc");
}

#[test]
fn limits_are_checked_before_anything_else() {
    let long = format!("/{}", "a".repeat(64));
    assert_eq!(check("GET", &long, V11, &[]), Err(Answer::UriTooLong));
    assert!(
        check("GET", &long[..64], V11, &["a"]).is_ok(),
        "at the limit"
    );
    assert_eq!(
        check(
            "GET",
            &format!("http://a.test/{}", "0".repeat(60)),
            V11,
            &[]
        ),
        Err(Answer::UriTooLong),
        "scheme and authority count"
    );
    let mut request = build("GET", "/", V11, &["a"]);
    for n in 0..10 {
        request.headers_mut().append("x-n", HeaderValue::from(n));
    }
    assert_eq!(
        self::request(&mut request, &limits(), PathPolicy::default()),
        Err(Answer::TooManyHeaders)
    );
}

#[test]
fn answers_name_the_reason_and_close_http1_connections() {
    let response = Answer::MissingHost.to_response(V11);
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()[header::CONNECTION], "close");
    let response = Answer::HostMismatch.to_response(V2);
    assert!(!response.headers().contains_key(header::CONNECTION));
    let response = Answer::ServerOptions.to_response(V11);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_LENGTH], "0");
    assert_eq!(
        Answer::Path(PathError::EncodedSlash).to_string(),
        "the path contains an encoded slash or backslash (%2F, %5C) or a backslash"
    );
}
