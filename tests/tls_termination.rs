//! TLS termination with hawser's TLS modules over real sockets: certificates from a
//! directory chosen by SNI, ALPN, handshake counters, plain HTTP refused, and a certificate
//! file replaced while a connection made before keeps working.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hawser::tls::acme::challenges::OpenChallenges;
use hawser::tls::selfsigned::default_certificate;
use hawser::tls::{
    CertificateFileWatcher, CertificateFiles, CertificateStore, Challenges, DefaultOrigin,
    TlsAcceptor, TlsConfigs, TlsOptions, TlsStats,
};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use support::http::get;
use support::tls::{OpenConnection, connect, connect_unverified, leaf, roots, serve_https, served};
use support::wait::eventually;
use tokio_util::sync::CancellationToken;

struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Ca {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let pem = params.self_signed(&key).expect("CA").pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// Writes `<stem>.crt` and `<stem>.key` for `names` into `directory`.
    fn write_pair(&self, directory: &Path, stem: &str, names: &[&str]) {
        let key = KeyPair::generate().expect("key");
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let leaf = CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, &self.issuer)
            .expect("leaf");
        // The key first: a watcher seeing only the new certificate would find a mismatch.
        std::fs::write(directory.join(format!("{stem}.key")), key.serialize_pem()).expect("key");
        std::fs::write(directory.join(format!("{stem}.crt")), leaf.pem()).expect("cert");
    }
}

struct Server {
    address: SocketAddr,
    store: Arc<CertificateStore>,
    challenges: Arc<Challenges>,
    stats: Arc<TlsStats>,
    shutdown: CancellationToken,
}

