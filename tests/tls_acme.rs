//! ACME against Debian's pebble: certificates ordered by HTTP-01 and TLS-ALPN-01, served by a
//! small HTTPS server built from hawser's TLS modules and verified with pebble's root;
//! renewal under an open connection, a restart from storage, a failing domain next to a
//! good one, and a CA that is down at start.
//!
//! Skipped without `/usr/bin/pebble` unless `HAWSER_REQUIRE_PEBBLE` is set (scripts/test).

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use hawser::tls::acme::ChallengeKind;
use hawser::tls::selfsigned::default_certificate;
use hawser::tls::store::Match;
use hawser::tls::{
    AcmeManager, AcmeTiming, CertResolverSettings, CertState, CertificateInfo, CertificateStore,
    Challenges, DefaultOrigin, DomainSet, TlsAcceptor, TlsConfigs, TlsOptions, TlsStats,
};
use support::pebble::{Pebble, PebbleOptions, available};
use support::tls::{OpenConnection, https_loop, roots, serve_http01, served};
use support::wait::eventually;
use tokio::net::TcpListener;
use tokio_rustls::rustls::RootCertStore;
use tokio_util::sync::CancellationToken;

const ISSUED_WITHIN: Duration = Duration::from_secs(60);

fn fast() -> AcmeTiming {
    AcmeTiming {
        retry_min: Duration::from_millis(250),
        retry_max: Duration::from_secs(2),
        order_timeout: Duration::from_secs(60),
        poll_initial_delay: Duration::from_millis(250),
        poll_timeout: Duration::from_secs(30),
        max_concurrent_orders: 4,
    }
}

/// hawser's TLS side for one test: store, challenges, HTTPS and HTTP-01 listeners.
struct Side {
    store: Arc<CertificateStore>,
    challenges: Arc<Challenges>,
    stats: Arc<TlsStats>,
    https: SocketAddr,
    http: SocketAddr,
    https_listener: Option<TcpListener>,
    http_listener: Option<TcpListener>,
}

impl Side {
    async fn bind() -> Side {
        let https_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind");
        let http_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind");
        Side {
            store: Arc::new(CertificateStore::new(
                default_certificate().expect("default"),
                DefaultOrigin::Generated,
            )),
            challenges: Arc::new(Challenges::default()),
            stats: Arc::new(TlsStats::default()),
            https: https_listener.local_addr().expect("address"),
            http: http_listener.local_addr().expect("address"),
            https_listener: Some(https_listener),
            http_listener: Some(http_listener),
        }
    }

    fn options(&self, validity_seconds: Option<u64>) -> PebbleOptions {
        PebbleOptions {
            validity_seconds,
            ..PebbleOptions::ports(self.http.port(), self.https.port())
        }
    }

    /// Serves HTTPS and HTTP-01 (refusing the hosts in `refuse`).
    fn serve(&mut self, refuse: &[&str]) {
        let config = TlsOptions::default()
            .server_config(self.store.clone())
            .expect("server config");
        let acceptor = TlsAcceptor::new(
            TlsConfigs::new(config),
            self.challenges.clone(),
            self.stats.clone(),
            Duration::from_secs(10),
        )
        .expect("acceptor");
        let https = self.https_listener.take().expect("not served yet");
        tokio::spawn(https_loop(https, Arc::new(acceptor)));
        let http = self.http_listener.take().expect("not served yet");
        serve_http01(http, self.challenges.clone(), refuse);
    }

    fn manager(&self, resolver: CertResolverSettings) -> AcmeManager {
        AcmeManager::new(
            vec![resolver],
            self.store.clone(),
            self.challenges.clone(),
            self.stats.clone(),
            fast(),
        )
        .expect("manager")
    }

    fn row(&self, domain: &str) -> Option<CertificateInfo> {
        self.store
            .report(SystemTime::now())
            .into_iter()
            .find(|row| row.domain == domain)
    }
}

fn resolver(pebble: &Pebble, storage: &Path, challenge: ChallengeKind) -> CertResolverSettings {
    CertResolverSettings {
        name: "pebble".into(),
        email: Some("ops@example.com".into()),
        storage: storage.to_owned(),
        challenge,
        ca: pebble.directory_url(),
        ca_root: Some(pebble.listener_ca.clone()),
    }
}

fn domains(main: &str, sans: &[&str]) -> DomainSet {
    let sans: Vec<String> = sans.iter().map(|san| (*san).to_owned()).collect();
    DomainSet::new(main, &sans).expect("valid")
}

/// Waits until `name` is served a certificate that verifies with `roots` and has `serial`
/// other than `not`; returns its serial.
async fn issued(side: &Side, name: &str, roots: &Arc<RootCertStore>, not: Option<&str>) -> String {
    eventually(
        ISSUED_WITHIN,
        &format!("a verified certificate for {name}"),
        || {
            let roots = roots.clone();
            let address = side.https;
            async move {
                let facts = served(address, name, roots).await.ok()?;
                (Some(facts.serial.as_str()) != not).then_some(facts.serial)
            }
        },
    )
    .await
}

