//! `forwardAuth` over loopback: Traefik's `pkg/middlewares/auth/forward_test.go` cases with a
//! real authentication server and backend.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;

use crate::proxy::middleware::test_support::{Backend, Stage, read, refusing_address};
use crate::routing::middleware::{ForwardAuth, Middleware};
use crate::routing::options::Options;

fn forward_auth(address: &str, pairs: &[(&str, &str)]) -> Middleware {
    let mut options = Options::new("traefik.http.middlewares.a.forwardauth");
    options.push("address", "address", address);
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    Middleware::ForwardAuth(Box::new(
        ForwardAuth::from_options(&options).expect("valid forwardAuth"),
    ))
}

/// An authentication server answering `status` with `headers` and `body`.
async fn auth_server(
    status: StatusCode,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
) -> Backend {
    Backend::start(move |_, _| {
        let mut response = Response::builder().status(status);
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        response
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("answer")
    })
    .await
}

/// A backend that says it was reached.
async fn app() -> Backend {
    Backend::start(|_, _| {
        Response::builder()
            .header("set-cookie", "authCookie=Backend")
            .header("set-cookie", "backendCookie=Backend")
            .body(Full::new(Bytes::from_static(b"backend")))
            .expect("response")
    })
    .await
}

#[tokio::test]
async fn a_refusal_goes_back_to_the_client_as_the_server_gave_it() {
    // forward_test.go: auth 403 with Proxy-Authenticate and "Forbidden\n" -> the same
    let auth = auth_server(
        StatusCode::FORBIDDEN,
        &[
            ("proxy-authenticate", "test"),
            ("x-foo", "bar"),
            ("keep-alive", "timeout=5"),
        ],
        "Forbidden\n",
    )
    .await;
    let backend = app().await;
    let address = format!("http://{}/verify", auth.address);
    let stage = Stage::start(
        vec![forward_auth(&address, &[])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, headers, body) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(&body[..], b"Forbidden\n");
    assert_eq!(headers["proxy-authenticate"], "test");
    assert_eq!(headers["x-foo"], "bar");
    assert!(
        !headers.contains_key("keep-alive"),
        "hop-by-hop headers stay behind"
    );
    assert!(backend.seen().is_empty());
}

#[tokio::test]
async fn granted_requests_carry_the_servers_headers_and_cookies() {
    // forward_test.go: authResponseHeaders, authResponseHeadersRegex ^Foo-,
    // addAuthCookiesToResponse [authCookie]
    let auth = auth_server(
        StatusCode::OK,
        &[
            ("x-auth-user", "user@example.com"),
            ("x-auth-secret", "secret"),
            ("x-auth-group", "group1"),
            ("x-auth-group", "group2"),
            ("foo-bar", "auth-value"),
            ("set-cookie", "authCookie=Auth"),
            ("set-cookie", "authCookieNotAdded=Auth"),
        ],
        "ignored",
    )
    .await;
    let backend = app().await;
    let address = format!("http://{}/verify", auth.address);
    let stage = Stage::start(
        vec![forward_auth(
            &address,
            &[
                ("authResponseHeaders", "X-Auth-User, X-Auth-Group"),
                ("authResponseHeadersRegex", "^Foo-"),
                ("addAuthCookiesToResponse", "authCookie"),
            ],
        )],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, headers, body) = stage
        .get(
            "/",
            &[
                ("x-auth-group", "admin_group"),
                ("foo-bar", "client-value"),
                ("foo-baz", "client-value"),
            ],
        )
        .await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"backend"[..]));
    let seen = &backend.seen()[0];
    assert_eq!(seen.headers["x-auth-user"], "user@example.com");
    assert!(!seen.headers.contains_key("x-auth-secret"));
    let groups: Vec<_> = seen.headers.get_all("x-auth-group").iter().collect();
    assert_eq!(groups, ["group1", "group2"]);
    assert_eq!(seen.headers["foo-bar"], "auth-value");
    assert!(!seen.headers.contains_key("foo-baz"));
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["backendCookie=Backend", "authCookie=Auth"]);
}

