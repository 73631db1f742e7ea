use std::time::{Duration, SystemTime};

use rcgen::{CertificateParams, DnType, KeyPair};

use super::*;

/// A self-signed chain and key as PEM, for `names`, with `common_name` as its subject.
pub(crate) fn pem_pair(common_name: &str, names: &[&str]) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    let certificate = params.self_signed(&key).expect("certificate");
    (certificate.pem(), key.serialize_pem())
}

#[test]
fn a_pair_loads_with_its_names_issuer_and_validity() {
    let (chain, key) = pem_pair("Site.Example.com", &["www.example.com", "*.Example.com"]);
    let loaded = Certificate::from_pem(chain.as_bytes(), key.as_bytes()).expect("valid pair");
    assert_eq!(
        loaded.facts.names,
        ["www.example.com", "*.example.com", "site.example.com"],
        "SANs, then the common name"
    );
    assert_eq!(loaded.facts.issuer, "CN=Site.Example.com");
    assert!(!loaded.facts.serial.is_empty());
    assert!(loaded.facts.not_before < loaded.facts.not_after);
    assert!(loaded.covers("a.example.com"));
    assert!(loaded.covers("www.example.com"));
    assert!(!loaded.covers("example.com"));
    let combined = format!("{chain}{key}");
    assert!(Certificate::from_pem(combined.as_bytes(), combined.as_bytes()).is_ok());
}

#[test]
fn a_common_name_that_is_no_host_name_is_not_a_name() {
    let (chain, key) = pem_pair("hawser default certificate", &["hawser.invalid"]);
    let loaded = Certificate::from_pem(chain.as_bytes(), key.as_bytes()).expect("valid pair");
    assert_eq!(loaded.facts.names, ["hawser.invalid"]);
}

#[test]
fn bad_pairs_say_which_half_is_wrong() {
    let (chain, key) = pem_pair("a.example.com", &["a.example.com"]);
    let (_, other_key) = pem_pair("b.example.com", &["b.example.com"]);
    let garbled = chain.replace("MII", "@@@");
    type Expected = fn(&KeyPairError) -> bool;
    let cases: [(&str, &str, Expected, &str); 5] = [
        (
            &garbled,
            &key,
            |e| matches!(e, KeyPairError::Chain(_)),
            "bad PEM",
        ),
        (
            "no pem here",
            &key,
            |e| matches!(e, KeyPairError::Chain(_)),
            "no PEM certificate",
        ),
        (
            &chain,
            "",
            |e| matches!(e, KeyPairError::Key(_)),
            "no PEM private key",
        ),
        (
            &chain,
            &chain,
            |e| matches!(e, KeyPairError::Key(_)),
            "no PEM private key",
        ),
        (
            &chain,
            &other_key,
            |e| *e == KeyPairError::Mismatch,
            "does not match",
        ),
    ];
    for (chain, key, expected, text) in cases {
        let err = Certificate::from_pem(chain.as_bytes(), key.as_bytes()).expect_err(text);
        assert!(expected(&err), "{err:?}");
        assert!(err.to_string().contains(text), "{err} lacks {text:?}");
    }
}

#[test]
fn wildcards_cover_exactly_one_label() {
    // RFC 6125 6.4.3, and Traefik's pkg/tls/certificate_store.go matchDomain (the first
    // label of the server name replaced by "*").
    let cases = [
        ("a.example.com", "a.example.com", true),
        ("*.example.com", "a.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "a.b.example.com", false),
        ("*.example.com", ".example.com", false),
        ("*.b.example.com", "a.b.example.com", true),
        ("a.example.com", "b.example.com", false),
    ];
    for (held, name, expected) in cases {
        assert_eq!(name_matches(held, name), expected, "{held} for {name}");
    }
}

#[test]
fn host_names_are_dns_labels() {
    for good in [
        "example.com",
        "*.example.com",
        "a-b.c",
        "localhost",
        "xn--bcher-kva.example",
    ] {
        assert!(is_host_name(good), "{good}");
    }
    for bad in [
        "", "*.", "a..b", "-a.com", "a-.com", "a b.com", "*.*.com", "a.*.com",
    ] {
        assert!(!is_host_name(bad), "{bad}");
    }
    assert_eq!(normalize_name(" Example.COM. "), "example.com");
}

#[test]
fn times_are_unix_milliseconds() {
    let time = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    assert_eq!(unix_millis(time), 1_700_000_000_123);
    assert_eq!(unix_millis(SystemTime::UNIX_EPOCH), 0);
}