/// Certificates from `directory`, watched every 50 ms, served over HTTPS.
async fn serve_directory(directory: &Path) -> Server {
    let store = Arc::new(CertificateStore::new(
        default_certificate().expect("default"),
        DefaultOrigin::Generated,
    ));
    let mut watcher = CertificateFileWatcher::new(
        CertificateFiles {
            directories: vec![directory.to_owned()],
            ..CertificateFiles::default()
        },
        store.clone(),
    );
    watcher.reload_if_changed();
    let shutdown = CancellationToken::new();
    tokio::spawn(watcher.watch(Duration::from_millis(50), shutdown.clone()));
    let stats = Arc::new(TlsStats::default());
    let challenges = Arc::new(Challenges::default());
    let config = TlsOptions::default()
        .server_config(store.clone())
        .expect("config");
    let acceptor = TlsAcceptor::new(
        TlsConfigs::new(config),
        challenges.clone(),
        stats.clone(),
        Duration::from_secs(5),
    )
    .expect("acceptor");
    let (address, _) = serve_https(Arc::new(acceptor)).await;
    Server {
        address,
        store,
        challenges,
        stats,
        shutdown,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_from_a_directory_are_chosen_by_sni_and_counted() {
    let ca = Ca::new();
    let directory = tempfile::tempdir().expect("temp dir");
    ca.write_pair(directory.path(), "site", &["site.example.com"]);
    ca.write_pair(directory.path(), "wild", &["*.apps.example.com"]);
    std::fs::write(directory.path().join("db_password"), "not a certificate").expect("write");
    let server = serve_directory(directory.path()).await;
    let trust = roots(&ca.pem);

    let site = served(server.address, "site.example.com", trust.clone())
        .await
        .expect("site");
    assert_eq!(site.names, ["site.example.com"]);
    let wild = served(server.address, "blog.apps.example.com", trust.clone())
        .await
        .expect("wildcard");
    assert_eq!(wild.names, ["*.apps.example.com"]);
    let unknown = served(server.address, "other.example.com", trust.clone()).await;
    assert!(
        unknown.is_err(),
        "the default certificate does not verify: {unknown:?}"
    );

    let h2 = connect(
        server.address,
        "site.example.com",
        trust.clone(),
        &["h2", "http/1.1"],
    )
    .await
    .expect("TLS");
    assert_eq!(h2.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    assert_eq!(leaf(&h2).names, ["site.example.com"]);
    let mut http1 = OpenConnection::open(server.address, "site.example.com", trust).await;
    assert_eq!(
        http1.get("site.example.com").await.as_deref(),
        Ok("ok site.example.com")
    );

    let stats = server.stats.clone();
    eventually(Duration::from_secs(5), "the handshakes counted", || {
        let stats = stats.clone();
        async move {
            let counted = stats.handshakes("1.3", "h2") == 1
                && stats.handshakes("1.3", "http/1.1") == 1
                && stats.handshakes("1.3", "none") == 2
                && stats.handshake_failures.load(Ordering::Relaxed) == 1;
            counted.then_some(())
        }
    })
    .await;
    assert_eq!(server.stats.handshakes_total(), 4);
    server.shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_on_the_tls_port_gets_a_400() {
    let directory = tempfile::tempdir().expect("temp dir");
    let server = serve_directory(directory.path()).await;
    let reply = get(&format!("http://{}/", server.address))
        .await
        .expect("an answer");
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("HTTPS"), "{}", reply.body);
    assert_eq!(server.stats.plain_http.load(Ordering::Relaxed), 1);
    server.shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_certificate_file_serves_new_connections_and_spares_open_ones() {
    let ca = Ca::new();
    let directory = tempfile::tempdir().expect("temp dir");
    ca.write_pair(directory.path(), "site", &["site.example.com"]);
    ca.write_pair(directory.path(), "other", &["other.example.com"]);
    let server = serve_directory(directory.path()).await;
    let trust = roots(&ca.pem);
    let mut open = OpenConnection::open(server.address, "site.example.com", trust.clone()).await;
    let before = open.facts.serial.clone();

    ca.write_pair(
        directory.path(),
        "site",
        &["site.example.com", "www.site.example.com"],
    );
    let renewed = eventually(
        Duration::from_secs(10),
        "the new certificate served",
        || {
            let trust = trust.clone();
            let address = server.address;
            let before = before.clone();
            async move {
                let facts = served(address, "site.example.com", trust).await.ok()?;
                (facts.serial != before).then_some(facts)
            }
        },
    )
    .await;
    assert_eq!(renewed.names, ["site.example.com", "www.site.example.com"]);
    assert_eq!(
        open.get("site.example.com").await.as_deref(),
        Ok("ok site.example.com"),
        "the connection made before the swap goes on"
    );

    std::fs::write(directory.path().join("other.crt"), "broken").expect("break it");
    let store = server.store.clone();
    eventually(Duration::from_secs(10), "other.crt reported broken", || {
        let rows = store.report(std::time::SystemTime::now());
        async move {
            rows.into_iter()
                .find(|row| row.domain == "other.example.com")
                .filter(|row| row.state == hawser::tls::CertState::Failed)
        }
    })
    .await;
    let still = served(server.address, "other.example.com", trust.clone()).await;
    assert!(
        still.is_ok(),
        "a broken file keeps its last good version: {still:?}"
    );
    let site = served(server.address, "site.example.com", trust)
        .await
        .expect("unaffected");
    assert_eq!(site.serial, renewed.serial);
    server.shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acme_tls_1_gets_the_challenge_certificate_only_while_a_challenge_is_open() {
    let directory = tempfile::tempdir().expect("temp dir");
    let server = serve_directory(directory.path()).await;
    let mut open = OpenChallenges::new(server.challenges.clone());
    open.tls_alpn01("validate.example.com", &[9; 32])
        .expect("challenge");

    let validation = connect_unverified(server.address, "validate.example.com", &["acme-tls/1"])
        .await
        .expect("the validation handshake");
    assert_eq!(
        validation.get_ref().1.alpn_protocol(),
        Some(&b"acme-tls/1"[..])
    );
    let presented = validation
        .get_ref()
        .1
        .peer_certificates()
        .expect("certificate")[0]
        .clone();
    let (_, parsed) = x509_parser::parse_x509_certificate(presented.as_ref()).expect("X.509");
    let identifier = parsed
        .extensions()
        .iter()
        .find(|extension| extension.oid.to_id_string() == "1.3.6.1.5.5.7.1.31")
        .expect("acmeIdentifier");
    assert!(identifier.critical);
    let stats = server.stats.clone();
    eventually(Duration::from_secs(5), "the validation counted", || {
        let stats = stats.clone();
        async move { (stats.challenges_answered.load(Ordering::Relaxed) == 1).then_some(()) }
    })
    .await;
    assert_eq!(
        server.stats.handshakes_total(),
        0,
        "a validation is not a client"
    );

    let elsewhere = connect_unverified(server.address, "other.example.com", &["acme-tls/1"]).await;
    assert!(
        elsewhere.is_err(),
        "no challenge for this name: no acme-tls/1"
    );
    drop(open);
    let closed = connect_unverified(server.address, "validate.example.com", &["acme-tls/1"]).await;
    assert!(closed.is_err(), "the challenge is closed");
    let normal = connect_unverified(server.address, "validate.example.com", &["h2"])
        .await
        .expect("an ordinary client");
    let default = normal.get_ref().1.peer_certificates().expect("certificate")[0].clone();
    let facts = hawser::tls::CertificateFacts::read(&default).expect("X.509");
    assert_eq!(facts.names, ["hawser.invalid"], "the default certificate");
    server.shutdown.cancel();
}
