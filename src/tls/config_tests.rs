use std::io::Write;

use rustls::version::{TLS12, TLS13};
use rustls::{ProtocolVersion, ServerConnection};

use super::*;
use crate::tls::selfsigned::default_certificate;
use crate::tls::store::{CertState, DefaultOrigin, Record, Source};
use crate::tls::test_pki::{Pki, handshake};

fn store_with(pki: &Pki, names: &[&str]) -> Arc<CertificateStore> {
    let store = Arc::new(CertificateStore::new(
        default_certificate().expect("default"),
        DefaultOrigin::Generated,
    ));
    let certificate = pki.leaf(names);
    store.publish(
        Source::Files,
        vec![Record {
            domain: names[0].to_owned(),
            sans: Vec::new(),
            certificate: Some(certificate),
            state: CertState::Valid,
            last_error: None,
            file: None,
        }],
    );
    store
}

fn version(connection: &ServerConnection) -> Option<ProtocolVersion> {
    connection.protocol_version()
}

#[test]
fn versions_parse_in_our_and_traefiks_spelling() {
    // Traefik's minVersion values: pkg/tls/tls.go (VersionTLS12, VersionTLS13).
    assert_eq!("1.2".parse(), Ok(TlsVersion::Tls12));
    assert_eq!("VersionTLS13".parse(), Ok(TlsVersion::Tls13));
    let old = "1.1".parse::<TlsVersion>().expect_err("too old");
    assert!(old.contains("not supported"), "{old}");
    assert!("2".parse::<TlsVersion>().is_err());
    assert_eq!(TlsVersion::Tls13.to_string(), "1.3");
}

#[test]
fn client_auth_modes_parse_and_refuse_unverified_ones() {
    // Traefik's clientAuthType values: pkg/tls/tls.go.
    assert_eq!("require".parse(), Ok(ClientAuthMode::Require));
    assert_eq!(
        "RequireAndVerifyClientCert".parse(),
        Ok(ClientAuthMode::Require)
    );
    assert_eq!("verify-if-given".parse(), Ok(ClientAuthMode::VerifyIfGiven));
    assert_eq!(
        "VerifyClientCertIfGiven".parse(),
        Ok(ClientAuthMode::VerifyIfGiven)
    );
    for refused in [
        "RequireAnyClientCert",
        "RequestClientCert",
        "NoClientCert",
        "maybe",
    ] {
        assert!(refused.parse::<ClientAuthMode>().is_err(), "{refused}");
    }
}