fn temp_storage() -> (tempfile::TempDir, std::path::PathBuf) {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("acme.json");
    (directory, path)
}

async fn order_once(challenge: ChallengeKind, test: &str) {
    if !available(test) {
        return;
    }
    let mut side = Side::bind().await;
    let pebble = Pebble::start(side.options(None)).await;
    side.serve(&[]);
    let (_directory, storage) = temp_storage();
    let manager = side.manager(resolver(&pebble, &storage, challenge));
    manager
        .want(
            "pebble",
            vec![domains("site.example.com", &["www.site.example.com"])],
        )
        .expect("known resolver");
    let shutdown = CancellationToken::new();
    tokio::spawn(manager.run(shutdown.clone()));
    let root = roots(&pebble.issuing_root().await);
    issued(&side, "site.example.com", &root, None).await;
    let www = served(side.https, "www.site.example.com", root.clone())
        .await
        .expect("SAN");
    let mut names = www.names.clone();
    names.sort();
    assert_eq!(
        names,
        ["site.example.com", "www.site.example.com"],
        "in any order"
    );
    assert!(www.issuer.contains("Pebble"), "{}", www.issuer);

    let row = side.row("site.example.com").expect("a report row");
    assert_eq!(
        (row.resolver.as_str(), row.state),
        ("pebble", CertState::Valid),
        "{row:?}"
    );
    assert_eq!(row.sans, ["www.site.example.com"]);
    assert!(
        row.not_after.is_some() && row.last_error.is_none(),
        "{row:?}"
    );
    assert_eq!(side.stats.acme_orders_succeeded.load(Ordering::Relaxed), 1);
    assert_eq!(
        side.stats.acme_orders_failed.load(Ordering::Relaxed),
        0,
        "{}",
        pebble.log()
    );
    assert!(side.challenges.is_empty(), "challenges closed once issued");
    let stored = std::fs::read_to_string(&storage).expect("storage written");
    assert!(
        stored.contains("\"main\": \"site.example.com\""),
        "{stored}"
    );
    assert!(stored.contains("BEGIN CERTIFICATE") && stored.contains("PRIVATE KEY"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&storage)
        .expect("storage")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    if challenge == ChallengeKind::TlsAlpn01 {
        assert!(side.stats.challenges_answered.load(Ordering::Relaxed) >= 1);
    }
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http01_order_is_served_and_verifies_with_pebbles_root() {
    order_once(ChallengeKind::Http01, "an_http01_order_is_served").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_alpn01_order_is_served_and_verifies_with_pebbles_root() {
    order_once(ChallengeKind::TlsAlpn01, "a_tls_alpn01_order_is_served").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_lived_certificate_is_renewed_under_an_open_connection() {
    if !available("a_short_lived_certificate_is_renewed") {
        return;
    }
    let mut side = Side::bind().await;
    // 20 s certificates: due for renewal at two thirds, about 13 s after issuance.
    let pebble = Pebble::start(side.options(Some(20))).await;
    side.serve(&[]);
    let (_directory, storage) = temp_storage();
    let manager = side.manager(resolver(&pebble, &storage, ChallengeKind::Http01));
    manager
        .want("pebble", vec![domains("short.example.com", &[])])
        .expect("known resolver");
    let shutdown = CancellationToken::new();
    tokio::spawn(manager.run(shutdown.clone()));
    let root = roots(&pebble.issuing_root().await);
    let first = issued(&side, "short.example.com", &root, None).await;
    let mut open = OpenConnection::open(side.https, "short.example.com", root.clone()).await;
    assert_eq!(open.facts.serial, first);
    assert_eq!(
        open.get("short.example.com").await.as_deref(),
        Ok("ok short.example.com")
    );

    let second = issued(&side, "short.example.com", &root, Some(&first)).await;
    assert_ne!(first, second);
    assert_eq!(
        open.get("short.example.com").await.as_deref(),
        Ok("ok short.example.com"),
        "the connection opened before the renewal still works"
    );
    assert!(side.stats.acme_orders_succeeded.load(Ordering::Relaxed) >= 2);
    let stored = std::fs::read_to_string(&storage).expect("storage");
    assert_eq!(
        stored.matches("\"main\"").count(),
        1,
        "the renewal replaced the old one"
    );
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_serves_stored_certificates_at_once_and_orders_nothing_new_for_them() {
    if !available("a_restart_serves_stored_certificates") {
        return;
    }
    let mut side = Side::bind().await;
    let pebble = Pebble::start(side.options(None)).await;
    side.serve(&[]);
    let (_directory, storage) = temp_storage();
    let settings = resolver(&pebble, &storage, ChallengeKind::Http01);
    let manager = side.manager(settings.clone());
    manager
        .want("pebble", vec![domains("kept.example.com", &[])])
        .expect("known resolver");
    let shutdown = CancellationToken::new();
    tokio::spawn(manager.run(shutdown.clone()));
    let root = roots(&pebble.issuing_root().await);
    let serial = issued(&side, "kept.example.com", &root, None).await;
    shutdown.cancel();

    // A new process: a fresh store and manager over the same storage file. pebble still
    // validates HTTP-01 on the first side's listener, so the new manager opens its
    // challenges there.
    let restarted = Side::bind().await;
    let mut restarted = restarted;
    restarted.serve(&[]);
    let manager = AcmeManager::new(
        vec![settings],
        restarted.store.clone(),
        side.challenges.clone(),
        restarted.stats.clone(),
        fast(),
    )
    .expect("manager");
    let (_, how) = restarted.store.snapshot().select(Some("kept.example.com"));
    assert_eq!(
        how,
        Match::Exact,
        "served from storage before anything runs"
    );
    let facts = served(restarted.https, "kept.example.com", root.clone())
        .await
        .expect("served");
    assert_eq!(facts.serial, serial);

    // Wanted again, next to a new name whose issuance proves the manager has planned.
    manager
        .want(
            "pebble",
            vec![
                domains("kept.example.com", &[]),
                domains("added.example.com", &[]),
            ],
        )
        .expect("known resolver");
    let again = CancellationToken::new();
    tokio::spawn(manager.run(again.clone()));
    issued(&restarted, "added.example.com", &root, None).await;
    assert_eq!(
        restarted
            .stats
            .acme_orders_succeeded
            .load(Ordering::Relaxed),
        1,
        "only added.example.com was ordered"
    );
    assert_eq!(
        restarted.stats.acme_orders_failed.load(Ordering::Relaxed),
        0
    );
    let kept = restarted.row("kept.example.com").expect("row");
    assert_eq!(kept.state, CertState::Valid, "{kept:?}");
    let stored = std::fs::read_to_string(&storage).expect("storage");
    assert_eq!(stored.matches("\"main\": \"kept.example.com\"").count(), 1);
    let facts = served(restarted.https, "kept.example.com", root)
        .await
        .expect("served");
    assert_eq!(facts.serial, serial, "not re-ordered while valid");
    again.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_domain_does_not_hold_up_another() {
    if !available("a_failing_domain_does_not_hold_up_another") {
        return;
    }
    let mut side = Side::bind().await;
    let pebble = Pebble::start(side.options(None)).await;
    side.serve(&["fail.example.com"]);
    let (_directory, storage) = temp_storage();
    let manager = side.manager(resolver(&pebble, &storage, ChallengeKind::Http01));
    manager
        .want(
            "pebble",
            vec![
                domains("fail.example.com", &[]),
                domains("good.example.com", &[]),
            ],
        )
        .expect("known resolver");
    let shutdown = CancellationToken::new();
    tokio::spawn(manager.run(shutdown.clone()));
    let root = roots(&pebble.issuing_root().await);
    issued(&side, "good.example.com", &root, None).await;
    let failed = eventually(ISSUED_WITHIN, "fail.example.com reported failed", || {
        let row = side.row("fail.example.com");
        async move { row.filter(|row| row.state == CertState::Failed) }
    })
    .await;
    let error = failed.last_error.unwrap_or_default();
    assert!(error.contains("fail.example.com"), "{error}");
    let (_, how) = side.store.snapshot().select(Some("fail.example.com"));
    assert_eq!(
        how,
        Match::Default,
        "the default certificate answers meanwhile"
    );
    assert!(side.stats.acme_orders_failed.load(Ordering::Relaxed) >= 1);
    assert_eq!(side.stats.acme_orders_succeeded.load(Ordering::Relaxed), 1);
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_down_at_start_is_retried_until_it_answers() {
    if !available("a_ca_down_at_start_is_retried") {
        return;
    }
    let mut side = Side::bind().await;
    let mut pebble = Pebble::prepare(side.options(None)).await;
    side.serve(&[]);
    let (_directory, storage) = temp_storage();
    let manager = side.manager(resolver(&pebble, &storage, ChallengeKind::Http01));
    manager
        .want("pebble", vec![domains("later.example.com", &[])])
        .expect("known resolver");
    let shutdown = CancellationToken::new();
    tokio::spawn(manager.run(shutdown.clone()));
    eventually(ISSUED_WITHIN, "two failed attempts", || {
        let stats = side.stats.clone();
        async move { (stats.acme_orders_failed.load(Ordering::Relaxed) >= 2).then_some(()) }
    })
    .await;
    let row = side.row("later.example.com").expect("row");
    assert_eq!(row.state, CertState::Failed, "{row:?}");
    assert!(
        row.last_error.unwrap_or_default().contains("account"),
        "the account step failed"
    );
    let (_, how) = side.store.snapshot().select(Some("later.example.com"));
    assert_eq!(how, Match::Default);

    pebble.run().await;
    let root = roots(&pebble.issuing_root().await);
    issued(&side, "later.example.com", &root, None).await;
    assert_eq!(side.stats.acme_orders_succeeded.load(Ordering::Relaxed), 1);
    let row = side.row("later.example.com").expect("row");
    assert_eq!((row.state, row.last_error), (CertState::Valid, None));
    shutdown.cancel();
}
