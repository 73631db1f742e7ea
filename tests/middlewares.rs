//! Traefik middlewares through the real binary: static routes (the file provider) with
//! middlewares, a real backend that echoes what it received, and hawser between them.

mod support;

use std::path::Path;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::Value;
use support::backend::{Backend, Kind, spawn};
use support::hawser::Hawser;
use support::http::{Reply, request};
use support::wait::eventually;

const TEST: &str = "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/";
const TEST2: &str = "test2:$apr1$d9hr9HBB$4HxwgUir3HP4EsggP/QNo0";
/// "test" at bcrypt cost 4 (Traefik's basic_auth_test.go)
const BCRYPT: &str = "bcrypt:$2a$04$.8sTYfcxbSplCtoxt5TdJOgpBYkarKtZYsYfYxQ1edbYRuO1DNi0e";
/// test:test, test2:test2, bcrypt:test
const AUTH_TEST: &str = "Basic dGVzdDp0ZXN0";
const AUTH_TEST2: &str = "Basic dGVzdDI6dGVzdDI=";
const AUTH_BCRYPT: &str = "Basic YmNyeXB0OnRlc3Q=";

/// One static service per middleware under test, all on the same backend.
fn routes(backend: &Backend, users_file: &Path) -> String {
    let address = backend.address;
    let service = |name: &str, prefix: &str| {
        format!(
            "\n[[services]]\nname = \"{name}\"\nrule = \"PathPrefix: {prefix}\"\nbackends = [\"{address}\"]\n"
        )
    };
    let users_file = users_file.display();
    [
        service("auth", "/auth"),
        format!(
            r#"[[services.middlewares]]
name = "users"
type = "basicAuth"
options = {{ users = "{TEST},{BCRYPT}", removeHeader = true, headerField = "X-Webauth-User" }}
[[services.middlewares]]
name = "to-echo"
type = "replacePath"
options = {{ path = "/__echo" }}
"#
        ),
        service("file-auth", "/file-auth"),
        format!(
            r#"[[services.middlewares]]
name = "file-users"
type = "basicAuth"
options = {{ usersFile = "{users_file}", realm = "files" }}
"#
        ),
        service("https-only", "/secure"),
        r#"[[services.middlewares]]
name = "to-https"
type = "redirectScheme"
options = { scheme = "https", permanent = true }
"#
        .to_owned(),
        service("cors", "/cors"),
        r#"[[services.middlewares]]
name = "api-headers"
type = "headers"
[services.middlewares.options]
accessControlAllowMethods = ["GET", "OPTIONS", "PUT"]
accessControlAllowOriginList = ["https://foo.bar.org"]
accessControlMaxAge = 100
addVaryHeader = true
frameDeny = true
customRequestHeaders = { X-Script-Name = "cors" }
customResponseHeaders = { X-Custom-Response-Header = "value" }
[[services.middlewares]]
name = "to-echo"
type = "replacePath"
options = { path = "/__echo" }
"#
        .to_owned(),
        service("private", "/private"),
        r#"[[services.middlewares]]
name = "office"
type = "ipAllowList"
options = { sourceRange = ["10.0.0.0/8", "192.168.1.7"] }
"#
        .to_owned(),
        service("behind-proxy", "/behind"),
        r#"[[services.middlewares]]
name = "client-of-proxy"
type = "ipAllowList"
[services.middlewares.options]
sourceRange = ["203.0.113.7"]
ipStrategy = { depth = 1 }
"#
        .to_owned(),
        service("limited", "/limited"),
        r#"[[services.middlewares]]
name = "one-a-minute"
type = "rateLimit"
options = { average = 1, period = "1m", burst = 2 }
"#
        .to_owned(),
        service("versions", "/api"),
        r#"[[services.middlewares]]
name = "no-version"
type = "stripPrefixRegex"
options = { regex = "^/api/v[0-9]+" }
"#
        .to_owned(),
        service("legacy", "/old"),
        r#"[[services.middlewares]]
name = "old-to-new"
type = "replacePathRegex"
options = { regex = "^/old/([a-z]+)", replacement = "/__$1" }
"#
        .to_owned(),
    ]
    .concat()
}

