//! Bad input on the TLS side, through the real binary: a certificate file that does not parse,
//! a key that does not match its certificate, a ClientHello without SNI, an ACME CA that is
//! unreachable, and a domain the CA refuses. Each gets a log line naming what is wrong, an
//! `/api/certificates` row saying so, and the default certificate for its name, while the
//! other domains keep their certificates and every route keeps answering.
//!
//! (Plain HTTP on the TLS port: tests/https.rs and tests/tls_termination.rs.) The refused
//! domain needs pebble: skipped without `/usr/bin/pebble` unless `HAWSER_REQUIRE_PEBBLE` is set.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde_json::Value;
use support::hawser::Hawser;
use support::http::{get_on, json};
use support::pebble::{Pebble, PebbleOptions, available, free_port};
use support::stack::{Stack, seed_stack};
use support::tls::{TestCa, connect_unverified, leaf, roots, served, served_once_issued};
use support::wait::eventually;

const GOOD_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 71);
const ACME_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 72);
const REFUSED_TASK: Ipv4Addr = Ipv4Addr::new(127, 0, 9, 73);
const DEADLINE: Duration = Duration::from_secs(20);
/// The generated default certificate's only name.
const DEFAULT_NAME: &str = "hawser.invalid";

/// The `/api/certificates` row for `domain` once `ready` holds for it.
async fn row_when(hawser: &Hawser, domain: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let url = hawser.admin_url("/api/certificates");
    eventually(DEADLINE, &format!("the row of {domain}"), || {
        let url = url.clone();
        let ready = &ready;
        async move {
            let rows = json(&url).await;
            rows.as_array()?
                .iter()
                .find(|row| row["domain"] == domain && ready(row))
                .cloned()
        }
    })
    .await
}

/// A log line whose message contains `message` and whose `field` contains `text`.
async fn logged_with(hawser: &Hawser, message: &str, field: &str, text: &str) -> Value {
    eventually(
        DEADLINE,
        &format!("a log line {message:?} with {text:?}"),
        || async {
            hawser.logged(message).into_iter().find(|line| {
                line[field]
                    .as_str()
                    .is_some_and(|value| value.contains(text))
            })
        },
    )
    .await
}

/// `GET path` with `host` over a TLS connection for `sni` (an IP address sends no SNI) that
/// accepts any certificate: the names presented, and the answer's status and body.
async fn get_presenting(
    address: SocketAddr,
    sni: &str,
    host: &str,
    path: &str,
) -> (Vec<String>, u16, String) {
    let stream = connect_unverified(address, sni, &["http/1.1"])
        .await
        .unwrap_or_else(|err| panic!("TLS for {sni}: {err}"));
    let names = leaf(&stream).names;
    let reply = get_on(stream, host, path)
        .await
        .unwrap_or_else(|err| panic!("GET {path} for {sni}: {err:?}"));
    (names, reply.status.as_u16(), reply.body)
}

