use std::time::{Duration, SystemTime};

use super::*;
use crate::tls::selfsigned::self_signed;

const DAY: Duration = Duration::from_secs(24 * 3600);

fn certificate(names: &[&str]) -> Certificate {
    valid_until(names, SystemTime::now() + 30 * DAY)
}

fn valid_until(names: &[&str], not_after: SystemTime) -> Certificate {
    let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    self_signed("test", &names, not_after - 60 * DAY, not_after).expect("certificate")
}

fn served(certificate: &Certificate) -> Record {
    Record {
        domain: certificate.facts.names[0].clone(),
        sans: certificate.facts.names[1..].to_vec(),
        certificate: Some(certificate.clone()),
        state: CertState::Valid,
        last_error: None,
        file: None,
    }
}

fn same(a: &Arc<CertifiedKey>, b: &Certificate) -> bool {
    Arc::ptr_eq(a, &b.certified)
}

#[test]
fn sni_selects_exact_then_wildcard_then_the_default() {
    // Traefik's GetBestCertificate (pkg/tls/certificate_store.go): the SNI lowercased, an
    // exact name, then a wildcard; no match or no SNI: the store's default certificate.
    let default = certificate(&["hawser.invalid"]);
    let exact = certificate(&["a.example.com"]);
    let wildcard = certificate(&["*.example.com"]);
    let store = CertificateStore::new(default.clone(), DefaultOrigin::Generated);
    store.publish(Source::Files, vec![served(&wildcard), served(&exact)]);
    let snapshot = store.snapshot();
    let cases = [
        (Some("a.example.com"), &exact, Match::Exact),
        (Some("A.Example.COM."), &exact, Match::Exact),
        (Some("b.example.com"), &wildcard, Match::Wildcard),
        (Some("example.com"), &default, Match::Default),
        (Some("x.b.example.com"), &default, Match::Default),
        (Some("other.test"), &default, Match::Default),
        (None, &default, Match::Default),
    ];
    for (sni, expected, how) in cases {
        let (chosen, matched) = snapshot.select(sni);
        assert!(same(&chosen, expected), "{sni:?}");
        assert_eq!(matched, how, "{sni:?}");
    }
}

#[test]
fn files_win_over_acme_and_unexpired_over_expired() {
    let default = certificate(&["hawser.invalid"]);
    let from_file = certificate(&["a.example.com"]);
    let from_acme = valid_until(
        &["a.example.com", "b.example.com"],
        SystemTime::now() + 80 * DAY,
    );
    let store = CertificateStore::new(default, DefaultOrigin::Generated);
    store.publish(Source::Acme("le".into()), vec![served(&from_acme)]);
    store.publish(Source::Files, vec![served(&from_file)]);
    let snapshot = store.snapshot();
    assert!(same(&snapshot.select(Some("a.example.com")).0, &from_file));
    assert!(same(&snapshot.select(Some("b.example.com")).0, &from_acme));

    let expired_file = valid_until(&["a.example.com"], SystemTime::now() - DAY);
    store.publish(Source::Files, vec![served(&expired_file)]);
    assert!(same(
        &store.snapshot().select(Some("a.example.com")).0,
        &from_acme
    ));
}

#[test]
fn within_a_source_the_longest_lived_certificate_wins() {
    let store = CertificateStore::new(certificate(&["hawser.invalid"]), DefaultOrigin::Generated);
    let older = valid_until(&["a.example.com"], SystemTime::now() + DAY);
    let newer = valid_until(&["a.example.com"], SystemTime::now() + 9 * DAY);
    store.publish(
        Source::Acme("le".into()),
        vec![served(&older), served(&newer)],
    );
    assert!(same(
        &store.snapshot().select(Some("a.example.com")).0,
        &newer
    ));
}