struct Setup {
    backend: Backend,
    hawser: Hawser,
    users_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn start() -> Setup {
    start_with(&[]).await
}

async fn start_with(extra: &[&str]) -> Setup {
    let backend = spawn([127, 0, 0, 1].into(), "app", Kind::Hello)
        .await
        .expect("backend");
    let dir = tempfile::tempdir().expect("temp dir");
    let users_file = dir.path().join("users");
    std::fs::write(&users_file, format!("# who may log in\n{TEST}\n")).expect("users file");
    let routes_file = dir.path().join("routes.toml");
    std::fs::write(&routes_file, routes(&backend, &users_file)).expect("routes file");
    let mut args = vec![
        "--no-docker",
        "--file",
        routes_file.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let hawser = Hawser::start(&args).await;
    Setup {
        backend,
        hawser,
        users_file,
        _dir: dir,
    }
}

async fn send(setup: &Setup, method: Method, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(method, &setup.hawser.url(path), headers)
        .await
        .expect("an answer")
}

/// What the backend's `/__echo` says it received.
fn echoed(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("echo JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_challenges_and_lets_the_right_users_in() {
    let setup = start().await;
    let refused = send(&setup, Method::GET, "/auth", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.headers["www-authenticate"],
        "Basic realm=\"traefik\""
    );
    assert_eq!(refused.body, "401 Unauthorized\n");
    let wrong = send(
        &setup,
        Method::GET,
        "/auth",
        &[("authorization", AUTH_TEST2)],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for (credentials, user) in [(AUTH_TEST, "test"), (AUTH_BCRYPT, "bcrypt")] {
        let passed = send(
            &setup,
            Method::GET,
            "/auth",
            &[("authorization", credentials)],
        )
        .await;
        let seen = echoed(&passed);
        assert_eq!(seen["headers"]["x-webauth-user"], user, "{seen}");
        assert!(
            seen["headers"].get("authorization").is_none(),
            "removeHeader: {seen}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_reads_its_users_file_again_when_it_changes() {
    let setup = start().await;
    let refused = send(&setup, Method::GET, "/file-auth", &[]).await;
    assert_eq!(refused.headers["www-authenticate"], "Basic realm=\"files\"");
    let passed = send(
        &setup,
        Method::GET,
        "/file-auth",
        &[("authorization", AUTH_TEST)],
    )
    .await;
    assert_eq!(passed.status, StatusCode::OK, "{}", passed.body);
    std::fs::write(&setup.users_file, format!("{TEST2}\n")).expect("rewrite users file");
    eventually(
        Duration::from_secs(10),
        "the new users file to be read",
        || async {
            let reply = send(
                &setup,
                Method::GET,
                "/file-auth",
                &[("authorization", AUTH_TEST2)],
            )
            .await;
            (reply.status == StatusCode::OK).then_some(())
        },
    )
    .await;
    let gone = send(
        &setup,
        Method::GET,
        "/file-auth",
        &[("authorization", AUTH_TEST)],
    )
    .await;
    assert_eq!(
        gone.status,
        StatusCode::UNAUTHORIZED,
        "test is no longer in the file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_scheme_sends_plain_http_to_https() {
    let setup = start().await;
    let hits = setup.backend.hits();
    let host = [("host", "shop.example:8080")];
    let get = send(&setup, Method::GET, "/secure/cart?id=7", &host).await;
    assert_eq!(get.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        get.headers["location"],
        "https://shop.example/secure/cart?id=7"
    );
    let post = send(&setup, Method::POST, "/secure/cart", &host).await;
    assert_eq!(post.status, StatusCode::PERMANENT_REDIRECT);
    let claimed = [("host", "shop.example"), ("x-forwarded-proto", "https")];
    let spoofed = send(&setup, Method::GET, "/secure/cart", &claimed).await;
    assert_eq!(
        spoofed.status,
        StatusCode::MOVED_PERMANENTLY,
        "an untrusted client's X-Forwarded-Proto is replaced"
    );
    assert_eq!(setup.backend.hits(), hits, "nothing reached the backend");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_answer_preflights_and_decorate_responses() {
    let setup = start().await;
    let hits = setup.backend.hits();
    let preflight = [
        ("origin", "https://foo.bar.org"),
        ("access-control-request-method", "PUT"),
    ];
    let answer = send(&setup, Method::OPTIONS, "/cors/items", &preflight).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.headers["access-control-allow-origin"],
        "https://foo.bar.org"
    );
    assert_eq!(
        answer.headers["access-control-allow-methods"],
        "GET,OPTIONS,PUT"
    );
    assert_eq!(answer.headers["access-control-max-age"], "100");
    assert_eq!(answer.headers["content-length"], "0");
    assert!(answer.body.is_empty());
    assert_eq!(
        setup.backend.hits(),
        hits,
        "a preflight is answered by the middleware"
    );
    let reply = send(
        &setup,
        Method::GET,
        "/cors/items",
        &[("origin", "https://foo.bar.org")],
    )
    .await;
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "https://foo.bar.org"
    );
    assert_eq!(reply.headers["vary"], "Origin");
    assert_eq!(reply.headers["x-frame-options"], "DENY");
    assert_eq!(reply.headers["x-custom-response-header"], "value");
    assert_eq!(echoed(&reply)["headers"]["x-script-name"], "cors");
    let other = send(
        &setup,
        Method::GET,
        "/cors/items",
        &[("origin", "https://evil.org")],
    )
    .await;
    assert!(!other.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_allow_list_refuses_other_clients() {
    let setup = start().await;
    let hits = setup.backend.hits();
    let refused = send(
        &setup,
        Method::GET,
        "/private/report",
        &[("x-forwarded-for", "10.1.2.3")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, "Forbidden");
    assert_eq!(setup.backend.hits(), hits);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_strategy_depth_believes_only_a_trusted_proxy() {
    let from_client = [("x-forwarded-for", "203.0.113.7")];
    let untrusted = start().await;
    let refused = send(&untrusted, Method::GET, "/behind", &from_client).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "anyone could claim the address"
    );
    let trusted = start_with(&["--trusted-proxies", "127.0.0.1/32"]).await;
    let passed = send(&trusted, Method::GET, "/behind", &from_client).await;
    assert_eq!(passed.status, StatusCode::OK, "{}", passed.body);
    let other = [("x-forwarded-for", "203.0.113.7, 198.51.100.1")];
    let refused = send(&trusted, Method::GET, "/behind", &other).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "depth 1 is the proxy's client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_lets_the_burst_through_then_says_when_to_retry() {
    let setup = start().await;
    for _ in 0..2 {
        let reply = send(&setup, Method::GET, "/limited/x", &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let limited = send(&setup, Method::GET, "/limited/x", &[]).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.body, "Too Many Requests");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(limited.headers.contains_key("x-retry-in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_rewrites_reach_the_backend_as_configured() {
    let setup = start().await;
    let stripped = echoed(&send(&setup, Method::GET, "/api/v2/__echo?page=3", &[]).await);
    assert_eq!(stripped["uri"], "/__echo?page=3");
    assert_eq!(stripped["headers"]["x-forwarded-prefix"], "/api/v2");
    let replaced = echoed(&send(&setup, Method::GET, "/old/echo?x=1", &[]).await);
    assert_eq!(replaced["uri"], "/__echo?x=1");
    assert_eq!(replaced["headers"]["x-replaced-path"], "/old/echo");
}