/// A v3 router for `host` with `tls.certresolver=resolver`, its task at `task`.
fn acme_router(stack: &Stack, service: &str, host: &str, resolver: &str, task: Ipv4Addr) {
    let router = service.trim_start_matches("demo_");
    stack.add_v3_service(
        service,
        &[
            (
                &format!("traefik.http.routers.{router}.rule"),
                &format!("Host(`{host}`)"),
            ),
            (
                &format!("traefik.http.routers.{router}.tls.certresolver"),
                resolver,
            ),
        ],
        task,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_and_a_hello_without_sni_get_the_default_certificate_and_others_keep_theirs() {
    let stack = seed_stack(&[GOOD_TASK]).await;
    let ca = TestCa::new();
    let secrets = tempfile::tempdir().expect("temp dir");
    let dir = secrets.path();
    let good = ca.write_pair(dir, "good", &["good.example.com"]);
    ca.write_pair(dir, "broken", &["broken.example.com"]);
    std::fs::write(
        dir.join("broken.crt"),
        "-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n",
    )
    .expect("garble");
    ca.write_pair(dir, "mismatch", &["mismatch.example.com"]);
    ca.write_pair(dir, "stray", &["stray.example.com"]);
    std::fs::rename(dir.join("stray.key"), dir.join("mismatch.key")).expect("swap the key");
    std::fs::remove_file(dir.join("stray.crt")).expect("remove");
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        "websecure=127.0.0.1:0;tls",
        "--tls-cert-dir",
        dir.to_str().expect("UTF-8"),
    ])
    .await;
    let websecure = hawser.address_of("websecure");

    // The log names the file at fault and why.
    let broken = dir.join("broken.crt").display().to_string();
    let line = logged_with(&hawser, "certificate not loaded", "error", &broken).await;
    assert!(
        line["error"]
            .as_str()
            .is_some_and(|e| e.contains("bad PEM")),
        "{line}"
    );
    assert_eq!(line["level"], "ERROR", "{line}");
    let mismatch = dir.join("mismatch.key").display().to_string();
    let line = logged_with(&hawser, "certificate not loaded", "error", &mismatch).await;
    assert!(
        line["error"]
            .as_str()
            .is_some_and(|e| e.contains("does not match")),
        "{line}"
    );

    // The operator's view: both rows failed, with the reason.
    for (stem, reason) in [("broken", "bad PEM"), ("mismatch", "does not match")] {
        let row = row_when(&hawser, stem, |row| row["state"] == "failed").await;
        let error = row["last_error"].as_str().unwrap_or_default();
        assert!(error.contains(reason), "{row}");
        assert_eq!(row["resolver"], "file", "{row}");
    }
    let row = row_when(&hawser, "good.example.com", |row| row["state"] == "valid").await;
    assert!(row["last_error"].is_null(), "{row}");

    // Their names get the default certificate and the routes still answer on it.
    for name in ["broken.example.com", "mismatch.example.com"] {
        let (names, status, body) = get_presenting(websecure, name, name, "/hello/__echo").await;
        assert_eq!(names, [DEFAULT_NAME], "{name}");
        assert_eq!(status, 200, "{name}: {body}");
    }
    let facts = served(websecure, "good.example.com", ca.roots())
        .await
        .expect("the good file verifies");
    assert_eq!(facts.serial, good);

    // No SNI (the client connects by IP address): the default certificate, routing by Host.
    let (names, status, body) =
        get_presenting(websecure, "127.0.0.1", "good.example.com", "/hello/__echo").await;
    assert_eq!(names, [DEFAULT_NAME]);
    assert_eq!(status, 200, "{body}");
    let echoed: Value = serde_json::from_str(&body).expect("echo JSON");
    assert_eq!(echoed["headers"]["x-forwarded-proto"], "https", "{echoed}");
    let line = eventually(DEADLINE, "the no-SNI log line", || async {
        hawser.logged("ClientHello without SNI").into_iter().next()
    })
    .await;
    assert_eq!(line["entry_point"], "websecure", "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_ca_is_logged_and_reported_while_file_certificates_serve() {
    let stack = seed_stack(&[GOOD_TASK, ACME_TASK]).await;
    acme_router(&stack, "demo_acme", "acme.example.com", "le", ACME_TASK);
    let ca = TestCa::new();
    let secrets = tempfile::tempdir().expect("temp dir");
    let good = ca.write_pair(secrets.path(), "good", &["good.example.com"]);
    let storage = tempfile::tempdir().expect("temp dir");
    // Nothing listens there: the port was free when asked, and nobody is told of it.
    let nowhere = format!("https://127.0.0.1:{}/dir", free_port(false));
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        "web=127.0.0.1:0,websecure=127.0.0.1:0;tls",
        "--tls-cert-dir",
        secrets.path().to_str().expect("UTF-8"),
        "--certresolver",
        &format!(
            "le.ca={nowhere},storage={},email=ops@example.com,challenge=http",
            storage.path().join("acme.json").display()
        ),
    ])
    .await;
    let websecure = hawser.address_of("websecure");

    let line = logged_with(
        &hawser,
        "certificate order failed",
        "domains",
        "acme.example.com",
    )
    .await;
    assert_eq!(line["level"], "WARN", "{line}");
    assert_eq!(line["resolver"], "le", "{line}");
    let error = line["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("ACME account"),
        "the step that failed: {line}"
    );
    assert!(
        line["retry_in"].is_string(),
        "when it is tried again: {line}"
    );
    let row = row_when(&hawser, "acme.example.com", |row| row["state"] == "failed").await;
    assert_eq!(row["resolver"], "le", "{row}");
    assert!(
        row["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("ACME account")),
        "{row}"
    );

    // Meanwhile: the default certificate for its name, the route answering on it; the file
    // certificate for the other name.
    let (names, status, body) =
        get_presenting(websecure, "acme.example.com", "acme.example.com", "/__echo").await;
    assert_eq!(names, [DEFAULT_NAME]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("spare-127.0.9.72"), "{body}");
    let facts = served(websecure, "good.example.com", ca.roots())
        .await
        .expect("the file certificate");
    assert_eq!(facts.serial, good);
    let plain = support::http::get(&hawser.url_on("web", "/hello/__echo"))
        .await
        .expect("the plain entry point");
    assert_eq!(plain.status, 200);
}

