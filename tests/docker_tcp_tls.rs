//! The Docker API over TCP, plain and with mutual TLS (as `DOCKER_CERT_PATH` setups and socket
//! proxies use it), against the fake Engine API.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use support::fake_docker::FakeDocker;
use support::hawser::Hawser;
use support::http::{get, json};
use support::stack::seed_stack;
use support::swarm::seed_on_loopback;
use support::wait::eventually;
use tokio_rustls::rustls;

/// A CA, a server certificate for 127.0.0.1 and a client certificate, all as PEM.
struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("key");
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("params")
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let client_key = KeyPair::generate().expect("key");
    let client = CertificateParams::new(vec!["hawser".to_owned()])
        .expect("params")
        .signed_by(&client_key, &issuer)
        .expect("client certificate");
    Pki {
        ca: ca.pem(),
        server_cert: server.pem(),
        server_key: server_key.serialize_pem(),
        client_cert: client.pem(),
        client_key: client_key.serialize_pem(),
    }
}

/// A daemon's TLS: its certificate, and client certificates required, signed by the CA.
fn server_config(pki: &Pki) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca.as_bytes()).expect("CA PEM"))
        .expect("root");
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("client verifier");
    let chain = vec![CertificateDer::from_pem_slice(pki.server_cert.as_bytes()).expect("cert PEM")];
    let key = PrivateKeyDer::from_pem_slice(pki.server_key.as_bytes()).expect("key PEM");
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .expect("server config");
    Arc::new(config)
}

fn write_client_files(directory: &Path, pki: &Pki, ca: &str) {
    std::fs::write(directory.join("ca.pem"), ca).expect("write");
    std::fs::write(directory.join("cert.pem"), &pki.client_cert).expect("write");
    std::fs::write(directory.join("key.pem"), &pki.client_key).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_tcp_endpoints_work() {
    let stack = seed_stack(&[]).await;
    let docker = FakeDocker::start_tcp(seed_on_loopback(stack.port), None).await;
    let hawser = Hawser::start(&["--docker-host", &docker.url()]).await;
    let reply = get(&hawser.url("/ping")).await.expect("answer");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_with_the_clients_certificate_and_the_daemons_ca() {
    let pki = pki();
    let stack = seed_stack(&[]).await;
    let docker =
        FakeDocker::start_tcp(seed_on_loopback(stack.port), Some(server_config(&pki))).await;
    let certs = tempfile::tempdir().expect("temp dir");
    write_client_files(certs.path(), &pki, &pki.ca);
    let file = |name: &str| certs.path().join(name).to_str().expect("utf-8").to_owned();
    let hawser = Hawser::start(&[
        "--docker-host",
        &docker.url(),
        "--docker-tls-ca",
        &file("ca.pem"),
        "--docker-tls-cert",
        &file("cert.pem"),
        "--docker-tls-key",
        &file("key.pem"),
    ])
    .await;
    let discovery = json(&hawser.admin_url("/api/discovery")).await;
    assert_eq!(discovery["reachable"], true, "{discovery}");
    assert_eq!(
        discovery["endpoint"],
        docker.url().replace("tcp://", "tcp+tls://")
    );
    let reply = get(&hawser.url("/hello/tls")).await.expect("answer");
    assert!(reply.body.starts_with("Hello, Tls!"), "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_signed_by_another_ca_is_refused_with_a_clear_error() {
    let pki = pki();
    let impostor = pki_ca_only();
    let stack = seed_stack(&[]).await;
    let docker =
        FakeDocker::start_tcp(seed_on_loopback(stack.port), Some(server_config(&pki))).await;
    let certs = tempfile::tempdir().expect("temp dir");
    write_client_files(certs.path(), &pki, &impostor);
    let cert_path = certs.path().to_str().expect("utf-8");
    let hawser = Hawser::start_with_env(
        &[
            "--docker-host",
            &docker.url(),
            "--docker-timeout",
            "2s",
            "--docker-backoff-max",
            "300ms",
        ],
        &[("DOCKER_CERT_PATH", cert_path)],
    )
    .await;
    let error = eventually(
        Duration::from_secs(10),
        "the TLS failure to be reported",
        || async {
            let discovery = json(&hawser.admin_url("/api/discovery")).await;
            discovery["last_error"].as_str().map(str::to_owned)
        },
    )
    .await;
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    let reply = get(&hawser.url("/ping")).await.expect("answer");
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "no routes without discovery"
    );
}

fn pki_ca_only() -> String {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.self_signed(&key).expect("CA").pem()
}
