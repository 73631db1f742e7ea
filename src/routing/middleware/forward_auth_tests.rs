use std::time::Instant;

use http::Request;

use super::*;

fn parse(pairs: &[(&str, &str)]) -> Result<ForwardAuth, OptionError> {
    let mut options = Options::new("traefik.http.middlewares.a.forwardauth");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    let config = ForwardAuth::from_options(&options)?;
    options.finish()?;
    Ok(config)
}

fn auth(extra: &[(&str, &str)]) -> ForwardAuth {
    let mut pairs = vec![("address", "http://auth:9000/verify")];
    pairs.extend_from_slice(extra);
    parse(&pairs).expect("valid forwardAuth")
}

/// `http://foo.bar/path?q=1` as forward_test.go's writeHeader cases send it, with the
/// `X-Forwarded-For` hawser has appended the client to.
fn request(headers: &[(&str, &str)]) -> Parts {
    let mut builder = Request::get("/path?q=1").header("host", "foo.bar");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("request").into_parts().0
}

fn context() -> RequestContext {
    RequestContext {
        client_ip: [10, 0, 0, 1].into(),
        trusted_proxy: false,
        tls: false,
        now: Instant::now(),
        entry_point: 0,
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .map(|value| value.to_str().expect("ascii"))
}

#[test]
fn addresses_are_plain_http_urls() {
    let config = auth(&[]);
    assert_eq!(config.server(), ("auth", 9000));
    assert_eq!(
        parse(&[("address", "http://10.0.0.5/auth")])
            .expect("ip")
            .server(),
        ("10.0.0.5", 80)
    );
    for (address, reason) in [
        ("https://example.com/auth", "https is not supported"),
        ("ftp://example.com", "not an http:// URL"),
        ("/auth", "not an http:// URL"),
        ("not a url", "not a URL"),
    ] {
        let err = parse(&[("address", address)]).expect_err(address);
        assert!(err.reason.contains(reason), "{address}: {err}");
    }
    let err =
        parse(&[("address", "http://a/"), ("tls.insecureSkipVerify", "true")]).expect_err("tls");
    assert!(err.reason.contains("not supported"), "{err}");
    assert!(parse(&[]).is_err(), "address is required");
}

#[test]
fn trusted_headers_are_kept_and_untrusted_ones_replaced() {
    // forward_test.go TestForwardAuthWriteHeader (trustForwardHeader set)
    let cases: &[(bool, &str, &str, &str)] = &[
        (true, "x-forwarded-host", "fii.bir", "fii.bir"),
        (false, "x-forwarded-host", "fii.bir", "foo.bar"),
        (true, "x-forwarded-uri", "/forward?q=1", "/forward?q=1"),
        (false, "x-forwarded-uri", "/forward?q=1", "/path?q=1"),
        (true, "x-forwarded-method", "OPTIONS", "OPTIONS"),
        (false, "x-forwarded-method", "OPTIONS", "GET"),
        (false, "x-forwarded-proto", "https", "http"),
    ];
    for (trust, name, sent, expected) in cases {
        let config = auth(&[("trustForwardHeader", if *trust { "true" } else { "false" })]);
        let headers = config.request_headers(&request(&[(name, sent)]), &context());
        assert_eq!(
            header(&headers, name),
            Some(*expected),
            "trust {trust} {name}"
        );
    }
}

#[test]
fn untrusted_requests_send_exactly_traefiks_headers() {
    // forward_test.go: hop-by-hop removed, the result exactly X-CustomHeader, X-Forwarded-
    // Proto/Host/Uri/Method/Port/For, Proxy-Authenticate, Proxy-Authorization, User-Agent ""
    let config = auth(&[("trustForwardHeader", "false")]);
    let sent = request(&[
        ("x-customheader", "CustomHeader"),
        ("connection", "close, x-hop"),
        ("x-hop", "gone"),
        ("keep-alive", "timeout=5"),
        ("te", "gzip"),
        ("upgrade", "websocket"),
        ("proxy-authenticate", "test"),
        ("proxy-authorization", "test"),
        ("x_forwarded_for", "1.2.3.4"),
        ("x-forwarded-prefix", "/api"),
        ("x-real-ip", "1.2.3.4"),
        ("content-length", "12"),
    ]);
    let headers = config.request_headers(&sent, &context());
    let mut names: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "proxy-authenticate",
            "proxy-authorization",
            "user-agent",
            "x-customheader",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-method",
            "x-forwarded-port",
            "x-forwarded-proto",
            "x-forwarded-uri",
        ]
    );
    assert_eq!(header(&headers, "x-forwarded-port"), Some("80"));
    assert_eq!(header(&headers, "x-forwarded-for"), Some("10.0.0.1"));
    assert_eq!(header(&headers, "user-agent"), Some(""));
}

#[test]
fn the_legacy_mode_copies_what_came_and_overwrites_the_five() {
    // forward.go oldWriteHeader (trustForwardHeader unset): X-Forwarded-Prefix and -Port kept
    let config = auth(&[]);
    let sent = request(&[
        ("x-forwarded-prefix", "/api"),
        ("x-forwarded-port", "8080"),
        ("x-forwarded-for", "1.1.1.1, 10.0.0.1"),
        ("x-forwarded-uri", "/spoofed"),
    ]);
    let headers = config.request_headers(&sent, &context());
    assert_eq!(header(&headers, "x-forwarded-prefix"), Some("/api"));
    assert_eq!(header(&headers, "x-forwarded-port"), Some("8080"));
    assert_eq!(header(&headers, "x-forwarded-for"), Some("10.0.0.1"));
    assert_eq!(header(&headers, "x-forwarded-uri"), Some("/path?q=1"));
    assert_eq!(header(&headers, "x-forwarded-method"), Some("GET"));
    assert_eq!(
        header(&headers, "user-agent"),
        None,
        "no empty User-Agent in legacy mode"
    );
}

