use http::Request;
use http::header::HeaderValue;

use super::*;

fn parse(pairs: &[(&str, &str)]) -> Result<Compress, OptionError> {
    let mut options = Options::new("traefik.http.middlewares.c.compress");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    let config = Compress::from_options(&options)?;
    options.finish()?;
    Ok(config)
}

fn request(method: &str, accept: Option<&str>, content_type: Option<&str>) -> Parts {
    let mut builder = Request::builder().method(method).uri("/");
    if let Some(accept) = accept {
        builder = builder.header("accept-encoding", accept);
    }
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    builder.body(()).expect("request").into_parts().0
}

fn chosen(config: &Compress, accept: Option<&str>) -> Option<&'static str> {
    match config.choose(&request("GET", accept, None)) {
        Choice::Encode(encoding) => Some(encoding.name()),
        Choice::Pass | Choice::VaryOnly => None,
    }
}

#[test]
fn negotiation_follows_traefiks_table() {
    // compress_test.go and acceptencoding_test.go (default encodings)
    let config = parse(&[]).expect("valid");
    let cases: &[(Option<&str>, Option<&str>)] = &[
        (None, None),
        (Some("notreal"), None),
        (Some("*"), None),
        (Some("gzip"), Some("gzip")),
        (Some("br"), Some("br")),
        (Some("zstd"), Some("zstd")),
        (Some("br;q=0.8, gzip;q=0.6"), Some("br")),
        (Some("gzip;q=1.0, br;q=0.8"), Some("gzip")),
        (Some("gzip, br"), Some("gzip")),
        (Some("gzip, br, zstd"), Some("gzip")),
        (Some("zstd;q=0.9, br;q=0.8, gzip;q=0.6"), Some("zstd")),
        (Some("gzip;q=0.8, br;q=1.0, zstd;q=0.7"), Some("br")),
        (Some(""), None),
        (Some("compress, gzip"), Some("gzip")),
        (Some("compress, rar"), None),
        (Some("br;q=0.8, gzip;q=1.0, *;q=0.1"), Some("gzip")),
        (Some("br;q=0.8, identity;q=1.0"), None),
        (Some("br;q=0.8, identity;q=0.8"), Some("br")),
        (Some("compress;q=1.0, gzip, identity;q=0"), Some("gzip")),
        (Some("compress;q=1.0, identity;q=0"), None),
        (Some("compress;q=1.0, *;q=0"), None),
        (Some("gzip, *;q=0"), Some("gzip")),
        (Some("br;q=0, gzip;q=0, zstd;q=0"), None),
        (Some("br;q=1.0, zstd;q=1.0, gzip;q=1.0"), Some("gzip")),
    ];
    for (accept, expected) in cases {
        assert_eq!(chosen(&config, *accept), *expected, "{accept:?}");
    }
}

#[test]
fn configured_encodings_and_the_default_encoding() {
    // acceptencoding_test.go: encodings [br, gzip] and [zstd, br]; defaultEncoding br
    let br_gzip = parse(&[("encodings", "br, gzip")]).expect("valid");
    assert_eq!(chosen(&br_gzip, Some("zstd, gzip, br")), Some("br"));
    let zstd_br = parse(&[("encodings", "zstd,br")]).expect("valid");
    assert_eq!(
        chosen(&zstd_br, Some("br;q=0.8, gzip;q=1.0, *;q=0.1")),
        Some("br")
    );
    let default_br = parse(&[("defaultEncoding", "br")]).expect("valid");
    assert_eq!(chosen(&default_br, Some("*")), Some("br"));
    assert_eq!(
        chosen(&default_br, None),
        Some("br"),
        "no Accept-Encoding: the default"
    );
    assert_eq!(
        chosen(&default_br, Some("br;q=0, gzip;q=0, zstd;q=0")),
        None
    );
    assert_eq!(
        chosen(&default_br, Some("br;q=1.0, zstd;q=1.0, gzip;q=1.0")),
        Some("gzip")
    );
}

#[test]
fn head_excluded_requests_and_identity_pass_without_vary() {
    let config = parse(&[("excludedContentTypes", "text/event-stream")]).expect("valid");
    let pass = |method, accept, content_type| config.choose(&request(method, accept, content_type));
    assert_eq!(pass("HEAD", Some("gzip"), None), Choice::Pass);
    assert_eq!(
        pass("POST", Some("gzip"), Some("text/event-stream")),
        Choice::Pass
    );
    assert_eq!(
        pass("POST", Some("gzip"), Some("application/grpc")),
        Choice::Pass
    );
    assert_eq!(pass("GET", Some("identity"), None), Choice::Pass);
    assert_eq!(
        pass("GET", Some("*"), None),
        Choice::VaryOnly,
        "gzip for *: Vary only"
    );
    assert_eq!(
        pass("POST", Some("gzip"), Some("text/plain")),
        Choice::Encode(Encoding::Gzip)
    );
}

fn response(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            http::header::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_str(value).expect("value"),
        );
    }
    map
}

#[test]
fn responses_that_are_left_alone() {
    // compress_test.go: an encoded response, excluded and gRPC types, an unparsable type
    let config = parse(&[(
        "excludedContentTypes",
        "image/png, text/plain; charset=latin1",
    )])
    .expect("valid");
    let cases: &[(&[(&str, &str)], bool)] = &[
        (&[], true),
        (&[("content-type", "text/html; charset=utf-8")], true),
        (&[("content-encoding", "gzip")], false),
        (&[("content-range", "bytes 0-9/100")], false),
        (&[("content-type", "image/png")], false),
        (&[("content-type", "IMAGE/PNG; q=1")], false),
        (&[("content-type", "text/plain; charset=latin1")], false),
        (&[("content-type", "text/plain; charset=utf-8")], true),
        (&[("content-type", "application/grpc")], false),
        (&[("content-type", "not a type")], false),
    ];
    for (headers, expected) in cases {
        assert_eq!(
            config.compresses(&response(headers)),
            *expected,
            "{headers:?}"
        );
    }
    let included = parse(&[("includedContentTypes", "application/json")]).expect("valid");
    assert!(included.compresses(&response(&[("content-type", "application/json")])));
    assert!(!included.compresses(&response(&[("content-type", "text/html")])));
}

#[test]
fn options_are_checked_as_traefik_checks_them() {
    // compress.go New
    let config = parse(&[]).expect("valid");
    assert_eq!(
        config.encodings,
        [Encoding::Gzip, Encoding::Brotli, Encoding::Zstd]
    );
    assert_eq!(config.min_response_body_bytes, 1024);
    assert_eq!(
        parse(&[("minResponseBodyBytes", "0")])
            .expect("valid")
            .min_response_body_bytes,
        1024
    );
    assert_eq!(
        parse(&[("minResponseBodyBytes", "10")])
            .expect("valid")
            .min_response_body_bytes,
        10
    );
    let cases = [
        (
            vec![
                ("excludedContentTypes", "a/b"),
                ("includedContentTypes", "c/d"),
            ],
            "mutually exclusive",
        ),
        (
            vec![("encodings", "gzip, deflate")],
            "unsupported encoding: deflate",
        ),
        (vec![("encodings", "")], "at least one encoding"),
        (
            vec![("encodings", "gzip"), ("defaultEncoding", "br")],
            "unsupported default encoding",
        ),
        (
            vec![("excludedContentTypes", "nonsense")],
            "not a media type",
        ),
    ];
    for (pairs, reason) in cases {
        let err = parse(&pairs).expect_err(reason);
        assert!(err.reason.contains(reason), "{err}");
    }
}
