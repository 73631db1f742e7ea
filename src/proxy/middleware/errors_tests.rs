//! `errors` over loopback: Traefik's `pkg/middlewares/customerrors/custom_errors_test.go`.

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;

use crate::proxy::middleware::test_support::{Backend, Stage};
use crate::routing::middleware::{Errors, Middleware};
use crate::routing::options::Options;

fn errors(pairs: &[(&str, &str)]) -> Middleware {
    let mut options = Options::new("traefik.http.middlewares.e.errors");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    Middleware::Errors(Errors::from_options(&options).expect("valid errors"))
}

/// An error page service that says which path it was asked for.
async fn pages() -> Backend {
    Backend::start(|seen, _| {
        Response::builder()
            .header("content-type", "text/html")
            .body(Full::new(Bytes::from(format!("page for {}", seen.uri))))
            .expect("page")
    })
    .await
}

#[tokio::test]
async fn a_caught_status_gets_the_page_with_the_original_status() {
    // custom_errors_test.go: query /{status} + backend 503 -> the page service sees /503, the
    // client gets 503 with the page's body; the page service sees the request's Host
    let backend = Backend::answering(StatusCode::SERVICE_UNAVAILABLE, "backend's own").await;
    let pages = pages().await;
    let stage = Stage::start(
        vec![errors(&[
            ("status", "500-599"),
            ("service", "pages@file"),
            ("query", "/{status}"),
        ])],
        &[
            ("app", &[backend.address]),
            ("pages@file", &[pages.address]),
        ],
    )
    .await;
    let (status, headers, body) = stage.get("/some/thing?x=1", &[("x-request-id", "7")]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(&body[..], b"page for /503");
    assert_eq!(headers["content-type"], "text/html");
    let seen = pages.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, http::Method::GET);
    assert_eq!(seen[0].headers["host"], "app.test");
    assert_eq!(seen[0].headers["x-request-id"], "7");
}

#[tokio::test]
async fn statuses_outside_the_ranges_pass_through_untouched() {
    // custom_errors_test.go: status 500-501,503-599: 200 and 502 pass through
    let pages = pages().await;
    for (status, body) in [
        (StatusCode::OK, "fine"),
        (StatusCode::BAD_GATEWAY, "upstream 502"),
    ] {
        let backend = Backend::answering(status, body).await;
        let stage = Stage::start(
            vec![errors(&[
                ("status", "500-501,503-599"),
                ("service", "pages@file"),
            ])],
            &[
                ("app", &[backend.address]),
                ("pages@file", &[pages.address]),
            ],
        )
        .await;
        let (got, _, text) = stage.get("/", &[]).await;
        assert_eq!((got, &text[..]), (status, body.as_bytes()));
    }
    assert!(pages.seen().is_empty());
}

#[tokio::test]
async fn rewrites_change_the_status_and_the_url_is_escaped_whole() {
    // errors doc: statusRewrites.502-504=500 with query /{status}.html; custom_errors_test.go:
    // {url} of http://localhost/test?foo=bar&baz=buz
    let backend = Backend::answering(StatusCode::SERVICE_UNAVAILABLE, "").await;
    let pages = pages().await;
    let stage = Stage::start(
        vec![errors(&[
            ("status", "500-599"),
            ("statusRewrites.502-504", "500"),
            ("service", "pages@file"),
            ("query", "/{status}.html?url={url}&was={originalStatus}"),
        ])],
        &[
            ("app", &[backend.address]),
            ("pages@file", &[pages.address]),
        ],
    )
    .await;
    let (status, _, body) = stage.get("/test?foo=bar&baz=buz", &[]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        String::from_utf8_lossy(&body),
        "page for /500.html?url=http%3A%2F%2Fapp.test%2Ftest%3Ffoo%3Dbar%26baz%3Dbuz&was=503"
    );
}

#[tokio::test]
async fn only_listed_headers_reach_the_page_service() {
    // custom_errors_test.go: errorRequestHeaders [X-Request-Id] -> only that one
    let backend = Backend::answering(StatusCode::NOT_FOUND, "").await;
    let pages = pages().await;
    let stage = Stage::start(
        vec![errors(&[
            ("status", "404"),
            ("service", "pages@file"),
            ("errorRequestHeaders", "X-Request-Id"),
        ])],
        &[
            ("app", &[backend.address]),
            ("pages@file", &[pages.address]),
        ],
    )
    .await;
    let (status, _, _) = stage
        .get("/", &[("x-request-id", "42"), ("x-other", "no")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let seen = pages.seen();
    assert_eq!(seen[0].headers["x-request-id"], "42");
    assert!(!seen[0].headers.contains_key("x-other"));
}

#[tokio::test]
async fn an_unreachable_page_service_still_answers_the_caught_status() {
    let backend = Backend::answering(StatusCode::INTERNAL_SERVER_ERROR, "oops").await;
    let stage = Stage::start(
        vec![errors(&[("status", "500"), ("service", "pages@file")])],
        &[("app", &[backend.address]), ("pages@file", &[])],
    )
    .await;
    let (status, _, body) = stage.get("/", &[]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(&body[..], b"Internal Server Error\n");
}