#[test]
fn trusted_forwarded_for_is_the_chain_so_far() {
    let config = auth(&[("trustForwardHeader", "true")]);
    let sent = request(&[("x-forwarded-for", "1.1.1.1, 10.0.0.1")]);
    let headers = config.request_headers(&sent, &context());
    assert_eq!(
        header(&headers, "x-forwarded-for"),
        Some("1.1.1.1, 10.0.0.1")
    );
}

#[test]
fn listed_request_headers_only_and_never_a_missing_one() {
    // forward_test.go: authRequestHeaders [X-CustomHeader] drops Content-Type; a listed header
    // the request lacks is not added
    let config = auth(&[
        ("trustForwardHeader", "false"),
        ("authRequestHeaders", "X-CustomHeader, X-Absent"),
    ]);
    let sent = request(&[("x-customheader", "1"), ("content-type", "text/plain")]);
    let headers = config.request_headers(&sent, &context());
    assert_eq!(header(&headers, "x-customheader"), Some("1"));
    assert!(!headers.contains_key("content-type"));
    assert!(!headers.contains_key("x-absent"));
    assert!(
        headers.contains_key("x-forwarded-uri"),
        "the X-Forwarded set is always sent"
    );
}

#[test]
fn granted_headers_replace_the_clients() {
    // forward_test.go: authResponseHeaders [X-Auth-User, X-Auth-Group], regex ^Foo-; the client
    // sent X-Auth-Group, Foo-Bar and Foo-Baz
    let config = auth(&[
        ("authResponseHeaders", "X-Auth-User, X-Auth-Group"),
        ("authResponseHeadersRegex", "^Foo-"),
    ]);
    let mut answer = HeaderMap::new();
    for (name, value) in [
        ("x-auth-user", "user@example.com"),
        ("x-auth-secret", "secret"),
        ("x-auth-group", "group1"),
        ("x-auth-group", "group2"),
        ("foo-bar", "auth-value"),
    ] {
        answer.append(name, HeaderValue::from_static(value));
    }
    let mut request = HeaderMap::new();
    for (name, value) in [
        ("x-auth-group", "admin_group"),
        ("foo-bar", "client-value"),
        ("foo-baz", "client-value"),
    ] {
        request.append(name, HeaderValue::from_static(value));
    }
    config.copy_granted_headers(&answer, &mut request);
    assert_eq!(header(&request, "x-auth-user"), Some("user@example.com"));
    assert!(!request.contains_key("x-auth-secret"));
    let groups: Vec<_> = request.get_all("x-auth-group").iter().collect();
    assert_eq!(groups, ["group1", "group2"]);
    let bars: Vec<_> = request.get_all("foo-bar").iter().collect();
    assert_eq!(bars, ["auth-value"]);
    assert!(!request.contains_key("foo-baz"));
}

#[test]
fn listed_auth_cookies_join_the_backends_others() {
    // forward_test.go: addAuthCookiesToResponse [authCookie]; backend authCookie=Backend,
    // backendCookie=Backend -> [backendCookie=Backend, authCookie=Auth]
    let config = auth(&[("addAuthCookiesToResponse", "authCookie")]);
    let granted = [
        HeaderValue::from_static("authCookie=Auth"),
        HeaderValue::from_static("authCookieNotAdded=Auth"),
    ];
    let mut response = HeaderMap::new();
    response.append(
        header::SET_COOKIE,
        HeaderValue::from_static("authCookie=Backend"),
    );
    response.append(
        header::SET_COOKIE,
        HeaderValue::from_static("backendCookie=Backend; Path=/"),
    );
    config.merge_cookies(&granted, &mut response);
    let cookies: Vec<_> = response.get_all(header::SET_COOKIE).iter().collect();
    assert_eq!(
        cookies,
        ["backendCookie=Backend; Path=/", "authCookie=Auth"]
    );
}

#[test]
fn locations_are_made_absolute_against_the_address() {
    // forward.go redirectURL: resp.Location() resolves against the auth URL
    let config = auth(&[]);
    let cases = [
        (
            "http://example.com/redirect-test",
            "http://example.com/redirect-test",
        ),
        ("/login", "http://auth:9000/login"),
        ("login?next=1", "http://auth:9000/login?next=1"),
        ("//other/x", "http://other/x"),
    ];
    for (location, expected) in cases {
        assert_eq!(config.location(location), expected, "{location}");
    }
    let preserving = auth(&[("preserveLocationHeader", "true")]);
    assert_eq!(preserving.location("/login"), "/login");
}

#[test]
fn the_other_options_read() {
    let config = auth(&[
        ("forwardBody", "true"),
        ("maxBodySize", "10"),
        ("maxResponseBodySize", "-1"),
        ("preserveRequestMethod", "true"),
        ("authSigninURL", "https://login.example.com"),
        ("headerField", "X-User"),
    ]);
    assert!(config.forward_body);
    assert_eq!(config.max_body_size, Some(10));
    assert_eq!(config.max_response_body_size, None, "-1 is no limit");
    assert_eq!(
        config.auth_signin_url.as_deref(),
        Some("https://login.example.com")
    );
    let post = Request::post("/").body(()).expect("request").into_parts().0;
    assert_eq!(config.method(&post), Method::POST);
    assert_eq!(auth(&[]).method(&post), Method::GET);
}