#[tokio::test]
async fn the_auth_request_is_a_get_with_the_forwarded_headers_and_no_body() {
    let auth = auth_server(StatusCode::OK, &[], "").await;
    let backend = app().await;
    let address = format!("http://{}/verify?app=1", auth.address);
    let stage = Stage::start(
        vec![forward_auth(&address, &[("trustForwardHeader", "false")])],
        &[("app", &[backend.address])],
    )
    .await;
    let request = Request::post("/items?page=2")
        .header("host", "app.test")
        .header("authorization", "Bearer token")
        .body(Full::new(Bytes::from_static(b"payload")))
        .expect("request");
    let (status, _, _) = read(stage.send(request).await).await;
    assert_eq!(status, StatusCode::OK);
    let asked = &auth.seen()[0];
    assert_eq!(asked.method, http::Method::GET);
    assert_eq!(asked.uri, "/verify?app=1");
    assert!(asked.body.is_empty(), "no body unless forwardBody");
    assert_eq!(asked.headers["host"], auth.address.to_string());
    assert_eq!(asked.headers["authorization"], "Bearer token");
    assert_eq!(asked.headers["x-forwarded-method"], "POST");
    assert_eq!(asked.headers["x-forwarded-uri"], "/items?page=2");
    assert_eq!(asked.headers["x-forwarded-host"], "app.test");
    assert_eq!(asked.headers["x-forwarded-proto"], "http");
    assert_eq!(asked.headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(
        &backend.seen()[0].body[..],
        b"payload",
        "the backend still gets the body"
    );
}

#[tokio::test]
async fn forward_body_sends_it_to_both_within_its_limit() {
    let auth = auth_server(StatusCode::OK, &[], "").await;
    let backend = app().await;
    let address = format!("http://{}/verify", auth.address);
    let stage = Stage::start(
        vec![forward_auth(
            &address,
            &[
                ("forwardBody", "true"),
                ("maxBodySize", "10"),
                ("preserveRequestMethod", "true"),
            ],
        )],
        &[("app", &[backend.address])],
    )
    .await;
    let post = |body: &'static str| {
        Request::post("/")
            .header("host", "app.test")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("request")
    };
    let (status, _, _) = read(stage.send(post("small")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (auth.seen()[0].method.as_str(), &auth.seen()[0].body[..]),
        ("POST", &b"small"[..])
    );
    assert_eq!(&backend.seen()[0].body[..], b"small");
    let (status, _, _) = read(stage.send(post("far too long for it")).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "over maxBodySize");
}

#[tokio::test]
async fn redirects_reach_the_client_unfollowed_and_made_absolute() {
    // forward_test.go: auth 302 Location http://example.com/redirect-test -> the client gets it
    let auth = auth_server(StatusCode::FOUND, &[("location", "/login?next=%2F")], "").await;
    let address = format!("http://{}/verify", auth.address);
    let stage = Stage::start(vec![forward_auth(&address, &[])], &[("app", &[])]).await;
    let (status, headers, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        headers["location"],
        format!("http://{}/login?next=%2F", auth.address)
    );
    assert_eq!(auth.seen().len(), 1, "not followed");

    let stage = Stage::start(
        vec![forward_auth(
            &address,
            &[("preserveLocationHeader", "true")],
        )],
        &[("app", &[])],
    )
    .await;
    let (_, headers, _) = stage.get("/", &[]).await;
    assert_eq!(headers["location"], "/login?next=%2F");
}

#[tokio::test]
async fn a_401_goes_to_the_signin_url_when_there_is_one() {
    // forward_test.go (v3.7): 401 + authSigninURL -> 302 there; 403 stays 403
    let auth = auth_server(StatusCode::UNAUTHORIZED, &[], "").await;
    let address = format!("http://{}/verify", auth.address);
    let stage = Stage::start(
        vec![forward_auth(
            &address,
            &[("authSigninURL", "https://login.example.com/")],
        )],
        &[("app", &[])],
    )
    .await;
    let (status, headers, _) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers["location"], "https://login.example.com/");
}

#[tokio::test]
async fn an_unreachable_server_is_a_500_and_a_name_is_resolved() {
    // forward_test.go: unreachable auth -> 500
    let address = format!("http://{}/verify", refusing_address().await);
    let stage = Stage::start(vec![forward_auth(&address, &[])], &[("app", &[])]).await;
    let (status, _, body) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.is_empty());

    // a name, resolved at request time (localhost stands in for a Swarm service name)
    let auth = auth_server(StatusCode::NO_CONTENT, &[], "").await;
    let backend = app().await;
    let address = format!("http://localhost:{}/verify", auth.address.port());
    let stage = Stage::start(
        vec![forward_auth(&address, &[])],
        &[("app", &[backend.address])],
    )
    .await;
    let (status, _, body) = stage.get("/", &[]).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"backend"[..]));
    assert_eq!(
        auth.seen()[0].headers["host"],
        format!("localhost:{}", auth.address.port())
    );
}