/// pebble refuses `refused.example.com` (its domain blocklist: `rejectedIdentifier`); the
/// other router's order from the same resolver succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_the_ca_refuses_is_logged_and_reported_while_another_is_issued() {
    if !available("a_domain_the_ca_refuses_is_logged_and_reported_while_another_is_issued") {
        return;
    }
    let web_port = free_port(false);
    let pebble = Pebble::start(PebbleOptions {
        refused: vec!["refused.example.com".to_owned()],
        ..PebbleOptions::ports(web_port, free_port(false))
    })
    .await;
    let stack = seed_stack(&[ACME_TASK, REFUSED_TASK]).await;
    acme_router(&stack, "demo_acme", "acme.example.com", "pebble", ACME_TASK);
    acme_router(
        &stack,
        "demo_refused",
        "refused.example.com",
        "pebble",
        REFUSED_TASK,
    );
    let storage = tempfile::tempdir().expect("temp dir");
    let hawser = Hawser::start(&[
        "--docker-host",
        &stack.docker.url(),
        "--entrypoint",
        &format!("web=127.0.0.1:{web_port},websecure=127.0.0.1:0;tls"),
        "--certresolver",
        &format!(
            "pebble.ca={},ca-root={},storage={},email=ops@example.com,challenge=http",
            pebble.directory_url(),
            pebble.listener_ca.display(),
            storage.path().join("acme.json").display()
        ),
    ])
    .await;
    let websecure = hawser.address_of("websecure");
    let root = roots(&pebble.issuing_root().await);
    let issued = served_once_issued(websecure, "acme.example.com", root.clone()).await;
    assert!(issued.issuer.contains("Pebble"), "{}", issued.issuer);

    let line = logged_with(
        &hawser,
        "certificate order failed",
        "domains",
        "refused.example.com",
    )
    .await;
    let error = line["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("rejectedIdentifier") || error.contains("blocked"),
        "the CA's reason: {line}\npebble's log: {}",
        pebble.log()
    );
    let row = row_when(&hawser, "refused.example.com", |row| {
        row["state"] == "failed"
    })
    .await;
    assert!(
        row["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("refused.example.com")),
        "{row}"
    );
    let (names, status, body) = get_presenting(
        websecure,
        "refused.example.com",
        "refused.example.com",
        "/__echo",
    )
    .await;
    assert_eq!(names, [DEFAULT_NAME]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("spare-127.0.9.73"), "{body}");
    let row = row_when(&hawser, "acme.example.com", |row| row["state"] == "valid").await;
    assert_eq!(row["resolver"], "pebble", "{row}");
}