#[test]
fn a_snapshot_taken_before_a_publish_keeps_its_certificates() {
    let store = CertificateStore::new(certificate(&["hawser.invalid"]), DefaultOrigin::Generated);
    let first = certificate(&["a.example.com"]);
    store.publish(Source::Files, vec![served(&first)]);
    let in_progress = store.snapshot();
    let second = certificate(&["a.example.com"]);
    store.publish(Source::Files, vec![served(&second)]);
    assert!(same(&in_progress.select(Some("a.example.com")).0, &first));
    assert!(same(
        &store.snapshot().select(Some("a.example.com")).0,
        &second
    ));
}

#[test]
fn the_report_lists_every_source_then_the_default() {
    let default = certificate(&["hawser.invalid"]);
    let store = CertificateStore::new(default, DefaultOrigin::Generated);
    let now = SystemTime::now();
    let expired = valid_until(&["old.example.com"], now - DAY);
    store.publish(
        Source::Files,
        vec![
            Record {
                file: Some("/run/secrets/old.crt".into()),
                ..served(&expired)
            },
            Record {
                domain: "broken".into(),
                sans: Vec::new(),
                certificate: None,
                state: CertState::Failed,
                last_error: Some("/run/secrets/broken.crt: bad PEM".into()),
                file: Some("/run/secrets/broken.crt".into()),
            },
        ],
    );
    store.publish(
        Source::Acme("le".into()),
        vec![Record {
            domain: "new.example.com".into(),
            sans: vec!["www.new.example.com".into()],
            certificate: None,
            state: CertState::Ordering,
            last_error: None,
            file: None,
        }],
    );
    let report = store.report(now);
    let summary: Vec<(&str, &str, CertState)> = report
        .iter()
        .map(|row| (row.resolver.as_str(), row.domain.as_str(), row.state))
        .collect();
    assert_eq!(
        summary,
        [
            ("file", "old.example.com", CertState::Expired),
            ("file", "broken", CertState::Failed),
            ("le", "new.example.com", CertState::Ordering),
            ("default", "hawser.invalid", CertState::Valid),
        ]
    );
    assert_eq!(report[0].issuer.as_deref(), Some("CN=test"));
    assert_eq!(
        report[0].not_after,
        Some(unix_millis(expired.facts.not_after))
    );
    assert_eq!(report[2].sans, ["www.new.example.com"]);
    assert_eq!(report[2].not_after, None);
    let json = serde_json::to_value(&report[1]).expect("serialises");
    assert_eq!(json["state"], "failed");
    assert_eq!(json["last_error"], "/run/secrets/broken.crt: bad PEM");
}

#[test]
fn files_cover_only_with_unexpired_certificates_for_every_name() {
    let store = CertificateStore::new(certificate(&["hawser.invalid"]), DefaultOrigin::Generated);
    let now = SystemTime::now();
    store.publish(
        Source::Files,
        vec![
            served(&certificate(&["*.example.com"])),
            served(&valid_until(&["old.test"], now - DAY)),
        ],
    );
    store.publish(
        Source::Acme("le".into()),
        vec![served(&certificate(&["acme.test"]))],
    );
    let names = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    assert!(store.files_cover(&names(&["a.example.com", "b.example.com"]), now));
    assert!(!store.files_cover(&names(&["a.example.com", "example.com"]), now));
    assert!(!store.files_cover(&names(&["old.test"]), now));
    assert!(
        !store.files_cover(&names(&["acme.test"]), now),
        "only files count"
    );
    assert!(!store.files_cover(&[], now));
}

#[test]
fn name_maps_keep_the_first_value_per_name() {
    let mut map = NameMap::default();
    assert!(map.is_empty());
    assert!(map.insert_if_absent("A.example.com", 1));
    assert!(!map.insert_if_absent("a.example.com", 2));
    assert!(map.insert_if_absent("*.example.com", 3));
    assert_eq!(map.lookup("a.example.com"), Some((&1, Match::Exact)));
    assert_eq!(map.lookup("z.example.com"), Some((&3, Match::Wildcard)));
    assert_eq!(map.lookup("example.com"), None);
}