#[test]
fn cipher_suites_parse_by_rustls_and_iana_names_and_unknown_ones_are_errors() {
    let names: Vec<String> = [
        "TLS13_AES_256_GCM_SHA384",
        "tls_chacha20_poly1305_sha256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ]
    .map(String::from)
    .to_vec();
    let suites = parse_cipher_suites(&names).expect("known names");
    assert_eq!(
        suites,
        [
            CipherSuite::TLS13_AES_256_GCM_SHA384,
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ]
    );
    let err = parse_cipher_suites(&["TLS_RSA_WITH_AES_128_CBC_SHA".into()]).expect_err("CBC");
    let text = err.to_string();
    assert!(text.contains("TLS_RSA_WITH_AES_128_CBC_SHA"), "{text}");
    assert!(
        text.contains("TLS13_AES_128_GCM_SHA256"),
        "lists the supported: {text}"
    );
    assert_eq!(supported_cipher_suites().len(), 9);
}

#[test]
fn defaults_negotiate_tls13_h2_and_the_certificate_for_the_sni() {
    let pki = Pki::new();
    let store = store_with(&pki, &["a.example.com"]);
    let config = TlsOptions::default().server_config(store).expect("config");
    let client = pki.client(&[&TLS13, &TLS12], None, &["h2", "http/1.1"]);
    let connection = handshake(config.clone(), client, "a.example.com").expect("handshake");
    assert_eq!(version(&connection), Some(ProtocolVersion::TLSv1_3));
    assert_eq!(connection.alpn_protocol(), Some(&b"h2"[..]));
    let tls12 = pki.client(&[&TLS12], None, &["http/1.1"]);
    let connection = handshake(config.clone(), tls12, "a.example.com").expect("TLS 1.2");
    assert_eq!(version(&connection), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(connection.alpn_protocol(), Some(&b"http/1.1"[..]));
    let unknown = pki.client(&[&TLS13], None, &[]);
    let err = handshake(config, unknown, "b.example.com").expect_err("default certificate");
    assert!(
        err.contains("client"),
        "the client refuses the default: {err}"
    );
}

#[test]
fn a_minimum_of_tls13_refuses_tls12_clients() {
    let pki = Pki::new();
    let options = TlsOptions {
        min_version: TlsVersion::Tls13,
        ..TlsOptions::default()
    };
    let config = options
        .server_config(store_with(&pki, &["a.example.com"]))
        .expect("config");
    let err = handshake(
        config.clone(),
        pki.client(&[&TLS12], None, &[]),
        "a.example.com",
    )
    .expect_err("TLS 1.2 refused");
    assert!(err.contains("server"), "{err}");
    assert!(handshake(config, pki.client(&[&TLS13], None, &[]), "a.example.com").is_ok());
}

#[test]
fn named_cipher_suites_replace_their_versions_defaults_only() {
    let pki = Pki::new();
    let options = TlsOptions {
        cipher_suites: vec![CipherSuite::TLS13_CHACHA20_POLY1305_SHA256],
        ..TlsOptions::default()
    };
    let config = options
        .server_config(store_with(&pki, &["a.example.com"]))
        .expect("config");
    let tls13 = handshake(
        config.clone(),
        pki.client(&[&TLS13], None, &[]),
        "a.example.com",
    )
    .expect("TLS 1.3");
    assert_eq!(
        tls13.negotiated_cipher_suite().map(|suite| suite.suite()),
        Some(CipherSuite::TLS13_CHACHA20_POLY1305_SHA256)
    );
    assert!(
        handshake(config, pki.client(&[&TLS12], None, &[]), "a.example.com").is_ok(),
        "TLS 1.2 keeps its default suites"
    );
    let contradictory = TlsOptions {
        min_version: TlsVersion::Tls13,
        cipher_suites: vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        ..TlsOptions::default()
    };
    let err = contradictory
        .server_config(store_with(&pki, &["a.example.com"]))
        .expect_err("a TLS 1.2 suite with TLS 1.3 only");
    assert!(err.to_string().contains("TLS 1.2 suite"), "{err}");
    let inverted = TlsOptions {
        min_version: TlsVersion::Tls13,
        max_version: TlsVersion::Tls12,
        ..TlsOptions::default()
    };
    assert!(
        inverted
            .server_config(store_with(&pki, &["a.example.com"]))
            .is_err()
    );
}

#[test]
fn client_certificates_are_required_or_verified_if_given() {
    let pki = Pki::new();
    let clients = Pki::new();
    let mut ca_file = tempfile::NamedTempFile::new().expect("temp");
    ca_file.write_all(clients.ca_pem.as_bytes()).expect("write");
    let options = |mode| TlsOptions {
        client_auth: Some(ClientAuth {
            ca_files: vec![ca_file.path().to_owned()],
            mode,
        }),
        ..TlsOptions::default()
    };
    let signed = |versions: &[&'static rustls::SupportedProtocolVersion]| {
        pki.client(versions, Some((&clients, &["client.test"])), &[])
    };
    let require = options(ClientAuthMode::Require)
        .server_config(store_with(&pki, &["a.example.com"]))
        .expect("config");
    let anonymous = pki.client(&[&TLS13], None, &[]);
    assert!(handshake(require.clone(), anonymous.clone(), "a.example.com").is_err());
    let stranger = pki.client(&[&TLS13], Some((&pki, &["stranger.test"])), &[]);
    assert!(
        handshake(require.clone(), stranger.clone(), "a.example.com").is_err(),
        "a certificate from another CA"
    );
    let connection = handshake(require, signed(&[&TLS13]), "a.example.com").expect("signed");
    assert_eq!(connection.peer_certificates().map(<[_]>::len), Some(1));

    let if_given = options(ClientAuthMode::VerifyIfGiven)
        .server_config(store_with(&pki, &["a.example.com"]))
        .expect("config");
    assert!(handshake(if_given.clone(), anonymous, "a.example.com").is_ok());
    assert!(handshake(if_given.clone(), stranger, "a.example.com").is_err());
    assert!(handshake(if_given, signed(&[&TLS12]), "a.example.com").is_ok());

    let missing = TlsOptions {
        client_auth: Some(ClientAuth {
            ca_files: vec!["/nonexistent/ca.pem".into()],
            mode: ClientAuthMode::Require,
        }),
        ..TlsOptions::default()
    };
    let err = missing
        .server_config(store_with(&pki, &["a.example.com"]))
        .expect_err("no CA file");
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn strict_sni_refuses_names_without_a_certificate() {
    let pki = Pki::new();
    let options = TlsOptions {
        sni_strict: true,
        ..TlsOptions::default()
    };
    let config = options
        .server_config(store_with(&pki, &["a.example.com"]))
        .expect("config");
    let client = pki.client(&[&TLS13], None, &[]);
    assert!(handshake(config.clone(), client.clone(), "a.example.com").is_ok());
    let err = handshake(config, client, "b.example.com").expect_err("no certificate");
    assert!(err.contains("server"), "the server aborts: {err}");
}

#[test]
fn configs_are_chosen_by_sni() {
    let pki = Pki::new();
    let store = store_with(&pki, &["*.example.com"]);
    let relaxed = TlsOptions::default()
        .server_config(store.clone())
        .expect("config");
    let strict = TlsOptions {
        min_version: TlsVersion::Tls13,
        ..TlsOptions::default()
    }
    .server_config(store)
    .expect("config");
    let configs = TlsConfigs::new(relaxed).with_names(&["secure.example.com".into()], &strict);
    let tls12 = pki.client(&[&TLS12], None, &[]);
    assert!(
        handshake(
            configs.select(Some("www.example.com")),
            tls12.clone(),
            "www.example.com"
        )
        .is_ok()
    );
    assert!(
        handshake(
            configs.select(Some("secure.example.com")),
            tls12.clone(),
            "secure.example.com"
        )
        .is_err()
    );
    assert!(handshake(configs.select(None), tls12, "www.example.com").is_ok());
}

#[test]
fn sessions_resume_with_tickets_and_not_without() {
    use rustls::HandshakeKind;
    let pki = Pki::new();
    let store = store_with(&pki, &["a.example.com"]);
    for version in [&TLS13, &TLS12] {
        let on = TlsOptions::default()
            .server_config(store.clone())
            .expect("config");
        // One client config: its session store carries the ticket to the second handshake.
        let client = pki.client(&[version], None, &[]);
        let first = handshake(on.clone(), client.clone(), "a.example.com").expect("first");
        assert_eq!(first.handshake_kind(), Some(HandshakeKind::Full));
        let second = handshake(on, client, "a.example.com").expect("second");
        assert_eq!(
            second.handshake_kind(),
            Some(HandshakeKind::Resumed),
            "{version:?}"
        );

        let off = TlsOptions {
            session_tickets: false,
            ..TlsOptions::default()
        }
        .server_config(store.clone())
        .expect("config");
        let client = pki.client(&[version], None, &[]);
        handshake(off.clone(), client.clone(), "a.example.com").expect("first");
        let again = handshake(off, client, "a.example.com").expect("second");
        assert_eq!(
            again.handshake_kind(),
            Some(HandshakeKind::Full),
            "{version:?}"
        );
    }
}

#[test]
fn session_tickets_can_be_turned_off() {
    let pki = Pki::new();
    let store = store_with(&pki, &["a.example.com"]);
    let on = TlsOptions::default()
        .server_config(store.clone())
        .expect("config");
    assert!(on.ticketer.enabled());
    let off = TlsOptions {
        session_tickets: false,
        ..TlsOptions::default()
    }
    .server_config(store)
    .expect("config");
    assert!(!off.ticketer.enabled());
    assert_eq!(off.send_tls13_tickets, 0);
}
